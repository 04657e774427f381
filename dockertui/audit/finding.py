"""Findings and fixes: what a check reports."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from dockertui.audit.severity import Severity


class FixKind(Enum):
    """How a weakness is fixed (docs/checks.md explains each kind)."""

    UPDATE = "update"  # live, no restart: docker update, docker network connect
    RECREATE = "recreate"  # a new container with a changed HostConfig
    DAEMON = "daemon"  # daemon.json and a daemon restart
    CLIENT = "client"  # the client's environment or context
    SWARM = "swarm"  # docker service update / docker swarm update, on a manager
    IMAGE = "image"  # rebuild the image
    MANUAL = "manual"  # no API call can fix it
    NONE = "none"  # informational: nothing to fix


@dataclass(frozen=True)
class Fix:
    kind: FixKind
    summary: str
    command: str = ""
    #: A daemon fix made against dockerd's real settings: the unified diff of
    #: daemon.json (or of dockerd's command line). The JSON report gives it
    #: with the engine's findings; "" where the settings were not read.
    diff: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind.value, "summary": self.summary, "command": self.command}


@dataclass(frozen=True)
class Finding:
    """One failed check on one container or on the engine.

    `why` is the check's plain-language reason (the same for every finding of
    that check); `detail` says what was seen on this container."""

    check: str
    severity: Severity
    cis: str | None
    title: str
    detail: str
    fix: Fix
    why: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape (schema dockertui.scan/1)."""
        return {
            "check": self.check,
            "severity": self.severity.value,
            "cis": self.cis,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix.to_dict(),
        }


def worst_first(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, f.check, f.detail))

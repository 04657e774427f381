"""An exec session, parsed from `GET /exec/{id}/json`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dockertui.model._json import flag, obj, strings, text


@dataclass(frozen=True)
class ExecSession:
    id: str
    container_id: str
    user: str  # empty: the container's own user
    privileged: bool
    command: tuple[str, ...]


def exec_from_inspect(doc: dict[str, Any]) -> ExecSession:
    process = obj(doc, "ProcessConfig")
    return ExecSession(
        id=text(doc, "ID"),
        container_id=text(doc, "ContainerID"),
        user=text(process, "user"),
        privileged=flag(process, "privileged"),
        command=tuple(
            part
            for part in [text(process, "entrypoint"), *(strings(process, "arguments") or [])]
            if part
        ),
    )

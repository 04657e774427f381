"""An engine-side lock per container, so that fixes never overlap.

Container names are unique per engine and `POST /containers/create` with a
taken name fails with 409: the one atomic test-and-set every client of an
engine shares, whatever host, user or state folder it runs from. A fix
takes the lock of a container by creating a never-started placeholder
container named `dockertui-lock-<container id>` (labelled with who holds it
and since when), before it reads anything it acts on, and removes it at the
end. A second fix of the same container fails to create that name and is
refused in one sentence naming the holder.

A lock whose holder is gone (a process on this host that no longer runs)
or that is older than `STALE_AFTER` is stale: it is reported as such and
`--break-lock` removes it. A lock held by a journal of an interrupted fix is
adopted by `--resume` of that fix.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dockertui.engine.errors import Conflict, NotFound
from dockertui.engine.gateway import EngineGateway
from dockertui.fixes.state import iso, utc_now
from dockertui.model import LOCK_LABEL

PREFIX = "dockertui-lock-"
STALE_AFTER = timedelta(minutes=15)
_LABELS = ("fix", "target", "user", "host", "pid", "pid-start", "since")


def lock_name(container_id: str) -> str:
    return PREFIX + container_id


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, from its labels."""

    fix: str
    target: str
    user: str
    host: str
    pid: int
    pid_start: str  # the process's start time (/proc/<pid>/stat), against pid reuse
    since: str  # ISO time the lock was taken

    @classmethod
    def from_labels(cls, labels: Mapping[str, str]) -> Holder:
        get = {key: str(labels.get(f"{LOCK_LABEL}.{key}") or "") for key in _LABELS}
        pid = int(get["pid"]) if get["pid"].isdigit() else 0
        return cls(
            get["fix"], get["target"], get["user"], get["host"], pid, get["pid-start"], get["since"]
        )

    def labels(self) -> dict[str, str]:
        values = (self.fix, self.target, self.user, self.host, str(self.pid), self.pid_start)
        found = {
            f"{LOCK_LABEL}.{k}": v for k, v in zip(_LABELS, (*values, self.since), strict=True)
        }
        return {LOCK_LABEL: "1", **found}

    def describe(self) -> str:
        return f"{self.user or '?'}@{self.host or '?'} (pid {self.pid or '?'}) since {self.since}"

    def stale_reason(self, now: datetime | None = None) -> str | None:
        """Why this lock no longer protects a running fix, or None."""
        now = now or utc_now()
        try:
            age = now - datetime.fromisoformat(self.since.replace("Z", "+00:00"))
        except ValueError:
            return "it carries no valid time"
        if age > STALE_AFTER:
            return f"it is {int(age.total_seconds() // 60)} minutes old"
        if self.host == socket.gethostname() and not process_alive(self.pid, self.pid_start):
            return f"its process {self.pid} on this host is gone"
        return None


def process_start(pid: int) -> str:
    """The start time of `pid` (field 22 of /proc/<pid>/stat), "" when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


def process_alive(pid: int, start: str) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    return not start or process_start(pid) in ("", start)


class Locked(Exception):
    """Another fix holds the lock. `str(err)` is one sentence."""

    def __init__(self, reason: str, holder: Holder, stale: str | None) -> None:
        super().__init__(reason)
        self.holder = holder
        self.stale = stale


class EngineLocks:
    """The locks one fix holds on one engine."""

    def __init__(self, gateway: EngineGateway, fix_id: str) -> None:
        self.gateway = gateway
        self.fix_id = fix_id
        self.held: list[str] = []

    def _holder(self, target: str) -> Holder:
        pid = os.getpid()
        return Holder(
            fix=self.fix_id,
            target=target,
            user=_user(),
            host=socket.gethostname(),
            pid=pid,
            pid_start=process_start(pid),
            since=iso(),
        )

    async def take(self, target: str, image: str, what: str, *, break_stale: bool = False) -> None:
        """Lock container `target` (its full id). Raises Locked when another
        fix holds it; adopts a lock this fix (same fix id) already holds.
        `break_stale` removes a stale lock first."""
        name = lock_name(target)
        for _ in range(2):
            holder = self._holder(target)
            body: dict[str, Any] = {
                "Image": image,
                "Entrypoint": ["/dockertui-lock-never-starts"],
                "Cmd": [],
                "Labels": holder.labels(),
                "NetworkDisabled": True,
                "HostConfig": {"NetworkMode": "none", "RestartPolicy": {"Name": "no"}},
            }
            try:
                await self.gateway.create_container(body, name)
            except Conflict:
                current = await self.holder_of(target)
                if current is None:
                    continue  # released meanwhile: try again
                if current.fix == self.fix_id:
                    break  # ours, from before an interruption: adopt it
                stale = current.stale_reason()
                if stale and break_stale:
                    await self._remove(name)
                    continue
                raise Locked(_locked_sentence(what, current, stale), current, stale) from None
            break
        else:
            current = await self.holder_of(target)
            raise Locked(
                f"{what} is being fixed by another dockertui right now; try again once it is done.",
                current or holder,
                None,
            )
        if name not in self.held:
            self.held.append(name)

    async def holder_of(self, target: str) -> Holder | None:
        doc = await self.gateway.inspect_container(lock_name(target))
        if doc is None:
            return None
        return Holder.from_labels((doc.get("Config") or {}).get("Labels") or {})

    async def release(self) -> None:
        """Remove every lock this fix holds (those still carrying its id)."""
        for name in list(self.held):
            doc = await self.gateway.inspect_container(name)
            labels = ((doc or {}).get("Config") or {}).get("Labels") or {}
            if doc is not None and Holder.from_labels(labels).fix == self.fix_id:
                await self._remove(name)
            self.held.remove(name)

    async def _remove(self, name: str) -> None:
        with contextlib.suppress(NotFound):
            await self.gateway.remove_container(name)


def _locked_sentence(what: str, holder: Holder, stale: str | None) -> str:
    if stale:
        return (
            f"{what} is locked by a fix that looks abandoned ({stale}; taken by "
            f"{holder.describe()}, fix {holder.fix}): if no fix of it is running, resume that "
            "fix where it started or run again with --break-lock."
        )
    return (
        f"{what} is being fixed by another dockertui ({holder.describe()}, fix {holder.fix}); "
        "let that fix finish before starting another."
    )


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())

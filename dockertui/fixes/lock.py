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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dockertui.engine.errors import Conflict, NotFound
from dockertui.engine.gateway import EngineGateway
from dockertui.fixes.owner import Owner
from dockertui.fixes.state import iso, utc_now
from dockertui.model import LOCK_LABEL, is_lock

PREFIX = "dockertui-lock-"
#: How old a lock from another host (whose owner cannot be checked) may be
#: before it counts as abandoned.
STALE_AFTER = timedelta(minutes=15)
_LABELS = ("fix", "target", "user", "host", "pid", "pid-start", "since")


def lock_name(container_id: str) -> str:
    return PREFIX + container_id


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, from its labels."""

    fix: str
    target: str
    owner: Owner = field(default_factory=Owner)
    since: str = ""  # ISO time the lock was taken

    @classmethod
    def from_labels(cls, labels: Mapping[str, str]) -> Holder:
        get = {key: str(labels.get(f"{LOCK_LABEL}.{key}") or "") for key in _LABELS}
        pid = int(get["pid"]) if get["pid"].isdigit() else 0
        owner = Owner(get["user"], get["host"], pid, get["pid-start"])
        return cls(get["fix"], get["target"], owner, get["since"])

    def labels(self) -> dict[str, str]:
        o = self.owner
        values = (self.fix, self.target, o.user, o.host, str(o.pid), o.pid_start, self.since)
        return {
            LOCK_LABEL: "1",
            **{f"{LOCK_LABEL}.{k}": v for k, v in zip(_LABELS, values, strict=True)},
        }

    def describe(self) -> str:
        return f"{self.owner.describe()} since {self.since}"

    def stale_reason(self, now: datetime | None = None) -> str | None:
        """Why this lock no longer protects a running fix, or None. On the
        owner's host its process says; from another host, only its age."""
        alive = self.owner.alive()
        if alive is True:
            return None
        if alive is False:
            return f"its process {self.owner.pid} on this host is gone"
        try:
            age = (now or utc_now()) - datetime.fromisoformat(self.since.replace("Z", "+00:00"))
        except ValueError:
            return "it carries no valid time"
        if age < -timedelta(minutes=5):
            return "it is dated in the future and its host cannot be asked"
        if age > STALE_AFTER:
            return (
                f"it is {int(age.total_seconds() // 60)} minutes old and its host cannot be asked"
            )
        return None


class Locked(Exception):
    """Another fix holds the lock. `str(err)` is one sentence."""

    def __init__(self, reason: str, holder: Holder, stale: str | None) -> None:
        super().__init__(reason)
        self.holder = holder
        self.stale = stale


class EngineLocks:
    """The locks one fix holds on one engine (lock name -> lock container id)."""

    def __init__(self, gateway: EngineGateway, fix_id: str) -> None:
        self.gateway = gateway
        self.fix_id = fix_id
        self.held: dict[str, str] = {}

    async def take(
        self,
        target: str,
        image: str,
        what: str,
        *,
        break_stale: bool = False,
        protected: Callable[[str], bool] = lambda fix: False,
    ) -> None:
        """Lock container `target` (its full id). Raises Locked when another
        fix holds it. A lock of this very fix (same fix id: a resumed fix) is
        taken over; `break_stale` removes an abandoned lock first, unless
        `protected(fix id)` (an interrupted fix this state folder can resume
        keeps its lock for that)."""
        name = lock_name(target)
        for _ in range(3):
            holder = Holder(self.fix_id, target, Owner.here(), iso())
            body: dict[str, Any] = {
                "Image": image,
                "Entrypoint": ["/dockertui-lock-never-starts"],
                "Cmd": [],
                "Labels": holder.labels(),
                "NetworkDisabled": True,
                "HostConfig": {"NetworkMode": "none", "RestartPolicy": {"Name": "no"}},
            }
            try:
                self.held[name] = await self.gateway.create_container(body, name)
                return
            except Conflict:
                doc = await self.gateway.inspect_container(name)
            if doc is None:
                continue  # released meanwhile: try again
            labels = (doc.get("Config") or {}).get("Labels") or {}
            if not is_lock(labels):
                raise Locked(
                    f"A container named {name} exists but is not a dockertui lock; rename or "
                    f"remove it, then fix {what} again.",
                    Holder.from_labels(labels),
                    None,
                ) from None
            current = Holder.from_labels(labels)
            if current.fix == self.fix_id:
                if current.owner == holder.owner:
                    self.held[name] = str(doc["Id"])  # already ours
                    return
                if current.owner.alive() is True:  # a live process holds it: not ours to take
                    raise Locked(
                        f"{what} is held for this very fix by another dockertui "
                        f"({current.describe()}): resume it there, or once that one has ended.",
                        current,
                        None,
                    ) from None
                # This fix's lock from before an interruption (the caller
                # resumes it): replaced by id rather than adopted, so that of
                # two processes resuming at once only one gets it.
                await self._remove(str(doc["Id"]))
                continue
            stale = current.stale_reason()
            if stale and break_stale and not protected(current.fix):
                await self._remove(str(doc["Id"]))
                continue
            raise Locked(_locked_sentence(what, current, stale), current, stale) from None
        # Taken and released under our feet, again and again: fixes in a tight race.
        racing = await self.holder_of(target)
        said = f" ({racing.describe()}, fix {racing.fix})" if racing else ""
        raise Locked(
            f"{what} is being fixed by another dockertui{said} right now; try again once it "
            "is done.",
            racing or Holder(self.fix_id, target),
            None,
        )

    async def holder_of(self, target: str) -> Holder | None:
        doc = await self.gateway.inspect_container(lock_name(target))
        labels = ((doc or {}).get("Config") or {}).get("Labels") or {}
        return Holder.from_labels(labels) if doc is not None and is_lock(labels) else None

    async def release(self) -> None:
        """Remove every lock this fix holds, by the id it was taken with
        (a lock broken and taken again by another fix meanwhile is not ours)."""
        for name, lock_id in list(self.held.items()):
            await self._remove(lock_id)
            del self.held[name]

    async def _remove(self, lock_id: str) -> None:
        # A lock is never started; any anonymous volume the image declares
        # was made for it alone and goes with it.
        with contextlib.suppress(NotFound):
            await self.gateway.remove_container(lock_id, volumes=True)


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

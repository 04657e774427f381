"""What `dockertui lab status` says about each member, read from the
engine's own inspect document. Pure.

Why a container could not start is the engine's record, not ours: a failed
start leaves the container created with the engine's error in
`State.Error` (and exit code 128), kept across engine restarts and seen by
every client, until a start succeeds. A state file of our own would be one
user's copy on one machine, and wrong as soon as someone starts the
container by hand; so nothing is stored, and status reads the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dockertui.demo.fleet import Member, RunState
from dockertui.lab.plan import SSHD_PATH, runs_sshd

MISSING = "missing"


@dataclass(frozen=True)
class MemberStatus:
    member: str  # the fleet's name
    container: str  # the lab's container name
    state: str  # the engine's State.Status, or MISSING
    health: str  # healthy, unhealthy, starting, or ""
    why: str  # what differs from the fleet's state, and why; "" when nothing does
    cannot_start: bool = False  # the engine refused to start it

    @property
    def as_the_fleet_has_it(self) -> bool:
        return not self.why


def member_status(
    member: Member, name: str, doc: Mapping[str, Any] | None, *, has_sshd: bool | None = None
) -> MemberStatus:
    """The member's status from its inspect document (None: not there).
    `has_sshd`: whether the container holds the image's sshd (None: not looked)."""
    if doc is None:
        return MemberStatus(member.name, name, MISSING, "", "not created; lab up makes it")
    state = doc.get("State") or {}
    status = str(state.get("Status") or "unknown")
    health = str((state.get("Health") or {}).get("Status") or "")
    error = str(state.get("Error") or "").strip()
    code = state.get("ExitCode")
    restarts = doc.get("RestartCount") or 0
    why = ""
    cannot = False
    if status == "created":
        if error:
            why, cannot = f"cannot start on this engine: {error}", True
        elif member.state is not RunState.CREATED:
            why = "created, not started yet; lab up starts it"
    elif member.state is RunState.CRASH_LOOP:
        if status not in ("restarting", "running", "exited"):
            why = f"{status}, where the fleet has it crash-looping"
    elif member.state is RunState.EXITED:
        if status == "exited" and code != member.exit_code:
            why = f"exited with code {code}, where the fleet's job exits with {member.exit_code}"
        elif status != "exited":
            why = f"{status}, where the fleet's job has exited"
    elif member.state is RunState.CREATED:
        why = f"{status}, where the fleet has it created and never started"
    elif status != "running":
        why = f"{status} (exit code {code})" + (f": {error}" if error else "")
        if restarts:
            why += f", restarted {restarts} times"
    if not why and runs_sshd(member) and has_sshd is False:
        why = f"the image has no {SSHD_PATH}, so no sshd runs here for the sshd lesson"
    return MemberStatus(member.name, name, status, health, why, cannot)

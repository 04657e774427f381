"""Exec sessions seen on the event stream (CIS 5.23, 5.24). The live console
runs these when an exec_create event arrives; a scan never sees execs."""

from __future__ import annotations

import shlex

from dockertui.audit.finding import FixKind
from dockertui.audit.identity import is_root, root_is_remapped
from dockertui.audit.registry import PASS, Outcome, exec_check, fail
from dockertui.audit.severity import Severity
from dockertui.model import Container, EngineInfo, ExecSession


@exec_check(
    "exec-privileged",
    cis="5.23",
    severity=Severity.HIGH,
    title="Privileged exec session",
    why="docker exec --privileged gives that shell every capability and no seccomp filter, "
    "even in a container that was hardened.",
    fix=FixKind.MANUAL,
    fix_summary="Find who ran it and why; use exec without --privileged.",
)
def exec_privileged(session: ExecSession, container: Container, engine: EngineInfo) -> Outcome:
    if not session.privileged:
        return PASS
    return fail(f"Privileged exec: {shlex.join(session.command)}")


@exec_check(
    "exec-root",
    cis="5.24",
    severity=Severity.MEDIUM,
    title="Exec session as root",
    why="A root shell inside a container is root on the host as far as the kernel is "
    "concerned, unless user namespaces remap it.",
    fix=FixKind.MANUAL,
    fix_summary="Use docker exec --user <uid> for routine work.",
    also=(Severity.LOW,),
)
def exec_root(session: ExecSession, container: Container, engine: EngineInfo) -> Outcome:
    user = session.user or container.user
    if not is_root(user):
        return PASS
    shown = session.user or f"{container.user or 'root'} (the container's user)"
    if root_is_remapped(container, engine):
        return fail(
            f"Exec as {shown}, remapped to an unprivileged host user: "
            f"{shlex.join(session.command)}",
            severity=Severity.LOW,
        )
    return fail(f"Exec as {shown}: {shlex.join(session.command)}")

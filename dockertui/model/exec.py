"""An exec session, parsed from `GET /exec/{id}/json` (or, when it is gone
by then, from its exec_create event), and how to tell a run of the
container's own health check from an exec somebody started."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dockertui.model._json import flag, obj, strings, text
from dockertui.model.container import Container


@dataclass(frozen=True)
class ExecSession:
    id: str
    container_id: str
    user: str  # empty: the container's own user
    privileged: bool
    command: tuple[str, ...]
    tty: bool = False
    stdin: bool = False  # docker exec -i


def exec_from_inspect(doc: dict[str, Any]) -> ExecSession:
    process = obj(doc, "ProcessConfig")
    return ExecSession(
        id=text(doc, "ID"),
        container_id=text(doc, "ContainerID"),
        user=text(process, "user"),
        privileged=flag(process, "privileged"),
        tty=flag(process, "tty"),
        stdin=flag(doc, "OpenStdin"),
        command=tuple(
            part
            for part in [text(process, "entrypoint"), *(strings(process, "arguments") or [])]
            if part
        ),
    )


def exec_from_event(exec_id: str, container_id: str, command: str) -> ExecSession:
    """A session known only from its exec_create event (it ended before it
    could be inspected): the user is not known, so the checks judge it as
    the container's own user, which is what an exec without --user gets."""
    return ExecSession(
        id=exec_id,
        container_id=container_id,
        user="",
        privileged=False,
        command=tuple(command.split()),
    )


#: The shell a CMD-SHELL health check runs in when the container sets none
#: (Config.Shell), as the engine runs it on Linux.
DEFAULT_SHELL = ("/bin/sh", "-c")


def healthcheck_argv(container: Container) -> tuple[str, ...] | None:
    """What the engine execs for each run of the container's health check:
    the CMD form as given, the CMD-SHELL form inside the container's shell;
    None when it has no (enabled) health check."""
    test = container.healthcheck or ()
    if len(test) < 2:
        return None  # none, inherited but empty, or ["NONE"]
    kind, rest = test[0], tuple(test[1:])
    if kind == "CMD":
        return rest
    if kind == "CMD-SHELL":
        return (*(container.shell or DEFAULT_SHELL), *rest)
    return None


def command_text(argv: Sequence[str]) -> str:
    """An exec's command as the engine writes it in the exec_create (and
    exec_start) event's action: the entrypoint, a space, the arguments
    joined by spaces."""
    return f"{argv[0]} {' '.join(argv[1:])}" if argv else ""


def is_healthcheck(command: str, container: Container) -> bool:
    """Whether an exec whose event action names `command` is a run of the
    container's own health check. The event joins the arguments with spaces,
    so an exec of the same words split differently is taken for the health
    check too: it runs the same program (for a shell form, at most a prefix
    of the health check's own script)."""
    argv = healthcheck_argv(container)
    return argv is not None and command == command_text(argv)


def is_health_run(session: ExecSession, container: Container) -> bool:
    """Whether an inspected exec whose command matched the health check is
    really one of the engine's runs: the engine runs it as the container's
    configured user, unprivileged, with no terminal and no stdin. A person
    typing the same command with --privileged, --user, -t or -i is not a
    health run. (Environment variables given with -e are not in the exec's
    inspect document, so an exec that differs only by them cannot be told
    apart.)"""
    return (
        not session.privileged
        and not session.tty
        and not session.stdin
        and session.user in ("", container.user)
        and bool(session.command)
        and command_text(session.command) == command_text(healthcheck_argv(container) or ())
    )

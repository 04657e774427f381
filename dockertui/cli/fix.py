"""`dockertui fix`: guided fixes without the console."""

from __future__ import annotations

import asyncio
import re
import sys
from types import SimpleNamespace
from typing import Any

import click

from dockertui.cli.common import (
    EXIT_ERROR,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_ROLLED_BACK,
    endpoint_options,
    fail,
)

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([bkmg]?)b?\s*$", re.IGNORECASE)
_USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$")


def _size(value: str | None) -> int | None:
    """'512m' -> 536870912, as `docker run --memory` reads it."""
    if value is None:
        return None
    match = _SIZE.match(value)
    if not match:
        raise click.BadParameter(
            f"{value!r} is not a size such as 512m or 1g.", param_hint="--memory"
        )
    number, unit = match.groups()
    scale = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]
    size = int(float(number) * scale)
    if size < 6 * 1024**2:
        raise click.BadParameter("the engine needs at least 6m of memory.", param_hint="--memory")
    return size


@click.command()
@endpoint_options
@click.argument("container", required=False)
@click.option(
    "--plan",
    "plans",
    multiple=True,
    metavar="PLAN",
    help="A change to make (repeatable, or comma-separated): drop-caps, unprivileged, "
    "no-new-privileges, default-seccomp, non-root, read-only, localhost-ports, "
    "host-namespaces, limits, restart-policy.",
)
@click.option(
    "--keep-cap",
    "keep_caps",
    multiple=True,
    metavar="CAP",
    help="drop-caps: drop every capability but these (of those it holds). Repeatable.",
)
@click.option(
    "--cap-preset",
    type=click.Choice(["hardening", "strict", "custom"]),
    help="drop-caps: the hardening list (default), strict (drop ALL, add --keep-cap), "
    "custom (default with --keep-cap).",
)
@click.option(
    "--user", metavar="UID[:GID]", help="non-root: the user to run as (default 1000:1000)."
)
@click.option(
    "--bind-address", metavar="ADDR", help="localhost-ports: the address to publish on (127.0.0.1)."
)
@click.option(
    "--tmpfs", multiple=True, metavar="PATH", help="read-only: tmpfs paths (default /tmp)."
)
@click.option("--memory", metavar="SIZE", help="limits: memory (and memory-swap), e.g. 512m.")
@click.option("--cpus", type=click.FloatRange(min=0.01), help="limits: CPUs, e.g. 1.5.")
@click.option("--pids-limit", type=click.IntRange(min=1), help="limits: processes.")
@click.option(
    "--dry-run", is_flag=True, help="Print the diff and the docker command; change nothing."
)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--verify-seconds",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="How long the re-created container must run well before the fix counts.",
)
@click.option("--rollback", is_flag=True, help="Restore CONTAINER's latest backup container.")
@click.option("--resume", is_flag=True, help="Finish or roll back an interrupted fix.")
@click.option(
    "--resume-action",
    type=click.Choice(["finish", "rollback"]),
    help="With --resume: what to do with the interrupted fix.",
)
@click.option("--read-only", "read_only", is_flag=True, help="Refuse (and log) any change.")
@click.pass_context
def fix(
    ctx: click.Context,
    host: str | None,
    context: str | None,
    container: str | None,
    plans: tuple[str, ...],
    keep_caps: tuple[str, ...],
    cap_preset: str | None,
    user: str | None,
    bind_address: str | None,
    tmpfs: tuple[str, ...],
    memory: str | None,
    cpus: float | None,
    pids_limit: int | None,
    dry_run: bool,
    yes: bool,
    verify_seconds: float,
    rollback: bool,
    resume: bool,
    resume_action: str | None,
    read_only: bool,
) -> None:
    """Apply a guided fix to CONTAINER: a live update, or a safe re-create
    (backup, verification, automatic rollback). Every action is logged to
    the audit log in the state directory.

    \b
    dockertui fix web --plan drop-caps --plan no-new-privileges --dry-run
    dockertui fix web --plan limits --memory 256m --yes
    dockertui fix --rollback web
    dockertui fix --resume [web] --resume-action finish|rollback

    Exit codes: 0 applied and verified (or dry run), 2 refused or wrong
    arguments or engine unreachable, 3 rolled back (the original runs
    again), 4 failed (see the message; nothing was removed)."""
    import ipaddress

    from dockertui.engine.endpoint import EndpointError, resolve_endpoint
    from dockertui.fixes.plan import Options, resolve

    obj = ctx.obj or {}
    read_only = read_only or bool(obj.get("read_only"))
    names = tuple(p.strip() for item in plans for p in item.split(",") if p.strip())
    modes = sum([bool(rollback), bool(resume)])
    if modes > 1:
        raise click.UsageError("--rollback and --resume cannot be combined.")
    if (rollback or resume) and names:
        raise click.UsageError("--plan cannot be combined with --rollback or --resume.")
    if resume_action and not resume:
        raise click.UsageError("--resume-action needs --resume.")
    if rollback and not container:
        raise click.UsageError("--rollback needs the CONTAINER whose backup to restore.")
    if not (rollback or resume):
        if not container:
            raise click.UsageError("Name the CONTAINER to fix.")
        if not names:
            raise click.UsageError("Say what to change with --plan (e.g. --plan drop-caps).")
        try:
            resolve(names)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="--plan") from None
    if user is not None and not _USER.match(user):
        raise click.BadParameter(f"{user!r} is not UID[:GID] or NAME[:GROUP].", param_hint="--user")
    if bind_address is not None:
        try:
            ipaddress.ip_address(bind_address)
        except ValueError:
            raise click.BadParameter(
                f"{bind_address!r} is not an IP address.", param_hint="--bind-address"
            ) from None
    preset = cap_preset or ("custom" if keep_caps else "hardening")
    choices: dict[str, Any] = {"cap_preset": preset, "keep_caps": keep_caps}
    for key, value in (
        ("user", user),
        ("bind_address", bind_address),
        ("tmpfs", tmpfs or None),
        ("memory", _size(memory)),
        ("nano_cpus", round(cpus * 1e9) if cpus else None),
        ("pids_limit", pids_limit),
    ):
        if value is not None:
            choices[key] = value
    options = Options(**choices)
    try:
        endpoint = resolve_endpoint(
            host=host or obj.get("host"), context=context or obj.get("context")
        )
    except EndpointError as err:
        fail(str(err))
        return
    request = SimpleNamespace(
        container=container,
        names=names,
        options=options,
        dry_run=dry_run,
        yes=yes,
        verify_seconds=verify_seconds,
        rollback=rollback,
        resume=resume,
        resume_action=resume_action,
        read_only=read_only,
    )
    sys.exit(_run_fix(endpoint, request))


def _run_fix(endpoint: Any, req: Any) -> int:
    """Run one `dockertui fix` request; print; return the exit code."""
    import aiodocker

    from dockertui.engine.errors import EngineError
    from dockertui.fixes.executor import FixRefused
    from dockertui.text import printable

    try:
        return asyncio.run(_fix_async(endpoint, req))
    except FixRefused as err:
        if err.compose_snippet:
            click.echo(printable_block(err.compose_snippet))
        fail(printable(err.reason))
    except EngineError as err:
        fail(str(err))
    except aiodocker.DockerError as err:
        fail(f"The engine at {endpoint.host} refused a request: {printable(err.message)}.")
    except OSError as err:
        fail(
            f"Cannot write to the state directory ({err.filename or err}): "
            f"{err.strerror or err}; set DOCKERTUI_STATE_DIR to a writable folder."
        )
    return EXIT_ERROR


def printable_block(text: str) -> str:
    """Multi-line text with control characters shown, line breaks kept."""
    from dockertui.text import printable

    return "\n".join(printable(line) for line in text.split("\n"))


async def _fix_async(endpoint: Any, req: Any) -> int:
    import aiodocker

    from dockertui.engine.client import EngineClient
    from dockertui.engine.inventory import read_engine
    from dockertui.fixes.documents import is_noop
    from dockertui.fixes.executor import Executor
    from dockertui.fixes.plan import plan as make_plan
    from dockertui.fixes.state import APPLIED, DRY_RUN, ROLLED_BACK, State
    from dockertui.text import printable

    def progress(message: str) -> None:
        click.echo(f"  {printable(message)}", err=True)

    client = await EngineClient.open(endpoint)
    try:
        executor = Executor(
            client,
            state=State(),
            endpoint_label=endpoint.host,
            verify_seconds=req.verify_seconds,
            read_only=req.read_only,
            progress=progress,
        )
        if req.resume:
            result = await _resume(executor, req)
        elif req.rollback:
            if not req.read_only and not req.yes:
                _confirm_name(req.container, f"Restore the latest backup of {req.container}.")
            result = await executor.rollback_latest(req.container)
        else:
            for journal in executor.pending():
                if journal.name != req.container:
                    click.echo(
                        f"dockertui: note: an interrupted fix of {printable(journal.name)} is "
                        f"pending; run dockertui fix --resume {printable(journal.name)}.",
                        err=True,
                    )
            executor.ensure_not_pending(req.container, req.names)
            try:
                doc = await client.get(f"containers/{req.container}/json")
            except aiodocker.DockerError as err:
                if err.status == 404:
                    fail(f"There is no container {printable(req.container)} on {endpoint.host}.")
                raise
            fix_plan = make_plan(doc, req.names, await read_engine(client), req.options)
            preview = _preview(fix_plan)
            if req.dry_run:
                result = await executor.dry_run(fix_plan)
                click.echo(printable_block(preview))
                click.echo(result.message)
                return EXIT_OK
            await executor.preflight(fix_plan)
            if not req.yes and not is_noop(fix_plan):
                click.echo(printable_block(preview))
                try:
                    if fix_plan.recreate:
                        _confirm_name(
                            fix_plan.container.name,
                            "The container is stopped and re-created (the original is kept).",
                        )
                    else:
                        _confirm_yes(f"Update {fix_plan.container.name} live?")
                except _NotConfirmed as err:
                    executor.declined(fix_plan, str(err))
                    fail(str(err))
            result = await executor.apply(fix_plan)
    finally:
        await client.close()
    if result is None:
        return EXIT_OK
    click.echo(printable(result.message))
    if req.rollback and result.status == ROLLED_BACK:
        return EXIT_OK  # --rollback asked for exactly this
    codes = {APPLIED: EXIT_OK, DRY_RUN: EXIT_OK, ROLLED_BACK: EXIT_ROLLED_BACK}
    return codes.get(result.status, EXIT_FAILED)


def _preview(fix_plan: Any) -> str:
    """What a fix changes: the diff, and the equivalent docker command."""
    from dockertui.fixes import describe

    if fix_plan.recreate:
        kind, label, command = "re-create", "docker run", describe.docker_run(fix_plan)
    else:
        kind, label, command = (
            "live update, no restart",
            "docker update",
            describe.docker_update(fix_plan),
        )
    lines = [
        f"Fix {fix_plan.container.name}: {', '.join(fix_plan.changes)} ({kind})",
        describe.diff_text(fix_plan),
    ]
    if command:
        lines += ["", f"Equivalent {label}:", command]
    return "\n".join(lines)


class _NotConfirmed(Exception):
    pass


def _interactive() -> bool:
    return sys.stdin.isatty()


def _confirm_name(name: str, what: str) -> None:
    if not _interactive():
        raise _NotConfirmed(
            f"Not changing {name} without confirmation: run on a terminal or pass --yes."
        )
    click.echo(what, err=True)
    typed = click.prompt("Type the container name to confirm", default="", show_default=False)
    if typed.strip() != name:
        raise _NotConfirmed(f"Not changing {name}: the name typed does not match.")


def _confirm_yes(question: str) -> None:
    if not _interactive():
        raise _NotConfirmed(
            "Not changing anything without confirmation: run on a terminal or pass --yes."
        )
    if not click.confirm(question, default=False):
        raise _NotConfirmed("Not changed: the change was not confirmed.")


async def _resume(executor: Any, req: Any) -> Any:
    from dockertui.text import printable

    pending = [j for j in executor.pending() if req.container in (None, j.name)]
    if not pending:
        where = f" of {req.container}" if req.container else ""
        click.echo(f"There is no interrupted fix{printable(where)} to resume.")
        return None
    if len(pending) > 1:
        names = ", ".join(sorted({printable(j.name) for j in pending}))
        fail(
            f"Several interrupted fixes are pending ({names}); resume one at a time: "
            "dockertui fix --resume NAME --resume-action finish|rollback."
        )
    journal = pending[0]
    action = req.resume_action
    click.echo(
        f"Interrupted fix of {printable(journal.name)} ({', '.join(journal.plan)}), stopped at "
        f"step {printable(journal.step)} ({journal.phase}).",
        err=True,
    )
    if action is None:
        if not _interactive():
            fail("Say what to do with the interrupted fix: --resume-action finish or rollback.")
        action = click.prompt(
            "Finish or roll back?", type=click.Choice(["finish", "rollback"]), default="rollback"
        )
    return await executor.resume(journal, action)

"""Running one `dockertui fix` request: plan, preview, confirm, apply, print,
and the exit code (the table is in the README's "Fixing headless").

`step_hook` is the one seam for tests: a callable given each step's name
before it runs (the crash tests set it to kill the process there). Nothing
in the product sets it.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from dataclasses import dataclass, field
from typing import Any

import click

from dockertui.cli.common import EXIT_ERROR, EXIT_FAILED, EXIT_OK, EXIT_ROLLED_BACK, fail
from dockertui.cli.fix import FLAG_FIELDS, parse_size
from dockertui.engine.endpoint import Endpoint
from dockertui.engine.errors import EngineError, EngineRefused, describe_refusal
from dockertui.fixes.container_ops import StepFailed
from dockertui.fixes.executor import Executor, ResumeAction, StepHook, resume_goal, rolls_back
from dockertui.fixes.outcome import FixRefused, FixResult
from dockertui.fixes.plan import (
    CHANGES,
    CapPreset,
    FixPlan,
    Options,
    PlanError,
    options_for,
    resolve,
)
from dockertui.fixes.state import Result, State
from dockertui.fixes.validate import nano_cpus
from dockertui.text import printable

step_hook: StepHook | None = None


class NotConfirmed(Exception):
    """The user did not confirm (or could not: no terminal). One sentence."""


class StateFailure(Exception):
    """The state directory could not be read or written; `started` when a
    step had been journalled (the engine may have been changed)."""

    def __init__(self, cause: OSError, started: bool) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.started = started


@dataclass(frozen=True)
class FixRequest:
    container: str | None
    names: tuple[str, ...] = ()
    options: Options = field(default_factory=Options)
    copy_layer: bool = True
    dry_run: bool = False
    yes: bool = False
    verify_seconds: float | None = None  # None: 10 s, or a resumed fix's own window
    rollback: bool = False
    resume: bool = False
    resume_action: str | None = None
    break_lock: bool = False
    read_only: bool = False

    @classmethod
    def from_cli(cls, given: dict[str, Any], *, read_only: bool) -> FixRequest:
        """The request the flags describe; click.UsageError for a combination
        that means nothing (a flag no chosen plan reads is refused, not ignored)."""
        names = tuple(p.strip() for item in given["plans"] for p in item.split(",") if p.strip())
        container, rollback, resume = given["container"], given["rollback"], given["resume"]
        if rollback and resume:
            raise click.UsageError("--rollback and --resume cannot be combined.")
        if (rollback or resume) and names:
            raise click.UsageError("--plan cannot be combined with --rollback or --resume.")
        if given["resume_action"] and not resume:
            raise click.UsageError("--resume-action needs --resume.")
        if rollback and not container:
            raise click.UsageError("--rollback needs the CONTAINER whose backup to restore.")
        flags = [flag for flag, (param, _) in FLAG_FIELDS.items() if given[param] not in (None, ())]
        if rollback or resume:
            for flag, on in (
                *((f, True) for f in flags),
                ("--discard-layer", given["discard_layer"]),
                ("--dry-run", given["dry_run"]),
            ):
                if on:
                    raise click.UsageError(f"{flag} goes with --plan, not --rollback or --resume.")
            return cls(
                container, yes=given["yes"], verify_seconds=given["verify_seconds"],
                rollback=rollback, resume=resume, resume_action=given["resume_action"],
                break_lock=given["break_lock"], read_only=read_only or given["read_only"],
            )  # fmt: skip
        if not container:
            raise click.UsageError("Name the CONTAINER to fix.")
        if not names:
            raise click.UsageError("Say what to change with --plan (e.g. --plan drop-caps).")
        try:
            chosen = resolve(names)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="--plan") from None
        reads = options_for(chosen)
        for flag in flags:
            wanted = FLAG_FIELDS[flag][1]
            if wanted not in reads:
                owner = next(c.name for c in CHANGES.values() if wanted in c.options)
                raise click.UsageError(f"{flag} goes with --plan {owner}, which was not chosen.")
        if given["discard_layer"] and all(CHANGES[n].live for n in chosen):
            raise click.UsageError("--discard-layer goes with a re-create; these plans are live.")
        return cls(
            container, chosen, _options(given), copy_layer=not given["discard_layer"],
            dry_run=given["dry_run"], yes=given["yes"], verify_seconds=given["verify_seconds"],
            break_lock=given["break_lock"], read_only=read_only or given["read_only"],
        )  # fmt: skip


def _options(given: dict[str, Any]) -> Options:
    keep = tuple(given["keep_caps"])
    preset = given["cap_preset"] or ("custom" if keep else "hardening")
    choices: dict[str, Any] = {"cap_preset": CapPreset(preset), "keep_caps": keep}
    cpus = given["cpus"]
    nanos = nano_cpus(cpus) if cpus is not None else None
    if cpus is not None and nanos is None:
        raise click.BadParameter(f"{cpus} is not a number of CPUs.", param_hint="--cpus")
    for key, value in (
        ("user", given["user"]),
        ("bind_address", given["bind_address"]),
        ("tmpfs", tuple(given["tmpfs"]) or None),
        ("memory", parse_size(given["memory"]) if given["memory"] is not None else None),
        ("nano_cpus", nanos),
        ("pids_limit", given["pids_limit"]),
        ("restart_retries", given["restart_retries"]),
    ):
        if value is not None:
            choices[key] = value
    return Options(**choices)


def exit_code(result: FixResult | None, wanted: Result) -> int:
    """0 when what was asked happened (or there was nothing to do), 3 when a
    fix was rolled back instead, 4 when it failed."""
    if result is None or result.status in (wanted, Result.DRY_RUN):
        return EXIT_OK
    if result.status == Result.ROLLED_BACK:
        return EXIT_ROLLED_BACK
    if result.status == Result.REFUSED:
        return EXIT_ERROR
    return EXIT_FAILED


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (a cancelled CI job) ends like Ctrl-C: said, resumable


def run_fix(endpoint: Endpoint, req: FixRequest) -> int:
    """Run one request; print; return the exit code. No traceback for
    anything a user can meet."""
    signal.signal(signal.SIGTERM, _terminated)
    try:
        return asyncio.run(_fix_async(endpoint, req))
    except StateFailure as err:
        where = err.cause.filename or err.cause
        said = err.cause.strerror or err.cause
        if err.started:
            fail(
                f"The state directory failed mid-fix ({where}: {said}); mend it (or set "
                "DOCKERTUI_STATE_DIR), then run dockertui fix --resume.",
                EXIT_FAILED,
            )
        fail(
            f"Cannot use the state directory ({where}): {said}; set DOCKERTUI_STATE_DIR to a "
            "writable folder. Nothing was changed."
        )
    except StepFailed as err:
        fail(printable(f"{err}."), EXIT_FAILED)
    except FixRefused as err:
        if err.compose_snippet:
            click.echo(printable_block(err.compose_snippet))
        fail(printable(err.reason))
    except (EngineError, PlanError, NotConfirmed) as err:
        fail(printable(str(err)))
    except EngineRefused as err:
        fail(describe_refusal(endpoint, err))
    except KeyboardInterrupt:
        fail(
            "Interrupted; if a fix was under way, dockertui fix --resume finishes or rolls it "
            "back (the journal says where it stopped).",
            EXIT_FAILED,
        )
    return EXIT_ERROR


def printable_block(text: str) -> str:
    """Multi-line text with control characters shown, line breaks kept."""
    return "\n".join(printable(line) for line in text.split("\n"))


def _progress(message: str) -> None:
    click.echo(f"  {printable(message)}", err=True)


async def _fix_async(endpoint: Endpoint, req: FixRequest) -> int:
    from dockertui.engine.gateway import EngineGateway

    gateway = await EngineGateway.open(endpoint)
    try:
        executor = Executor(
            gateway,
            state=State(),
            endpoint_label=endpoint.host,
            verify_seconds=req.verify_seconds,
            read_only=req.read_only,
            progress=_progress,
            on_step=step_hook,
            break_lock=req.break_lock,
        )
        try:
            if req.resume:
                return await _resume(executor, req)
            if req.rollback:
                return await _rollback(executor, req)
            return await _apply(executor, gateway, endpoint, req)
        except OSError as err:
            raise StateFailure(err, executor.started) from None
    finally:
        await gateway.close()


async def _apply(executor: Executor, gateway: Any, endpoint: Endpoint, req: FixRequest) -> int:
    from dockertui.engine.inventory import read_engine
    from dockertui.fixes.documents import container_name, is_noop
    from dockertui.fixes.names import not_a_workload
    from dockertui.fixes.plan import plan as make_plan

    assert req.container is not None
    for journal in executor.pending():
        if journal.name != req.container:
            click.echo(
                f"dockertui: note: an interrupted fix of {printable(journal.name)} is "
                f"pending; run dockertui fix --resume {printable(journal.name)}.",
                err=True,
            )
    doc = await gateway.inspect_container(req.container)
    if doc is None:
        executor.refuse_if_pending(req.container, req.names)  # it may be mid-rename
        fail(f"There is no container {printable(req.container)} on {endpoint.host}.")
    refusal = not_a_workload(container_name(doc))  # a backup, as the console's f
    if refusal is not None:
        executor.refuse(doc, req.names, refusal)
    # Before planning, so that a read-only run or a busy container is said
    # first, whatever the values (preview checks both again, for the wizard).
    if not req.dry_run:
        executor.refuse_if_read_only(doc, req.names)
    await executor.refuse_if_busy(doc, req.names)
    try:
        fix_plan = make_plan(doc, req.names, await read_engine(gateway), req.options)
    except PlanError as err:
        executor.refuse(doc, req.names, str(err))
    if req.dry_run:
        result, checked = await executor.dry_run(fix_plan, copy_layer=req.copy_layer)
        click.echo(
            printable_block(
                preview_text(
                    fix_plan, checked.layer.lines(fix_plan.container.name, copy=req.copy_layer)
                )
            )
        )
        click.echo(result.message)
        return EXIT_OK
    checked = await executor.preview(fix_plan, copy_layer=req.copy_layer)
    layer = checked.layer.lines(fix_plan.container.name, copy=req.copy_layer)
    if not req.yes and not is_noop(fix_plan):
        click.echo(printable_block(preview_text(fix_plan, layer)))
        try:
            if fix_plan.recreate:
                _confirm_name(
                    fix_plan.container.name,
                    "The container is stopped and re-created (the original is kept).",
                )
            else:
                _confirm_yes(f"Update {fix_plan.container.name} live?")
        except NotConfirmed as err:
            executor.declined(fix_plan, str(err))
            raise
    result = await executor.apply(fix_plan, copy_layer=req.copy_layer)
    _print_result(result)
    return exit_code(result, Result.APPLIED)


async def _rollback(executor: Executor, req: FixRequest) -> int:
    assert req.container is not None
    if not req.read_only and not req.yes and await executor.backups(req.container):
        try:
            _confirm_name(req.container, f"Restore the latest backup of {req.container}.")
        except NotConfirmed as err:
            executor.refuse({"Id": "", "Name": req.container}, ["rollback"], str(err))
    result = await executor.rollback_latest(req.container)
    _print_result(result)
    return exit_code(result, Result.ROLLED_BACK)


async def _resume(executor: Executor, req: FixRequest) -> int:
    pending = [j for j in executor.pending() if req.container in (None, j.name)]
    if not pending:
        where = f" of {req.container}" if req.container else ""
        click.echo(f"There is no interrupted fix{printable(where)} to resume.")
        return EXIT_OK
    if len(pending) > 1:
        names = ", ".join(sorted({printable(j.name) for j in pending}))
        fail(
            f"Several interrupted fixes are pending ({names}); resume one at a time: "
            "dockertui fix --resume NAME --resume-action finish|rollback."
        )
    journal = pending[0]
    click.echo(
        f"Interrupted fix of {printable(journal.name)} ({', '.join(journal.plan)}), stopped at "
        f"step {printable(journal.step)} ({journal.phase}).",
        err=True,
    )
    action = req.resume_action
    if action is None and rolls_back(journal, ResumeAction.FINISH):
        action = ResumeAction.ROLLBACK  # no choice left: it can only be completed
    if action is None:
        if not _interactive():
            fail("Say what to do with the interrupted fix: --resume-action finish or rollback.")
        try:
            action = click.prompt(
                "Finish or roll back?",
                type=click.Choice([a.value for a in ResumeAction]),
                default="rollback",
            )
        except click.Abort:
            fail("Nothing was resumed: the question was not answered.")
    wanted = resume_goal(journal, action)
    result = await executor.resume(journal, action)
    _print_result(result)
    return exit_code(result, wanted)


def preview_text(fix_plan: FixPlan, layer: list[str]) -> str:
    """What a fix changes: the diff, the layer, and the equivalent docker command."""
    from dockertui.fixes import describe

    if fix_plan.recreate:
        kind, label, command = "re-create", "docker run", describe.docker_run(fix_plan)
    else:
        kind, label = "live update, no restart", "docker update"
        command = describe.docker_update(fix_plan)
    lines = [
        f"Fix {fix_plan.container.name}: {', '.join(fix_plan.changes)} ({kind})",
        describe.diff_text(fix_plan),
    ]
    if layer:
        lines += ["", *layer]
    if command:
        lines += ["", f"Equivalent {label}:", command]
    return "\n".join(lines)


def _print_result(result: FixResult) -> None:
    click.echo(printable(result.message))
    if result.after is not None and result.status == Result.APPLIED:
        click.echo(
            f"Grade now: {result.after.grade} ({result.after.score}), as the scan reports it."
        )


def _interactive() -> bool:
    return sys.stdin.isatty()


def _confirm_name(name: str, what: str) -> None:
    if not _interactive():
        raise NotConfirmed(
            f"Not changing {name} without confirmation: run on a terminal or pass --yes."
        )
    click.echo(what, err=True)
    try:
        typed = click.prompt("Type the container name to confirm", default="", show_default=False)
    except click.Abort:
        raise NotConfirmed(f"Not changing {name}: the confirmation was interrupted.") from None
    if typed.strip() != name:
        raise NotConfirmed(f"Not changing {name}: the name typed does not match.")


def _confirm_yes(question: str) -> None:
    if not _interactive():
        raise NotConfirmed(
            "Not changing anything without confirmation: run on a terminal or pass --yes."
        )
    try:
        confirmed = click.confirm(question, default=False)
    except click.Abort:
        confirmed = False
    if not confirmed:
        raise NotConfirmed("Not changed: the change was not confirmed.")

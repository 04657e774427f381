"""`dockertui scan` and `dockertui checks`: the headless audit."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dockertui.cli.common import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    advisory_table,
    engine_choice,
    fail,
    fleet_options,
)

if TYPE_CHECKING:
    from dockertui.audit import Finding, FleetReport
    from dockertui.audit.several import SeveralScan

FORMATS = ("table", "json", "sarif")
SEVERITIES = ("critical", "high", "medium", "low")
#: Show a progress bar on a terminal from this many containers on.
PROGRESS_FROM = 50


@click.command()
@fleet_options
@click.option(
    "-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the report to FILE instead of standard output.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES, case_sensitive=False),
    help="Exit 1 when a finding at or above this severity exists on a scanned container "
    "(or on the engine: see --include-engine).",
)
@click.option(
    "--include-engine",
    is_flag=True,
    help="With --filter, let the engine's findings count for --fail-on too "
    "(without a filter they always count).",
)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="KEY=VALUE",
    help="Only the containers `docker ps --filter` would list: name=, label=KEY[=VALUE], "
    "status=, id=, ancestor=, health=, exited=, network=, volume=, publish=, expose=, "
    "before=, since=, is-task=, isolation=. Different keys all apply; the same key "
    "twice matches either (labels: both). Repeatable.",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Table: every finding of the engine and of each container, with why it matters "
    "and the info findings, instead of one line per container.",
)
@click.option(
    "--container",
    "expand",
    multiple=True,
    metavar="NAME",
    help="Table: after the summary, every finding of this container (its name or an "
    "id prefix; with several engines ENGINE/NAME where two have the name). Repeatable.",
)
@click.option(
    "--pretty/--compact",
    default=None,
    help="JSON and SARIF: indented, or one line. Default: indented on a terminal, "
    "one line otherwise (pipes and files).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds the engine (each engine) has to answer the first request.",
)
@click.option(
    "--no-processes",
    is_flag=True,
    help="Skip reading processes: no process lists (the sshd check judges the configured "
    "command) and no facts from the kernel (every container is judged from its configuration).",
)
@click.option(
    "--advisories",
    "advisories_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Judge engine, runc and containerd versions with the advisory table in FILE "
    "(JSON, docs/advisories.md) instead of the bundled one.",
)
@click.pass_context
def scan(
    ctx: click.Context,
    host: tuple[str, ...],
    context: tuple[str, ...],
    insecure: bool,
    all_contexts: bool,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    include_engine: bool,
    filters: tuple[str, ...],
    verbose: bool,
    expand: tuple[str, ...],
    pretty: bool | None,
    timeout: float,
    no_processes: bool,
    advisories_file: Path | None,
) -> None:
    """Audit every container and the engine; print a table, JSON or SARIF.

    The table has one line per container, worst first, after one for the
    engine: grade, worst severity, counts (Critical, High, Medium, Low) and
    the top finding. -v shows every finding; --container NAME one
    container's.

    Several engines (-H and -c repeated, or --all-contexts) are scanned at
    once, each with its own --timeout: the table has a section per engine,
    the JSON an `engines` list, SARIF locations start engine/NAME/. An engine
    that cannot be read is one line on stderr and in the report, and the
    others are reported. --container ENGINE/NAME picks a name two engines
    share. Plain tcp:// without TLS needs --insecure.

    Exit codes: 0 no finding at or above --fail-on (or no --fail-on), 1 such a
    finding exists (on any engine read), 2 no engine could be read or the
    arguments are wrong."""

    # A scan builds many objects and lives a few seconds: the cyclic garbage
    # collector would walk them again and again for nothing to free (a
    # tenth of the CPU of a scan of 1,000 containers). Reference counting
    # still frees what is dropped. Switched back on when the command ends, for
    # a caller that runs it in its own process (a test, an embedding tool).
    if gc.isenabled():
        gc.disable()
        ctx.call_on_close(gc.enable)
    from dockertui.engine.errors import EngineError, EngineRefused, describe_refusal
    from dockertui.engine.inventory import api_filters
    from dockertui.scan import fail_on_findings, pick_containers, scan_engines, unusable_contexts
    from dockertui.scan import scan as run_scan

    try:
        api_filters(filters)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--filter") from None
    if expand and fmt != "table":
        raise click.BadParameter(
            f"it expands a container in the table, and the format is {fmt}",
            param_hint="--container",
        )
    choice = engine_choice(ctx, host, context, insecure, all_contexts)
    endpoints = choice.endpoints()
    unusable = unusable_contexts(choice.insecure) if choice.all_contexts else ()
    from dockertui.audit.advisories import active, using

    table = active() if advisories_file is None else advisory_table(advisories_file)
    if len(endpoints) > 1 or unusable:
        with using(table), _progress_bar() as progress:
            several = _run(
                scan_engines(
                    endpoints,
                    filters=filters,
                    processes=not no_processes,
                    progress=progress,
                    timeout=timeout,
                )
            )
        several = replace(several, engines=several.engines + unusable)
        _report_several(
            several,
            fmt,
            output,
            fail_on=fail_on,
            include_engine=include_engine or not filters,
            verbose=verbose,
            expand=expand,
            pretty=pretty,
        )
        return
    endpoint = endpoints[0]
    with using(table), _progress_bar() as progress:
        try:
            fleet = _run(
                run_scan(
                    endpoint,
                    filters=filters,
                    processes=not no_processes,
                    progress=progress,
                    timeout=timeout,
                )
            )
        except EngineError as err:
            fail(str(err))
            return
        except EngineRefused as err:
            fail(describe_refusal(endpoint, err))
            return
    try:
        expanded = pick_containers(fleet, expand)
    except LookupError as err:
        fail(str(err))
        return
    _written(
        lambda: _write(
            fleet,
            fmt,
            output,
            verbose=verbose,
            expanded=expanded,
            pretty=pretty,
            engine_counts=include_engine or not filters,
        ),
        output,
    )
    counted = fail_on_findings(fleet, include_engine=include_engine or not filters)
    _leave(_verdict(counted, fail_on))


def _written(write: Callable[[], None], output: Path | None) -> None:
    """Run `write`; a reader that went away ends nothing, an unwritable file exits 2."""
    try:
        write()
    except BrokenPipeError:
        if output is not None:
            raise
        _stdout_gone()  # `| head`: the reader had what it wanted; the verdict stands
    except OSError as err:
        fail(
            f"Cannot write the report to {output or 'standard output'}: "
            f"{err.strerror or err}; check that its folder exists and is writable."
        )


def _verdict(counted: Iterable[Finding], fail_on: str | None) -> int:
    """EXIT_FINDINGS when a counted finding is at or above --fail-on, else 0."""
    if not fail_on:
        return 0
    from dockertui.audit import Severity

    threshold = Severity.parse(fail_on)
    return EXIT_FINDINGS if any(f.severity >= threshold for f in counted) else 0


def _report_several(
    several: SeveralScan,
    fmt: str,
    output: Path | None,
    *,
    fail_on: str | None,
    include_engine: bool,
    verbose: bool,
    expand: tuple[str, ...],
    pretty: bool | None,
) -> None:
    """Several engines: each that could not be read is one sentence on stderr
    (and in the report); none read is exit 2, with no report; otherwise the
    report of those read, and the exit code of --fail-on over all of them."""
    from dockertui.scan import fail_on_several, pick_several
    from dockertui.text import printable

    for engine in several.failed:
        click.echo(f"dockertui: engine {printable(engine.name)}: {engine.error}", err=True)
    if not several.read:
        sys.exit(EXIT_ERROR)
    try:
        expanded = pick_several(several, expand)
    except LookupError as err:
        fail(str(err))
    _written(
        lambda: _write(
            several,
            fmt,
            output,
            verbose=verbose,
            expanded=expanded,
            pretty=pretty,
            engine_counts=include_engine,
        ),
        output,
    )
    _leave(_verdict(fail_on_several(several, include_engine=include_engine), fail_on))


T = TypeVar("T")


def _without_trailing_spaces(text: str) -> str:
    return "\n".join(line.rstrip(" ") for line in text.split("\n"))


def _stdout_gone() -> None:
    """The reader of standard output went away: point it at /dev/null, so
    that nothing else is written or flushed into the closed pipe (Python's
    own advice for SIGPIPE), and no error is printed on the way out."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _own_process() -> bool:
    """This process is dockertui itself (the `dockertui` script or `python
    -m dockertui`), not a caller that runs the command inside its own (a
    test, click's CliRunner, an embedding tool)."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    script = getattr(main, "__file__", None) or ""  # the console script's own file
    return getattr(spec, "name", "") == "dockertui.__main__" or (
        os.path.basename(script) == "dockertui"
    )


def _leave(code: int) -> None:
    """End the scan with exit `code`. In dockertui's own process, once the
    output is flushed, without tearing the heap down object by object: for
    1,000 containers that is some 40 ms of an 0.8 s scan spent freeing what
    the operating system frees at once. Anywhere else, SystemExit as usual."""
    if not _own_process():
        if code:
            sys.exit(code)
        return
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_gone()
    sys.stderr.flush()
    os._exit(code)


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(coroutine), but the task it runs returns nothing: on the
    way out asyncio.run restores the SIGINT handler, and on Python 3.11 that
    formats the handler, its task and the task's result with repr, which for
    a report of 1,000 containers takes a third of a second."""
    found: list[T] = []

    async def keep() -> None:
        found.append(await coroutine)

    asyncio.run(keep())
    return found[0]


class _progress_bar:
    """A progress bar on stderr, only on a terminal and for large fleets."""

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not sys.stderr.isatty():
            return None
        from rich.console import Console
        from rich.progress import Progress

        self._bar: Progress | None = None
        self._task: Any = None

        def update(done: int, total: int) -> None:
            if self._bar is None:
                if total < PROGRESS_FROM:
                    return
                self._bar = Progress(console=Console(stderr=True), transient=True)
                self._bar.start()
                self._task = self._bar.add_task("Inspecting containers", total=total)
            self._bar.update(self._task, completed=done, total=total)  # several engines: it grows

        return update

    def __exit__(self, *exc: object) -> None:
        bar = getattr(self, "_bar", None)
        if bar is not None:
            bar.stop()


def _write(
    fleet: FleetReport | SeveralScan,
    fmt: str,
    output: Path | None,
    *,
    verbose: bool,
    expanded: frozenset[str] | Mapping[str, frozenset[str]],
    pretty: bool | None,
    engine_counts: bool = True,
) -> None:
    """The report of one engine (a FleetReport, `expanded` its ids) or of
    several (a SeveralScan, `expanded` the ids by engine name)."""
    from dockertui.audit.several import SeveralScan

    if fmt == "table":
        from rich.console import Console

        from dockertui.report import table

        class _Console(Console):
            def on_broken_pipe(self) -> None:
                raise BrokenPipeError  # ours to handle (Rich would exit 1 here)

        report = fleet

        def render(console: Console) -> None:
            if isinstance(report, SeveralScan):
                assert isinstance(expanded, Mapping)
                table.render_engines(
                    report, console, verbose=verbose, expand=expanded, engine_counts=engine_counts
                )
            else:
                assert not isinstance(expanded, Mapping)
                table.render(
                    report, console, verbose=verbose, expand=expanded, engine_counts=engine_counts
                )

        if output is None:
            console = _Console(highlight=False)
            if console.is_terminal:
                render(console)
                return
            # A file or a pipe: the same text without the spaces Rich pads
            # each table line with, which diffs and `grep ' $'` trip over.
            with console.capture() as captured:
                render(console)
            sys.stdout.write(_without_trailing_spaces(captured.get()))
            return
        with output.open("w", encoding="utf-8") as fh:
            to_file = Console(file=fh, highlight=False, width=80)
            with to_file.capture() as captured:
                render(to_file)
            fh.write(_without_trailing_spaces(captured.get()))
        return
    if pretty is None:
        pretty = output is None and sys.stdout.isatty()
    if fmt == "json":
        from dockertui.report import json_report

        if isinstance(fleet, SeveralScan):
            text = json_report.render_engines(fleet, pretty=pretty, engine_counts=engine_counts)
        else:
            text = json_report.render(fleet, pretty=pretty, engine_counts=engine_counts)
    else:
        from dockertui.report import sarif

        if isinstance(fleet, SeveralScan):
            text = sarif.render_engines(fleet, pretty=pretty)
        else:
            text = sarif.render(fleet, pretty=pretty)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@click.command("checks")
def list_checks() -> None:
    """List every check: id, CIS number, every severity it can report, title."""
    from rich.console import Console
    from rich.table import Table

    from dockertui.audit import CHECKS

    grid = Table(box=None)
    # the id is what the console's filter, docs/checks.md and SARIF name: never cut it;
    # the severities and the title wrap in what is left
    for heading in ("id", "CIS"):
        grid.add_column(heading, no_wrap=True)
    grid.add_column("severity", overflow="fold")
    for heading in ("scope", "fix"):
        grid.add_column(heading, no_wrap=True)
    grid.add_column("title", ratio=1, overflow="fold")
    for check in CHECKS.values():
        grid.add_row(
            check.id,
            check.cis or "—",
            check.severities_text,
            check.scope,
            check.fix_kind.value,
            check.title,
        )
    from dockertui.audit.advisories import BUNDLED

    console = Console()
    console.print(grid)
    console.print(
        f"engine-outdated: {len(BUNDLED.advisories)} bundled advisories, checked as of "
        f"{BUNDLED.checked}; --advisories FILE (dockertui or dockertui scan) judges with a newer table.",
        highlight=False,
    )
    podman = [c.id for c in CHECKS.values() if c.not_on_podman]
    console.print(
        f"Not applicable on Podman: {', '.join(podman)} (docs/checks.md says why).",
        highlight=False,
    )

"""The human report, readable at 80 columns; every container-supplied string
is escaped.

`render` writes the summary: one line per container (grade, worst severity,
counts by severity, top finding), worst first, after one line for the
engine. `expand` names containers whose every finding follows the summary
(`scan --container`), and `verbose` writes the detail of everything instead
(`scan -v`): each container's findings with why they matter, info included.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from dockertui.audit import ContainerReport, Finding, FleetReport, Severity
from dockertui.audit.identity import engine_mode, shown_user
from dockertui.audit.in_effect import differs
from dockertui.audit.several import SeveralScan
from dockertui.audit.totals import severity_totals
from dockertui.model import EngineInfo
from dockertui.report import kernel_text
from dockertui.report.style import (
    DIFFERS_MARK,
    DIFFERS_MEANS,
    GRADE_STYLE,
    STYLE,
    counts_text,
    diff_text,
    severity_label,
)
from dockertui.text import printable

#: The severities the summary counts, one column each (info is not a risk).
COUNTED = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
#: Longest container name the summary shows whole; longer ones lose their middle.
NAME_WIDTH = 28
#: What the summary prints for "none" (zero findings, no grade, no state).
NONE = "·"


# --- the summary: one line per container ----------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    """One line of the summary, as plain values (what the unit tests read)."""

    grade: str  # "" for the engine
    worst: Severity | None
    counts: tuple[int, ...]  # per COUNTED severity
    name: str
    state: str
    top: Finding | None  # the worst finding (the first, worst first), info excluded
    differs: bool = False  # the kernel's view differs from the configuration


def _top(findings: tuple[Finding, ...]) -> Finding | None:
    return next((f for f in findings if f.severity is not Severity.INFO), None)


def _counts(findings: tuple[Finding, ...]) -> tuple[int, ...]:
    return tuple(sum(1 for f in findings if f.severity is s) for s in COUNTED)


def engine_row(fleet: FleetReport) -> SummaryRow:
    found = fleet.engine_findings
    top = _top(found)
    return SummaryRow("", top.severity if top else None, _counts(found), "engine", "", top)


def container_row(report: ContainerReport, engine: EngineInfo | None = None) -> SummaryRow:
    """`engine`: judge the kernel's view too (the state's ≠ marker)."""
    top = _top(report.findings)
    return SummaryRow(
        grade=report.grade,
        worst=top.severity if top else None,
        counts=_counts(report.findings),
        name=report.container.name,
        state=report.container.state,
        top=top,
        differs=engine is not None and differs(report.container, engine),
    )


def summary_rows(fleet: FleetReport) -> list[SummaryRow]:
    """The engine, then every container worst first (the fleet's own order)."""
    return [engine_row(fleet), *(container_row(r, fleet.engine) for r in fleet.containers)]


def shorten(name: str, width: int = NAME_WIDTH) -> str:
    """`name` whole when it fits, else its start and end around an ellipsis
    (the end of a name often tells copies apart: web-1, web-2, *-backup-<ts>)."""
    if len(name) <= width:
        return name
    tail = (width - 1) // 2
    return f"{name[: width - 1 - tail]}…{name[-tail:]}"


#: Narrowest the top-finding column gets; the name column gives way first.
TOP_MIN = 16
#: Narrowest the name column gets when the terminal is narrow.
NAME_MIN = 12
#: Fewest cells the top finding's title is shown in: less says nothing ("N…").
TITLE_MIN = 8


def _fit(value: str, size: int, *, pad: bool = True) -> str:
    """`value` in `size` terminal cells: cut with an ellipsis when longer,
    padded with spaces when shorter (unless not `pad`)."""
    if cell_len(value) > size:
        return set_cell_size(value, size - 1) + "…"
    return set_cell_size(value, size) if pad else value


def _summary_table(rows: list[SummaryRow], width: int) -> Text:
    """One line per row at any `width`: every column sized to its content,
    the name column bounded, the top finding taking what is left (cut with
    an ellipsis, never wrapped). Laid out by hand, in one Text, rather than
    as a Rich Table, which measures every cell: a second for 1,000 rows."""
    full_names = [printable(r.name) for r in rows]
    states = [printable(r.state) + (f" {DIFFERS_MARK}" if r.differs else "") or NONE for r in rows]
    count_width = max(len(str(n)) for r in rows for n in r.counts)
    fixed = {"grade": 5, "worst": 8, "state": max(5, *map(cell_len, states))}
    columns = 5 + len(COUNTED)
    used = sum(fixed.values()) + len(COUNTED) * count_width + (columns - 1)
    longest = min(NAME_WIDTH, max(4, *map(cell_len, full_names)))
    name_width = max(NAME_MIN, min(longest, width - used - TOP_MIN))
    top_width = max(TOP_MIN, width - used - name_width)

    out = Text()
    heads = ["grade".ljust(fixed["grade"]), "worst".ljust(fixed["worst"])]
    heads += [s.value[0].upper().rjust(count_width) for s in COUNTED]
    heads += [_fit("name", name_width), _fit("state", fixed["state"]), "top finding"]
    out.append(" ".join(heads), style="bold")
    for i, row in enumerate(rows):
        out.append("\n")
        if row.grade:
            out.append(f" {row.grade} ", style=GRADE_STYLE.get(row.grade, ""))
        else:
            out.append(f" {NONE} ", style="dim")
        out.append(" " * (fixed["grade"] - 3) + " ")
        if row.worst is None:
            out.append(NONE.ljust(fixed["worst"]), style="dim")
        else:
            out.append(row.worst.value.upper().ljust(fixed["worst"]), style=STYLE[row.worst])
        for severity, n in zip(COUNTED, row.counts, strict=True):
            out.append(" ")
            if n:
                out.append(str(n).rjust(count_width), style=STYLE[severity])
            else:
                out.append(NONE.rjust(count_width), style="dim")
        out.append(" ")
        name = _fit(shorten(full_names[i], name_width), name_width)
        out.append(name, style="bold" if row.grade else "italic")
        out.append(" ")
        out.append(_fit(states[i], fixed["state"]), style="" if row.state else "dim")
        out.append(" ")
        if row.top is None:
            out.append(_fit("no findings", top_width, pad=False), style="green")
        else:
            check = _fit(row.top.check, top_width, pad=False)
            out.append(check)
            room = top_width - cell_len(check) - 2
            if room >= TITLE_MIN:
                out.append("  ")
                out.append(_fit(printable(row.top.title), room, pad=False), style="dim")
    return out


def _grade(grade: str) -> Text:
    return Text(f" {grade} ", style=GRADE_STYLE.get(grade, ""))


# --- the detail: every finding --------------------------------------------------------------


def _finding(f: Finding, verbose: bool) -> Table:
    head = Text()
    head.append(f.check, style="bold")
    head.append(f"  {printable(f.title)}")
    if f.cis:
        head.append(f"  CIS {f.cis}", style="dim")
    lines: list[RenderableType] = [head, Text(printable(f.detail))]
    if verbose and f.why:
        lines.append(Text.assemble(("why: ", "dim"), f.why))
    lines.append(Text.assemble(("fix: ", "green"), f.fix.summary))
    if f.fix.command:
        lines.append(Padding(Text(printable(f.fix.command), style="green"), (0, 0, 0, 5)))
    if f.fix.diff:  # a daemon fix's exact change to its real settings
        lines.append(diff_text(f.fix.diff))
    row = Table.grid(padding=(0, 1))
    row.add_column(width=10, no_wrap=True)
    row.add_column(ratio=1)
    row.add_row(severity_label(f.severity), Group(*lines))
    return row


def _findings(findings: tuple[Finding, ...], verbose: bool) -> list[RenderableType]:
    shown = [f for f in findings if verbose or f.severity is not Severity.INFO]
    hidden = len(findings) - len(shown)
    parts: list[RenderableType] = [_finding(f, verbose) for f in shown]
    if hidden:
        parts.append(Text(f"           (+{hidden} info; --verbose shows them)", style="dim"))
    return parts


def container_detail(
    report: ContainerReport, verbose: bool = True, engine: EngineInfo | None = None
) -> RenderableType:
    """One container: its summary line, then each finding (with why when
    `verbose`). Given the engine, what the kernel's view says too."""
    c = report.container
    head = Text()
    head.append_text(_grade(report.grade))
    head.append(f" {printable(c.name)}", style="bold")
    head.append(
        f"  {printable(c.image)}  {printable(c.state)}  score {report.score}"
        f"  user {printable(shown_user(c))}"
    )
    head.append("\n    ")
    head.append_text(counts_text(report.counts(), with_info=verbose))
    if engine is not None:
        head.append("\n    ")
        head.append_text(kernel_text.summary(c, engine))
    return Group(head, Padding(Group(*_findings(report.findings, verbose)), (0, 0, 1, 2)))


# --- the whole report -----------------------------------------------------------------------


def _title(fleet: FleetReport, several: bool = False) -> Text:
    """`several`: one engine's heading in a scan of several (its name first)."""
    engine = fleet.engine
    title = Text()
    client = fleet.client
    if not several:
        title.append("dockertui scan", style="bold")
        title.append(f"  {printable(client.endpoint)} (context {printable(client.context)})")
    elif client.endpoint.partition("://")[2] in (client.name, ""):  # -H: named by its address
        title.append(printable(client.endpoint), style="bold")
    else:
        title.append(printable(client.name), style="bold")
        title.append(f"  {printable(client.endpoint)}")
    title.append(
        f"\n{engine.flavor.capitalize()} {printable(engine.version)}"
        f"  API {printable(engine.api_version)}"
        f"  {printable(engine.os)}  kernel {printable(engine.kernel)}"
    )
    title.append(f"  {engine_mode(engine).value}")
    return title


def _total(fleet: FleetReport, verbose: bool = False, engine_counts: bool = True) -> Text:
    """The containers' findings and the engine's, as the console's header
    counts them (audit/totals.py); info ones only with -v, as there. Without
    `engine_counts` (a --filter without --include-engine, where --fail-on
    judges the selected containers only) the containers' alone, saying so."""
    total = Text(
        "Total: "
        if engine_counts
        else "Total of the containers selected (the engine's with --include-engine): "
    )
    counts = fleet.by_severity(include_engine=engine_counts)
    total.append_text(counts_text(dict(counts), with_info=verbose))
    if fleet.skipped:
        total.append(f"  ({len(fleet.skipped)} removed during the scan)")
    return total


def not_applicable_text(fleet: FleetReport, *, verbose: bool = False) -> RenderableType | None:
    """The engine checks that do not apply to this engine (Podman): their ids
    on one line, or with `verbose` each with why; None when every check applies."""
    found = fleet.not_applicable
    if not found:
        return None
    head = f"Not applicable to this {fleet.engine.flavor} engine (neither passed nor failed)"
    if not verbose:
        return Text(f"{head}: {', '.join(n.check for n in found)} (-v says why).", style="dim")
    return Group(
        Text(f"{head}:", style="dim"),
        *(Text(f"  {n.check}: {n.reason}", style="dim") for n in found),
    )


def render(
    fleet: FleetReport,
    console: Console,
    *,
    verbose: bool = False,
    expand: Collection[str] = (),
    engine_counts: bool = True,
    several: bool = False,
    picked: bool = False,
) -> None:
    """The summary, then the detail of the containers whose id is in `expand`
    (the summary then holds the engine and those containers only); with
    `verbose`, the detail of the engine and of every container instead.
    `engine_counts`: whether the engine's findings count in the total.
    `several`: one engine's section in a scan of several (`render_engines`),
    which leaves the hints to the end of the whole report; `picked`: the
    user named containers (on any engine), so the summary holds those only."""
    from dockertui.report.services import render_services

    console.print(_title(fleet, several))
    if verbose:
        _render_detail(fleet, console, engine_counts)
        return
    expanded = [r for r in fleet.containers if r.container.id in expand]
    rows = summary_rows(fleet)
    if expanded or picked:
        rows = [rows[0], *(container_row(r, fleet.engine) for r in expanded)]
    console.print()
    console.print(_summary_table(rows, console.width), no_wrap=True, overflow="ellipsis")
    if not fleet.containers:
        console.print("No containers matched.")
    render_services(fleet, console)  # a swarm manager's (report/services.py)
    console.print()
    console.print(_total(fleet, engine_counts=engine_counts))
    skipped = not_applicable_text(fleet)
    if skipped is not None:
        console.print(skipped, highlight=False)
    for report in expanded:
        console.print()
        console.print(container_detail(report, engine=fleet.engine))
    if several:
        return
    differ = any(row.differs for row in rows)
    _hints(console, differs=differ, expanded=bool(expanded), containers=bool(fleet.containers))


def _hints(console: Console, *, differs: bool, expanded: bool, containers: bool) -> None:
    """What the marks mean and how to see more, once at the end of the report."""
    if differs:
        console.print(
            f"{DIFFERS_MARK} after a state: {DIFFERS_MEANS} (--container NAME says which).",
            style="dim",
            highlight=False,
        )
    if not expanded and containers:
        console.print(
            "Every finding: -v.  One container's: --container NAME.", style="dim", highlight=False
        )


def _render_detail(fleet: FleetReport, console: Console, engine_counts: bool = True) -> None:
    from dockertui.report.services import render_services

    console.print(Rule("Engine", align="left"))
    console.print(counts_text(dict(severity_totals((), fleet.engine_findings))))
    console.print(Padding(Group(*_findings(fleet.engine_findings, True)), (0, 0, 1, 2)))
    skipped = not_applicable_text(fleet, verbose=True)
    if skipped is not None:
        console.print(Padding(skipped, (0, 0, 1, 2)), highlight=False)
    console.print(Rule(f"Containers ({len(fleet.containers)})", align="left"))
    if not fleet.containers:
        console.print("No containers matched.")
    for report in fleet.containers:
        console.print(container_detail(report, engine=fleet.engine))
    render_services(fleet, console, verbose=True)
    console.print(_total(fleet, verbose=True, engine_counts=engine_counts))


def render_engines(
    scan: SeveralScan,
    console: Console,
    *,
    verbose: bool = False,
    expand: Mapping[str, Collection[str]] | None = None,
    engine_counts: bool = True,
) -> None:
    """Several engines: a section per engine read, as `render` writes one
    (`expand`: by engine name, the ids to expand), then one line per engine
    that could not be read with why, and the total over all of them."""
    read = scan.read
    title = Text("dockertui scan", style="bold")
    title.append(f"  {len(scan.engines)} engines")
    if scan.failed:
        title.append(f", {len(scan.failed)} not read", style="bold red")
    console.print(title)
    expand = expand or {}
    picked = any(expand.values())
    shown_differs = False
    for fleet in read:
        console.print()
        console.print(Rule(style="dim"))
        mine = expand.get(fleet.client.name, ())
        render(
            fleet,
            console,
            verbose=verbose,
            expand=mine,
            engine_counts=engine_counts,
            several=True,
            picked=picked,
        )
        shown = [r for r in fleet.containers if not picked or r.container.id in mine]
        shown_differs = shown_differs or any(differs(r.container, fleet.engine) for r in shown)
    if scan.failed:
        console.print()
        console.print(Rule(style="dim"))
        for engine in scan.failed:
            line = Text()
            line.append(printable(engine.name), style="bold red")
            line.append(" not read: ", style="red")
            line.append(printable(engine.error))
            console.print(line)
    console.print()
    engines = f"{len(read)} engine{'s' if len(read) != 1 else ''}"
    total = Text(f"Total of {engines} read: ")
    if not engine_counts:
        total = Text(
            f"Total of the containers selected on {engines} "
            "(the engines' findings with --include-engine): "
        )
    counts = scan.by_severity(include_engine=engine_counts)
    total.append_text(counts_text(dict(counts), with_info=verbose))
    console.print(total)
    if not verbose:
        containers = any(fleet.containers for fleet in read)
        _hints(console, differs=shown_differs, expanded=picked, containers=containers)

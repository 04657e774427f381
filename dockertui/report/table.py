"""The human report: worst container first, a summary line each, then its
findings. Readable at 80 columns; every container-supplied string is escaped."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from dockertui.audit import ContainerReport, Finding, FleetReport, Severity
from dockertui.report.style import GRADE_STYLE, counts_text, severity_label
from dockertui.text import printable


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


def _container(report: ContainerReport, verbose: bool) -> RenderableType:
    c = report.container
    head = Text()
    head.append(f" {report.grade} ", style=GRADE_STYLE.get(report.grade, ""))
    head.append(f" {printable(c.name)}", style="bold")
    head.append(
        f"  {printable(c.image)}  {c.state}  score {report.score}  user {printable(report.user)}"
    )
    head.append("\n    ")
    head.append_text(counts_text(report.counts(), with_info=verbose))
    return Group(head, Padding(Group(*_findings(report.findings, verbose)), (0, 0, 1, 2)))


def render(fleet: FleetReport, console: Console, *, verbose: bool = False) -> None:
    engine = fleet.engine
    title = Text()
    title.append("dockertui scan", style="bold")
    title.append(
        f"  {printable(fleet.client.endpoint)} (context {printable(fleet.client.context)})"
    )
    title.append(
        f"\n{engine.flavor.capitalize()} {printable(engine.version)}  API {printable(engine.api_version)}"
        f"  {printable(engine.os)}  kernel {printable(engine.kernel)}"
    )
    mode = "rootless" if engine.rootless else "userns-remap" if engine.userns else "rootful"
    title.append(f"  {mode}")
    console.print(title)
    console.print(Rule("Engine", align="left"))
    engine_counts: dict[Severity, int] = {}
    for f in fleet.engine_findings:
        engine_counts[f.severity] = engine_counts.get(f.severity, 0) + 1
    console.print(counts_text(engine_counts, with_info=verbose))
    console.print(Padding(Group(*_findings(fleet.engine_findings, verbose)), (0, 0, 1, 2)))
    console.print(Rule(f"Containers ({len(fleet.containers)})", align="left"))
    if not fleet.containers:
        console.print("No containers matched.")
    for report in fleet.containers:
        console.print(_container(report, verbose))
    total = Text("Total: ")
    total.append_text(counts_text(dict(fleet.by_severity())))
    if fleet.skipped:
        total.append(f"  ({len(fleet.skipped)} removed during the scan)")
    console.print(total)

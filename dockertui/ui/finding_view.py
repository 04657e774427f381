"""How the console shows one finding: severity, title, what was seen, why it
matters and the fix. Shared by the security panel and the engine screen.

Pure Rich: builds `Text` with `append` (never parses markup) and passes every
string through `printable`, since details and commands quote container
names, paths and daemon warnings."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from dockertui.audit import Finding, FixKind, Severity
from dockertui.report.style import diff_text, severity_label
from dockertui.text import printable

#: What the fix command line is, per fix kind.
_COMMAND_LABEL = {
    FixKind.UPDATE: "live: ",
    FixKind.RECREATE: "re-create with: ",
    FixKind.DAEMON: "daemon: ",  # the command names the file, or the command line
    FixKind.CLIENT: "client: ",
    FixKind.SWARM: "on a manager: ",
    FixKind.IMAGE: "image: ",
    FixKind.MANUAL: "by hand: ",
}


def fix_lines(f: Finding) -> list[Text]:
    """`fix (kind): summary` and, when there is one, the command or the
    daemon.json change on its own line."""
    lines: list[Text] = []
    if f.fix.summary:
        line = Text()
        line.append("fix", style="bold green")
        if f.fix.kind is not FixKind.NONE:
            line.append(f" ({f.fix.kind.value})", style="green")
        line.append(": ")
        line.append(printable(f.fix.summary))
        lines.append(line)
    if f.fix.command:
        line = Text("  ")
        line.append(_COMMAND_LABEL.get(f.fix.kind, ""), style="dim")
        line.append(printable(f.fix.command), style="green")
        lines.append(line)
    if f.fix.diff:
        lines.append(diff_text(f.fix.diff))
    return lines


#: Styles of a unified diff's lines, by their first character(s).
def finding_block(f: Finding) -> RenderableType:
    """One finding: the severity label in a narrow column, the rest beside it."""
    head = Text()
    head.append(printable(f.title), style="bold")
    head.append(f"  {f.check}", style="dim")
    if f.cis:
        head.append(f"  CIS {f.cis}", style="dim")
    lines: list[RenderableType] = [head]
    if f.detail:
        lines.append(Text(printable(f.detail)))
    if f.why:
        why = Text()
        why.append("why: ", style="bold")
        why.append(printable(f.why), style="italic" if f.severity is not Severity.INFO else "dim")
        lines.append(why)
    lines.extend(fix_lines(f))
    row = Table.grid(padding=(0, 1), expand=True)
    row.add_column(width=10, no_wrap=True)
    row.add_column(ratio=1)
    row.add_row(severity_label(f.severity), Group(*lines))
    return Padding(row, (1, 0, 0, 0))


def findings_group(findings: Iterable[Finding], *, empty: str = "") -> RenderableType:
    """Every finding, worst first as given; `empty` (dim) when there are none."""
    blocks = [finding_block(f) for f in findings]
    if not blocks:
        return Text(empty, style="dim") if empty else Text()
    return Group(*blocks)

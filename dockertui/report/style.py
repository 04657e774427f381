"""Severity and grade styles, and the look of a daemon fix's diff, shared by
the report and the console."""

from __future__ import annotations

from rich.text import Text

from dockertui.audit import Severity
from dockertui.audit.severity import WORST_FIRST
from dockertui.text import printable

STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
#: After a container's state (fleet table, scan summary): the kernel's view
#: differs from its configuration on some layer (audit/in_effect.differs).
DIFFERS_MARK = "≠"
DIFFERS_MEANS = "on some layer the kernel enforces something else than the configuration says"
GRADE_STYLE = {"A": "bold green", "B": "green", "C": "yellow", "D": "red", "F": "bold white on red"}


def severity_label(severity: Severity) -> Text:
    return Text(f" {severity.value.upper()} ", style=STYLE[severity])


def counts_text(counts: dict[Severity, int], *, with_info: bool = True) -> Text:
    text = Text()
    for severity in WORST_FIRST:
        n = counts.get(severity, 0)
        if not n or (severity is Severity.INFO and not with_info):
            continue
        if text:
            text.append(" · ")
        text.append(f"{n} {severity.value}", style=STYLE[severity])
    return text or Text("no findings", style="green")


_DIFF_STYLES = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"))


def diff_text(diff: str) -> Text:
    """A unified diff (a daemon fix's exact change), indented, each line
    coloured by its kind; its text comes from the daemon's files: printable."""
    out = Text()
    for n, line in enumerate(diff.splitlines()):
        style = next((s for mark, s in _DIFF_STYLES if line.startswith(mark)), "")
        out.append("\n" if n else "")
        out.append("    " + printable(line), style=style)
    return out

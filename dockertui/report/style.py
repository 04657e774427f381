"""Severity and grade styles shared by the report and the console."""

from __future__ import annotations

from rich.text import Text

from dockertui.audit import Severity
from dockertui.audit.severity import WORST_FIRST

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

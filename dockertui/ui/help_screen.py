"""The help screen: the keys of the screen it was opened from (passed in by
the app, so they are always the real ones), what grades and severities
mean, and the layers of the security panel. `escape`, `?` or `q` closes
it; it scrolls with the keys its title names. Styles live in
css/help.tcss."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Static

from dockertui.audit import Severity
from dockertui.audit.score import GRADES
from dockertui.audit.severity import WORST_FIRST
from dockertui.report.style import DIFFERS_MARK, DIFFERS_MEANS, GRADE_STYLE, severity_label
from dockertui.text import printable
from dockertui.ui.scrolling import SCROLL_KEYS, KeyScroll
from dockertui.ui.sections import LAYERS

SEVERITY_MEANS = {
    Severity.CRITICAL: "a direct way to root on the host",
    Severity.HIGH: "a short step from the container to the host",
    Severity.MEDIUM: "weakens isolation; fix when you can",
    Severity.LOW: "hardening left on the table",
    Severity.INFO: "worth knowing; never counts against the grade",
}

LAYER_MEANS = {
    "identity": "who the main process is, and whether root is the host's root",
    "capabilities": "the kernel powers it holds, each explained",
    "syscalls": "seccomp, no-new-privileges, masked kernel paths",
    "mac": "AppArmor and SELinux confinement",
    "isolation": "namespaces shared with the host, devices, cgroups",
    "mounts": "host paths, the engine socket, the root file system",
    "resources": "memory, CPU and process limits, restarts, health",
    "exposure": "published ports and the interfaces they listen on",
    "image": "the image, its tag and what runs in it",
}


#: The panel's in-effect markers (ui/facts/in_effect.py), what each means.
IN_EFFECT_MEANS = (
    ("verified", "green", "the kernel enforces what the configuration says"),
    ("differs", "bold", "it enforces something else; red when less than configured"),
    (
        "not verifiable here",
        "dim",
        "its /proc could not be read (remote engine, stopped, no permission): "
        "judged from the configuration only",
    ),
    (DIFFERS_MARK, "bold", f"after a state in the table: {DIFFERS_MEANS} (the panel says which)"),
)


def _table() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column()
    return table


def key_display(key: str) -> str:
    """A binding's key as people type it: "question_mark" -> "?", "escape,q" -> "esc, q"."""
    return ", ".join(format_key(k.strip()) for k in key.split(",") if k.strip())


def bindings_table(bindings: Sequence[tuple[str, str]]) -> RenderableType:
    """Key / description rows (both escaped: they come from the app)."""
    table = _table()
    for key, description in bindings:
        table.add_row(Text(printable(key_display(key)), style="bold"), Text(printable(description)))
    return Group(Text("Keys", style="bold underline"), table)


def legend() -> RenderableType:
    """Grades, severities and the panel's layers."""
    grades = _table()
    for letter, floor in GRADES:
        grades.add_row(Text(f" {letter} ", style=GRADE_STYLE[letter]), Text(f"score ≥ {floor}"))
    grades.add_row(
        Text(" F ", style=GRADE_STYLE["F"]),
        Text("below that, or any critical finding (a high one caps the grade at C)"),
    )
    severities = _table()
    for severity in WORST_FIRST:
        severities.add_row(severity_label(severity), Text(SEVERITY_MEANS[severity]))
    layers = _table()
    for layer in LAYERS:
        layers.add_row(Text(layer.title, style="bold"), Text(LAYER_MEANS.get(layer.key, "")))
    kernel = _table()
    for word, style, means in IN_EFFECT_MEANS:
        kernel.add_row(Text(word, style=style), Text(means))
    return Group(
        Text("Grades", style="bold underline"),
        Text("score = 100 × 2P / (2P + W + 3H + 6C) over the checks that ran", style="dim"),
        grades,
        Text(""),
        Text("Severities", style="bold underline"),
        severities,
        Text(""),
        Text("Panel layers", style="bold underline"),
        layers,
        Text(""),
        Text("In effect", style="bold underline"),
        kernel,
    )


class HelpScreen(ModalScreen[None]):
    """Bindings and legend in a dialog over the app."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("question_mark", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, bindings: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.key_bindings = list(bindings)

    def compose(self) -> ComposeResult:
        title = Text("dockertui help\n", style="bold")
        title.append(f"esc, ? or q closes · {SCROLL_KEYS} scroll", style="not bold")
        with KeyScroll(id="help-dialog"):
            yield Static(title, id="help-title")
            yield Static(bindings_table(self.key_bindings), id="help-bindings")
            yield Static(legend(), id="help-legend")

    def action_close(self) -> None:
        self.dismiss()

"""On start, offer to finish or roll back a fix that a killed process left
half done (the executor's journal says how far it got)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from dockertui.fixes.state import Journal
from dockertui.text import printable


class ResumeScreen(ModalScreen[str | None]):
    """Dismisses with "finish", "rollback" or None (decide later)."""

    BINDINGS = [Binding("escape", "later", "Later")]

    def __init__(self, journal: Journal) -> None:
        super().__init__()
        self.journal = journal

    def compose(self) -> ComposeResult:
        j = self.journal
        text = Text()
        text.append("An interrupted fix was found\n\n", style="bold")
        text.append(f"Container  {printable(j.name)}\n")
        text.append(f"Plan       {printable(', '.join(j.plan))}\n")
        text.append(f"Started    {printable(j.started)}\n")
        text.append(f"Stopped at {printable(j.step or 'the start')}")
        text.append(f" ({printable(j.phase)})\n\n")
        text.append(
            "Finish completes the re-create and verifies it; Roll back puts the original "
            f"container back under its name. The backup stays as {printable(j.backup_name)}."
        )
        with Vertical(id="resume"):
            yield Static(text, id="resume-text")
            with Horizontal(id="resume-buttons"):
                if j.phase != "rollback" and j.kind != "rollback":
                    yield Button("Finish", id="finish", variant="primary")
                yield Button("Roll back", id="rollback", variant="warning")
                yield Button("Later", id="later")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "later" else event.button.id)

    def action_later(self) -> None:
        self.dismiss(None)

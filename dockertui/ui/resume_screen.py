"""Finish or roll back a fix that a killed process left half done (the
executor's journal says how far it got), offered when the console starts
and from the palette, and followed to its end: the steps as they happen,
then the outcome and the grade the audit gives the container now."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static
from textual.worker import Worker

from dockertui.fixes.outcome import FixResult
from dockertui.fixes.session import Fixer
from dockertui.fixes.state import Journal, JournalKind, Phase, Result
from dockertui.text import printable
from dockertui.ui.fix_text import result_line
from dockertui.ui.scrolling import KeyScroll
from dockertui.ui.workers import forward_failure


class ResumeScreen(ModalScreen[FixResult | None]):
    """Dismisses with the FixResult, or None when the choice is left for later."""

    BINDINGS = [Binding("escape", "later", "Later")]

    def __init__(self, journal: Journal, fixer: Fixer) -> None:
        super().__init__()
        self.journal = journal
        self.fixer = fixer
        self.running = False
        self.result: FixResult | None = None
        self._lines: list[str] = []

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
            "Finish completes the re-create and verifies it, keeping the original as "
            f"{printable(j.backup_name)}; Roll back puts the original container back under "
            "its name."
        )
        with Vertical(id="resume"):
            with KeyScroll(id="resume-body"):
                yield Static(text, id="resume-text")
                yield Static(id="resume-steps")
            with Horizontal(id="resume-buttons"):
                if j.phase != Phase.ROLLBACK and j.kind != JournalKind.ROLLBACK:
                    yield Button("Finish", id="finish", variant="primary")
                yield Button("Roll back", id="rollback", variant="warning")
                yield Button("Later", id="later")
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close").display = False
        self.query_one("#resume-steps").display = False

    @on(Button.Pressed, "#finish")
    @on(Button.Pressed, "#rollback")
    def _chosen(self, event: Button.Pressed) -> None:
        if self.running or self.result is not None:
            return
        self.running = True
        for button in self.query("#resume-buttons Button").results(Button):
            button.display = False
        self.query_one("#resume-steps").display = True
        self._progress(f"{'Finishing' if event.button.id == 'finish' else 'Rolling back'}…")
        self._run(str(event.button.id))

    @work(exclusive=True, group="resume", exit_on_error=False)
    async def _run(self, action: str) -> None:
        try:
            result = await self.fixer.resume(self.journal, action, self._progress)
        except Exception as err:  # the fixer should report, not raise: show it anyway
            result = FixResult(
                Result.FAILED, self.journal.name, message=f"{type(err).__name__}: {err}"
            )
        self.running = False
        self.result = result
        self.query_one("#resume-steps", Static).update(self._steps(result_line(result)))
        close = self.query_one("#close", Button)
        close.display = True
        close.focus()
        self.query_one("#resume-body", VerticalScroll).scroll_end(animate=False)

    def _progress(self, line: str) -> None:
        self._lines.append(printable(line))
        if self.is_attached:
            self.query_one("#resume-steps", Static).update(self._steps())
            self.query_one("#resume-body", VerticalScroll).scroll_end(animate=False)

    def _steps(self, outcome: Text | None = None) -> Text:
        text = Text("\n".join(f"• {x}" for x in self._lines))
        if outcome is not None:
            text.append("\n\n")
            text.append_text(outcome)
        return text

    @on(Button.Pressed, "#later")
    def action_later(self) -> None:
        if self.running:
            self.notify("The fix is being resumed: wait for it to finish.", severity="warning")
            return
        self.dismiss(self.result)

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(self.result)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        forward_failure(self, event)  # the app reports a failed worker, once

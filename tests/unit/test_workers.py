"""Workers that fail for real are reported in one place, once, and the app
goes on: the engine watcher raising (a SnapshotSource whose run raises)
shows the failure in the header and a notification and is started again;
the fix wizard's worker raising is reported and the wizard closes.
Before, any of these ended the app with a traceback (Textual's default
exit_on_error)."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Input

from dockertui.engine.snapshot import SnapshotSource
from dockertui.engine.watch import Emit
from dockertui.fixes.outcome import FixResult
from dockertui.fixes.plan import FixPlan
from dockertui.ui.app import DockerTUI
from dockertui.ui.fix_wizard import FixWizard
from dockertui.ui.widgets import StatusHeader
from dockertui.ui.workers import failure_text

from showcase import ShowcaseFixer, showcase_containers, showcase_source


async def until(pilot: Pilot[None], predicate: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + 15
    while not predicate():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await pilot.pause(0.05)


def notes(app: DockerTUI) -> list[str]:
    return [n.message for n in app._notifications]


class FailingSource(SnapshotSource):
    """The showcase fleet, after its run raised `failures` times."""

    def __init__(self, failures: int) -> None:
        shown = showcase_source()
        super().__init__(shown.engine, shown.containers, client=shown.client, label=shown.label)
        self.failures = failures
        self.runs = 0

    async def run(self, emit: Emit) -> None:
        self.runs += 1
        if self.runs <= self.failures:
            raise RuntimeError("a check blew up\nTraceback line the user must not see")
        await super().run(emit)


async def test_a_failing_engine_watcher_is_reported_once_and_started_again() -> None:
    source = FailingSource(failures=2)
    app = DockerTUI(source)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: source.runs >= 1 and notes(app), "the first failure")
        header = app.query_one(StatusHeader)
        shown = str(header.render())
        assert "DISCONNECTED" in shown and "RuntimeError: a check blew up" in shown
        await until(pilot, lambda: app.state.connected, "the watcher running again")
        assert source.runs == 3
        assert app.is_running and app.return_code is None
        # One notification for the same failure twice; one line of it.
        failed = [n for n in notes(app) if "Following the engine failed" in n]
        assert len(failed) == 1
        assert "RuntimeError: a check blew up" in failed[0]
        assert "Traceback" not in failed[0]
        await pilot.pause(0.3)
        assert app.query_one("#fleet").row_count == len(source.containers)  # type: ignore[attr-defined]


class BrokenFixer(ShowcaseFixer):
    """Answers a fix with something that is not a FixResult: showing it fails."""

    async def apply(
        self, plan: FixPlan, progress: Callable[[str], None], *, copy_layer: bool = True
    ) -> FixResult:
        progress("Updating")
        return None  # type: ignore[return-value]


async def test_a_failing_fix_worker_is_reported_and_the_wizard_closes() -> None:
    shown = showcase_source()
    worker = [c for c in showcase_containers() if c.name == "worker"]
    source = SnapshotSource(shown.engine, worker, client=shown.client, label=shown.label)
    app = DockerTUI(source, fixer=BrokenFixer())
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.state.reports, "the snapshot")
        await pilot.press("f")
        await pilot.pause()
        wizard = app.screen
        assert isinstance(wizard, FixWizard)
        wizard.action_next()
        await until(pilot, lambda: wizard.preview is not None, "the preview")
        wizard.action_next()
        name = wizard.query_one("#confirm-name", Input)
        if name.display:
            name.value = "worker"
        await pilot.pause()
        wizard.action_apply()
        await until(pilot, lambda: not isinstance(app.screen, FixWizard), "the wizard closing")
        await until(pilot, lambda: notes(app), "the notification")  # posted, then shown
        assert app.is_running and app.return_code is None
        failed = [n for n in notes(app) if "The fix stopped with an error" in n]
        assert len(failed) == 1
        assert "AttributeError" in failed[0]
        assert not app.fixing


def test_failure_text_is_one_printable_line() -> None:
    assert failure_text(ValueError("bad\x1b[2J value\nmore")) == "ValueError: bad\\x1b[2J value"
    assert failure_text(KeyError()) == "KeyError"
    assert failure_text(None) == "an unknown error"

"""The console (Pilot, App.run_test) on a lively demo engine, reached as any
engine: the Watcher, the EngineGateway and the EngineFixer on its socket.
The demo's activity reaches the console as engine events (a root and a
privileged exec raise alerts, a health check turns unhealthy, a new
container appears), the header says it is a simulation at every size,
and a fix applied through the console's fixer changes the grade live."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from console_support import apply_in_wizard, press_on, until
from textual.widgets import Checkbox, DataTable, RadioButton

from dockertui.audit import ContainerReport
from dockertui.cli.demo import NOTICE
from dockertui.demo.run import demo_engine
from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.watch import Watcher
from dockertui.fixes.plan import Options, plan
from dockertui.fixes.session import EngineFixer
from dockertui.fixes.state import State
from dockertui.ui.app import DockerTUI
from dockertui.ui.fix_wizard import FixWizard
from dockertui.ui.widgets import StatusHeader

#: The activity at this speed plays its first beats within a second or two.
SPEED = 12.0
WAIT = 30.0


@pytest.fixture
async def socket() -> AsyncIterator[str]:
    async with demo_engine(SPEED) as path:
        yield path


@pytest.fixture
async def frozen() -> AsyncIterator[str]:
    """A demo engine at speed 0: no activity, only the reactions to a client."""
    async with demo_engine(0) as path:
        yield path


def _app(socket: str, state: Path) -> DockerTUI:
    endpoint = resolve_endpoint(host=f"unix://{socket}", env={})
    return DockerTUI(Watcher(endpoint), fixer=EngineFixer(endpoint, State(state)), notice=NOTICE)


def _report(app: DockerTUI, name: str) -> ContainerReport | None:
    return next((r for r in app.state.reports.values() if r.container.name == name), None)


async def test_the_demos_activity_reaches_the_console(socket: str, tmp_path: Path) -> None:
    app = _app(socket, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(app.state.reports) >= 21, WAIT, "the fleet")

        def lines() -> list[str]:
            return [line.text for line in app.state.lines(flagged_only=True)]

        await until(pilot, lambda: any("legacy-crm" in t for t in lines()), WAIT, lines)
        await until(pilot, lambda: any("monitoring-agent" in t for t in lines()), WAIT, lines)
        privileged = next(x for x in app.state.lines(True) if "monitoring-agent" in x.text)
        assert "privileged" in privileged.reason.lower()

        def grafana_unhealthy() -> bool:
            report = _report(app, "grafana")
            return report is not None and report.container.health_status == "unhealthy"

        await until(pilot, grafana_unhealthy, WAIT, "grafana unhealthy")
        await until(pilot, lambda: _report(app, "hotfix-test") is not None, WAIT, "hotfix-test")
        # The health checks ran meanwhile, as execs the engine makes: the
        # watcher told them from people's and showed none of them.
        watcher = app.source
        assert isinstance(watcher, Watcher)
        await until(pilot, lambda: watcher.counts.health_runs > 0, WAIT, "no health run seen")
        shown = [line.text for line in app.state.lines()]
        assert not [t for t in shown if "pg_isready" in t or "healthz" in t or "/probe.sh" in t]


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)])
async def test_the_header_says_it_is_a_simulation(
    socket: str, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = _app(socket, tmp_path)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: len(app.state.reports) >= 21, WAIT, "the fleet")
        await pilot.pause(0.1)
        header = app.query_one(StatusHeader)
        first_line = header.render().plain.splitlines()[0]
        assert NOTICE in first_line, first_line


async def test_every_screen_says_it_is_a_simulation(frozen: str, tmp_path: Path) -> None:
    """The container, engine and fix screens at 80x24 carry the notice too:
    a fix dialog on a simulated engine must not look like one on a real one."""
    from dockertui.ui.widgets import NoticeBar

    app = _app(frozen, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(app.state.reports) >= 21, WAIT, "the fleet")
        for opening, screen in (
            ("enter", "ContainerScreen"),
            ("e", "EngineScreen"),
            ("f", "FixWizard"),
        ):
            await pilot.press(opening)
            await until(pilot, lambda s=screen: type(app.screen).__name__ == s, WAIT, screen)
            await pilot.pause(0.1)
            bar = app.screen.query_one(NoticeBar)
            assert bar.display and NOTICE in str(bar.render()), screen
            await pilot.press("escape")
            await until(pilot, lambda: type(app.screen).__name__ == "MainScreen", WAIT, "back")


async def test_a_fix_in_the_console_changes_the_grade_live(socket: str, tmp_path: Path) -> None:
    app = _app(socket, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: _report(app, "cache") is not None, WAIT, "the fleet")
        report = _report(app, "cache")
        assert report is not None and report.grade == "B" and app.state.engine is not None
        fix = plan(
            report.container.raw,
            ["limits", "restart-policy"],
            app.state.engine,
            Options(nano_cpus=1_000_000_000, pids_limit=256),
        )
        assert app.fixer is not None
        result = await app.fixer.apply(fix, lambda line: None)
        assert result.status.value == "applied", result

        def graded_a() -> bool:
            now = _report(app, "cache")
            return now is not None and now.grade == "A"

        await until(pilot, graded_a, WAIT, lambda: _report(app, "cache"))


async def test_the_wizard_rolls_back_a_plan_that_crashes_the_service(
    frozen: str, tmp_path: Path
) -> None:
    """f on web, drop-caps with the strict preset (--cap-drop ALL): the new
    web dies after its start, the wizard reports the rollback, and the
    console shows web running again with its grade."""
    endpoint = resolve_endpoint(host=f"unix://{frozen}", env={})
    fixer = EngineFixer(endpoint, State(tmp_path), verify_seconds=3.0)
    app = DockerTUI(Watcher(endpoint), fixer=fixer, notice=NOTICE)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: _report(app, "web") is not None, WAIT, "the fleet")
        web = _report(app, "web")
        assert web is not None
        table = app.query_one("#fleet", DataTable)
        table.focus()

        def selected() -> bool:
            if web.container.id in app._rows:
                table.move_cursor(row=app._rows.index(web.container.id))
            return app._selected == web.container.id

        await until(pilot, selected, WAIT, "web never became the selection")
        await pilot.press("f")
        await pilot.pause()
        wizard = app.screen
        assert isinstance(wizard, FixWizard)
        for name in wizard.changes:
            box = wizard.query_one(f"#change-{name}", Checkbox)
            if box.value != (name == "drop-caps"):
                await press_on(pilot, box, "space")
        wizard.query_one("#preset-strict", RadioButton).value = True
        await pilot.pause()
        assert wizard.plan.changes == ("drop-caps",) and wizard.plan.recreate
        result = await apply_in_wizard(pilot, wizard, WAIT)
        assert result.status == "rolled-back", result.message

        def web_back() -> bool:
            now = _report(app, "web")
            return now is not None and now.container.state == "running" and now.grade == "B"

        await until(pilot, web_back, WAIT, lambda: _report(app, "web"))
        failed = [
            r for r in app.state.reports.values() if r.container.name.startswith("web-failed-")
        ]
        assert len(failed) == 1 and failed[0].container.state == "exited"

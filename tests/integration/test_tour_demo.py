"""The guided tour on the demo engine, as `dockertui tour` runs it by
default: the Watcher, the EngineGateway and the EngineFixer on the demo's
socket (frozen: speed 0), so the fleet is the teaching fleet and nothing
touches a real engine.

Every container lesson's example has the lesson's finding (the check's own
function, run again on the container the console holds); the capabilities
lesson's fix, applied from the tour through the real executor, re-creates
vpn-gateway with the hardening list dropped and the lesson shows the
grade it had and the better one it has now; the tour's header carries the
demo's notice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from console_support import apply_in_wizard, tour_screen, until, widget_text

from dockertui.audit import CHECKS
from dockertui.cli.demo import NOTICE
from dockertui.demo.run import demo_engine
from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.watch import Watcher
from dockertui.fixes.session import EngineFixer
from dockertui.fixes.state import State
from dockertui.tour.lessons import LESSONS
from dockertui.tour.pick import about_containers, checks_of
from dockertui.ui.app import DockerTUI
from dockertui.ui.fix_wizard import FixWizard

WAIT = 30.0
#: The demo fleet's size at start (it grows only with its activity, frozen here).
FLEET = 21


@pytest.fixture
async def socket() -> AsyncIterator[str]:
    async with demo_engine(0.0) as path:
        yield path


def tour_app(socket: str, state: Path, lesson: str) -> DockerTUI:
    endpoint = resolve_endpoint(host=f"unix://{socket}", env={})
    fixer = EngineFixer(endpoint, State(state), verify_seconds=1.0)
    return DockerTUI(Watcher(endpoint), fixer=fixer, notice=NOTICE, tour=lesson)


async def test_every_lesson_shows_a_demo_container_with_its_finding(
    socket: str, tmp_path: Path
) -> None:
    app = tour_app(socket, tmp_path, "root")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(app.state.reports) >= FLEET, WAIT, "the fleet")
        tour = tour_screen(app)
        tour.show_lesson(0)
        assert "SIMULATED ENGINE" in widget_text(tour.query_one("#tour-notice"))
        engine = app.state.engine
        assert engine is not None
        shown = {}
        for number, lesson in enumerate(LESSONS, 1):
            await pilot.pause()
            assert f"lesson {number} of 12" in widget_text(tour.query_one("#tour-title"))
            example = tour.example()
            if about_containers(lesson):
                # the teaching fleet has an example of every container lesson
                assert example is not None, lesson.id
                fn = [CHECKS[c].fn for c in checks_of(lesson, "container")]
                assert any(f(example.container, engine) for f in fn if f), lesson.id
                shown[lesson.id] = example.container.name
            else:
                assert example is None
            await pilot.press("right")
    assert shown["capabilities"] == "vpn-gateway"
    assert shown["privileged"] == "monitoring-agent"
    assert shown["docker-socket"] == "ci-runner"
    assert shown["sshd"] == "legacy-crm"


async def test_the_capabilities_fix_from_the_tour_changes_the_grade(
    socket: str, tmp_path: Path
) -> None:
    app = tour_app(socket, tmp_path, "capabilities")
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: len(app.state.reports) >= FLEET, WAIT, "the fleet")
        tour = tour_screen(app)
        tour.show_lesson(1)
        assert tour.example_name == "vpn-gateway"
        before = tour.example()
        assert before is not None
        assert "cap-dangerous" in {f.check for f in before.findings}

        await pilot.press("f")
        await pilot.pause()
        wizard = app.screen
        assert isinstance(wizard, FixWizard) and wizard.container_name == "vpn-gateway"
        assert wizard.plan.changes == ("drop-caps",)
        result = await apply_in_wizard(pilot, wizard, WAIT)
        assert result is not None and result.status == "applied", result and result.message
        assert app.screen is tour

        def replaced() -> bool:
            now = tour.example()
            return now is not None and now.container.id != before.container.id

        await until(pilot, replaced, WAIT, "the tour never saw the re-created vpn-gateway")
        now = tour.example()
        assert now is not None and now.score > before.score
        # the wizard's default preset drops the hardening list: some of the
        # lesson's findings go (what vpn-gateway needs for its work may stay)
        lesson = set(tour.lesson.checks)
        gone = sorted(lesson & {f.check for f in before.findings} - {f.check for f in now.findings})
        assert gone
        line = " ".join(widget_text(tour.query_one("#tour-example")).split())
        assert f"grade {before.grade} {before.score} → now {now.grade} {now.score}" in line
        body = " ".join(widget_text(tour.query_one("#tour-text")).split())
        assert f"✔ cleared since the lesson opened: {', '.join(gone)}" in body

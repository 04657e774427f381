"""The guided tour on the REAL engine: the console's watcher on
/var/run/docker.sock, shown only this test's containers (the engine is
shared with other runs, and the tour must never offer to fix theirs).

1. Containers that each carry one risk; the tour goes through all twelve
   lessons, and every container lesson's example is one of them and really
   has the lesson's finding: its check, run again on a fresh inspect.
2. One fix applied from the tour (the root lesson's no-new-privileges, a
   re-create through the console's fixer and executor): the engine holds
   the option, the tour's example line shows the grade it had and the
   better one it has now, and says which finding went."""

from __future__ import annotations

import contextlib
import inspect
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import docker
import docker.errors
import pytest
from console_support import apply_in_wizard, tour_screen, until, widget_text
from textual.widgets import Checkbox

from dockertui.audit import CHECKS
from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.watch import (
    Connected,
    ContainerChanged,
    Emit,
    EngineEvent,
    ExecStarted,
    Update,
    Watcher,
)
from dockertui.fixes.session import EngineFixer
from dockertui.fixes.state import STATE_ENV, State
from dockertui.model import Container, container_from_inspect, engine_from_api
from dockertui.tour.lessons import LESSONS
from dockertui.tour.pick import about_containers, checks_of
from dockertui.ui.app import DockerTUI
from dockertui.ui.fix_wizard import FixWizard

import harness

pytestmark = pytest.mark.engine

#: The label that marks one test's containers for its filtered fleet.
TOUR_LABEL = "dockertui.test.tour"
#: How long the first snapshot may take on a busy shared engine.
CONNECT = 20.0
#: A re-create with its verification window, and the console seeing it.
APPLIED = 60.0


class OwnFleet:
    """The real watcher, passing on only the containers labelled for one
    test (a FleetSource, as the console takes any)."""

    def __init__(self, watcher: Watcher, tag: str) -> None:
        self.watcher = watcher
        self.tag = tag
        self.label = watcher.label
        self.client = watcher.client
        self.clients = None

    def _mine(self, container: Container) -> bool:
        return container.labels.get(TOUR_LABEL) == self.tag

    async def run(self, emit: Emit) -> None:
        async def only_mine(update: Update) -> None:
            if isinstance(update, Connected):
                update = replace(update, containers=tuple(filter(self._mine, update.containers)))
            elif isinstance(update, ContainerChanged) and not self._mine(update.container):
                return
            elif isinstance(update, EngineEvent | ExecStarted):
                return  # the tour does not read them
            shown = emit(update)
            if inspect.isawaitable(shown):
                await shown

        await self.watcher.run(only_mine)


@pytest.fixture
def tag(docker_api: docker.APIClient) -> Iterator[str]:
    """One test's label value; every container carrying it (a fix's re-created
    one too, which the harness never saw) is removed at the end."""
    value = uuid.uuid4().hex[:10]
    yield value
    for entry in docker_api.containers(all=True, filters={"label": f"{TOUR_LABEL}={value}"}):
        with contextlib.suppress(docker.errors.NotFound):
            docker_api.remove_container(entry["Id"], force=True, v=True)


def tour_app(tag: str, state: State) -> DockerTUI:
    endpoint = resolve_endpoint(host=harness.BASE_URL)
    fixer = EngineFixer(endpoint, state, verify_seconds=2.0)
    return DockerTUI(OwnFleet(Watcher(endpoint), tag), fixer=fixer, tour="root")


async def test_every_lesson_shows_a_container_that_has_its_finding(
    containers: harness.Containers,
    docker_api: docker.APIClient,
    tag: str,
    tmp_path: Path,
) -> None:
    def make(name: str, **kwargs: object) -> str:
        labels = {TOUR_LABEL: tag}
        return containers.create(name, labels=labels, **kwargs)  # type: ignore[arg-type]

    made = {
        make("tour-caps", host={"cap_add": ["NET_ADMIN"]}): "capabilities",
        make("tour-seccomp", host={"security_opt": ["seccomp=unconfined"]}): "seccomp",
        make("tour-priv", host={"privileged": True}, start=False): "privileged",
        make("tour-pid", host={"pid_mode": "host"}): "host-namespaces",
        make(
            "tour-sock", host={"binds": [f"{harness.SOCKET}:{harness.SOCKET}:ro"]}
        ): "docker-socket",
        make(
            "tour-ports", host={"port_bindings": {8080: ("0.0.0.0", None)}}, ports=[8080]
        ): "network",
        make("tour-sshd", image=harness.SSHD_IMAGE): "sshd",
        make("tour-plain"): "root",
    }
    engine = engine_from_api(docker_api.info(), docker_api.version(), None)
    app = tour_app(tag, State(tmp_path / "state"))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(
            pilot,
            lambda: set(made) <= set(app.state.reports),
            CONNECT,
            lambda: (
                f"the fleet shows {sorted(r.container.name for r in app.state.reports.values())}"
            ),
        )
        tour = tour_screen(app)
        tour.show_lesson(0)  # chosen again, now that the whole fleet is in
        chosen: dict[str, str] = {}
        for number, lesson in enumerate(LESSONS, 1):
            await pilot.pause()
            assert tour.lesson is lesson and tour.progress == f"lesson {number} of 12"
            example = tour.example()
            if about_containers(lesson) and example is not None:
                fresh = container_from_inspect(docker_api.inspect_container(example.container.id))
                hits = [c for c in checks_of(lesson, "container") if CHECKS[c].fn(fresh, engine)]  # type: ignore[misc]
                assert hits, (
                    f"{lesson.id}: {fresh.name} has none of {checks_of(lesson, 'container')}"
                )
                chosen[lesson.id] = made[example.container.id]
            elif not about_containers(lesson):
                assert example is None
            await pilot.press("n")
        assert "lesson 12 of 12" in widget_text(tour.query_one("#tour-title"))

    # each risky container is its own lesson's example (the plain one is
    # the root lesson's: the others have worse findings of other lessons)
    for lesson_id in ("capabilities", "seccomp", "privileged", "host-namespaces"):
        assert chosen[lesson_id] == lesson_id
    for lesson_id in ("docker-socket", "network", "sshd", "root"):
        assert chosen[lesson_id] == lesson_id


async def test_a_fix_from_the_tour_changes_the_grade(
    containers: harness.Containers,
    docker_api: docker.APIClient,
    tag: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(STATE_ENV, str(tmp_path / "state"))
    cid = containers.create("tour-fix", labels={TOUR_LABEL: tag})
    name = containers.name("tour-fix")
    app = tour_app(tag, State())
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: cid in app.state.reports, CONNECT, "the container never showed")
        tour = tour_screen(app)
        tour.show_lesson(0)
        assert tour.example_name == name
        before = app.state.reports[cid]
        assert "no-new-privileges" in {f.check for f in before.findings}

        await pilot.press("f")
        await pilot.pause()
        wizard = app.screen
        assert isinstance(wizard, FixWizard) and wizard.container_name == name
        # the lesson's safe change ticked; "non-root" offered, not chosen for the user
        assert wizard.plan.changes == ("no-new-privileges",) and wizard.plan.recreate
        assert not wizard.query_one("#change-non-root", Checkbox).value

        result = await apply_in_wizard(pilot, wizard, APPLIED)
        assert result is not None and result.status == "applied", result and result.message
        assert app.screen is tour

        # the engine holds the option on the container that now has the name
        fixed = docker_api.inspect_container(name)
        assert fixed["Id"] != cid
        assert "no-new-privileges:true" in fixed["HostConfig"]["SecurityOpt"]

        def shows_the_new_grade() -> bool:
            now = tour.example()
            return now is not None and now.container.id == fixed["Id"]

        await until(pilot, shows_the_new_grade, APPLIED, "the tour never saw the new container")
        now = tour.example()
        assert now is not None and now.score > before.score
        assert "no-new-privileges" not in {f.check for f in now.findings}
        line = " ".join(widget_text(tour.query_one("#tour-example")).split())
        assert f"grade {before.grade} {before.score} → now {now.grade} {now.score}" in line
        body = " ".join(widget_text(tour.query_one("#tour-text")).split())
        assert "✔ cleared since the lesson opened: no-new-privileges" in body
        # root-user is still there, so f still offers the lesson's other change
        assert tour.check_action("fix", ()) is True

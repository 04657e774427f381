"""The console's shared Pilot cases, each run on BOTH engines with the same
body and the same assertions: the REAL engine on /var/run/docker.sock (the
test creates its containers with the harness) and the simulated demo engine
(a frozen one, speed 0, per test; the containers are members of its fleet).

The `bed` fixture gives the console's endpoint, a docker-py client on that
same socket (what a user's `docker stop` would be) and, per role a case
needs, a container: created for the test on the real engine, looked up by
name on the demo. Filter, sort, the security panel (beside the table, and
opened with Enter on a narrow terminal), the engine screen, a stop/start
reaching the events pane and the row, and a live `limits` fix through the
wizard that changes the grade. The demo cases need no Docker engine."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import docker
import pytest
from console_support import (
    apply_in_wizard,
    console_showing,
    describe,
    press_on,
    row_ids,
    select,
    squash,
    until,
    widget_text,
)
from textual.pilot import Pilot
from textual.widgets import Checkbox

from dockertui.audit.capabilities import CAPABILITIES
from dockertui.cli.demo import NOTICE
from dockertui.demo.run import start_demo_engine
from dockertui.engine.endpoint import Endpoint, resolve_endpoint
from dockertui.engine.watch import Watcher
from dockertui.fixes.session import EngineFixer
from dockertui.fixes.state import State
from dockertui.ui.app import DockerTUI
from dockertui.ui.container_screen import ContainerScreen
from dockertui.ui.engine_screen import EngineScreen
from dockertui.ui.fix_wizard import FixWizard
from dockertui.ui.panel import SecurityPanel

import harness

#: How long the first snapshot may take on a busy shared engine.
CONNECT = 15.0
#: A change on the engine (or a fix and its re-inspect) reaching the console.
LIVE = 10.0
#: The API version both engines speak (the real one here is dockerd 20.10).
API_VERSION = "1.41"

#: The roles of the cases, as demo fleet members (dockertui/demo/fleet.py).
#: `sort-*` are the only members whose names hold "blog-", in name order.
DEMO_WORD = "blog-"
DEMO_MEMBERS = {
    "sort-a": "blog-mariadb-1",
    "sort-b": "blog-memcached-1",
    "sort-c": "blog-wordpress-1",
    "cap": "backup-agent",  # --cap-add SYS_ADMIN
    "toggle": "cache",
    "fixable": "status-page",  # running, no memory or pids limit: C, and B with them
}


def real_roles(word: str) -> dict[str, dict[str, object]]:
    """The same roles on the real engine, as harness.Containers.create
    arguments; the sort-* names (dtui-<session>-<word>-a..c) hold `word`,
    and sort-c's socket mount makes it the worst, so worst-first is not
    name order."""
    return {
        "sort-a": {"name": f"{word}-a"},
        "sort-b": {"name": f"{word}-b"},
        "sort-c": {
            "name": f"{word}-c",
            "host": {"binds": ["/var/run/docker.sock:/var/run/docker.sock"]},
        },
        "cap": {"name": "both-cap", "host": {"cap_add": ["SYS_ADMIN"]}},
        "toggle": {"name": "both-toggle"},
        "fixable": {"name": "both-fix"},
    }


@dataclass
class Bed:
    """One engine for one test: where the console connects, a docker-py
    client on the same socket, and the containers the case asks for."""

    kind: str
    endpoint: Endpoint
    api: docker.APIClient
    #: The filter word that lets through exactly the sort-* containers.
    word: str
    state_dir: Path
    _make: Callable[[str], str]
    _names: dict[str, str] = field(default_factory=dict)

    async def container(self, role: str) -> str:
        """The id of the container playing `role` (created now on the real engine)."""

        def make() -> tuple[str, str]:
            cid = self._make(role)
            return cid, str(self.api.inspect_container(cid)["Name"]).lstrip("/")

        cid, name = await asyncio.to_thread(make)
        self._names[cid] = name
        return cid

    def name(self, cid: str) -> str:
        return self._names[cid]

    def app(self) -> DockerTUI:
        """The console as the CLI builds it: a Watcher on the endpoint and
        the engine fixer (backups and the audit log in a temporary folder)."""
        fixer = EngineFixer(self.endpoint, State(self.state_dir), verify_seconds=2.0)
        notice = NOTICE if self.kind == "demo" else ""
        return DockerTUI(Watcher(self.endpoint), fixer=fixer, notice=notice)


@pytest.fixture(params=[pytest.param("real", marks=pytest.mark.engine), "demo"])
async def bed(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Bed]:
    if request.param == "real":
        made: harness.Containers = request.getfixturevalue("containers")
        word = uuid.uuid4().hex[:10]
        roles = real_roles(word)

        def create(role: str) -> str:
            args = dict(roles[role])
            return str(made.create(str(args.pop("name")), **args))

        yield Bed(
            "real",
            resolve_endpoint(host=harness.BASE_URL),
            made.api,
            word,
            tmp_path / "state",
            create,
        )
        return
    # On a thread of its own (as `dockertui demo` runs it), so the test's
    # blocking docker-py calls do not stall it.
    socket, stop = start_demo_engine(0)
    api = docker.APIClient(base_url=f"unix://{socket}", version=API_VERSION, timeout=10)

    def lookup(role: str) -> str:
        wanted = DEMO_MEMBERS[role]
        (found,) = api.containers(all=True, filters={"name": f"^/{wanted}$"})
        return str(found["Id"])

    try:
        yield Bed(
            "demo",
            resolve_endpoint(host=f"unix://{socket}", env={}),
            api,
            DEMO_WORD,
            tmp_path / "state",
            lookup,
        )
    finally:
        api.close()
        stop()


@contextlib.asynccontextmanager
async def console(
    bed: Bed, ids: list[str], size: tuple[int, int] = (160, 48)
) -> AsyncIterator[tuple[DockerTUI, Pilot[None]]]:
    """The console on the bed's engine, once it shows every container in `ids`."""
    app = bed.app()
    async with console_showing(app, ids, CONNECT, size) as pilot:
        yield app, pilot


async def test_filter_narrows_and_sort_orders(bed: Bed) -> None:
    by_name = [await bed.container(role) for role in ("sort-a", "sort-b", "sort-c")]
    other = await bed.container("toggle")  # a name without the word: filtered out
    async with console(bed, [*by_name, other]) as (app, pilot):
        await pilot.press("slash", *bed.word)
        await until(
            pilot, lambda: set(row_ids(app)) == set(by_name), LIVE, lambda: f"rows {row_ids(app)}"
        )
        await pilot.press("enter")  # the filter stays; keys go back to the table
        assert app.filter_text == bed.word
        worst_first = row_ids(app)
        assert worst_first != by_name  # the worst (socket, or the wordpress) leads

        await pilot.press("s")
        assert app.sort_key == "name"
        assert row_ids(app) == by_name
        await pilot.press("r")
        assert row_ids(app) == by_name[::-1]
        await pilot.press("r", "escape")
        assert app.filter_text == ""
        await until(
            pilot,
            lambda: set(row_ids(app)) == set(app.state.reports),
            LIVE,
            lambda: f"rows {len(row_ids(app))}, reports {len(app.state.reports)}",
        )
        assert other in row_ids(app)
        assert [cid for cid in row_ids(app) if cid in by_name] == by_name  # still by name


async def test_panel_shows_the_selected_containers_findings(bed: Bed) -> None:
    cap = await bed.container("cap")
    other = await bed.container("toggle")
    async with console(bed, [cap, other]) as (app, pilot):
        panel = app.query_one("#panel", SecurityPanel)

        async def panel_of(cid: str) -> str:
            await select(pilot, cid, LIVE)
            await until(
                pilot,
                lambda: panel.report is not None and panel.report.container.id == cid,
                LIVE,
                lambda: f"panel shows: {widget_text(panel)[:400]!r}",
            )
            return squash(widget_text(panel))

        text = await panel_of(cap)
        assert bed.name(cap) in text
        assert "SYS_ADMIN" in text
        assert squash(CAPABILITIES["SYS_ADMIN"]) in text
        text = await panel_of(other)
        assert bed.name(other) in text
        assert squash(CAPABILITIES["SYS_ADMIN"]) not in text


async def test_enter_on_a_narrow_terminal_opens_the_containers_findings(bed: Bed) -> None:
    cap = await bed.container("cap")
    async with console(bed, [cap], size=(80, 24)) as (app, pilot):
        main = app.screen
        assert not app.query_one("#panel", SecurityPanel).display
        await select(pilot, cap, LIVE)
        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, ContainerScreen),
            LIVE,
            lambda: f"screen is {app.screen!r}",
        )
        screen = app.screen
        assert isinstance(screen, ContainerScreen) and screen.container_id == cap
        panel = screen.query_one(SecurityPanel)
        await until(
            pilot,
            lambda: bed.name(cap) in widget_text(panel),
            LIVE,
            lambda: f"panel shows: {widget_text(panel)[:400]!r}",
        )
        assert squash(CAPABILITIES["SYS_ADMIN"]) in squash(widget_text(panel))
        # The panel screen's keys are its own: Enter, / and e do nothing here.
        await pilot.press("enter", "slash", "e")
        await pilot.pause()
        assert app.screen_stack == [main, screen]
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is main, LIVE, lambda: f"screen is {app.screen!r}")


async def test_engine_screen_shows_the_engine_findings(bed: Bed) -> None:
    async with console(bed, []) as (app, pilot):
        main = app.screen
        await pilot.press("e")
        await until(
            pilot,
            lambda: isinstance(app.screen, EngineScreen),
            LIVE,
            lambda: f"screen is {app.screen!r}",
        )
        text = squash(widget_text(app.screen))
        assert "User namespace remapping is off" in text
        assert bed.api.version()["Version"] in text
        if bed.kind == "real":  # the dockerd serving the socket, with its settings' sources
            assert "Settings dockerd pid " in text and "command line: --host" in text
        else:  # the demo's socket is served by dockertui itself, not by a dockerd
            assert "Settings not verifiable here:" in text and "not a dockerd" in text
        await pilot.press("e")  # no second engine screen over the first
        await pilot.pause()
        assert app.screen_stack == [main, app.screen] and isinstance(app.screen, EngineScreen)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is main, LIVE, lambda: f"screen is {app.screen!r}")


async def test_stop_and_start_reach_the_events_pane_and_the_row(bed: Bed) -> None:
    cid = await bed.container("toggle")
    name = bed.name(cid)
    async with console(bed, [cid]) as (app, pilot):
        pane = app.query_one("#events")
        report = app.state.reports[cid]
        assert report.container.state == "running"

        def shows(state: str, action: str) -> Callable[[], bool]:
            def check() -> bool:
                now = app.state.reports.get(cid)
                return (
                    now is not None
                    and now.container.state == state
                    and f"container {action} {name}" in widget_text(pane)
                )

            return check

        await asyncio.to_thread(bed.api.stop, cid, timeout=0)
        await until(
            pilot,
            shows("exited", "stop"),
            LIVE,
            lambda: f"{describe(app, [cid])}; pane tail {widget_text(pane)[-300:]!r}",
        )
        await asyncio.to_thread(bed.api.start, cid)
        await until(
            pilot,
            shows("running", "start"),
            LIVE,
            lambda: f"{describe(app, [cid])}; pane tail {widget_text(pane)[-300:]!r}",
        )


async def test_the_wizard_applies_a_live_limits_fix_and_the_grade_changes(bed: Bed) -> None:
    cid = await bed.container("fixable")
    async with console(bed, [cid]) as (app, pilot):
        before = app.state.reports[cid]
        assert {"memory-unlimited", "pids-unlimited"} <= {f.check for f in before.findings}
        await select(pilot, cid, LIVE)
        await pilot.press("f")
        await pilot.pause()
        wizard = app.screen
        assert isinstance(wizard, FixWizard) and wizard.report.container.id == cid
        for change in wizard.changes:
            box = wizard.query_one(f"#change-{change}", Checkbox)
            if box.value != (change == "limits"):
                await press_on(pilot, box, "space")
        assert wizard.plan.changes == ("limits",) and not wizard.plan.recreate

        result = await apply_in_wizard(pilot, wizard, LIVE)
        assert result.status == "applied", result.message
        host = bed.api.inspect_container(cid)["HostConfig"]
        assert host["Memory"] > 0 and host["PidsLimit"] > 0

        def regraded() -> bool:
            now = app.state.reports.get(cid)
            return (
                now is not None
                and not {"memory-unlimited", "pids-unlimited"} & {f.check for f in now.findings}
                and now.score > before.score
            )

        await until(pilot, regraded, LIVE, lambda: describe(app, [cid]))
        assert app.state.reports[cid].grade != before.grade

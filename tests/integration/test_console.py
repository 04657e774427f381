"""The live console (DockerTUI over engine.watch.Watcher) driven with Pilot
against the REAL engine on /var/run/docker.sock.

The table shows every container on the engine, and other test runs share
it: each test looks only at its own containers, by container id (the row
key) or by filtering on a label value unique to the test.

The daemon restart is tested on a private dockerd (test_engine_restart.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import docker
import pytest
from console_support import (
    cell,
    describe,
    header_text,
    mine,
    real_console,
    row_ids,
    select,
    squash,
    until,
    widget_text,
)
from textual.pilot import Pilot

from dockertui.audit import Severity
from dockertui.audit.capabilities import CAPABILITIES
from dockertui.ui.app import DockerTUI
from dockertui.ui.help_screen import HelpScreen
from dockertui.ui.panel import SecurityPanel

import harness

pytestmark = pytest.mark.engine

WIDE = (160, 48)
NARROW = (80, 24)
#: A label whose value is unique to one test, for the console's `/` filter.
CASE = "dtui.console.case"
#: How long the first snapshot may take on a busy shared engine.
CONNECT = 15.0
#: The console must reflect a change on the engine within this many seconds.
LIVE = 2.0


def console(
    size: tuple[int, int] = WIDE, *, read_only: bool = False
) -> contextlib.AbstractAsyncContextManager[Pilot[None]]:
    """The console on the real engine, once its first snapshot is shown."""
    return real_console(size, read_only=read_only, timeout=CONNECT)


async def shown(pilot: Pilot[None], ids: list[str], timeout: float = CONNECT) -> None:
    """Wait until every container in `ids` has a row."""
    app = pilot.app
    await until(
        pilot,
        lambda: set(ids) <= set(row_ids(app)),
        timeout,
        lambda: describe(app, ids),
    )


def tag() -> str:
    """A label value unique to one test. As a filter word it matches the
    label `dtui.console.case=<value>` (filter words match label key=value)."""
    return uuid.uuid4().hex[:12]


async def create(made: harness.Containers, name: str, **kwargs: object) -> str:
    """Create (and by default start) a container without blocking the app's loop."""
    return await asyncio.to_thread(made.create, name, **kwargs)  # type: ignore[arg-type]


def report_state(app: DockerTUI, container_id: str) -> str | None:
    report = app.state.reports.get(container_id)
    return report.container.state if report else None


def report_grade(app: DockerTUI, container_id: str) -> str | None:
    report = app.state.reports.get(container_id)
    return report.grade if report else None


# -- 1. live additions ---------------------------------------------------------


async def test_created_containers_appear_with_their_grade(
    containers: harness.Containers,
) -> None:
    async with console() as pilot:
        app: DockerTUI = pilot.app  # type: ignore[assignment]
        assert "read-only" not in header_text(app)

        start = time.monotonic()
        plain_id = await create(containers, "live-plain")  # docker run -d
        await until(
            pilot,
            lambda: (
                cell(app, plain_id, "grade") == "B"
                and cell(app, plain_id, "state") == "running"
                and report_grade(app, plain_id) == "B"
            ),
            LIVE,
            lambda: describe(app, [plain_id]),
            start=start,
        )
        assert cell(app, plain_id, "name") == containers.name("live-plain")

        start = time.monotonic()
        priv_id = await create(containers, "live-priv", start=False, host={"privileged": True})
        await until(
            pilot,
            lambda: (
                cell(app, priv_id, "grade") == "F"
                and cell(app, priv_id, "state") == "created"
                and report_grade(app, priv_id) == "F"
            ),
            LIVE,
            lambda: describe(app, [priv_id]),
            start=start,
        )
        assert cell(app, priv_id, "caps") == "ALL priv"
        # The earlier row is untouched by the later update.
        assert cell(app, plain_id, "grade") == "B"


# -- 2. live changes and removals ------------------------------------------------


async def test_stop_and_remove_update_the_table(containers: harness.Containers) -> None:
    stopped = await create(containers, "to-stop")
    removed = await create(containers, "to-remove")
    async with console() as pilot:
        app: DockerTUI = pilot.app  # type: ignore[assignment]
        await shown(pilot, [stopped, removed])
        assert cell(app, stopped, "state") == "running"
        assert cell(app, removed, "state") == "running"

        start = time.monotonic()
        await asyncio.to_thread(containers.api.stop, stopped, timeout=0)
        await until(
            pilot,
            lambda: (
                cell(app, stopped, "state") == "exited" and report_state(app, stopped) == "exited"
            ),
            LIVE,
            lambda: describe(app, [stopped]),
            start=start,
        )

        start = time.monotonic()
        await asyncio.to_thread(containers.api.remove_container, removed, force=True)
        await until(
            pilot,
            lambda: removed not in row_ids(app) and removed not in app.state.reports,
            LIVE,
            lambda: describe(app, [removed]),
            start=start,
        )
        assert cell(app, stopped, "state") == "exited"
        assert app._rows == row_ids(app)


# -- 4. filter, sort, hide stopped -----------------------------------------------


async def test_filter_sort_and_hide_stopped(containers: harness.Containers) -> None:
    word = tag()
    labels = {CASE: word}
    a = await create(containers, "sort-a", labels=labels)
    b = await create(containers, "sort-b", labels=labels)
    socket = await create(
        containers,
        "sort-c",
        labels=labels,
        host={"binds": ["/var/run/docker.sock:/var/run/docker.sock"]},
    )
    stopped = await create(containers, "sort-d", labels=labels, start=False)
    by_name = [a, b, socket, stopped]  # names dtui-<session>-sort-{a,b,c,d}
    # Another of this session's containers, without the test's label.
    other = await create(containers, "sort-other")

    async with console() as pilot:
        app: DockerTUI = pilot.app  # type: ignore[assignment]
        await shown(pilot, [*by_name, other])

        # `/` + the label: exactly this test's labelled containers.
        await pilot.press("slash")
        await pilot.press(*word)
        await until(
            pilot,
            lambda: set(row_ids(app)) == set(by_name),
            LIVE,
            lambda: f"rows {row_ids(app)}",
        )
        assert app.filter_text == word
        assert app._rows == row_ids(app)

        # Enter leaves the filter on and gives the keys back to the table.
        await pilot.press("enter")
        assert set(row_ids(app)) == set(by_name)

        # `s` from the default order (worst first) sorts by Name; `r` reverses.
        assert app.sort_key is None
        await pilot.press("s")
        assert app.sort_key == "name"
        assert row_ids(app) == by_name
        await pilot.press("r")
        assert app.reverse is True
        assert row_ids(app) == by_name[::-1]
        await pilot.press("r")
        assert row_ids(app) == by_name

        # `h` hides the stopped (created-only) container and brings it back.
        await pilot.press("h")
        assert row_ids(app) == [a, b, socket]
        await pilot.press("h")
        assert row_ids(app) == by_name

        # Escape clears the filter: every container of the engine again.
        await pilot.press("escape")
        assert app.filter_text == ""
        assert {*by_name, other} <= set(row_ids(app))
        await until(
            pilot,
            lambda: set(row_ids(app)) == set(app.state.reports),
            LIVE,
            lambda: f"rows {len(row_ids(app))}, reports {len(app.state.reports)}",
        )
        assert mine(app, by_name) == by_name  # still sorted by name

        # A finding id as a filter word, with the label to keep to our own rows.
        await pilot.press("slash")
        await pilot.press(*f"{word} docker-socket")
        await until(
            pilot,
            lambda: row_ids(app) == [socket],
            LIVE,
            lambda: f"rows {row_ids(app)}",
        )
        await pilot.press("escape")
        assert app.filter_text == ""
        assert {*by_name, other} <= set(row_ids(app))


# -- 5. the security panel ---------------------------------------------------------


async def test_panel_shows_dangerous_capability_and_docker_socket(
    containers: harness.Containers,
) -> None:
    cap = await create(containers, "panel-cap", host={"cap_add": ["SYS_ADMIN"]})
    sock = await create(
        containers, "panel-sock", host={"binds": ["/var/run/docker.sock:/var/run/docker.sock"]}
    )
    async with console() as pilot:
        app: DockerTUI = pilot.app  # type: ignore[assignment]
        await shown(pilot, [cap, sock])
        panel = app.query_one("#panel", SecurityPanel)
        assert panel.display

        await select(pilot, cap, LIVE)
        await until(
            pilot,
            lambda: panel.report is not None and panel.report.container.id == cap,
            LIVE,
            lambda: f"panel shows: {widget_text(panel)[:400]!r}",
        )
        text = squash(widget_text(panel))
        assert "SYS_ADMIN" in text
        assert squash(CAPABILITIES["SYS_ADMIN"]) in text
        assert "Can control the Docker engine" not in text

        await select(pilot, sock, LIVE)
        await until(
            pilot,
            lambda: panel.report is not None and panel.report.container.id == sock,
            LIVE,
            lambda: f"panel shows: {widget_text(panel)[:400]!r}",
        )
        text = squash(widget_text(panel))
        assert "Can control the Docker engine (socket mounted)" in text
        assert "/var/run/docker.sock" in text
        assert squash(CAPABILITIES["SYS_ADMIN"]) not in text


# -- 6. narrow terminals: in test_console_both_engines.py (Enter opens the panel
# as a screen of its own keys), on the real engine and the demo alike.


# -- 7. exec sessions ------------------------------------------------------------------


def _exec(api: docker.APIClient, cid: str, cmd: list[str], user: str = "") -> bytes:
    exec_id = api.exec_create(cid, cmd, user=user)["Id"]
    return api.exec_start(exec_id)


async def test_exec_as_root_is_flagged_in_the_events(containers: harness.Containers) -> None:
    cid = await create(containers, "exec")
    name = containers.name("exec")

    def root_lines(app: DockerTUI) -> list[str]:
        return [
            line.text
            for line in app.state.events
            if line.severity is Severity.MEDIUM
            and line.text.startswith(f"{name}: exec ")
            and "Exec session as root" in line.reason
        ]

    async with console() as pilot:
        app: DockerTUI = pilot.app  # type: ignore[assignment]
        await shown(pilot, [cid])
        # A non-root exec first: it must not be flagged. Events arrive in
        # order, so once the root exec's line shows this one was handled.
        out = await asyncio.to_thread(_exec, containers.api, cid, ["echo", "as-app"], "1000")
        assert b"as-app" in out

        start = time.monotonic()
        out = await asyncio.to_thread(_exec, containers.api, cid, ["id"])
        assert b"uid=0(root)" in out
        await until(
            pilot,
            lambda: root_lines(app),
            LIVE,
            lambda: f"events: {[line.text for line in app.state.events][-10:]}",
            start=start,
        )
        assert len(root_lines(app)) == 1
        assert root_lines(app)[0] == f"{name}: exec id (as root, the container's user)"
        assert not any("as-app" in line.text and line.severity for line in app.state.events)
        pane = app.query_one("#events")
        await until(
            pilot,
            lambda: f"{name}: exec id (as root" in widget_text(pane),
            LIVE,
            lambda: f"events pane: {widget_text(pane)[-400:]!r}",
        )


# -- 8. read-only header, help and engine screens ---------------------------------------


async def test_read_only_header_and_help() -> None:
    async with console(read_only=True) as pilot:
        app: DockerTUI = pilot.app  # type: ignore[assignment]
        assert "read-only" in header_text(app)
        main = app.screen

        await pilot.press("question_mark")
        await until(
            pilot,
            lambda: isinstance(app.screen, HelpScreen),
            LIVE,
            lambda: f"screen is {app.screen!r}",
        )
        help_text = widget_text(app.screen)
        assert "Hide stopped" in help_text
        assert "Filter" in help_text
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is main, LIVE, lambda: f"screen is {app.screen!r}")

        # The engine screen (and that it does not stack): test_console_both_engines.py.

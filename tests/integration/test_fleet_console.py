"""Two real engines in one console (engine/fleet_watch.py): the main engine
and a private dockerd (its own socket, data-root and exec-root:
tests/private_engine.py), each holding a container of the same name.

The private engine is stopped mid-session: its rows dim and the header says
so while the main engine keeps updating; started again, it recovers. A fix
through the console acts on the engine its container came from."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest
from console_support import (
    apply_in_wizard,
    header_text,
    press_on,
    row_ids,
    select,
    until,
)
from private_engine import PrivateDockerd, running
from textual.widgets import Checkbox, DataTable, OptionList

from dockertui.cli.console import _switching
from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.fleet_watch import FleetWatcher
from dockertui.engine.watch import Watcher
from dockertui.fixes.session import EngineFixer, FleetFixer
from dockertui.fixes.state import State
from dockertui.model.container import row_key
from dockertui.ui import columns
from dockertui.ui.app import DockerTUI
from dockertui.ui.context_picker import ContextPicker
from dockertui.ui.fix_wizard import FixWizard
from dockertui.ui.fleet_state import Link

import harness

pytestmark = pytest.mark.engine

LIVE = 20.0
QUICK = {"stop_timeout": 1, "host": {"network_mode": "none"}}


@pytest.fixture(scope="module")
def second() -> Iterator[PrivateDockerd]:
    with running() as private:
        yield private


def _row(app: DockerTUI, key: str) -> columns.Row | None:
    return next((r for r in app._rows_wanted() if r.report.container.key == key), None)


def _drawn_dim(app: DockerTUI, key: str) -> bool:
    """Whether the table draws the row's name dimmed (a lost engine's row)."""
    cell = app.query_one("#fleet", DataTable).get_cell(key, "name")
    return "dim" in str(cell.style) or any("dim" in str(s.style) for s in cell.spans)


def _cell(app: DockerTUI, key: str, column: str) -> str:
    table = app.query_one("#fleet")
    if key not in table.rows:  # type: ignore[attr-defined]
        return ""
    return str(table.get_cell(key, column)).strip()  # type: ignore[attr-defined]


async def test_two_engines_one_lost_and_found_while_the_other_keeps_updating(
    second: PrivateDockerd, docker_api: docker.APIClient, tmp_path: Path
) -> None:
    main_made = harness.Containers(docker_api)
    other_made = harness.Containers(second.api())
    name = f"fleet-web-{harness.SESSION}"
    try:
        here = await asyncio.to_thread(main_made.create, name, **QUICK)  # type: ignore[arg-type]
        there = await asyncio.to_thread(other_made.create, name, **QUICK)  # type: ignore[arg-type]
        main_ep = resolve_endpoint(host=harness.BASE_URL, env={})
        other_ep = resolve_endpoint(host=second.base_url, env={})
        here_key, there_key = row_key(main_ep.name, here), row_key(other_ep.name, there)
        fixer = FleetFixer(
            {e.name: EngineFixer(e, State(tmp_path / "state")) for e in (main_ep, other_ep)}
        )
        app = DockerTUI(FleetWatcher([main_ep, other_ep]), fixer=fixer)
        async with app.run_test(size=(160, 48)) as pilot:
            await until(
                pilot,
                lambda: {here_key, there_key} <= set(row_ids(app)),
                LIVE,
                lambda: f"rows {row_ids(app)[:5]}; status {app.state.status!r}",
            )
            # One row each, under its own engine, in the Engine column.
            for key, endpoint in ((here_key, main_ep), (there_key, other_ep)):
                assert app.state.reports[key].container.engine == endpoint.name
                shown = _cell(app, key, "engine")  # a long name keeps its start and end
                assert shown[:5] == endpoint.name[:5] and shown[-5:] == endpoint.name[-5:]
            assert all(v.link is Link.LIVE for v in app.state.engines.values())

            await asyncio.to_thread(second.stop)
            lost = app.state.engines[other_ep.name]

            def dimmed() -> bool:
                row = _row(app, there_key)
                return (
                    lost.link is Link.RECONNECTING
                    and row is not None
                    and row.stale
                    and _drawn_dim(app, there_key)  # on screen, not only in the state
                    and f"{other_ep.name} reconnecting" in header_text(app)
                )

            await until(pilot, dimmed, LIVE, lambda: f"header {header_text(app)!r}")
            assert f"{other_ep.name}: " in header_text(app)  # and why, on its own line
            here_row = _row(app, here_key)
            assert here_row is not None and not here_row.stale
            # The main engine keeps updating while the other is away.
            await asyncio.to_thread(docker_api.stop, here, timeout=1)
            await until(
                pilot,
                lambda: _cell(app, here_key, "state") == "exited",
                LIVE,
                lambda: f"state {_cell(app, here_key, 'state')!r}",
            )
            assert lost.link is not Link.LIVE  # still away

            await asyncio.to_thread(second.start)

            def recovered() -> bool:
                row = _row(app, there_key)
                live = lost.link is Link.LIVE and row is not None and not row.stale
                return live and not _drawn_dim(app, there_key)

            await until(pilot, recovered, 40.0, lambda: f"header {header_text(app)!r}")
            assert "reconnecting" not in header_text(app)

            # A fix on the other engine's container acts on that engine only.
            await select(pilot, there_key, LIVE)
            await pilot.press("f")
            await pilot.pause()
            wizard = app.screen
            assert isinstance(wizard, FixWizard)
            assert wizard.report.container.key == there_key
            for change in wizard.changes:
                box = wizard.query_one(f"#change-{change}", Checkbox)
                if box.value != (change == "limits"):
                    await press_on(pilot, box, "space")
            result = await apply_in_wizard(pilot, wizard, LIVE)
            assert result.status == "applied", result.message
        fixed = second.api().inspect_container(there)["HostConfig"]
        untouched = docker_api.inspect_container(here)["HostConfig"]
        assert fixed["Memory"] > 0 and untouched["Memory"] == 0
    finally:
        await asyncio.to_thread(main_made.cleanup)
        with contextlib.suppress(docker.errors.DockerException, OSError):
            await asyncio.to_thread(other_made.cleanup)  # the engine may be down after a failure


def _context(config: Path, name: str, host: str, description: str) -> None:
    """A context in the docker CLI's store, as `docker context create` writes it."""
    folder = config / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    folder.mkdir(parents=True)
    meta = {
        "Name": name,
        "Metadata": {"Description": description},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}},
    }
    (folder / "meta.json").write_text(json.dumps(meta))


async def test_the_context_picker_switches_engines_in_place(
    second: PrivateDockerd,
    docker_api: docker.APIClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "docker-config"
    _context(config, "main", harness.BASE_URL, "this machine's engine")
    _context(config, "second", second.base_url, "the private test engine")
    (config / "config.json").write_text(json.dumps({"currentContext": "main"}))
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.setenv("DOCKERTUI_STATE_DIR", str(tmp_path / "state"))
    main_made = harness.Containers(docker_api)
    other_made = harness.Containers(second.api())
    try:
        here = await asyncio.to_thread(main_made.create, f"ctx-main-{harness.SESSION}", **QUICK)  # type: ignore[arg-type]
        there = await asyncio.to_thread(
            other_made.create,
            f"ctx-second-{harness.SESSION}",
            **QUICK,  # type: ignore[arg-type]
        )
        endpoint = resolve_endpoint()
        assert endpoint.context == "main"
        app = DockerTUI(
            Watcher(endpoint),
            fixer=EngineFixer(endpoint),
            **_switching(read_only=False, insecure=False),
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: here in row_ids(app), LIVE, lambda: app.state.status)
            assert "context main" in header_text(app)
            await pilot.press("c")
            await pilot.pause()
            picker = app.screen
            assert isinstance(picker, ContextPicker)
            listed = [str(o.id) for o in picker.query_one(OptionList).options]
            assert listed == ["default", "main", "second"]
            shown = "\n".join(str(o.prompt) for o in picker.query_one(OptionList).options)
            assert "● main (current)" in shown and "the private test engine" in shown
            picker.query_one(OptionList).highlighted = listed.index("second")
            await pilot.press("enter")
            await until(
                pilot,
                lambda: there in row_ids(app) and here not in row_ids(app),
                LIVE,
                lambda: f"rows {row_ids(app)[:4]}; header {header_text(app)!r}",
            )
            assert "context second" in header_text(app)
            assert isinstance(app.fixer, EngineFixer) and app.fixer.endpoint.context == "second"
            # Escape keeps what is watched.
            await pilot.press("c")
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause(0.3)
            assert there in row_ids(app) and "context second" in header_text(app)
    finally:
        await asyncio.to_thread(main_made.cleanup)
        with contextlib.suppress(docker.errors.DockerException, OSError):
            await asyncio.to_thread(other_made.cleanup)


async def test_a_context_that_cannot_be_used_is_shown_refused_and_never_dialled() -> None:
    why = "Docker context 'old-lab' has a malformed docker endpoint; recreate it."
    main_ep = resolve_endpoint(host=harness.BASE_URL, env={})
    app = DockerTUI(FleetWatcher([main_ep], unusable={"old-lab": why}), read_only=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(
            pilot,
            lambda: app.state.engines[main_ep.name].link is Link.LIVE,
            LIVE,
            lambda: app.state.status,
        )
        lab = app.state.engines["old-lab"]
        assert lab.link is Link.REFUSED and lab.status == f"disconnected: {why}"
        header = header_text(app)
        assert "✗ old-lab refused" in header and f"old-lab: {why}" in header

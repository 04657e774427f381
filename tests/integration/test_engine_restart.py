"""The console through a daemon restart, on a private dockerd (its own
socket, data-root and exec-root: tests/private_engine.py), so stopping the
engine disturbs no other test and this module may run in any order."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from console_support import cell, describe, fleet, header_text, row_ids, until
from private_engine import PrivateDockerd, running

from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.watch import Watcher
from dockertui.ui.app import DockerTUI

import harness

pytestmark = pytest.mark.engine

CONNECT = 15.0


@pytest.fixture(scope="module")
def engine() -> Iterator[PrivateDockerd]:
    with running() as private:
        yield private


def _report_state(app: DockerTUI, container_id: str) -> str | None:
    report = app.state.reports.get(container_id)
    return report.container.state if report else None


async def test_daemon_restart_shows_disconnected_then_recovers(engine: PrivateDockerd) -> None:
    made = harness.Containers(engine.api())
    # busybox sleep ignores SIGTERM: keep the daemon's shutdown short.
    quick = {"stop_timeout": 1, "host": {"network_mode": "none"}}
    always_host = {"network_mode": "none", "restart_policy": {"Name": "always"}}
    try:
        plain = await asyncio.to_thread(made.create, "restart-plain", **quick)  # type: ignore[arg-type]
        always = await asyncio.to_thread(
            made.create, "restart-always", stop_timeout=1, host=always_host
        )
        created = await asyncio.to_thread(
            made.create,
            "restart-created",
            start=False,
            **quick,  # type: ignore[arg-type]
        )
        gone = await asyncio.to_thread(made.create, "restart-gone", **quick)  # type: ignore[arg-type]
        ours = [plain, always, created, gone]

        app = DockerTUI(Watcher(resolve_endpoint(host=engine.base_url)))
        async with app.run_test(size=(160, 48)) as pilot:
            await until(
                pilot,
                lambda: app.state.connected and set(ours) <= set(row_ids(app)),
                CONNECT,
                lambda: describe(app, ours),
            )
            assert not fleet(app).has_class("stale")
            assert "DISCONNECTED" not in header_text(app)
            generation = app.state.generation

            # The open event stream outlives the API while dockerd stops its
            # containers, so the window starts once the process is gone.
            await asyncio.to_thread(engine.stop)
            await until(
                pilot,
                lambda: (
                    not app.state.connected
                    and "DISCONNECTED" in header_text(app)
                    and fleet(app).has_class("stale")
                ),
                5.0,
                lambda: describe(app, ours) + f"; header {header_text(app)!r}",
            )
            # The rows stay (dimmed) while the engine is away.
            assert set(ours) <= set(row_ids(app))

            await asyncio.to_thread(engine.start)
            # Removed once the engine is back: gone after the re-snapshot or
            # by its destroy event, whichever comes first.
            await asyncio.to_thread(made.api.remove_container, gone, force=True)
            expected = {plain: "exited", always: "running", created: "created"}

            def recovered() -> bool:
                return (
                    app.state.connected
                    and app.state.generation > generation
                    and not fleet(app).has_class("stale")
                    and "DISCONNECTED" not in header_text(app)
                    and all(cell(app, c, "state") == s for c, s in expected.items())
                    and all(_report_state(app, c) == s for c, s in expected.items())
                    and gone not in row_ids(app)
                    and gone not in app.state.reports
                )

            await until(
                pilot,
                recovered,
                20.0,
                lambda: describe(app, ours) + f"; header {header_text(app)!r}",
            )
            assert app._rows == row_ids(app)
    finally:
        await asyncio.to_thread(made.cleanup)

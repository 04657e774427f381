"""The console shows what the kernel enforces, on the REAL engine: a
container configured as root whose PID 1 drops to UID 65534 is "differs"
on the user and "verified" elsewhere, in the panel and in the table; one
that is not running gets the one-line reason and no per-layer rows."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from console_support import cell, real_console, row_ids, select, squash, until, widget_text
from textual.pilot import Pilot

from dockertui.model.kernel import Unverifiable
from dockertui.ui.container_screen import ContainerScreen
from dockertui.ui.panel import SecurityPanel

import harness

pytestmark = pytest.mark.engine

WIDE, NARROW = (160, 48), (80, 24)
#: How long the first snapshot may take on a busy shared engine.
CONNECT = 15.0
LIVE = 2.0
#: Starts as root, then becomes nobody (65534) for good.
DROPS = ["su", "-s", "/bin/sh", "nobody", "-c", "exec sleep 1000"]


def console(size: tuple[int, int]) -> contextlib.AbstractAsyncContextManager[Pilot[None]]:
    return real_console(size, read_only=True, timeout=CONNECT)


async def panel_of(pilot: Pilot[None], container_id: str) -> str:
    """Select the container and return what the panel shows, as one line."""
    app = pilot.app
    await until(pilot, lambda: container_id in row_ids(app), CONNECT, "no row for it")
    await select(pilot, container_id, LIVE)
    panel = app.query_one("#panel", SecurityPanel)
    await until(
        pilot,
        lambda: panel.report is not None and panel.report.container.id == container_id,
        LIVE,
        lambda: f"panel shows: {widget_text(panel)[:300]!r}",
    )
    return squash(widget_text(panel))


async def test_a_root_config_dropping_to_nobody_differs_on_the_user(
    containers: harness.Containers,
) -> None:
    cid = await asyncio.to_thread(
        containers.create, "drops", image=harness.TOOLS_IMAGE, command=DROPS
    )
    async with console(WIDE) as pilot:
        text = await panel_of(pilot, cid)
        assert "in effect: 9 of 10 layers verified, differs: user" in text, text[:600]
        assert "differs user: PID 1 runs as UID 65534; configured root (not set)" in text
        for layer in ("capabilities", "seccomp", "no-new-privileges", "memory limit"):
            assert f"verified {layer}:" in text
        assert "PID 1 sleep 1000 as UID 65534" in text
        assert "processes no others" in text
        assert "not verifiable here" not in text
        # The table: the user as the kernel shows it; no ≠ for a plain drop
        # from root (the root-user finding reports it, lowered).
        assert cell(pilot.app, cid, "state") == "running"
        assert cell(pilot.app, cid, "user") == "root→65534"


async def test_a_container_not_running_says_why_once(containers: harness.Containers) -> None:
    cid = await asyncio.to_thread(containers.create, "created", start=False)
    async with console(NARROW) as pilot:
        await until(pilot, lambda: cid in row_ids(pilot.app), CONNECT, "no row for it")
        await select(pilot, cid, LIVE)
        state = cell(pilot.app, cid, "state")
        await pilot.press("enter")  # at 80 columns the panel is a screen of its own
        await until(
            pilot,
            lambda: isinstance(pilot.app.screen, ContainerScreen),
            LIVE,
            lambda: f"screen is {pilot.app.screen!r}",
        )
        panel = pilot.app.screen.query_one(SecurityPanel)
        await until(
            pilot,
            lambda: panel.report is not None and panel.report.container.id == cid,
            LIVE,
            lambda: f"panel shows: {widget_text(panel)[:300]!r}",
        )
        text = squash(widget_text(panel))
        sentence = f"in effect: {Unverifiable.NOT_RUNNING.sentence}"
        assert sentence == "in effect: not verifiable here: the container is not running"
        assert text.count("not verifiable here") == 1 and sentence in text, text[:600]
        assert "verified " not in text and "differs " not in text
        assert "in effect " not in text.replace(sentence, "")
        assert state == "created"  # no marker: nothing known differs

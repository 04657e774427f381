"""The events pane in the console (Pilot, no engine): lines in the engine's
time order even when an update arrives late, and `!` for the flagged
events only and back."""

from __future__ import annotations

from dockertui.engine.watch import EngineEvent, ExecStarted, Update
from dockertui.model import ExecSession
from dockertui.ui.app import DockerTUI
from dockertui.ui.widgets import EventsPane

import showcase

T0 = 1_796_140_000.0


def console(updates: tuple[Update, ...]) -> DockerTUI:
    source = showcase.showcase_source()
    source.updates = updates
    return DockerTUI(source)


def shown(app: DockerTUI) -> list[str]:
    """The pane's lines without their clock (local time differs)."""
    return [strip.text.split(" ", 1)[1].strip() for strip in app.query_one(EventsPane).lines]


async def test_bang_shows_only_flagged_events_and_back() -> None:
    c = showcase.showcase_containers()[0]
    app = console(
        (
            EngineEvent(T0, "container", "stop", c.id, c.name),
            ExecStarted(ExecSession("e" * 64, c.id, "root", False, ("id",)), T0 + 1),
            EngineEvent(T0 + 2, "container", "unpause", c.id, c.name),
        )
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.3)
        exec_line = f"MEDIUM  {c.name}: exec id (as root)  Exec session as root"
        assert shown(app) == [
            f"container stop {c.name}",
            exec_line,
            f"container unpause {c.name}",
        ]
        await pilot.press("exclamation_mark")
        await pilot.pause(0.1)
        pane = app.query_one(EventsPane)
        assert pane.flagged_only
        assert shown(app) == [exec_line]
        assert pane.border_title and "flagged" in str(pane.border_title)
        await pilot.press("exclamation_mark")
        await pilot.pause(0.1)
        assert not pane.flagged_only and len(shown(app)) == 3


async def test_a_late_line_is_shown_where_its_time_says() -> None:
    c = showcase.showcase_containers()[0]
    app = console(
        (
            EngineEvent(T0 + 2, "container", "unpause", c.id, c.name),
            EngineEvent(T0, "container", "pause", c.id, c.name),  # arrives late
        )
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.3)
        assert shown(app) == [f"container pause {c.name}", f"container unpause {c.name}"]


async def test_a_long_line_wraps_at_80_columns_instead_of_being_cut() -> None:
    c = showcase.showcase_containers()[0]
    command = ("sh", "-c", "echo a long command that no 80-column pane can hold on one line")
    app = console((ExecStarted(ExecSession("e" * 64, c.id, "root", True, command), T0),))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("v")  # the pane is hidden by default at 80 columns
        await pilot.pause(0.3)
        pane = app.query_one(EventsPane)
        assert pane.display and pane.lines
        width = pane.scrollable_content_region.width
        assert all(strip.cell_length <= width for strip in pane.lines)
        text = " ".join(strip.text.strip() for strip in pane.lines)
        assert "no 80-column pane can hold on one line" in text
        assert "Privileged exec session" in text
        assert pane.max_scroll_x == 0  # nothing hidden off to the right

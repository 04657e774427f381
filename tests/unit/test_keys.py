"""Keys and screens of the console, driven with Pilot on the showcase fleet
(a SnapshotSource: no engine). Each screen has its own keys and its footer
lists only those; Enter opens the panel at every width; the help shows
the keys of the screen it was opened from; scroll views keep every key of
a fast burst."""

from __future__ import annotations

import io
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from rich.console import Console
from textual import events
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Input, Static
from textual.widgets._footer import FooterKey

from dockertui.engine.watch import EngineEvent
from dockertui.ui.app import DockerTUI
from dockertui.ui.container_screen import ContainerScreen
from dockertui.ui.engine_screen import EngineScreen
from dockertui.ui.help_screen import HelpScreen
from dockertui.ui.panel import SecurityPanel
from dockertui.ui.scrolling import SCROLL_KEYS

from showcase import showcase_fixer, showcase_source

NARROW = (80, 24)  # the panel is a screen of its own
DOCKED = (160, 48)  # the panel sits under the table


@asynccontextmanager
async def console(size: tuple[int, int]) -> AsyncIterator[tuple[DockerTUI, Pilot[None]]]:
    app = DockerTUI(showcase_source(), fixer=showcase_fixer)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert app.state.reports, "the snapshot was not applied"
        yield app, pilot


def footer_keys(app: DockerTUI) -> set[str]:
    """The keys the footer lists on the current screen (with the current focus)."""
    return {key for key, active in app.screen.active_bindings.items() if active.binding.show}


def footer_descriptions(app: DockerTUI) -> set[str]:
    return {a.binding.description for a in app.screen.active_bindings.values() if a.binding.show}


def stack(app: DockerTUI) -> list[str]:
    """The screens pushed over the main screen, by class."""
    return [type(screen).__name__ for screen in app.screen_stack[1:]]


async def burst(pilot: Pilot[None], *keys: str) -> None:
    """Keys as a terminal delivers a fast burst: all of them queued before the
    app handles the first. (Pilot.press waits for the app to go idle and for
    animations to end after each key, which hides what a burst does.)"""
    for key in keys:
        pilot.app.post_message(events.Key(key, None))
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def help_text(app: DockerTUI) -> str:
    screen = app.screen
    assert isinstance(screen, HelpScreen), stack(app)
    console = Console(width=200, record=True, color_system=None, file=io.StringIO())
    for static in screen.query(Static):
        console.print(static.content)  # type: ignore[arg-type]
    return console.export_text()


# --- 1. each screen has only its own keys ----------------------------------------------------


async def test_the_panel_screen_ignores_the_main_screens_keys() -> None:
    async with console(NARROW) as (app, pilot):
        await pilot.press("enter")
        await pilot.pause()
        assert stack(app) == ["ContainerScreen"]
        shown = footer_keys(app)
        # Enter opened a second copy, `/` focused a hidden filter, `e` stacked engines.
        for key in ("enter", "slash", "e", "s", "h", "v"):
            await pilot.press(key)
            await pilot.pause()
            assert stack(app) == ["ContainerScreen"], key
        await pilot.press("slash", "s", "o", "c", "k")
        await pilot.pause()
        assert app.filter_text == ""
        assert app.sort_key is None
        assert not isinstance(app.focused, Input)
        assert stack(app) == ["ContainerScreen"]
        # Its footer: back, fix (this container), help. None of the main screen's.
        assert shown == {"escape", "f", "question_mark"}
        assert "Filter" not in footer_descriptions(app)
        await pilot.press("q")
        await pilot.pause()
        assert stack(app) == []


async def test_the_engine_screen_never_stacks() -> None:
    async with console(NARROW) as (app, pilot):
        await pilot.press("e")
        await pilot.pause()
        assert stack(app) == ["EngineScreen"]
        assert footer_keys(app) == {"escape", "question_mark"}
        await pilot.press("e", "enter", "slash", "f")
        await pilot.pause()
        app.action_engine()  # as the palette would
        await pilot.pause()
        assert stack(app) == ["EngineScreen"]
        await pilot.press("escape")
        await pilot.pause()
        assert stack(app) == []


async def test_the_main_screen_footer() -> None:
    async with console(DOCKED) as (app, _):
        assert isinstance(app.focused, DataTable)
        keys = footer_keys(app)
        assert {"q", "slash", "s", "e", "f", "enter", "question_mark"} <= keys
        assert "Details" in footer_descriptions(app)  # the table's own Enter


@pytest.mark.parametrize("opened", ["", "enter", "e"], ids=["main", "panel screen", "engine"])
async def test_every_footer_key_is_seen_at_80_columns(opened: str) -> None:
    async with console(NARROW) as (app, pilot):
        if opened:
            await pilot.press(opened)
            await pilot.pause()
        footer = app.screen.query_one(Footer)
        *keys, palette_key = footer.query(FooterKey)
        assert palette_key.action == "command_palette"
        assert keys and all(key.region.right <= palette_key.region.x for key in keys)
        assert "question_mark" in {key.key for key in keys}


# --- 2. Enter opens the panel at every width -------------------------------------------------


async def test_enter_pushes_the_panel_screen_when_narrow() -> None:
    async with console(NARROW) as (app, pilot):
        await pilot.press("down")
        await pilot.pause()
        selected = app._selected
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ContainerScreen)
        assert screen.container_id == selected


@pytest.mark.parametrize("size", [(120, 40), DOCKED, (220, 60)], ids=["120", "160", "220"])
async def test_enter_focuses_the_docked_panel_and_escape_goes_back(size: tuple[int, int]) -> None:
    async with console(size) as (app, pilot):
        table = app.query_one("#fleet", DataTable)
        panel = app.query_one("#panel", SecurityPanel)
        await pilot.press("down")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert stack(app) == []
        assert app.focused is panel
        report = panel.report
        assert report is not None and report.container.id == app._selected
        # The footer now says how to go back; Enter (Details) no longer applies.
        assert "escape" in footer_keys(app)
        assert "enter" not in footer_keys(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is table


async def test_tab_moves_table_panel_events() -> None:
    async with console(DOCKED) as (app, pilot):
        # The events pane takes no rows (and no focus) until it has a line.
        app._on_engine_update(EngineEvent(time.time(), "network", "create", "ab" * 32, "edge"))
        await pilot.pause(0.3)
        order = []
        for _ in range(4):
            focused = app.focused
            assert isinstance(focused, Widget)
            order.append(focused.id)
            await pilot.press("tab")
            await pilot.pause()
        assert order == ["fleet", "panel", "events", "fleet"]


# --- 3. the help -----------------------------------------------------------------------------


async def test_help_shows_the_tab_order_and_the_main_keys() -> None:
    async with console(DOCKED) as (app, pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        text = help_text(app)
        assert re.search(r"tab\s.*table → panel → events", text), text
        for description in ("Filter", "Sort", "Hide stopped", "Engine", "Details", "Fix"):
            assert re.search(rf"^\s*\S.*\s{description}\b", text, re.MULTILINE), description


async def test_help_on_a_pushed_screen_lists_that_screens_keys() -> None:
    async with console(NARROW) as (app, pilot):
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        text = help_text(app)
        assert "Back" in text
        for description in ("Filter", "Sort", "Hide stopped", "Engine"):
            assert not re.search(rf"\s{description}\b", text.split("Grades")[0]), description
        await pilot.press("escape")
        await pilot.pause()
        assert stack(app) == ["ContainerScreen"]


async def test_help_fits_80x24_and_scrolls_with_the_keys_it_shows() -> None:
    async with console(NARROW) as (app, pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        dialog = screen.query_one("#help-dialog")
        region = dialog.region
        assert region.y >= 0 and region.bottom <= 24 and region.x >= 0 and region.right <= 80
        assert dialog.max_scroll_y > 0  # taller than the screen: it scrolls
        title = help_text(app).splitlines()
        assert any("PgUp" in line and "PgDn" in line and "Home" in line for line in title[:4])
        await pilot.press("down")
        assert dialog.scroll_y == 1
        await pilot.press("pagedown")
        assert dialog.scroll_y > 1
        await pilot.press("end")
        assert dialog.scroll_y == dialog.max_scroll_y
        await pilot.press("home")
        assert dialog.scroll_y == 0


# --- 4. scroll views keep every key ---------------------------------------------------------


async def _open_scroll_view(app: DockerTUI, pilot: Pilot[None], view: str) -> Widget:
    if view == "panel":
        await pilot.press("enter")  # docked: focuses the panel
        await pilot.pause()
        return app.query_one("#panel", SecurityPanel)
    if view == "panel screen":
        await pilot.press("enter")
        await pilot.pause()
        return app.screen.query_one(SecurityPanel)
    if view == "engine":
        await pilot.press("e")
        await pilot.pause()
        return app.screen.query_one("#engine-body")
    if view == "fix review":
        await pilot.press("f")
        await pilot.pause()
        app.screen.action_next()  # type: ignore[attr-defined]
        await pilot.pause(0.2)
        review = app.screen.query_one("#fix-review")
        review.focus()
        await pilot.pause()
        return review
    await pilot.press("question_mark")
    await pilot.pause()
    return app.screen.query_one("#help-dialog")


@pytest.mark.parametrize(
    ("view", "size"),
    [
        ("panel", DOCKED),
        ("panel screen", NARROW),
        ("engine", NARROW),
        ("help", NARROW),
        ("fix review", NARROW),
    ],
)
async def test_a_burst_of_keys_scrolls_by_every_key(view: str, size: tuple[int, int]) -> None:
    async with console(size) as (app, pilot):
        body = await _open_scroll_view(app, pilot, view)
        assert app.focused is body
        assert body.max_scroll_y > 12, "the view must be taller than its window"
        await burst(pilot, *["down"] * 10)
        assert body.scroll_y == 10
        await burst(pilot, "up", "up", "up")
        assert body.scroll_y == 7
        await burst(pilot, "end")
        assert body.scroll_y == body.max_scroll_y
        await burst(pilot, "home", "down")
        assert body.scroll_y == 1  # line 2 at the top, not the bottom
        page = body.scrollable_content_region.height
        await burst(pilot, "pagedown", "pageup", "pagedown")
        assert body.scroll_y == min(1 + page, body.max_scroll_y)


async def test_a_resize_under_the_panel_screen_lays_out_the_main_screen() -> None:
    async with console(NARROW) as (app, pilot):
        await pilot.press("enter")
        await pilot.pause()
        await pilot.resize_terminal(*DOCKED)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        main = app.screen
        assert not main.has_class("narrow") and main.has_class("stacked")
        panel = app.query_one("#panel", SecurityPanel)
        assert panel.display
        await pilot.press("enter")  # the panel shown, so Enter focuses it
        await pilot.pause()
        assert stack(app) == [] and app.focused is panel


async def test_v_is_kept_across_a_resize_over_the_breakpoint() -> None:
    # shown with v at 80 columns, widened to 160 and back: still shown;
    # hidden with v at 160, narrowed to 80 and back: still hidden
    async with console(NARROW) as (app, pilot):
        app._on_engine_update(EngineEvent(time.time(), "network", "create", "ab" * 32, "edge"))
        await pilot.pause(0.3)
        events = app.query_one("#events")
        assert not events.display
        await pilot.press("v")
        await pilot.pause()
        seen = [events.display]
        for size in (DOCKED, NARROW, DOCKED):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            seen.append(events.display)
        await pilot.press("v")
        await pilot.pause()
        for size in (NARROW, DOCKED):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            seen.append(events.display)
        assert seen == [True, True, True, True, False, False]


# --- 6. the help and the palette offer what applies ------------------------------------------


def palette(app: DockerTUI) -> set[str]:
    return {command.title for command in app.get_system_commands(app.screen)}


MAIN_ONLY = {"Filter containers", "Sort worst first", "Engine posture", "Container details"}


async def test_the_palette_offers_what_applies_on_each_screen() -> None:
    async with console(NARROW) as (app, pilot):
        assert palette(app) >= MAIN_ONLY
        await pilot.press("enter")
        await pilot.pause()
        assert not MAIN_ONLY & palette(app)
        assert {"Fix this container…", "Help"} <= palette(app)
        await pilot.press("escape", "e")
        await pilot.pause()
        assert isinstance(app.screen, EngineScreen)
        assert not MAIN_ONLY & palette(app)
        assert not any("Fix" in title for title in palette(app))


@pytest.mark.parametrize("where", ["main", "panel screen", "engine"])
async def test_every_key_the_help_lists_is_bound_there(where: str) -> None:
    async with console(NARROW) as (app, pilot):
        if where != "main":
            await pilot.press("enter" if where == "panel screen" else "e")
            await pilot.pause()
        screen = app.screen
        bound = set(screen.active_bindings)
        listed = app.keys_of(screen)
        assert listed
        for key, description in listed:
            if key == SCROLL_KEYS:
                continue  # the scroll view's own keys (tested above)
            for one in key.split(","):
                assert one in bound, f"{one} ({description}) is not bound on {where}"

"""Helpers for the live-console Pilot tests (test_console*.py): wait for a
condition with a deadline, read the fleet table by container id, and turn
what a widget shows into plain text. No fixed sleeps: every wait polls
with `pilot.pause(0.05)` against a monotonic deadline."""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from rich.console import Console
from rich.text import Text
from textual.content import Content
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Checkbox, DataTable, Input, RichLog, Static

from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.watch import Watcher
from dockertui.ui.app import DockerTUI

import harness

STEP = 0.05


@contextlib.asynccontextmanager
async def real_console(
    size: tuple[int, int], *, read_only: bool = False, timeout: float = 15.0
) -> AsyncIterator[Pilot[None]]:
    """The console on the real engine, once its first snapshot is shown
    (within `timeout` seconds: a busy shared engine may take a while)."""
    app = DockerTUI(Watcher(resolve_endpoint(host=harness.BASE_URL)), read_only=read_only)
    async with app.run_test(size=size) as pilot:
        await until(
            pilot,
            lambda: app.state.connected and app.state.engine is not None,
            timeout,
            lambda: f"the console never connected: {app.state.status!r}",
        )
        yield pilot


@contextlib.asynccontextmanager
async def console_showing(
    app: DockerTUI, ids: Iterable[str], timeout: float, size: tuple[int, int] = (160, 48)
) -> AsyncIterator[Pilot[None]]:
    """`app` run for a test, once it is connected and shows every container
    in `ids` (each wait within `timeout` seconds)."""
    wanted = set(ids)
    async with app.run_test(size=size) as pilot:
        await until(
            pilot,
            lambda: app.state.connected and app.state.engine is not None,
            timeout,
            lambda: f"the console never connected: {app.state.status!r}",
        )
        await until(
            pilot, lambda: wanted <= set(row_ids(app)), timeout, lambda: describe(app, wanted)
        )
        yield pilot


async def pick_only(pilot: Pilot[Any], wizard: Any, change: str) -> None:
    """Tick `change` alone among a fix wizard's changes."""
    for name in wizard.changes:
        box = wizard.query_one(f"#change-{name}", Checkbox)
        if box.value != (name == change):
            await press_on(pilot, box, "space")


async def until(
    pilot: Pilot[Any],
    predicate: Callable[[], object],
    timeout: float,
    what: Callable[[], object] | str,
    *,
    start: float | None = None,
) -> float:
    """Poll `predicate` (letting the app run between tries) until it is true;
    fail with `what` (a string, or a callable describing the current state)
    once `timeout` seconds have passed since `start` (default: now).
    Returns the seconds it took, measured from `start`."""
    begin = time.monotonic() if start is None else start
    deadline = begin + timeout
    while True:
        if predicate():
            return time.monotonic() - begin
        if time.monotonic() >= deadline:
            shown = what() if callable(what) else what
            raise AssertionError(f"not within {timeout:g} s: {shown}")
        await pilot.pause(STEP)


def plain(renderable: object, width: int = 120) -> str:
    """Plain text of a str, Text, Content or any Rich renderable."""
    if isinstance(renderable, str):
        return renderable
    if isinstance(renderable, Text | Content):
        return renderable.plain
    console = Console(
        record=True, width=width, file=io.StringIO(), color_system=None, legacy_windows=False
    )
    console.print(renderable)  # type: ignore[arg-type]
    return console.export_text()


def widget_text(widget: Widget, width: int = 120) -> str:
    """Everything `widget` and its descendants show, as plain text: Static
    content (any Rich renderable), RichLog lines, DataTable cells."""
    parts: list[str] = []
    for node in [widget, *widget.query("*")]:
        if not node.display:
            continue
        if isinstance(node, Static):
            parts.append(plain(node.content, width))  # type: ignore[arg-type]
        elif isinstance(node, RichLog):
            parts.extend(strip.text for strip in node.lines)
        elif isinstance(node, DataTable):
            for row in node.ordered_rows:
                parts.append(" ".join(plain(c) for c in node.get_row(row.key)))
    return "\n".join(parts)


def squash(text: str) -> str:
    """Collapse runs of whitespace, so wrapped sentences compare as one line."""
    return " ".join(text.split())


def fleet(app: Any) -> DataTable[Any]:
    return app.query_one("#fleet", DataTable)


def row_ids(app: Any) -> list[str]:
    """Container ids of the table rows, in display order."""
    return [str(row.key.value) for row in fleet(app).ordered_rows]


def mine(app: Any, ids: Iterable[str]) -> list[str]:
    """The table's rows that are in `ids`, in display order."""
    wanted = set(ids)
    return [cid for cid in row_ids(app) if cid in wanted]


def cell(app: Any, container_id: str, column: str) -> str | None:
    """The plain text of one cell (stripped), or None when the row is missing."""
    table = fleet(app)
    if container_id not in table.rows:
        return None
    return plain(table.get_cell(container_id, column)).strip()


def rendered(widget: Widget) -> str:
    """The lines `widget` paints on the screen now (its visible region), as text."""
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(strip.text for strip in lines)


def header_text(app: Any) -> str:
    """The status header as painted: what fits on screen, not its whole content."""
    return rendered(app.query_one("#header", Static))


def describe(app: Any, ids: Iterable[str]) -> str:
    """The state of the console for these containers, for failure messages."""
    rows = []
    for cid in ids:
        report = app.state.reports.get(cid)
        seen = f"{report.container.state}/{report.grade}" if report else "no report"
        rows.append(
            f"{cid[:12]}: report {seen}, state cell {cell(app, cid, 'state')!r}, "
            f"grade cell {cell(app, cid, 'grade')!r}"
        )
    return (
        f"connected={app.state.connected} status={app.state.status!r} "
        f"stale={fleet(app).has_class('stale')}; " + "; ".join(rows)
    )


async def select(pilot: Pilot[Any], container_id: str, timeout: float) -> None:
    """Move the table's cursor to a container's row until the app takes it
    (again on each try: other runs' containers on a shared engine can
    reorder the rows meanwhile)."""
    app: Any = pilot.app
    table = fleet(app)
    table.focus()

    def selected() -> bool:
        if app._selected == container_id:
            return True
        if container_id in row_ids(app):
            table.move_cursor(row=row_ids(app).index(container_id))
        return False

    await until(pilot, selected, timeout, lambda: f"selection stayed on {app._selected!r}")


async def press_on(pilot: Pilot[Any], widget: Widget, key: str) -> None:
    """Focus `widget` and press `key` on it (a button once its press animation is over)."""
    widget.focus()
    await pilot.pause()
    while isinstance(widget, Button) and widget.has_class("-active"):
        await pilot.pause(0.05)  # a button ignores presses during its press animation
    await pilot.press(key)
    await pilot.pause()


async def apply_in_wizard(pilot: Pilot[Any], wizard: Any, timeout: float) -> Any:
    """Take a fix wizard at its pick step through review (waiting for the
    preview, which must find nothing to refuse), confirm (the name typed for
    a re-create) and apply; close it once the result is in. The FixResult."""
    await press_on(pilot, wizard.query_one("#fix-next", Button), "enter")  # review
    await until(pilot, lambda: wizard.preview is not None, timeout, "no preview came back")
    assert wizard.preview.refusal is None, wizard.preview.refusal
    await press_on(pilot, wizard.query_one("#fix-next", Button), "enter")  # confirm
    assert wizard.step == "confirm"
    if wizard.plan.recreate:
        wizard.query_one("#confirm-name", Input).value = wizard.container_name
        await pilot.pause()
    await press_on(pilot, wizard.query_one("#fix-apply", Button), "enter")
    await until(pilot, lambda: wizard.result is not None, timeout, "the fix never ended")
    result = wizard.result
    await press_on(pilot, wizard.query_one("#fix-close", Button), "enter")
    return result


def tour_screen(app: Any) -> Any:
    """The guided tour's screen, wherever it is in the app's stack."""
    from dockertui.ui.tour_screen import TourScreen

    found = [s for s in app.screen_stack if isinstance(s, TourScreen)]
    assert found, f"no tour screen in {app.screen_stack}"
    return found[0]

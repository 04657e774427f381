"""SVG snapshots of what the console shows of the kernel's view, against
containers captured with their /proc files (tests/in_effect_showcase.py):
the fleet table's ≠ marker and in-effect users, and the panel of a root
service that drops to UID 65534, at 80x24 and 160x48 (and of a non-root
one running a root process). Update with
`pytest tests/snapshots --snapshot-update` after a deliberate change, and
look at the diff report it writes."""

from __future__ import annotations

import pytest
from in_effect_showcase import in_effect_source
from textual.widgets import DataTable

from dockertui.ui.app import DockerTUI

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def make_app() -> DockerTUI:
    return DockerTUI(in_effect_source(), read_only=True)


def on_row(name: str):
    """Move the table's cursor to the container `name`, then Enter."""

    async def run_before(pilot) -> None:
        await pilot.pause()
        app = pilot.app
        table = app.query_one("#fleet", DataTable)
        ids = [str(row.key.value) for row in table.ordered_rows]
        (wanted,) = [r.container.id for r in app.state.reports.values() if r.container.name == name]
        table.focus()
        table.move_cursor(row=ids.index(wanted))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_in_effect_fleet(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_in_effect_panel(snap_compare, size: tuple[int, int]) -> None:
    # Configured as root, PID 1 runs as 65534: the user differs, stricter.
    assert snap_compare(make_app(), terminal_size=size, run_before=on_row("mailer"))


def test_in_effect_panel_looser(snap_compare) -> None:
    # Configured as 1000:1000, a process runs as root: the user differs, looser (red).
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=on_row("reports"))

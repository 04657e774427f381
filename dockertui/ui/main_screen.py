"""The main screen's keys. The app composes the fleet table, the panel and
the events pane on this screen and keeps the fleet's state, so the keys run
the app's actions (`app.…`); they are this screen's bindings, not the app's,
so a screen pushed over it (the panel screen, the engine screen) reacts to
its own keys only and its footer lists only those."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

#: Where Tab moves, as the help says it.
TAB_ORDER = "table → panel → events"


class MainScreen(Screen[None]):
    """The fleet: table, panel (docked from 120 columns) and events."""

    AUTO_FOCUS = "#fleet"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", "Quit"),
        Binding("slash", "app.filter", "Filter"),
        Binding("s", "app.sort_next", "Sort"),
        Binding("r", "app.sort_reverse", "Reverse", show=False),
        Binding("h", "app.toggle_stopped", "Hide stopped and backups", show=False),
        Binding("e", "app.engine", "Engine"),
        Binding("c", "app.contexts", "Contexts", show=False),
        Binding("f", "app.fix", "Fix"),
        # Only when a swarm manager has services, and in the footer only where
        # it leaves room for Help (the app checks which of the two runs).
        Binding("w", "app.services", "Services"),
        Binding("w", "app.services_unlisted", "Services", show=False),
        Binding("v", "app.toggle_events", "Events", show=False),
        # Listed in the help and the palette: the footer has no room for it
        # at 80 columns (it pushed Help out of sight).
        Binding("exclamation_mark", "app.toggle_flagged", "Flagged events", show=False),
        Binding("question_mark", "app.help", "Help"),
        # Escape: from the panel or the events back to the table (shown
        # then); from the table or the filter, clear the filter.
        Binding("escape", "app.to_table", "Back to table"),
        Binding("escape", "app.clear_filter", "Clear filter", show=False),
    ]


class FleetTable(DataTable[Text]):
    """The fleet table. Enter (the table's own select key, which the app
    handles as RowSelected) opens the selected container's panel, and the
    footer says so while the table has the focus."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Details")]

    def set_rows(self, rows: Iterable[tuple[str, Sequence[tuple[str, Text]]]]) -> None:
        """Set the cells of many rows (row key, (column key, cell)...) with one
        repaint. What `update_cell` does for one cell, minus its repaint per
        cell, which for the 2,000 cells of 200 rows (an engine of a fleet lost
        or back) cost a fifth of a second of the loop every engine shares."""
        for row_key, cells in rows:
            row = self._data[RowKey(row_key)]
            for column_key, cell in cells:
                row[ColumnKey(column_key)] = cell
        self._update_count += 1
        self.refresh()

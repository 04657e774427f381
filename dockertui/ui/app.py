"""The live security console."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input
from textual.worker import Worker, WorkerState

from dockertui.audit import ContainerReport
from dockertui.engine.contexts import ContextEntry
from dockertui.engine.fleet_watch import FleetEmit
from dockertui.engine.watch import Disconnected
from dockertui.fixes.names import not_a_workload
from dockertui.fixes.outcome import FixResult
from dockertui.fixes.plan import FixPlan
from dockertui.fixes.session import Fixer, Preview, Progress
from dockertui.fixes.state import Journal
from dockertui.model import ClientFacts, EngineInfo
from dockertui.text import printable
from dockertui.ui import columns
from dockertui.ui.container_screen import ContainerScreen
from dockertui.ui.context_picker import ContextPicker
from dockertui.ui.css import css_files
from dockertui.ui.engine_screen import EngineScreen, engine_posture
from dockertui.ui.fix_wizard import FixWizard
from dockertui.ui.fleet_state import EngineView, FleetState
from dockertui.ui.help_screen import HelpScreen
from dockertui.ui.main_screen import TAB_ORDER, FleetTable, MainScreen
from dockertui.ui.panel import SecurityPanel
from dockertui.ui.repaint import RepaintPacer
from dockertui.ui.resume_screen import ResumeScreen
from dockertui.ui.scrolling import SCROLL_KEYS
from dockertui.ui.services_screen import SERVICES_IN_FOOTER, ServicesScreen, swarms_of
from dockertui.ui.tour_screen import TourScreen
from dockertui.ui.widgets import EventsPane, StatusHeader
from dockertui.ui.workers import failure_text

#: The theme of --ansi: every colour one of the terminal's own 16.
ANSI_THEME = "ansi-dark"
#: Below NARROW columns the panel becomes its own screen (Enter opens it);
#: below SIDE_BY_SIDE it sits under the table, from there beside it.
NARROW = 120
SIDE_BY_SIDE = 200
#: A failed engine watcher restarts after this many seconds, doubling up to the most.
RESTART_SECONDS = 1.0
RESTART_MOST_SECONDS = 30.0
#: Columns that could be narrower are re-placed (every row redrawn) once the
#: fleet has been quiet this long, not on every event that shortens a value.
SHRINK_AFTER_SECONDS = 2.0
#: From this many containers a snapshot's objects are frozen out of the
#: cyclic garbage collector's sight (see _refresh); a small fleet's are
#: nothing to walk.
FREEZE_FROM = 300
#: The worker that follows the engine.
ENGINE_WORKER = "engine"


class FleetSource(Protocol):
    """Where updates come from: engine.watch.Watcher, or a SnapshotSource."""

    label: str
    client: ClientFacts
    #: Each engine's facts by name when the source watches several
    #: (engine.fleet_watch.FleetWatcher); None for one engine.
    clients: dict[str, ClientFacts] | None

    async def run(self, emit: FleetEmit) -> None: ...


#: What the console switches to when a context is picked: the new source and
#: fixer (None: no fixes), or ValueError with the one sentence why not.
Switch = Callable[[str], "tuple[FleetSource, Fixer | None]"]


class DockerTUI(App[None]):
    TITLE = "dockertui"
    CSS_PATH = css_files()  # type: ignore[assignment]
    # The keys are the screens' own: the main screen's in ui/main_screen.py.

    def __init__(
        self,
        source: FleetSource,
        *,
        read_only: bool = False,
        ansi: bool = False,
        fixer: Fixer | None = None,
        interrupted: Sequence[Journal] = (),
        notice: str = "",
        tour: str | None = None,
        contexts: Callable[[], Sequence[ContextEntry]] | None = None,
        switch: Switch | None = None,
    ) -> None:
        """`fixer` previews and applies fix plans, reporting progress lines
        (fixes.session.EngineFixer); without one, or with `read_only`, the
        console offers no fix at all. `interrupted` fixes (journals a killed
        process left) are offered to finish or roll back through it. `tour`:
        a lesson id the guided tour opens at, over the console, at start.
        `contexts` lists the docker CLI's contexts and `switch` makes the
        source for one: with both, `c` switches engines in place."""
        super().__init__(ansi_color=ansi)
        if ansi:
            # ansi_color alone keeps the theme's RGB colours (and its shades and
            # blends of them) in the CSS; this theme is the terminal's 16.
            self.theme = ANSI_THEME
        self.source = source
        self.read_only = read_only
        self.fixer = fixer
        self.interrupted = list(interrupted)
        # Said in the header in every layout (`dockertui demo`: that it is a simulation).
        self.notice = notice
        self.tour = tour
        self.contexts = contexts
        self.switch = switch
        self._caught: list[int] = []  # the signals _catch_termination handles
        self.fixing = False  # a fix is being applied: quitting now would cut it short
        self.state = FleetState(client=source.client, clients=source.clients)
        self.sort_key: str | None = None
        self.reverse = False
        self.filter_text = ""
        self.hide_stopped = False
        self.events_wanted: bool | None = None  # `v`'s choice; None: as the layout says
        self._rows: list[str] = []  # container ids in display order
        self._changed: set[str] = set()
        self._freeze = False  # a snapshot came in: freeze the heap after its repaint
        self._refresh_scheduled = False
        self._pacer = RepaintPacer()
        self._selected: str | None = None
        self._columns: tuple[columns.Placed, ...] = ()  # shown, with their widths
        self._measures: dict[str, tuple[columns.Row, columns.Measure]] = {}
        self._fitted_width = -1  # the table width the columns were chosen for
        self._columns_width = -1  # the table width when the columns were last placed
        self._shrink_now = False  # re-place the columns even where they still fit
        self._shrink_timer: Timer | None = None
        self._fit_asked: tuple[object, ...] = ()  # what the columns were last fitted to
        self._engine_failures = 0  # watcher failures in a row
        self._engine_failure = ""  # the last one's text, notified once
        self._engine_started = 0.0  # time.monotonic() the watcher last started

    # -- layout ---------------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(id="_default")

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        with Container(id="main"):
            yield FleetTable(id="fleet", cursor_type="row")
            yield SecurityPanel(id="panel")
        yield EventsPane(id="events", classes="empty")  # no rows until it has a line
        yield Input(
            placeholder="filter: words matching name, image, label or finding id", id="filter"
        )
        yield Footer()

    def on_mount(self) -> None:
        self._catch_termination()
        self._layout(self.size.width)
        self.screen.screen_layout_refresh_signal.subscribe(self, self._layout_done)
        self._show_header()
        self._watch_engine()
        if self.tour is not None:
            self.action_tour(self.tour)
        self._offer_next_resume()

    def _catch_termination(self) -> None:
        """SIGTERM and SIGHUP (a `kill`, a closed SSH session) end the app as
        `q` does, so that the terminal is given back (alternate screen left,
        mouse reporting off) and cleanup runs, instead of the process dying
        where it stands. A fix under way is left to its journal, as after a
        kill: the next start offers to finish or roll it back."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self.exit)
                self._caught.append(signum)

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in self._caught:
            loop.remove_signal_handler(signum)
        self._caught.clear()

    # -- workers --------------------------------------------------------------

    def _watch_engine(self) -> None:
        self._engine_started = time.monotonic()
        self.run_worker(
            self.source.run(self._on_engine_update),
            group=ENGINE_WORKER,
            exclusive=True,
            exit_on_error=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker is reported (the app's own, and those
        the screens hand on with ui.workers.forward_failure)."""
        if event.state is WorkerState.ERROR:
            self._worker_failed(event.worker)

    def _worker_failed(self, worker: Worker[object]) -> None:
        text = failure_text(worker.error)
        if worker.group == ENGINE_WORKER:
            # Show it in the header, say it once, and follow the engine again,
            # waiting longer each time it fails again soon.
            if time.monotonic() - self._engine_started > RESTART_MOST_SECONDS:
                self._engine_failures, self._engine_failure = 0, ""  # it had run well
            self._engine_failures += 1
            delay = min(RESTART_MOST_SECONDS, RESTART_SECONDS * 2 ** (self._engine_failures - 1))
            self._on_engine_update(Disconnected(f"Following the engine failed: {text}.", delay))
            if text != self._engine_failure:
                self._engine_failure = text
                self.notify(
                    f"Following the engine failed: {text}. Trying again in {delay:g} s.",
                    severity="error",
                    timeout=8,
                    markup=False,
                )
            self.set_timer(delay, self._watch_engine)
            return
        node = worker.node
        if isinstance(node, FixWizard | ResumeScreen):
            what = "The fix" if isinstance(node, FixWizard) else "Resuming the fix"
            self.notify(
                f"{what} stopped with an error in the console: {text}. "
                "The table shows each container as it is now.",
                severity="error",
                timeout=10,
                markup=False,
            )
            if node.is_current:
                node.dismiss(None)  # its buttons wait for an answer that will not come
            return
        self.notify(f"A background task failed: {text}.", severity="error", markup=False)

    # -- interrupted fixes ----------------------------------------------------

    def _offer_next_resume(self) -> None:
        if not self.interrupted or self.fixer is None or not self.can_fix:
            return
        journal = self.interrupted.pop(0)

        def done(result: FixResult | None) -> None:
            if result is None:
                self.notify(
                    f"The fix of {printable(journal.name)} stays interrupted; "
                    "Ctrl+P → Resume an interrupted fix offers it again.",
                    timeout=6,
                    markup=False,
                )
            self._offer_next_resume()

        self.push_screen(ResumeScreen(journal, _Guarded(self)), done)

    def action_resume(self) -> None:
        """Offer every interrupted fix of this engine again (after Later)."""
        if self.fixer is None or not self.can_fix:
            return
        self.interrupted = self.fixer.pending()
        if not self.interrupted:
            self.notify("There is no interrupted fix to resume.", timeout=3)
        self._offer_next_resume()

    def on_resize(self, event: events.Resize) -> None:
        self._layout(event.size.width)  # self.size may still be the old one
        self.refresh_bindings()  # w's place in the footer depends on the width

    def _layout(self, width: int) -> None:
        # The main screen's, even under the panel screen or the engine screen.
        main = self.screen_stack[0]
        main.set_class(width < NARROW, "narrow")
        main.set_class(NARROW <= width < SIDE_BY_SIDE, "stacked")
        if self.events_wanted is not None:  # `v`'s choice holds across a breakpoint
            events = main.query_one(EventsPane)
            events.set_class(self.events_wanted is (width < NARROW), "toggled")

    def _layout_done(self, screen: Screen[object]) -> None:
        """After each layout of the main screen: when the table's width changed
        (a resize, the panel docked or not), the columns that fit it."""
        table = self.query_one("#fleet", DataTable)
        if table.scrollable_content_region.width != self._fitted_width:
            self._refresh_table(set())

    def _fit_columns(self, table: DataTable[Text], rows: list[columns.Row]) -> None:
        """Show the columns that fit the table's width whole, at the widths
        their values need; rebuild the table when that changed."""
        measures = []
        for row in rows:
            key = row.report.container.key
            cached = self._measures.get(key)
            if cached is None or cached[0].report is not row.report or cached[0].under != row.under:
                cached = (row, columns.measure(row, self.state.engine_of(row.report)))
                self._measures[key] = cached
            measures.append(cached[1])
        if len(self._measures) > 2 * len(rows) + 64:  # forget containers long gone
            shown = {row.report.container.key for row in rows}
            self._measures = {k: v for k, v in self._measures.items() if k in shown}
        self._fitted_width = table.scrollable_content_region.width
        # The same measures (cached per row) at the same width fit the same way.
        asked = (self._fitted_width, self.sort_key, tuple(measures))
        if asked == self._fit_asked:
            return
        self._fit_asked = asked
        placed = columns.fit(
            measures,
            self._fitted_width,
            gap=2 * table.cell_padding,
            sort_key=self.sort_key,
        )
        if placed == self._columns:
            return
        if not self._shrink_now and self._still_fits(placed):
            # Narrower later, once the fleet is quiet: not a rebuild per event.
            if self._shrink_timer is not None:
                self._shrink_timer.stop()
            self._shrink_timer = self.set_timer(SHRINK_AFTER_SECONDS, self._shrink_columns)
            return
        self._columns = placed
        self._columns_width = self._fitted_width
        table.clear(columns=True)
        for p in placed:
            table.add_column(self._label(p.column), width=p.width, key=p.column.key)
        self._rows = []

    def _shrink_columns(self) -> None:
        self._shrink_timer = None
        self._shrink_now = True
        try:
            self._fit_asked = ()
            self._refresh_table(set())
        finally:
            self._shrink_now = False

    def _still_fits(self, placed: tuple[columns.Placed, ...]) -> bool:
        """Whether the columns shown can stay as they are: the same columns at
        the same table width, none needing more room than it has (a value that
        got shorter, a row that went away). Re-placing them rebuilds every row,
        which on a fleet of 800 holds the event loop for a quarter of a second;
        the exposure column shows as many ports as its width takes either way."""
        if self._columns_width != self._fitted_width or len(placed) != len(self._columns):
            return False
        return all(
            new.column.key == old.column.key
            and (new.width <= old.width or new.column.key == "exposure")
            for new, old in zip(placed, self._columns, strict=True)
        )

    def _label(self, column: columns.Column) -> Text:
        arrow = (" ▼" if self.reverse else " ▲") if column.key == self.sort_key else ""
        return Text(column.label + arrow)

    # -- updates from the engine ----------------------------------------------

    def _on_engine_update(self, update: object) -> None:
        kind, key = self.state.apply(update)  # type: ignore[arg-type]
        if kind == "none":
            return  # nothing shown changed
        if kind == "status" and self.state.several:
            # One engine of several lost or found again: its rows dim or light up.
            self._changed.update(self.state.keys_of(key))
        if kind == "services":
            self.refresh_bindings()  # the services key shows once there are some
        if kind == "reset":
            self._freeze = True  # after this repaint: see _refresh
            # That engine's rows all have new reports; the table is changed in
            # place when they are a small part of it (one engine of several).
            self._changed.update(self.state.keys_of(key))
            if self._selected is not None:
                self._changed.add(self._selected)  # its panel shows the new report
        elif kind in ("upsert", "remove"):
            self._changed.add(key)
        if not self._refresh_scheduled:
            self._refresh_scheduled = True
            # At once after a quiet spell, at a bounded rate under a storm.
            wait = self._pacer.delay(time.monotonic())
            if wait > 0:
                self.set_timer(wait, self._refresh)
            else:
                self.call_later(self._refresh)

    def _refresh(self) -> None:
        self._refresh_scheduled = False
        started = time.monotonic()
        if not self.is_running:
            return  # shutting down: the screen's widgets may already be gone
        changed, self._changed = self._changed, set()
        self._show_header()
        events = self.query_one(EventsPane)
        events.show_new(self.state)
        self._events_take_rows(events)
        table = self.query_one("#fleet", DataTable)
        table.set_class(not self.state.connected, "stale")
        self._refresh_table(changed)
        self._refresh_details(changed)
        if self._freeze and len(self.state.reports) >= FREEZE_FROM:
            # A snapshot's hundreds of thousands of objects (documents,
            # reports, findings) live until the next one: left to the cyclic
            # collector, each full collection walks them all again (over 100
            # ms at 800 containers, in the middle of some event's repaint).
            # Frozen, they are still freed by reference counting when dropped.
            gc.freeze()
        self._freeze = False
        self._pacer.painted(started, time.monotonic())

    def _show_header(self) -> None:
        posture = self._posture()
        # Until the first snapshot or the first failure there is nothing to be
        # disconnected from: the header says where it is connecting.
        connecting = self.state.generation == 0 and not self.state.status.startswith("disconnected")
        self.query_one(StatusHeader).show(
            self.state,
            self.source.label,
            self.read_only,
            posture,
            connecting=connecting,
            notice=self.notice,
        )

    def _posture(self) -> Text:
        """The worst engine finding for the header; in a fleet, of the engine
        that has the worst, named."""
        if not self.state.several:
            return engine_posture(self.state.engine_findings) if self.state.engine else Text()
        answered = [v for v in self.state.engines.values() if v.engine is not None]
        if not answered:
            return Text()
        worst = max(answered, key=lambda v: max((f.severity.rank for f in v.findings), default=-1))
        return engine_posture(worst.findings, worst.name)

    def _wanted(self) -> list[ContainerReport]:
        shown = columns.visible(
            list(self.state.reports.values()), self.filter_text, self.hide_stopped
        )
        return columns.order(shown, self.sort_key, self.reverse)

    def _rows_wanted(self) -> list[columns.Row]:
        rows = columns.arrange(self._wanted())
        if not self.state.several:
            return rows  # one engine: the whole table dims (the "stale" class)
        return [
            columns.Row(r.report, r.under, stale=not self.state.view_of(r.report).connected)
            for r in rows
        ]

    def _refresh_table(self, changed: set[str]) -> None:
        table = self.query_one("#fleet", DataTable)
        if self.state.engine is None:
            return
        rows = self._rows_wanted()
        self._fit_columns(table, rows)
        if self.sort_key is not None and self.sort_key not in self.sorts:
            # The sort column no longer fits: sort only by what is shown.
            gone = columns.BY_KEY[self.sort_key].label
            self.sort_key, self.reverse = None, False
            self.notify(f"Sorted worst first: the {gone} column no longer fits.", timeout=3)
            rows = self._rows_wanted()
        ids = [row.report.container.key for row in rows]
        if ids == self._rows:
            self._update_rows(table, [r for r in rows if r.report.container.key in changed])
            return
        before = set(self._rows)
        removed = before - set(ids)
        work = len(removed) + sum(1 for k in ids if k not in before or k in changed)
        small = self._rows and work <= len(ids) // 2
        if not small or not self._in_place(table, rows, removed, changed):
            with self.batch_update():
                table.clear()
                for row in rows:
                    table.add_row(*self._cells(row), key=row.report.container.key)
        self._rows = ids
        if self._selected in ids:
            table.move_cursor(row=ids.index(self._selected), scroll=False)

    def _cells(self, row: columns.Row) -> list[Text]:
        engine = self.state.engine_of(row.report)
        return [columns.render(p.column, row, engine, p.width) for p in self._columns]

    def _update_rows(self, table: DataTable[Text], rows: list[columns.Row]) -> None:
        keys = [p.column.key for p in self._columns]
        assert isinstance(table, FleetTable)
        table.set_rows(
            (row.report.container.key, list(zip(keys, self._cells(row), strict=True)))
            for row in rows
        )

    def _in_place(
        self, table: DataTable[Text], rows: list[columns.Row], gone: set[str], changed: set[str]
    ) -> bool:
        """Bring the table to `rows` without redrawing the rows that did not
        change: remove the gone, add the new, update the changed, then put
        them in order. On a fleet of 800 a rebuild costs a quarter of a second
        of the one event loop every engine shares; this, a few rows' worth.
        False when the order cannot be told apart (the caller rebuilds)."""
        with self.batch_update():
            for key in gone:
                table.remove_row(key)
            shown = set(self._rows) - gone
            for row in rows:
                if row.report.container.key not in shown:
                    table.add_row(*self._cells(row), key=row.report.container.key)
            redo = shown & changed
            self._update_rows(table, [r for r in rows if r.report.container.key in redo])
            # DataTable sorts by cell values: the first column's cell objects,
            # each made for its row, tell the rows apart.
            first = self._columns[0].column.key
            where = {
                id(table.get_cell(r.report.container.key, first)): i for i, r in enumerate(rows)
            }
            if len(where) != len(rows):
                return False
            table.sort(first, key=lambda cell: where[id(cell)])
        return True

    def export_screenshot(self, *, title: str | None = None, simplify: bool = False) -> str:
        """The screen as SVG. Every cell is a no-break space or a glyph; viewers
        built on librsvg trim those spaces at the edges of each styled run
        unless told to keep them, and showed "Runs as rootroot-user"."""
        svg = super().export_screenshot(title=title, simplify=simplify)
        return svg.replace("<svg ", '<svg xml:space="preserve" ', 1)

    def _refresh_details(self, changed: set[str]) -> None:
        report = self.state.reports.get(self._selected or "")
        if self._selected in changed:
            self._show_panel(report)
        screen = self.screen
        if isinstance(screen, ContainerScreen) and screen.container_id in changed:
            report = self.state.reports.get(screen.container_id)
            screen.show(report, self.state.engine_of(report) if report else self.state.engine)
        for under in self.screen_stack:  # the tour follows its example under a fix wizard too
            if isinstance(under, TourScreen):
                under.fleet_changed()

    def _show_panel(self, report: ContainerReport | None) -> None:
        if self.state.engine is not None:
            engine = self.state.engine_of(report) if report else self.state.engine
            self.query_one(SecurityPanel).show(report, engine)

    @on(DataTable.RowHighlighted, "#fleet")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if not self.is_running:
            return  # a late message while shutting down: the panel may be gone
        self._selected = event.row_key.value if event.row_key else None
        self._show_panel(self.state.reports.get(self._selected or ""))

    @on(DataTable.RowSelected, "#fleet")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        # Enter on the table (its own select key, shown as Details).
        self._selected = event.row_key.value if event.row_key else None
        self.action_details()

    @on(DataTable.HeaderSelected, "#fleet")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        key = event.column_key.value
        self.reverse = not self.reverse if key == self.sort_key else False
        self.sort_key = key
        self._resort()

    # -- actions --------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("shown")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._refresh_table(set())

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.query_one("#fleet", DataTable).focus()
        if not event.value.strip():
            event.input.remove_class("shown")

    def action_to_table(self) -> None:
        """From the docked panel or the events back to the table."""
        self.query_one("#fleet", DataTable).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("shown")
        self.query_one("#fleet", DataTable).focus()

    @property
    def sorts(self) -> tuple[str | None, ...]:
        """What `s` cycles through: worst first, then each column shown."""
        return (None, *(p.column.key for p in self._columns))

    def action_sort_next(self) -> None:
        sorts = self.sorts
        at = sorts.index(self.sort_key) if self.sort_key in sorts else 0
        self.sort_key = sorts[(at + 1) % len(sorts)]
        self.reverse = False
        self._resort()

    def action_sort_reverse(self) -> None:
        self.reverse = not self.reverse
        self._resort()

    def sort_by(self, key: str | None) -> None:
        self.sort_key = key
        self.reverse = False
        self._resort()

    def _resort(self) -> None:
        table = self.query_one("#fleet", DataTable)
        for p in self._columns:
            table.columns[p.column.key].label = self._label(p.column)  # type: ignore[index]
        self._refresh_table(set())
        what = "worst first" if self.sort_key is None else columns.BY_KEY[self.sort_key].label
        self.notify(f"Sorted by {what}{' (reversed)' if self.reverse else ''}", timeout=1.5)

    def action_toggle_stopped(self) -> None:
        self.hide_stopped = not self.hide_stopped
        self._refresh_table(set())
        self.notify(
            "Stopped containers and fix backups hidden"
            if self.hide_stopped
            else "Showing every container",
            timeout=1.5,
        )

    def action_toggle_events(self) -> None:
        # "toggled" turns the layout's default (hidden when narrow) around;
        # the choice is kept so that a resize across 120 columns keeps it
        events = self.query_one(EventsPane)
        events.toggle_class("toggled")
        self.events_wanted = events.has_class("toggled") is (self.size.width < NARROW)

    def action_toggle_flagged(self) -> None:
        events = self.query_one(EventsPane)
        flagged = events.toggle_flagged(self.state)
        self._events_take_rows(events)
        self.notify("Flagged events only" if flagged else "Every event", timeout=1.5)

    def _events_take_rows(self, events: EventsPane) -> None:
        """The events pane takes rows once it has a line to show. (Not its
        RichLog lines: a hidden log has no size and keeps what it is given
        unrendered, so it would never have a line and never show.)"""
        shown = any(e.flagged or not events.flagged_only for e in self.state.events)
        events.set_class(not shown, "empty")

    def action_engine(self) -> None:
        """The engine screen of the selected container's engine (the first
        engine that answered when none is selected)."""
        if not isinstance(self.screen, MainScreen):
            return
        report = self.state.reports.get(self._selected or "")
        view = self.state.view_of(report) if report else self._first_answering()
        if view is not None:
            self._engine_screen(view)

    def _engine_screen(self, view: EngineView) -> None:
        if view.engine is not None and isinstance(self.screen, MainScreen):
            self.push_screen(EngineScreen(view.engine, view.client, view.findings))

    def action_services(self) -> None:
        """The swarm services of the managers watched (services_screen.py)."""
        swarms = swarms_of(self.state)
        if swarms and isinstance(self.screen, MainScreen):
            self.push_screen(ServicesScreen(swarms))

    def action_services_unlisted(self) -> None:
        """w where the footer has no room for it."""
        self.action_services()

    def _first_answering(self) -> EngineView | None:
        return next((v for v in self.state.engines.values() if v.engine is not None), None)

    def action_contexts(self) -> None:
        """The context picker; the chosen context replaces what is watched."""
        if self.contexts is None or self.switch is None or not isinstance(self.screen, MainScreen):
            return
        watched = [v.client.context for v in self.state.engines.values()]
        self.push_screen(ContextPicker(self.contexts(), watched), self._switch_to)

    def _switch_to(self, name: str | None) -> None:
        if name is None or self.switch is None:
            return
        try:
            source, fixer = self.switch(name)
        except ValueError as err:
            self.notify(printable(str(err)), severity="error", timeout=8, markup=False)
            return
        self.source = source
        self.fixer = fixer
        self.state = FleetState(client=source.client, clients=source.clients)
        self._rows, self._columns, self._selected = [], (), None
        self._measures.clear()
        self._fit_asked = ()
        self._changed.clear()
        self.query_one("#fleet", DataTable).clear(columns=True)
        self.query_one(EventsPane).rewrite(self.state)
        self.query_one(SecurityPanel).show(None, EngineInfo())
        self._show_header()
        self._watch_engine()  # exclusive: the old watcher is cancelled
        self.notify(f"Watching context {printable(name)}.", timeout=3, markup=False)

    def action_details(self) -> None:
        """The selected container's panel: a screen of its own when narrow,
        else the docked panel takes the focus (Escape or Tab leave it)."""
        report = self.state.reports.get(self._selected or "")
        if report is None or self.state.engine is None or not isinstance(self.screen, MainScreen):
            return
        if self.size.width < NARROW:
            self.push_screen(ContainerScreen(report, self.state.engine_of(report)))
        else:
            self.query_one("#panel", SecurityPanel).focus()

    @property
    def can_fix(self) -> bool:
        """Whether the console offers fixes: a fixer was given and not read-only."""
        return self.fixer is not None and not self.read_only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # False: the binding is neither shown nor run (a second binding of the
        # same key then gets its turn: Escape clears the filter).
        if action == "fix":
            return self.can_fix
        if action in ("services", "services_unlisted"):  # only where a manager has
            # services; in the footer where it fits beside Help, else unlisted there
            fits = not self.can_fix or self.size.width >= SERVICES_IN_FOOTER
            return bool(swarms_of(self.state)) and fits == (action == "services")
        if action == "contexts":
            return self.contexts is not None and self.switch is not None
        if action == "to_table":
            focused = self.focused
            return focused is not None and focused.id in ("panel", "events")
        return True

    def action_fix(self) -> None:
        """Open the fix wizard on the selected container (the one shown, on the
        panel screen)."""
        if not self.can_fix or self.fixer is None or self.state.engine is None:
            return
        screen = self.screen
        if not isinstance(screen, MainScreen | ContainerScreen):
            return
        chosen = screen.container_id if isinstance(screen, ContainerScreen) else self._selected
        report = self.state.reports.get(chosen or "")
        if report is None:
            self.notify("Select a container to fix first.", timeout=2)
            return
        self.fix_container(report)

    def fix_container(self, report: ContainerReport, ticked: Sequence[str] | None = None) -> bool:
        """Open the fix wizard on `report`'s container, with `ticked` (change
        names) ticked at the start instead of the wizard's own choice (the
        tour's lesson); False, saying why, when it is not offered."""
        if not self.can_fix or self.fixer is None or self.state.engine is None:
            return False
        refusal = not_a_workload(report.container.name)
        if refusal is not None:
            self.notify(
                printable(refusal),
                severity="warning",
                timeout=5,
                markup=False,
            )
            return False
        engine = self.state.engine_of(report)
        self.push_screen(FixWizard(report, engine, _Guarded(self), ticked=ticked))
        return True

    def action_tour(self, lesson: str | None = None) -> None:
        """The guided tour over the console, at `lesson` (an id) or the first."""
        if not isinstance(self.screen, TourScreen):
            fix = self.fix_container if self.can_fix else None
            tour = TourScreen(
                self.state, lesson, fix=fix, label=self.source.label, notice=self.notice
            )
            self.push_screen(tour)

    async def action_quit(self) -> None:
        if self.fixing:
            self.notify("A fix is being applied: quit once it has finished.", severity="warning")
            return
        self.exit()

    def action_help(self) -> None:
        """The help for the screen it is opened from: that screen's keys."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.keys_of(self.screen)))

    def keys_of(self, screen: Screen[object]) -> list[tuple[str, str]]:
        """(key, what it does) for each key that applies on `screen` now."""
        keys: list[tuple[str, str]] = []
        for binding in screen.BINDINGS:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            namespace, _, action = binding.action.rpartition(".")
            node = self if namespace == "app" else screen
            if node.check_action(action, ()) is not False:
                keys.append((binding.key, binding.description))
        if isinstance(screen, MainScreen):
            keys[1:1] = [
                ("enter", "Details: the panel of the selected container"),
                ("tab,shift+tab", f"Next / previous pane: {TAB_ORDER}"),
            ]
        keys.append((SCROLL_KEYS, "Scroll the panel, the engine screen and this help"))
        keys.append(("ctrl+p", "Command palette"))
        return keys

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette offers what applies on `screen`: the fleet's commands on
        the main screen, fix and help on the panel screen, help on the engine."""
        yield from super().get_system_commands(screen)
        if isinstance(screen, ContainerScreen) and self.can_fix:
            yield SystemCommand(
                "Fix this container…",
                "Pick hardening changes, review them, apply them with a backup",
                self.action_fix,
            )
        if isinstance(screen, ContainerScreen | EngineScreen):
            yield SystemCommand("Help", "Keys and legend", self.action_help)
        if isinstance(screen, MainScreen):
            yield from self._main_commands()

    def _main_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Filter containers",
            "Type words matching name, image, label or finding",
            self.action_filter,
        )
        yield SystemCommand(
            "Clear the filter", "Show every container again", self.action_clear_filter
        )
        yield SystemCommand("Sort worst first", "The default order", lambda: self.sort_by(None))
        for column in (p.column for p in self._columns):  # the columns shown
            yield SystemCommand(
                f"Sort by {column.label}",
                f"Order the table by {column.label.lower()}",
                lambda key=column.key: self.sort_by(key),
            )
        yield SystemCommand("Reverse the sort order", "", self.action_sort_reverse)
        yield SystemCommand(
            "Hide or show stopped containers and fix backups", "", self.action_toggle_stopped
        )
        yield SystemCommand(
            "Engine posture",
            "Daemon findings and the daemon.json changes that fix them",
            self.action_engine,
        )
        if self.state.several:  # each engine's, with or without containers
            for view in self.state.engines.values():
                if view.engine is not None:
                    yield SystemCommand(
                        f"Engine posture: {printable(view.name)}",
                        "That engine's settings and findings",
                        lambda v=view: self._engine_screen(v),
                    )
        if self.contexts is not None and self.switch is not None:
            yield SystemCommand(
                "Switch context…",
                "Watch another of the docker CLI's contexts instead, in place (c)",
                self.action_contexts,
            )
        if swarms_of(self.state):
            yield SystemCommand(
                "Swarm services",
                "Each service's task template, its findings and docker service update fixes (w)",
                self.action_services,
            )
        yield SystemCommand("Show or hide the events pane", "", self.action_toggle_events)
        yield SystemCommand(
            "Flagged events only",
            "Show only security-relevant events, or every event again (!)",
            self.action_toggle_flagged,
        )
        yield SystemCommand(
            "Container details", "The security panel of the selected container", self.action_details
        )
        if self.can_fix:
            yield SystemCommand(
                "Fix the selected container…",
                "Pick hardening changes, review them, apply them with a backup",
                self.action_fix,
            )
            yield SystemCommand(
                "Resume an interrupted fix…",
                "Finish or roll back a fix a killed dockertui left half done",
                self.action_resume,
            )
        yield SystemCommand(
            "Guided tour",
            "One lesson per risk, each on a container of this fleet, with its fix",
            self.action_tour,
        )
        yield SystemCommand("Help", "Keys and legend", self.action_help)


class _Guarded:
    """The app's fixer, marking the app busy while a fix runs so that
    quitting waits for it."""

    def __init__(self, app: DockerTUI) -> None:
        assert app.fixer is not None
        self.app = app
        self.fixer: Fixer = app.fixer

    async def preview(self, plan: FixPlan) -> Preview:
        return await self.fixer.preview(plan)

    async def apply(
        self, plan: FixPlan, progress: Progress, *, copy_layer: bool = True
    ) -> FixResult:
        self.app.fixing = True
        try:
            return await self.fixer.apply(plan, progress, copy_layer=copy_layer)
        finally:
            self.app.fixing = False

    async def resume(self, journal: Journal, action: str, progress: Progress) -> FixResult:
        self.app.fixing = True
        try:
            return await self.fixer.resume(journal, action, progress)
        finally:
            self.app.fixing = False

    def pending(self) -> list[Journal]:
        return self.fixer.pending()

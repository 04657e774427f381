"""The console's layout, driven with Pilot on a fixed fleet (no engine): whole
columns by priority at every width, the name shortened in the middle, sort
over the columns shown, fix leftovers grouped, hidden and not fixed, the
header at 80 columns, the first paint, and controls that say their state
without colour."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from rich.text import Text
from textual.widgets import DataTable, Static

from dockertui.engine.snapshot import SnapshotSource
from dockertui.engine.watch import ContainerChanged, ContainerRemoved, Disconnected, Emit
from dockertui.model import ClientFacts
from dockertui.ui import app as app_module
from dockertui.ui import columns
from dockertui.ui.app import DockerTUI
from dockertui.ui.fix_wizard import FixWizard
from dockertui.ui.widgets import Choice, Picks, StatusHeader, Tick

from showcase import (
    BACKUP_NAME,
    FAILED_NAME,
    LONG_NAME,
    busy_source,
    showcase_contexts,
    showcase_fixer,
    showcase_source,
)

SIZES = [(80, 24), (120, 40), (160, 48), (220, 60)]
LONG, BACKUP, FAILED = LONG_NAME, BACKUP_NAME, FAILED_NAME


def make_app(source: SnapshotSource | None = None) -> DockerTUI:
    return DockerTUI(source or busy_source(), fixer=showcase_fixer)


def shown(app: DockerTUI) -> list[str]:
    return [p.column.key for p in app._columns]


def cells(app: DockerTUI) -> dict[str, dict[str, Text]]:
    """Container name -> column key -> the cell the table holds."""
    table = app.query_one("#fleet", DataTable)
    out = {}
    for cid in app._rows:
        report = app.state.reports[cid]
        row = table.get_row(cid)
        out[report.container.name] = dict(zip(shown(app), row, strict=True))
    return out


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_whole_columns_by_priority_and_no_value_cut(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.2)
        keys = shown(app)
        # The columns shown are the first ones of the priority order, in display order.
        # (One engine: no Engine column.)
        one_engine = [k for k in columns.PRIORITY if k != "engine"]
        assert set(keys) == set(one_engine[: len(keys)])
        assert keys == [c.key for c in columns.COLUMNS if c.key in keys]
        assert {"name", "state", "grade", "worst", "exposure"} <= set(keys)
        table = app.query_one("#fleet", DataTable)
        used = sum(p.width + 2 * table.cell_padding for p in app._columns)
        assert used <= table.scrollable_content_region.width
        widths = {p.column.key: p.width for p in app._columns}
        engine = app.state.engine
        assert engine is not None
        for cid in app._rows:
            report = app.state.reports[cid]
            row = dict(zip(keys, table.get_row(cid), strict=True))
            for key, cell in row.items():
                assert cell.cell_len <= widths[key], (report.container.name, key, cell.plain)
                if key == "exposure":
                    # Whole published ports (one per port and interface), then "+N more".
                    whole = [e.plain for e in columns.exposure_entries(report)]
                    items = cell.plain.split(" +")[0].split(", ")
                    if whole:
                        assert set(items) <= set(whole), cell.plain
                        hidden = len(whole) - len(items)
                        if hidden:
                            assert cell.plain.endswith(f" +{hidden} more")
                        else:
                            assert cell.plain == ", ".join(whole)
                elif key != "name":
                    full = columns.BY_KEY[key].cell(report, engine).plain
                    assert cell.plain == full, (report.container.name, key)


async def test_narrow_drops_the_lowest_priority_columns_and_a_resize_brings_them_back() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        narrow = shown(app)
        assert "image" not in narrow and "mac" not in narrow
        await pilot.resize_terminal(220, 60)
        await pilot.pause(0.3)
        wide = shown(app)
        assert set(narrow) < set(wide) and "image" in wide
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        assert shown(app) == narrow


async def test_the_name_is_cut_in_the_middle_and_does_not_widen_the_column_for_good() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.2)
        name_width = {p.column.key: p.width for p in app._columns}["name"]
        assert name_width == columns.NAME_CAP
        cell = cells(app)[LONG]["name"].plain
        head, _, tail = cell.partition("…")
        assert head and tail and LONG.startswith(head) and LONG.endswith(tail)
        assert len(cell) == columns.NAME_CAP
        # The long name goes: the column is as wide as the names left need.
        long_id = next(cid for cid, r in app.state.reports.items() if r.container.name == LONG)
        backups = [cid for cid, r in app.state.reports.items() if "-20261201-" in r.container.name]
        for cid in [long_id, *backups]:
            app._on_engine_update(ContainerRemoved(cid))
        await pilot.pause(0.3)
        # Still as wide at once (no rebuild of every row per event), narrower
        # once the fleet has been quiet for a moment.
        assert {p.column.key: p.width for p in app._columns}["name"] == columns.NAME_CAP
        await pilot.pause(app_module.SHRINK_AFTER_SECONDS + 0.5)
        widest = max(len(r.container.name) for r in app.state.reports.values())
        assert {p.column.key: p.width for p in app._columns}["name"] == widest


async def test_sort_cycles_through_the_columns_shown_and_the_palette_offers_those() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        visible = shown(app)
        seen = []
        for _ in range(len(visible) + 1):
            await pilot.press("s")
            await pilot.pause()
            seen.append(app.sort_key)
        assert seen == [*visible, None]
        titles = [c.title for c in app.get_system_commands(app.screen)]
        offered = [t.removeprefix("Sort by ") for t in titles if t.startswith("Sort by ")]
        assert offered == [columns.BY_KEY[k].label for k in visible]


async def test_a_sort_column_that_stops_fitting_gives_way_to_worst_first() -> None:
    app = make_app()
    async with app.run_test(size=(220, 60)) as pilot:
        await pilot.pause(0.2)
        app.sort_by("image")
        await pilot.pause()
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        assert "image" not in shown(app) and app.sort_key is None
        assert any("Image column no longer fits" in n.message for n in app._notifications)
        names = [app.state.reports[cid].container.name for cid in app._rows]
        assert names[0] == "legacy-billing"  # the worst, first


async def test_fix_leftovers_sit_under_their_original_and_h_hides_them() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        names = [app.state.reports[cid].container.name for cid in app._rows]
        at = names.index("legacy-billing")
        assert names[at + 1 : at + 3] == [FAILED, BACKUP]  # newest name first: f > b
        table = cells(app)
        for leftover, kind in ((BACKUP, "backup"), (FAILED, "failed")):
            name = table[leftover]["name"]
            # Under its original: what it is and when, not the original's name again.
            assert name.plain == f"{columns.UNDER}{kind}-20261201-101010"
            assert any("dim" in str(span.style) for span in name.spans)
        assert not table["legacy-billing"]["name"].plain.startswith(columns.UNDER)
        await pilot.press("h")
        await pilot.pause()
        names = [app.state.reports[cid].container.name for cid in app._rows]
        assert BACKUP not in names and FAILED not in names and "cron" not in names
        assert "ci-runner" in names


async def test_f_on_a_leftover_refuses_in_one_sentence() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        row = next(
            i for i, cid in enumerate(app._rows) if app.state.reports[cid].container.name == BACKUP
        )
        app.query_one("#fleet", DataTable).move_cursor(row=row)
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        assert not isinstance(app.screen, FixWizard)
        said = [n.message for n in app._notifications]
        assert any(
            m.startswith(BACKUP) and "fix legacy-billing instead." in m and m.count(". ") == 0
            for m in said
        ), said
        # The original itself is offered as ever.
        row = next(
            i
            for i, cid in enumerate(app._rows)
            if app.state.reports[cid].container.name == "legacy-billing"
        )
        app.query_one("#fleet", DataTable).move_cursor(row=row)
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FixWizard)


def header_text(app: DockerTUI) -> str:
    return app.query_one(StatusHeader).render().plain


async def test_header_at_80_columns_keeps_the_engine_finding_whole() -> None:
    app = make_app(showcase_source())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        lines = header_text(app).splitlines()
        assert all(len(line) <= 80 for line in lines)
        assert any("engine: MEDIUM icc-enabled" in line for line in lines), lines
        assert "containers + engine: 3 critical" in lines[1]
        assert app.query_one(StatusHeader).region.height == 3


async def test_header_takes_two_lines_where_the_engine_finding_fits_beside_the_counts() -> None:
    app = make_app(showcase_source())
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.2)
        lines = header_text(app).splitlines()
        assert len(lines) == 2 and "engine: MEDIUM icc-enabled" in lines[1]
        assert app.query_one(StatusHeader).region.height == 2


class Silent:
    """A source that never answers: the console's first paint, held."""

    label = "unix:///var/run/docker.sock (context default)"
    client = ClientFacts(endpoint="unix:///var/run/docker.sock", context="default")
    clients = None

    async def run(self, emit: Emit) -> None:
        await asyncio.Event().wait()


async def test_first_paint_says_where_it_connects_until_a_snapshot_or_a_failure() -> None:
    app = DockerTUI(Silent())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        text = header_text(app)
        assert f"connecting to {Silent.label}…" in text
        assert "DISCONNECTED" not in text and "last state" not in text
        app._on_engine_update(Disconnected("The engine went away.", 2))
        await pilot.pause(0.3)
        assert "DISCONNECTED" in header_text(app)


async def test_after_a_snapshot_the_header_is_live() -> None:
    app = make_app(showcase_source())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        assert "● live" in header_text(app) and "connecting" not in header_text(app)


async def test_the_events_pane_takes_no_rows_while_it_has_nothing_to_show() -> None:
    app = make_app(showcase_source())
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.2)
        pane = app.query_one("#events")
        assert not pane.display or pane.region.height == 0


@pytest.mark.parametrize("no_color", [True, False])
async def test_ticked_and_unticked_differ_without_colour(
    no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = make_app(showcase_source())
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("f")  # the wizard on the worst container: ticks and radio buttons
        await pilot.pause(0.3)
        wizard = app.screen
        assert isinstance(wizard, FixWizard)
        marks = {
            (type(w).__name__, w.value): w.render().plain[:3]
            for w in wizard.query("Tick, Choice").results()
            if isinstance(w, Tick | Choice)
        }
        assert marks[("Tick", True)] == "[x]" and marks[("Tick", False)] == "[ ]"
        assert marks[("Choice", True)] == "(•)" and marks[("Choice", False)] == "( )"
        # The custom pick of capabilities: one [x] or [ ] per capability, as selected.
        wizard.query_one("#preset-custom", Choice).value = True
        await pilot.pause(0.2)
        picks = wizard.query_one("#caps-pick", Picks)
        for y in range(min(picks.option_count, picks.size.height)):
            option = picks.get_option_at_index(y)
            want = "[x]" if option.value in picks.selected else "[ ]"
            assert picks.render_line(y).text[:3] == want
        assert picks.selected and len(picks.selected) < picks.option_count
        # The same glyphs reach the screen, whatever the colours.
        svg = app.export_screenshot()
        assert "[x]" in svg and "[&#160;]" in svg and "(•)" in svg and "(&#160;)" in svg


async def test_plain_tcp_is_a_red_warning_in_the_header_at_every_width() -> None:
    base = showcase_source()
    plain = ClientFacts(endpoint="tcp://10.0.0.5:2375", context="lan", transport="tcp")
    source = SnapshotSource(base.engine, base.containers, client=plain, label="tcp://10.0.0.5:2375")
    for size in ((80, 24), (200, 50)):
        app = DockerTUI(source)
        async with app.run_test(size=size) as pilot:
            await pilot.pause(0.2)
            header = app.query_one(StatusHeader).render()
            assert "plain tcp, no TLS" in header.plain and "context lan" in header.plain
            warning = next(s for s in header.spans if "red" in str(s.style))
            assert "plain tcp" in header.plain[warning.start : warning.end]


async def test_a_change_that_moves_a_row_redraws_that_row_alone() -> None:
    # The table is changed in place (a rebuild of 800 rows holds the event loop
    # every engine shares for a quarter of a second): the other rows keep the
    # very cells they had, and the order is the console's.
    app = make_app(showcase_source())
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.3)
        table = app.query_one("#fleet", DataTable)
        before = {k: table.get_cell(k, "name") for k in app._rows}
        api = next(r for r in app.state.reports.values() if r.container.name == "api")
        was = app._rows.index(api.container.key)
        app._on_engine_update(ContainerChanged(replace(api.container, privileged=True)))
        await pilot.pause(0.3)
        order = [str(row.key.value) for row in table.ordered_rows]
        assert order == app._rows and order.index(api.container.key) < was
        kept = [k for k in order if k != api.container.key]
        assert all(table.get_cell(k, "name") is before[k] for k in kept)
        assert table.get_cell(api.container.key, "name") is not before[api.container.key]


async def test_the_picker_over_a_fleet_says_it_replaces_every_engine() -> None:
    # Counted by engines, not by their contexts: -H engines share "default".
    entries, switch = showcase_contexts()
    base = showcase_source()
    fleet = {
        path: (
            ClientFacts(endpoint=f"unix://{path}", context="default", name=path),
            base.containers,
        )
        for path in ("/run/a/docker.sock", "/run/b/docker.sock")
    }
    source = SnapshotSource(base.engine, (), label="a, b", fleet=fleet)
    app = DockerTUI(source, contexts=entries, switch=switch)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("c")
        await pilot.pause(0.2)
        title = app.screen.query_one("#contexts-title", Static).render()
        assert "it replaces the 2 engines watched" in str(title)

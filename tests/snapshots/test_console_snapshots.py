"""SVG snapshots of the console's look against the showcase fleet
(deterministic data, no engine): the main screen, the security panel and
the fix wizard at 80x24 and at 160x48 (the main screen and the panel also at
120x40 and 220x60). Update with
`pytest tests/snapshots --snapshot-update` after a deliberate change, and
look at the diff report it writes."""

from __future__ import annotations

import pytest

from dockertui.ui.app import DockerTUI

from showcase import busy_source, fleet_source, showcase_contexts, showcase_fixer, showcase_source

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
#: The main screen at every layout: the panel as a screen (80), under the
#: table (120, 160) and beside it (220); the table's columns fit each width.
ALL_SIZES = [
    pytest.param(size, id=f"{size[0]}x{size[1]}")
    for size in ((80, 24), (120, 40), (160, 48), (220, 60))
]


def make_app() -> DockerTUI:
    # With a fixer, as the console runs on an engine (not --read-only).
    return DockerTUI(showcase_source(), fixer=showcase_fixer)


@pytest.mark.parametrize("size", ALL_SIZES)
def test_main_screen(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size)


@pytest.mark.parametrize("size", ALL_SIZES)
def test_busy_fleet(snap_compare, size: tuple[int, int]) -> None:
    # A long name cut in the middle, six ports as "+N more", and the backup
    # and failed copy a fix left, under their original.
    assert snap_compare(DockerTUI(busy_source(), fixer=showcase_fixer), terminal_size=size)


@pytest.mark.parametrize("size", ALL_SIZES)
def test_security_panel(snap_compare, size: tuple[int, int]) -> None:
    # Enter: at 80x24 the panel as a screen; wider, the docked panel focused.
    assert snap_compare(make_app(), terminal_size=size, press=["enter"])


def test_engine_screen(snap_compare) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 40), press=["e"])


def test_engine_screen_daemon_diff(snap_compare) -> None:
    # Scrolled to the first findings: the settings' sources, and each daemon
    # fix's diff merged into the showcase's own daemon.json.
    assert snap_compare(make_app(), terminal_size=(120, 40), press=["e", "pagedown"])


@pytest.mark.parametrize("size", SIZES)
def test_fix_wizard(snap_compare, size: tuple[int, int]) -> None:
    # `f` on the first row (the worst container): the pick step.
    assert snap_compare(make_app(), terminal_size=size, press=["f"])


@pytest.mark.parametrize("size", SIZES)
def test_fix_wizard_review(snap_compare, size: tuple[int, int]) -> None:
    # The review of the suggested re-create: the diff, the writable layer
    # the preview found (with the copy choice) and the commands.
    async def to_review(pilot) -> None:
        await pilot.press("f")
        await pilot.pause()
        pilot.app.screen.action_next()
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=size, run_before=to_review)


@pytest.mark.parametrize("size", SIZES)
def test_fleet_of_engines(snap_compare, size: tuple[int, int]) -> None:
    # Three engines: the Engine column, two with the same container ids,
    # edge-2 lost (its rows dimmed, the header says why).
    assert snap_compare(DockerTUI(fleet_source(), fixer=showcase_fixer), terminal_size=size)


def test_context_picker(snap_compare) -> None:
    # `c`: the docker CLI's contexts, the watched one marked, a broken one with its reason.
    entries, switch = showcase_contexts()
    app = DockerTUI(showcase_source(), fixer=showcase_fixer, contexts=entries, switch=switch)
    assert snap_compare(app, terminal_size=(80, 24), press=["c"])

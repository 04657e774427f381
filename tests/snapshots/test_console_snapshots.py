"""SVG snapshots of the console's look against the showcase fleet
(deterministic data, no engine): the main screen, the security panel and
the fix wizard at 80x24 and at 160x48. Update with
`pytest tests/snapshots --snapshot-update` after a deliberate change, and
look at the diff report it writes."""

from __future__ import annotations

import pytest

from dockertui.ui.app import DockerTUI

from showcase import showcase_fixer, showcase_source

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def make_app() -> DockerTUI:
    # With a fixer, as the console runs on an engine (not --read-only).
    return DockerTUI(showcase_source(), fixer=showcase_fixer)


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_security_panel(snap_compare, size: tuple[int, int]) -> None:
    # At 80x24 Enter opens the panel as a screen; at 160x48 it sits under the table.
    keys = ["enter"] if size[0] < 120 else []
    assert snap_compare(make_app(), terminal_size=size, press=keys)


def test_engine_screen(snap_compare) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 40), press=["e"])


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

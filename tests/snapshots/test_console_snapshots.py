"""SVG snapshots of the console's look against the showcase fleet
(deterministic data, no engine): the main screen and the security panel at
80x24 and at 160x48. Update with `pytest tests/snapshots --snapshot-update`
after a deliberate change, and look at the diff report it writes."""

from __future__ import annotations

import pytest

from dockertui.ui.app import DockerTUI

from showcase import showcase_source

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def make_app() -> DockerTUI:
    return DockerTUI(showcase_source())


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

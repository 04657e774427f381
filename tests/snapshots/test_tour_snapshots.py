"""SVG snapshots of the guided tour over the showcase fleet (no engine): a
container lesson at 80x24 and 160x48, and an engine lesson at 80x24 under
the demo's notice.
Update with `pytest tests/snapshots/test_tour_snapshots.py --snapshot-update`
after a deliberate change, and look at the pictures."""

from __future__ import annotations

import pytest

from dockertui.cli.demo import NOTICE
from dockertui.ui.app import DockerTUI

from showcase import showcase_fixer, showcase_source

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.mark.parametrize("size", SIZES)
def test_tour_capabilities(snap_compare, size: tuple[int, int]) -> None:
    app = DockerTUI(showcase_source(), fixer=showcase_fixer, tour="capabilities")
    assert snap_compare(app, terminal_size=size)


def test_tour_engine_lesson(snap_compare) -> None:
    # with the demo's notice, which the tour shows on a line of its own
    app = DockerTUI(showcase_source(), fixer=showcase_fixer, tour="updates", notice=NOTICE)
    assert snap_compare(app, terminal_size=(80, 24))

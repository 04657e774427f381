"""The console's repaint pacing (ui/repaint.py): at once after a quiet
spell, bounded under a storm, slower when a repaint is expensive."""

from __future__ import annotations

import itertools

from dockertui.ui.repaint import RepaintPacer


def _paint_all(pacer: RepaintPacer, arrivals: list[float], cost: float) -> list[float]:
    """Simulate: an update arrives at each time; a repaint is scheduled when
    none is pending and covers every update up to it. Returns paint times."""
    painted: list[float] = []
    pending_at: float | None = None
    for now in arrivals:
        if pending_at is not None and now >= pending_at:
            pacer.painted(pending_at, pending_at + cost)
            painted.append(pending_at)
            pending_at = None
        if pending_at is None:
            pending_at = now + pacer.delay(now)
    if pending_at is not None:
        pacer.painted(pending_at, pending_at + cost)
        painted.append(pending_at)
    return painted


def test_a_create_then_a_start_after_a_quiet_spell_are_both_painted_at_once() -> None:
    pacer = RepaintPacer()
    assert _paint_all(pacer, [100.0, 100.05], cost=0.005) == [100.0, 100.05]


def test_a_storm_is_painted_at_most_four_times_a_second_after_its_burst() -> None:
    pacer = RepaintPacer()
    arrivals = [100.0 + i / 100 for i in range(1000)]  # 100 updates a second for 10 s
    painted = _paint_all(pacer, arrivals, cost=0.005)
    assert len(painted) <= 3 + 10 * 4 + 1
    later = [t for t in painted if t >= 101.0]
    gaps = [b - a for a, b in itertools.pairwise(later)]
    assert min(gaps) >= 0.25 - 1e-9


def test_an_expensive_repaint_spaces_the_next_ones_up_to_a_second() -> None:
    pacer = RepaintPacer()
    arrivals = [100.0 + i / 100 for i in range(1000)]
    painted = _paint_all(pacer, arrivals, cost=0.3)  # ten times: 3 s, capped at 1 s
    later = [t for t in painted if t >= 102.0]
    gaps = [b - a for a, b in itertools.pairwise(later)]
    assert gaps and min(gaps) >= 1.0 - 1e-9
    assert max(gaps) <= 1.0 + 0.011  # the next update after the gap is painted

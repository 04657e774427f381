"""When the console repaints: at once after a quiet spell, at a bounded rate
under a stream of updates.

A token bucket: each repaint spends a token, tokens come back one per `gap`
seconds up to `burst`. A create followed by a start (two updates 50 ms
apart) is painted at once, twice; an event storm is painted at most once per
gap. The gap grows with what the last repaint cost, so repainting a big
fleet under a storm stays a small share of a core. No Textual here."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Under a stream of updates, at most one repaint per this many seconds...
REPAINT_SECONDS = 0.25
#: ...or per this many times as long as the last repaint took...
REPAINT_COST_FACTOR = 10
#: ...but never a longer gap than this.
REPAINT_MOST_SECONDS = 1.0
#: Repaints allowed back to back after a quiet spell.
REPAINT_BURST = 3


@dataclass
class RepaintPacer:
    burst: int = REPAINT_BURST
    tokens: float = field(default=float(REPAINT_BURST))
    cost: float = 0.0  # seconds the last repaint took
    _at: float = 0.0  # monotonic time the tokens were last counted

    @property
    def gap(self) -> float:
        return max(REPAINT_SECONDS, min(REPAINT_MOST_SECONDS, REPAINT_COST_FACTOR * self.cost))

    def _refill(self, now: float) -> None:
        if now > self._at:
            self.tokens = min(float(self.burst), self.tokens + (now - self._at) / self.gap)
        self._at = now

    def delay(self, now: float) -> float:
        """Seconds to wait before the next repaint (0: paint at once)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) * self.gap

    def painted(self, started: float, finished: float) -> None:
        """A repaint ran from `started` to `finished` (monotonic seconds)."""
        self._refill(started)
        self.tokens = max(0.0, self.tokens - 1.0)
        self.cost = max(0.0, finished - started)

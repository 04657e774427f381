"""A source that replays a fixed snapshot instead of watching an engine:
for SVG snapshots, screenshots and anything that needs deterministic data.
It has the same shape as `Watcher` (label, client, run(emit))."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from dockertui.engine.watch import Connected, Emit, Update, _call
from dockertui.model import ClientFacts, Container, EngineInfo


class SnapshotSource:
    def __init__(
        self,
        engine: EngineInfo,
        containers: Sequence[Container],
        *,
        client: ClientFacts | None = None,
        label: str = "snapshot",
        updates: Sequence[Update] = (),
    ) -> None:
        self.engine = engine
        self.containers = tuple(containers)
        self.client = client or ClientFacts(endpoint=label, context="snapshot")
        self.label = label
        self.updates = tuple(updates)

    async def run(self, emit: Emit) -> None:
        await _call(emit, Connected(self.engine, self.containers))
        for update in self.updates:
            await _call(emit, update)
        await asyncio.Event().wait()  # stay "connected" until cancelled

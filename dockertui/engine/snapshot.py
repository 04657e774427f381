"""A source that replays a fixed snapshot instead of watching an engine:
for SVG snapshots, screenshots and anything that needs deterministic data.
It has the same shape as `Watcher` (label, client, run(emit)), or with
`fleet` that of `FleetWatcher`: several engines, each with its snapshot."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from dockertui.engine.fleet_watch import FleetEmit, FromEngine
from dockertui.engine.watch import Connected, Update, deliver
from dockertui.model import ClientFacts, Container, EngineInfo


class SnapshotSource:
    def __init__(
        self,
        engine: EngineInfo,
        containers: Sequence[Container],
        *,
        client: ClientFacts | None = None,
        label: str = "snapshot",
        updates: Sequence[Update | FromEngine] = (),
        fleet: Mapping[str, tuple[ClientFacts, Sequence[Container]]] | None = None,
    ) -> None:
        """`fleet`: engine name -> (its client facts, its containers), all with
        `engine`'s facts; then `containers` is not used."""
        self.engine = engine
        self.containers = tuple(containers)
        self.client = client or ClientFacts(endpoint=label, context="snapshot")
        self.label = label
        self.updates = tuple(updates)
        self.fleet = dict(fleet or {})
        self.clients = {name: facts for name, (facts, _) in self.fleet.items()} or None

    async def run(self, emit: FleetEmit) -> None:
        if not self.fleet:
            await deliver(emit, Connected(self.engine, self.containers))
        for name, (_, containers) in self.fleet.items():
            await deliver(emit, FromEngine(name, Connected(self.engine, tuple(containers))))
        for update in self.updates:
            await deliver(emit, update)
        await asyncio.Event().wait()  # stay "connected" until cancelled

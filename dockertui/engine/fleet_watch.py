"""Several engines watched together: one `Watcher` each, side by side.

Each engine keeps its own client, event stream, re-inspects and backoff, so
an engine that goes away or answers slowly never holds up the others: its
watcher waits and reconnects on its own while the rest keep emitting. Every
update is passed on wrapped in `FromEngine`, naming the engine it came from
(the endpoint's short name, `Endpoint.name`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dockertui.engine.endpoint import Endpoint
from dockertui.engine.gateway import client_facts
from dockertui.engine.watch import Disconnected, Update, Watcher, deliver
from dockertui.model import ClientFacts


@dataclass(frozen=True)
class FromEngine:
    """An update of one engine of the fleet."""

    engine: str
    update: Update


FleetEmit = Callable[[Update | FromEngine], Awaitable[None] | None]


class FleetWatcher:
    """The console's source for several engines (`DockerTUI(FleetWatcher(...))`)."""

    def __init__(
        self,
        endpoints: Sequence[Endpoint],
        *,
        unusable: Mapping[str, str] | None = None,
        **watcher_options: Any,
    ) -> None:
        """`unusable`: contexts that cannot be used at all (name -> why), shown
        as refused engines that are never dialled (`--all-contexts`)."""
        if not endpoints:
            raise ValueError("a fleet needs at least one engine")
        self.watchers = {e.name: Watcher(e, **watcher_options) for e in endpoints}
        self.endpoints = {e.name: e for e in endpoints}
        self.label = ", ".join(self.watchers)
        #: Each engine's client facts, by name, in the order given.
        self.unusable = dict(unusable or {})
        self.clients: dict[str, ClientFacts] | None = {
            name: client_facts(e, os.environ) for name, e in self.endpoints.items()
        } | {name: ClientFacts(endpoint="", context=name, name=name) for name in self.unusable}
        self.client = client_facts(endpoints[0], os.environ)

    async def run(self, emit: FleetEmit) -> None:
        """Run every engine's watcher until cancelled. The console's callback
        failing ends them all (a bug, as for one watcher); an engine failing
        only makes its own watcher reconnect."""

        async def one(name: str, watcher: Watcher) -> None:
            async def tagged(update: Update) -> None:
                await deliver(emit, FromEngine(name, update))

            await watcher.run(tagged)

        for name, why in self.unusable.items():
            await deliver(emit, FromEngine(name, Disconnected(why, 0.0, refused=True)))
        async with asyncio.TaskGroup() as group:
            for name, watcher in self.watchers.items():
                group.create_task(one(name, watcher), name=f"watch {name}")

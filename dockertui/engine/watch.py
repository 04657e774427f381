"""Stay live on the engine's event stream: the data source of the console.

`Watcher.run(emit)` owns the reconnecting loop: it subscribes to
`/events` first, then lists and inspects every container, then re-inspects
only the containers events name (bursts coalesced), and on a dropped stream
reports `Disconnected`, backs off, reconnects, re-lists and starts over with
a fresh snapshot. It never polls every container on a timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from dockertui.engine.endpoint import Endpoint
from dockertui.engine.errors import EngineError, EngineRefused
from dockertui.engine.gateway import EngineGateway, client_facts
from dockertui.engine.inventory import collect, inspect_container
from dockertui.model import Container, EngineInfo, ExecSession, exec_from_inspect, is_lock

COALESCE_SECONDS = 0.05
BACKOFF = (0.5, 1.0, 2.0, 5.0, 10.0)
#: Container actions that never change what the checks read.
QUIET_ACTIONS = ("exec_start", "exec_die", "attach", "detach", "resize", "top", "export")


@dataclass(frozen=True)
class Connected:
    """A fresh, complete snapshot: replace everything shown."""

    engine: EngineInfo
    containers: tuple[Container, ...]


@dataclass(frozen=True)
class Disconnected:
    reason: str
    retry_in: float


@dataclass(frozen=True)
class ContainerChanged:
    container: Container


@dataclass(frozen=True)
class ContainerRemoved:
    container_id: str


@dataclass(frozen=True)
class EngineEvent:
    """One line of the engine's event stream, for the events pane."""

    time: float
    type: str  # container, network, image, volume, daemon...
    action: str  # start, die, exec_create: sh -c ..., health_status: healthy...
    actor_id: str
    name: str
    attributes: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class ExecStarted:
    session: ExecSession


Update = Connected | Disconnected | ContainerChanged | ContainerRemoved | EngineEvent | ExecStarted
Emit = Callable[[Update], Awaitable[None] | None]


def parse_event(raw: dict[str, Any]) -> EngineEvent:
    found = raw.get("Actor")
    actor: dict[str, Any] = found if isinstance(found, dict) else {}
    listed = actor.get("Attributes")
    attributes: dict[str, Any] = listed if isinstance(listed, dict) else {}
    attrs = {str(k): str(v) for k, v in attributes.items()}
    stamp = raw.get("timeNano")
    when = stamp / 1e9 if isinstance(stamp, int) else float(raw.get("time") or time.time())
    return EngineEvent(
        time=when,
        type=str(raw.get("Type") or raw.get("type") or ""),
        action=str(raw.get("Action") or raw.get("status") or ""),
        actor_id=str(actor.get("ID") or raw.get("id") or ""),
        name=attrs.get("name", ""),
        attributes=attrs,
    )


class Watcher:
    def __init__(
        self,
        endpoint: Endpoint,
        *,
        coalesce: float = COALESCE_SECONDS,
        backoff: tuple[float, ...] = BACKOFF,
    ) -> None:
        self.endpoint = endpoint
        self.coalesce = coalesce
        self.backoff = backoff
        self.label = endpoint.describe()
        self.client = client_facts(endpoint, os.environ)
        self._api: EngineGateway | None = None
        self._failures = 0  # consecutive sessions that ended without connecting

    async def run(self, emit: Emit) -> None:
        """Run until cancelled; every update goes through `emit`."""
        self._failures = 0
        while True:
            try:
                await self._session(emit)
                reason = "The engine closed the event stream."
            except EngineError as err:
                reason = str(err)
            except (aiohttp.ClientError, EngineRefused, OSError, ValueError) as err:
                reason = f"Lost the engine: {err}."
            delay = self.backoff[min(self._failures, len(self.backoff) - 1)]
            self._failures += 1
            await _call(emit, Disconnected(reason, delay))
            await asyncio.sleep(delay)

    async def _session(self, emit: Emit) -> None:
        client = await EngineGateway.open(self.endpoint)
        self._api = client
        try:
            async with client.stream("events", {"since": f"{time.time():.3f}"}) as response:
                # Subscribed: events from now on wait in the socket while we list.
                inventory = await collect(client)
                self._failures = 0  # back to the shortest wait once we were connected
                await _call(emit, Connected(inventory.engine, inventory.containers))
                await self._follow(client, response, emit)
        finally:
            self._api = None
            await client.close()

    async def _follow(
        self, client: EngineGateway, response: aiohttp.ClientResponse, emit: Emit
    ) -> None:
        pending: set[str] = set()
        # Destroyed while their inspect was in flight: the late answer (e.g.
        # state "removing") must not bring the container back.
        destroyed: set[str] = set()
        flush: asyncio.Task[None] | None = None

        async def flush_later() -> None:
            # Loop: events that arrive while a batch is being inspected add to
            # `pending` without starting a new task, so they are flushed here.
            while pending:
                await asyncio.sleep(self.coalesce)
                ids = list(pending)
                pending.clear()
                destroyed.clear()
                results = await asyncio.gather(*(inspect_container(client, i) for i in ids))
                for container_id, container in zip(ids, results, strict=True):
                    if container_id in destroyed:
                        continue  # ContainerRemoved already sent
                    if container is None:
                        await _call(emit, ContainerRemoved(container_id))
                    else:
                        await _call(emit, ContainerChanged(container))

        try:
            async for line in response.content:
                if not line.strip():
                    continue
                event = parse_event(json.loads(line))
                if event.type == "container" and is_lock(event.attributes):
                    continue  # a fix taking or releasing its lock: bookkeeping, not news
                await _call(emit, event)
                if event.type != "container" or not event.actor_id:
                    continue
                action = event.action.split(":", 1)[0]
                if action == "exec_create":
                    await self._exec(client, event, emit)
                    continue
                if action in QUIET_ACTIONS:
                    continue
                if action == "destroy":
                    pending.discard(event.actor_id)
                    destroyed.add(event.actor_id)
                    await _call(emit, ContainerRemoved(event.actor_id))
                    continue
                pending.add(event.actor_id)
                if flush is None or flush.done():
                    flush = asyncio.create_task(flush_later())
        finally:
            if flush is not None and not flush.done():
                flush.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await flush

    async def _exec(self, client: EngineGateway, event: EngineEvent, emit: Emit) -> None:
        exec_id = event.attributes.get("execID", "")
        if not exec_id:
            return
        doc = await client.exec_inspect(exec_id)
        if doc is None:
            return  # already gone
        await _call(emit, ExecStarted(exec_from_inspect(doc)))


async def _call(emit: Emit, update: Update) -> None:
    result = emit(update)
    if asyncio.iscoroutine(result):
        await result

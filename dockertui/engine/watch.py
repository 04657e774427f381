"""Stay live on the engine's event stream: the data source of the console.

`Watcher.run(emit)` owns the reconnecting loop: it subscribes to
`/events` first, then lists and inspects every container, then re-inspects
only the containers events name (bursts coalesced), and on a dropped stream
reports `Disconnected`, backs off, reconnects, re-lists and starts over with
a fresh snapshot. It never polls every container on a timer.

What an event costs is decided here, as early as possible: bookkeeping
actions are dropped before the console sees them; only what changes a
container is re-inspected; every exec is inspected once, and runs of the
container's own health check (its command, run as the engine runs it) are
dropped there. The console's callback is called outside the
handling of I/O errors, so its own failure propagates instead of passing
for a lost engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import aiohttp

from dockertui.engine.endpoint import Endpoint
from dockertui.engine.errors import EngineError, EngineRefused
from dockertui.engine.gateway import EngineGateway, client_facts
from dockertui.engine.inventory import (
    LIVE,
    collect,
    completed,
    inspect_batch,
    inspect_container,
    read_local,
)
from dockertui.engine.swarm import is_manager, read_swarm
from dockertui.model import (
    ClientFacts,
    Container,
    EngineInfo,
    ExecSession,
    engine_from_api,
    exec_from_inspect,
    is_lock,
)
from dockertui.model.exec import command_text, exec_from_event, is_health_run, is_healthcheck
from dockertui.model.kernel import InEffect
from dockertui.model.service import Service

#: A re-inspect waits this long for more events naming the same container...
COALESCE_SECONDS = 0.05
#: ...and this long while the engine is busy (a re-inspect ran less than
#: BUSY_SECONDS ago): a restart's kill, die, stop and start then cost one
#: inspect, not three.
BUSY_COALESCE_SECONDS = 0.1
BUSY_SECONDS = 1.0
#: How long a re-inspect that failed (the engine busy or briefly away) waits
#: before it is tried again; its containers stay pending meanwhile.
RETRY_SECONDS = 0.5
#: Tries of one container's re-inspect before it waits for its next event.
RETRIES = 5
BACKOFF = (0.5, 1.0, 2.0, 5.0, 10.0)
#: How often the kernel's view of the running containers is read again on a
#: local engine. No event says that a service dropped its user after a
#: setup, or that an exec left a root process behind: /proc does. One pass
#: over it costs some 60 ms of a thread for 160 containers and no request.
KERNEL_REFRESH_SECONDS = 5.0
#: Container actions that never change what the checks read: shown, not re-inspected.
QUIET_ACTIONS = frozenset({"attach", "detach", "export"})
#: Container actions that are neither news nor change anything: dropped at
#: once. An exec session is shown once, from its exec_create (start and die
#: are folded into it); `top` is the console's own process listing.
SILENT_ACTIONS = frozenset({"exec_start", "exec_die", "exec_died", "resize", "top"})
#: Podman's (4.x) exec_create: it names neither the session nor its command
#: (and its end is `exec_died`, silent as Docker's exec_die).
PODMAN_EXEC = "exec"


@dataclass(frozen=True)
class Connected:
    """A fresh, complete snapshot: replace everything shown."""

    engine: EngineInfo
    containers: tuple[Container, ...]


@dataclass(frozen=True)
class Disconnected:
    reason: str
    retry_in: float
    #: The engine (or its socket) turned us away (TLS, permissions, an
    #: authorization plugin) rather than being down or slow.
    refused: bool = False


@dataclass(frozen=True)
class ContainerChanged:
    container: Container
    time: float = 0.0  # the engine's time of the latest event that led here (0: none)


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
    time: float = 0.0  # the exec_create event's own time


@dataclass
class WatchCounts:
    """What the watcher asked the engine for, since it was made: the figure
    that shows an event storm did not become a request storm."""

    events: int = 0  # event lines read
    container_inspects: int = 0
    exec_inspects: int = 0
    health_runs: int = 0  # exec sessions recognised as health-check runs
    service_lists: int = 0  # a swarm manager's services listed again after events
    #: Container id -> inspects, for the containers that still exist.
    inspected: Counter[str] = field(default_factory=Counter)


class _EmitFailed(Exception):
    """The console's callback raised: not an engine problem. Carried past the
    I/O error handling and re-raised as the original exception."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class ServicesListed:
    """A swarm manager's services, listed after the snapshot and again after
    service and node events (coalesced); `engine` with its nodes and overlay
    networks as listed with them (engine/swarm.py)."""

    engine: EngineInfo
    services: tuple[Service, ...]


#: Event types after which a manager's services are listed again.
SWARM_EVENTS = frozenset({"service", "node"})

Update = (
    Connected
    | Disconnected
    | ContainerChanged
    | ContainerRemoved
    | EngineEvent
    | ExecStarted
    | ServicesListed
)
Emit = Callable[[Update], Awaitable[None] | None]
T = TypeVar("T")


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
    #: One engine: no fleet of clients (engine.fleet_watch.FleetWatcher has them).
    clients: dict[str, ClientFacts] | None = None

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        coalesce: float = COALESCE_SECONDS,
        backoff: tuple[float, ...] = BACKOFF,
        retry: float = RETRY_SECONDS,
        kernel_refresh: float = KERNEL_REFRESH_SECONDS,
    ) -> None:
        self.endpoint = endpoint
        self.coalesce = coalesce
        self.backoff = backoff
        self.retry = retry
        self.kernel_refresh = kernel_refresh
        self.label = endpoint.describe()
        self.client = client_facts(endpoint, os.environ)
        self.counts = WatchCounts()
        self._api: EngineGateway | None = None
        self._failures = 0  # consecutive sessions that ended without connecting
        # Each known container's health check, to recognise its runs.
        self._containers: dict[str, Container] = {}
        #: Exec sessions already judged, or older than the snapshot (Podman's `exec`).
        self._execs_seen: set[str] = set()

    async def run(self, emit: Emit) -> None:
        """Run until cancelled; every update goes through `emit`. An
        exception `emit` raises ends the run with that exception: it is a bug
        of the caller, not a lost engine, and reconnecting would repeat it."""
        self._failures = 0
        while True:
            refused = False
            try:
                await self._session(emit)
                reason = "The engine closed the event stream."
            except _EmitFailed as failed:
                raise failed.error from None
            except EngineError as err:
                reason, refused = str(err), err.refused
            except (aiohttp.ClientError, EngineRefused, OSError, ValueError) as err:
                reason = f"Lost the engine: {err}."
            delay = self.backoff[min(self._failures, len(self.backoff) - 1)]
            self._failures += 1
            await deliver(emit, Disconnected(reason, delay, refused))
            await asyncio.sleep(delay)

    async def _session(self, emit: Emit) -> None:
        client = await EngineGateway.open(self.endpoint)
        self._api = client
        try:
            async with client.stream("events", {"since": f"{time.time():.3f}"}) as response:
                # Subscribed: events from now on wait in the socket while we list.
                inventory = await collect(client)
                self.counts.container_inspects += len(inventory.containers)
                self.counts.inspected.update(c.id for c in inventory.containers)
                self._failures = 0  # back to the shortest wait once we were connected
                self._containers = {c.id: c for c in inventory.containers}
                self._execs_seen = {
                    str(e) for c in inventory.containers for e in c.raw.get("ExecIDs") or []
                }
                await _emit(emit, Connected(inventory.engine, inventory.containers))
                if is_manager(inventory.engine):
                    await _emit(emit, ServicesListed(inventory.engine, inventory.services))
                await self._follow(client, response, emit)
        finally:
            self._api = None
            await client.close()

    async def _follow(
        self, client: EngineGateway, response: aiohttp.ClientResponse, emit: Emit
    ) -> None:
        # Container id -> the engine time of the latest event naming it.
        pending: dict[str, float] = {}
        failed: dict[str, int] = {}  # container id -> re-inspects that failed in a row
        # Destroyed while their inspect was in flight: the late answer (e.g.
        # state "removing") must not bring the container back.
        destroyed: set[str] = set()
        inflight: set[str] = set()  # being inspected now
        flush: asyncio.Task[None] | None = None
        reader = asyncio.current_task()
        last_flush = -BUSY_SECONDS  # loop time of the latest re-inspect

        async def flush_later() -> None:
            # Loop: events that arrive while a batch is being inspected add to
            # `pending` without starting a new task, so they are flushed here.
            nonlocal last_flush
            loop = asyncio.get_running_loop()
            busy = loop.time() - last_flush < BUSY_SECONDS
            wait = max(self.coalesce, BUSY_COALESCE_SECONDS) if busy else self.coalesce
            while pending:
                await asyncio.sleep(wait)
                last_flush = loop.time()
                batch = dict(pending)
                pending.clear()
                destroyed.clear()
                inflight.update(batch)
                self.counts.container_inspects += len(batch)
                self.counts.inspected.update(batch)
                try:
                    results = await inspect_batch(client, batch)
                finally:
                    inflight.clear()
                wait = max(self.coalesce, BUSY_COALESCE_SECONDS)  # busy now
                for (container_id, when), result in zip(batch.items(), results, strict=True):
                    if container_id in destroyed:
                        continue  # ContainerRemoved already sent
                    if isinstance(result, EngineError | EngineRefused | aiohttp.ClientError):
                        # Transient (the engine busy, or going away: then the
                        # stream ends too). Keep the id for another try.
                        failed[container_id] = tries = failed.get(container_id, 0) + 1
                        if tries < RETRIES:
                            pending[container_id] = max(when, pending.get(container_id, 0.0))
                            wait = self.retry
                        continue
                    failed.pop(container_id, None)
                    if isinstance(result, BaseException):
                        raise result
                    elif result is None:
                        self._containers.pop(container_id, None)
                        self.counts.inspected.pop(container_id, None)
                        await _emit(emit, ContainerRemoved(container_id))
                    else:
                        self._containers[container_id] = result
                        await _emit(emit, ContainerChanged(result, when))

        def flushed(task: asyncio.Task[None]) -> None:
            # A flush that failed (a bug, or the console's callback) must not
            # be lost: stop reading, and `_follow` raises it below.
            if not task.cancelled() and task.exception() is not None and reader is not None:
                reader.cancel()

        refresher = asyncio.create_task(self._refresh_kernel(client, emit))
        refresher.add_done_callback(flushed)  # a failure stops the reading, as a flush's
        swarm_news = asyncio.Event()
        relister = asyncio.create_task(self._relist_services(client, swarm_news, emit))
        relister.add_done_callback(flushed)
        try:
            async for line in response.content:
                if not line.strip():
                    continue
                self.counts.events += 1
                event = parse_event(json.loads(line))
                if event.type != "container" or not event.actor_id:
                    await _emit(emit, event)
                    if event.type in SWARM_EVENTS:
                        swarm_news.set()
                    continue
                action, _, detail = event.action.partition(": ")
                if action in SILENT_ACTIONS or is_lock(event.attributes):
                    continue  # bookkeeping, or a fix taking or releasing its lock
                if action == "exec_create":
                    await self._exec(client, event, detail, emit)
                    continue
                if action == PODMAN_EXEC and "execID" not in event.attributes:
                    await self._podman_execs(client, event, emit)
                    continue
                await _emit(emit, event)
                if action in QUIET_ACTIONS:
                    continue
                if action == "health_status" and event.actor_id not in inflight:
                    # The event says it all: the console updates the row. Only
                    # an inspect already on its way may answer the status from
                    # before; then one more follows it.
                    continue
                if action == "destroy":
                    pending.pop(event.actor_id, None)
                    failed.pop(event.actor_id, None)
                    destroyed.add(event.actor_id)
                    self._containers.pop(event.actor_id, None)
                    self.counts.inspected.pop(event.actor_id, None)
                    await _emit(emit, ContainerRemoved(event.actor_id))
                    continue
                failed.pop(event.actor_id, None)  # a new event: a fresh set of tries
                pending[event.actor_id] = max(event.time, pending.get(event.actor_id, 0.0))
                if flush is None or flush.done():
                    flush = asyncio.create_task(flush_later())
                    flush.add_done_callback(flushed)
        except asyncio.CancelledError:
            failed_tasks = [t for t in (flush, refresher, relister)
                            if t is not None and t.done() and not t.cancelled() and t.exception()]  # fmt: skip
            if not failed_tasks:
                raise
        finally:
            for job in (refresher, relister):
                job.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await job
            if flush is not None and not flush.done():
                flush.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await flush
        for task in (flush, refresher, relister):
            if task is not None and task.done() and not task.cancelled():
                failure = task.exception()
                if failure is not None:
                    raise failure

    async def _relist_services(
        self, client: EngineGateway, news: asyncio.Event, emit: Emit
    ) -> None:
        """After service or node events (a burst waits `coalesce` and costs
        one listing), a manager's services again, as `ServicesListed`. The
        swarm facts come from a fresh /info (the engine may have left, or
        joined, a swarm meanwhile); the rest of `engine` is /info's alone."""
        while True:
            await news.wait()
            await asyncio.sleep(self.coalesce)
            news.clear()
            engine = engine_from_api(await client.info(), {}, None)
            read = await read_swarm(client, engine.swarm)
            engine = replace(engine, swarm=read.swarm)
            self.counts.service_lists += 1
            await _emit(emit, ServicesListed(engine, read.services))

    async def _refresh_kernel(self, client: EngineGateway, emit: Emit) -> None:
        """Every KERNEL_REFRESH_SECONDS, the kernel's view of the running
        containers again (local engines only); a container whose view changed
        is emitted as changed, with no request to the engine."""
        while True:
            await asyncio.sleep(self.kernel_refresh)
            live = [c for c in self._containers.values() if c.state in LIVE]
            if not any(isinstance(c.kernel, InEffect) for c in live):
                continue  # nothing here was ever read from /proc (remote, simulated)
            try:
                read = await read_local(client, [c.id for c in live])
            except OSError:
                continue  # /proc itself unreadable for a moment: try at the next turn
            for old in live:
                if old.id not in read.commands or self._containers.get(old.id) is not old:
                    continue  # not read here (no request is made), or re-inspected meanwhile
                new = await completed(client, read, old)
                if new != old:
                    self._containers[new.id] = new
                    await _emit(emit, ContainerChanged(new))

    async def _podman_execs(self, client: EngineGateway, event: EngineEvent, emit: Emit) -> None:
        """Podman's `exec` event: the sessions are the container's ExecIDs
        not seen before, each judged as an exec_create would be."""
        self.counts.container_inspects += 1
        try:
            doc = await client.inspect_container(event.actor_id)
        except EngineRefused:
            return
        for exec_id in (doc or {}).get("ExecIDs") or []:
            if exec_id in self._execs_seen:
                continue
            self._execs_seen.add(exec_id)
            self.counts.exec_inspects += 1
            try:
                found = await client.exec_inspect(exec_id)
            except EngineRefused:
                continue
            if found is not None:
                command = command_text(exec_from_inspect(found).command)
                named = replace(event, attributes={**event.attributes, "execID": exec_id})
                await self._exec(client, named, command, emit)

    async def _exec(
        self, client: EngineGateway, event: EngineEvent, command: str, emit: Emit
    ) -> None:
        """An exec_create: every session is inspected once (who runs it,
        privileged or not). A run of the container's own health check (its
        command, as the engine runs it: the container's user, unprivileged,
        no terminal) is dropped; any other session is emitted as
        `ExecStarted`. The command alone cannot tell them apart: anyone can
        `docker exec --privileged` the health check's words."""
        exec_id = event.attributes.get("execID", "")
        if not exec_id:
            return
        container = self._containers.get(event.actor_id)
        if container is None:
            # Not seen yet (its first re-inspect still on its way): its health
            # check is needed to judge the exec, and the console needs its
            # report to judge the exec against.
            self.counts.container_inspects += 1
            try:
                container = await inspect_container(client, event.actor_id, processes=False)
            except EngineRefused:
                container = None
            if container is not None:
                self._containers[container.id] = container
                # The console judges an exec against its container's report:
                # without this, an exec into a container created a moment ago
                # (before its re-inspect) would have no owner and no alert.
                await _emit(emit, ContainerChanged(container, event.time))
        health = container is not None and is_healthcheck(command, container)
        self.counts.exec_inspects += 1
        try:
            doc = await client.exec_inspect(exec_id)
        except EngineRefused:
            doc = None  # judged from the event instead
        if doc is None:
            if health:
                return  # gone already, as a health run's `true` often is
            session = exec_from_event(exec_id, event.actor_id, command)
        else:
            session = exec_from_inspect(doc)
            if health and container is not None and is_health_run(session, container):
                self.counts.health_runs += 1
                return
        await _emit(emit, ExecStarted(session, event.time))


async def deliver(emit: Callable[[T], Awaitable[None] | None], update: T) -> None:
    """Hand `update` to a callback that may be a plain function or a coroutine
    function (the console's, a test's, the fleet watcher's tagging one)."""
    result = emit(update)
    if asyncio.iscoroutine(result):
        await result


async def _emit(emit: Emit, update: Update) -> None:
    """`deliver` inside a session: whatever the callback raises is marked as
    the callback's, so no I/O handler takes it for the engine's."""
    try:
        await deliver(emit, update)
    except Exception as err:
        raise _EmitFailed(err) from err

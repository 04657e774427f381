"""Collect the inventory: engine facts, every container (all=1), inspected
concurrently with a bound, and process lists for running containers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from dockertui.audit.secrets import masker
from dockertui.engine.concurrency import together
from dockertui.engine.daemon_proc import read_settings, with_settings
from dockertui.engine.errors import EngineRefused
from dockertui.engine.gateway import EngineGateway
from dockertui.engine.kernel_facts import FleetRead, read_fleet
from dockertui.engine.procfs import SharedWalk
from dockertui.engine.swarm import read_swarm
from dockertui.model import (
    Container,
    EngineInfo,
    container_from_inspect,
    engine_from_api,
    is_lock,
)
from dockertui.model.kernel import InEffect, Unverifiable
from dockertui.model.service import Service

INSPECT_CONCURRENCY = 16
#: The states whose processes exist to be read (a paused one's are frozen).
LIVE = ("running", "paused")

#: Called after each container is read: (done, total).
Progress = Callable[[int, int], None]
#: Called with each container as soon as it is complete, and the engine.
Ready = Callable[[Container, EngineInfo], None]


@dataclass(frozen=True)
class Inventory:
    engine: EngineInfo
    containers: tuple[Container, ...]
    skipped: tuple[str, ...] = field(default=())  # ids removed between list and inspect
    services: tuple[Service, ...] = ()  # a swarm manager's (engine/swarm.py)


#: The filters of `GET /containers/json` (as `docker ps --filter`), with the
#: values an engine accepts where they are a fixed set. The engine matches
#: the others (names as a pattern, ids and images by prefix, ...).
FILTER_VALUES: dict[str, tuple[str, ...] | None] = {
    "name": None,
    "label": None,
    "status": ("created", "restarting", "running", "removing", "paused", "exited", "dead"),
    "id": None,
    "ancestor": None,
    "health": ("starting", "healthy", "unhealthy", "none"),
    "exited": None,
    "network": None,
    "volume": None,
    "publish": None,
    "expose": None,
    "before": None,
    "since": None,
    "is-task": ("true", "false"),
    "isolation": ("default", "process", "hyperv"),
}


def api_filters(filters: Iterable[str]) -> dict[str, list[str]]:
    """Turn ["name=web", "label=env=prod"] into the Engine API's filter map.

    Raises ValueError with one sentence for an unknown key, a missing value
    or a value the engine would refuse."""
    parsed: dict[str, list[str]] = {}
    for item in filters:
        key, sep, value = item.partition("=")
        key, value = key.strip().lower(), value.strip()
        if key not in FILTER_VALUES:
            raise ValueError(
                f"Unsupported filter {item!r}: use KEY=VALUE with KEY one of "
                f"{', '.join(FILTER_VALUES)} (as docker ps --filter)."
            )
        if not sep or not value:
            raise ValueError(f"The filter {item!r} needs a value after {key}=.")
        allowed = FILTER_VALUES[key]
        if allowed is not None and value.lower() not in allowed:
            raise ValueError(f"The filter {item!r} takes one of {', '.join(allowed)} after {key}=.")
        if key == "exited" and not value.lstrip("-").isdigit():
            raise ValueError(f"The filter {item!r} takes an exit code (a number) after exited=.")
        parsed.setdefault(key, []).append(value.lower() if allowed else value)
    return parsed


async def read_engine(client: EngineGateway) -> EngineInfo:
    """GET /info, /version and /networks/bridge (absent on Podman: None)."""

    async def bridge() -> dict[str, Any] | None:
        try:
            return await client.inspect_network("bridge")
        except EngineRefused:
            return None

    async with together() as group:
        info = group.create_task(client.info())
        version = group.create_task(client.version())
        bridge_doc = group.create_task(bridge())
        daemon = group.create_task(read_settings(client.endpoint.socket_path))
    engine = engine_from_api(info.result(), version.result(), bridge_doc.result())
    return with_settings(engine, daemon.result(), client.endpoint.transport)


async def inspect_container(
    client: EngineGateway, container_id: str, *, processes: bool = True
) -> Container | None:
    """Inspect one container (and, when running, its processes and what the
    kernel enforces for it); None if it is gone."""
    doc = await client.inspect_container(container_id)
    if doc is None or is_lock((doc.get("Config") or {}).get("Labels")):
        return None
    container = container_from_inspect(doc)
    if not processes:
        return container
    read = await read_local(client, [container.id] if container.state in LIVE else [])
    return await completed(client, read, container)


async def inspect_batch(
    client: EngineGateway, container_ids: Iterable[str]
) -> list[Container | BaseException | None]:
    """Inspect several containers at once, as `inspect_container` does one,
    but with one /proc pass for all of them (the console's re-inspects).
    Each result is the container, None when it is gone, or what its inspect
    raised: one failure leaves the others."""
    ids = list(container_ids)
    found = await asyncio.gather(
        *(inspect_container(client, i, processes=False) for i in ids), return_exceptions=True
    )
    running = [c.id for c in found if isinstance(c, Container) and c.state in LIVE]
    read = await read_local(client, running)

    done = await asyncio.gather(
        *(completed(client, read, c) for c in found if isinstance(c, Container)),
        return_exceptions=True,
    )
    finished = iter(done)
    return [next(finished) if isinstance(c, Container) else c for c in found]


async def read_local(
    client: EngineGateway, running: list[str], walk: SharedWalk | None = None
) -> FleetRead:
    """One pass over this host's /proc (in a thread) for a local engine;
    `walk`: shared with the passes of other engines scanned at once."""
    if client.endpoint.transport != "unix" or not running:
        return FleetRead()
    return await asyncio.to_thread(read_fleet, running, walk=walk)


async def completed(
    client: EngineGateway,
    read: FleetRead,
    c: Container,
    gate: asyncio.Semaphore | None = None,
) -> Container:
    """`c` with its processes (from the /proc pass `read`, else GET /top
    under `gate`) and what the kernel enforces for it. Its secrets are masked
    in every command line here, once, before anything can show them."""
    if c.state in LIVE and read.facts and c.id not in read.facts:
        # Started after the pass that read the others (which proves this
        # host shows the engine's processes): read it on its own.
        read = await read_local(client, [c.id])
    commands: tuple[str, ...] | None = None
    if c.state in LIVE:
        commands = read.commands.get(c.id)
        if commands is None:
            async with gate or contextlib.nullcontext():
                commands = await read_processes(client, c.id)
    kernel = kernel_of(client, read, c)
    hide = masker(c)
    if commands is not None:
        commands = tuple(hide(command) for command in commands)
    if isinstance(kernel, InEffect):
        pid1 = replace(kernel.pid1, command=hide(kernel.pid1.command))
        rest = tuple(replace(p, command=hide(p.command)) for p in kernel.processes[1:])
        kernel = replace(kernel, pid1=pid1, processes=(pid1, *rest))
    return replace(c, processes=commands, kernel=kernel)


def kernel_of(client: EngineGateway, read: FleetRead, c: Container) -> InEffect | Unverifiable:
    """What the kernel enforces for `c`, or why that is not known here."""
    if c.state not in LIVE:
        return Unverifiable.NOT_RUNNING  # restarting: between two processes
    if client.endpoint.transport != "unix":
        return Unverifiable.REMOTE
    return read.facts.get(c.id, Unverifiable.NOT_VISIBLE)


async def read_processes(client: EngineGateway, container_id: str) -> tuple[str, ...] | None:
    """The command line of every process (GET /containers/{id}/top), or None."""
    try:
        top = await client.top(container_id)
    except EngineRefused:
        return None  # stopped or removed meanwhile, or the engine cannot list them
    if not isinstance(top, dict):
        return None  # Podman answers an empty body for a container still starting
    return commands_from_top(top)


def commands_from_top(top: dict[str, Any]) -> tuple[str, ...]:
    """The command column of a /top answer. Docker gives one title per column;
    Podman gives one title and one string per row ("PID USER COMMAND")."""
    titles = [str(t) for t in top.get("Titles") or []]
    rows = [r for r in top.get("Processes") or [] if isinstance(r, list) and r]
    if len(titles) == 1 and len(titles[0].split()) > 1:
        titles = titles[0].split()
        rows = [str(r[0]).split(None, len(titles) - 1) for r in rows]
    column = next((i for i, t in enumerate(titles) if t in ("CMD", "COMMAND")), len(titles) - 1)
    return tuple(str(row[column]) for row in rows if len(row) > column)


async def collect(
    client: EngineGateway,
    *,
    filters: dict[str, list[str]] | None = None,
    processes: bool = True,
    concurrency: int = INSPECT_CONCURRENCY,
    progress: Progress | None = None,
    on_container: Ready | None = None,
    walk: SharedWalk | None = None,
) -> Inventory:
    """Read the engine and every matching container.

    Process lists (the sshd check) come from the local /proc when the engine
    runs on this host and its containers' processes are visible there (one
    pass, right after the list), and from GET /top otherwise, under the same
    bound as the inspects. Each container is complete (inspected, with its
    processes) when `on_container` is called with it, while the others are
    still being read: a caller can audit it in the time spent waiting.
    `walk`: the /proc walk shared with other engines scanned at the same time."""
    async with together() as group:
        reading = group.create_task(read_engine(client))
        listing = group.create_task(client.list_containers(filters=filters))
    engine, listed = reading.result(), listing.result()
    entries = [e for e in listed if "Id" in e and not is_lock(e.get("Labels"))]
    ids = [str(e["Id"]) for e in entries]
    running = [str(e["Id"]) for e in entries if e.get("State") in LIVE]
    # The /proc pass runs in a thread while the inspects wait on the engine.
    local = asyncio.ensure_future(
        read_local(client, running if processes else [], walk), loop=asyncio.get_running_loop()
    )
    gate = asyncio.Semaphore(concurrency)
    done = 0

    async def here() -> EngineInfo:
        """The engine, with its host once the /proc pass shows it runs here."""
        nonlocal engine
        read = await local
        if read.host is not None and engine.host is None:
            engine = replace(engine, host=read.host)
        return engine

    async def one(container_id: str) -> Container | None:
        nonlocal done
        async with gate:
            container = await inspect_container(client, container_id, processes=False)
        if processes and container is not None:
            await here()
            container = await completed(client, local.result(), container, gate)
        done += 1
        if progress:
            progress(done, len(ids))
        if on_container and container is not None:
            on_container(container, engine)
        return container

    try:
        async with together() as group:
            swarm = group.create_task(read_swarm(client, engine.swarm))
            tasks = [group.create_task(one(i)) for i in ids]
    except BaseException:
        local.cancel()  # the inspects failed: the /proc pass is not wanted
        raise
    results = [task.result() for task in tasks]
    found = tuple(c for c in results if c is not None)
    skipped = tuple(i for i, c in zip(ids, results, strict=True) if c is None)
    await here()
    read = swarm.result()
    engine = replace(engine, swarm=read.swarm)
    return Inventory(engine=engine, containers=found, skipped=skipped, services=read.services)

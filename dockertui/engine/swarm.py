"""Read a swarm manager's services, nodes and overlay networks.

Only a manager (/info Swarm.ControlAvailable) can list them: on any other
engine nothing is asked. A manager that stops being one between /info and
these requests refuses them (503); then the swarm is left as /info said it
and no service is listed."""

from __future__ import annotations

from dataclasses import dataclass

from dockertui.engine.concurrency import together
from dockertui.engine.errors import EngineRefused
from dockertui.engine.gateway import EngineGateway
from dockertui.model import EngineInfo
from dockertui.model.service import Service, service_from_api
from dockertui.model.swarm import Swarm, with_listing


@dataclass(frozen=True)
class SwarmRead:
    swarm: Swarm | None  # with its nodes and networks when they were listed
    services: tuple[Service, ...] = ()


def is_manager(engine: EngineInfo) -> bool:
    return engine.swarm is not None and engine.swarm.manager


async def read_swarm(client: EngineGateway, swarm: Swarm | None) -> SwarmRead:
    """The services, nodes and overlay networks, when `swarm` (as /info
    gave it: None outside a swarm) says the engine is a manager."""
    if swarm is None or not swarm.manager:
        return SwarmRead(swarm)
    try:
        async with together() as group:
            services = group.create_task(client.list_services())
            nodes = group.create_task(client.list_nodes())
            networks = group.create_task(client.list_networks(filters={"driver": ["overlay"]}))
    except EngineRefused:
        return SwarmRead(swarm)
    return SwarmRead(
        with_listing(swarm, nodes.result(), networks.result()),
        tuple(service_from_api(doc) for doc in services.result()),
    )

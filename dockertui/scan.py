"""The headless scan: resolve the endpoint, collect the inventory, audit it.

Shared by `dockertui scan` and the benchmarks; knows no output format."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from dockertui.audit import FleetReport, audit_fleet
from dockertui.engine.endpoint import Endpoint
from dockertui.engine.gateway import CONNECT_TIMEOUT, EngineGateway, client_facts
from dockertui.engine.inventory import Progress, api_filters, collect


async def scan(
    endpoint: Endpoint,
    *,
    filters: Sequence[str] = (),
    processes: bool = True,
    progress: Progress | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = CONNECT_TIMEOUT,
) -> FleetReport:
    """Scan every container the endpoint lists (all states), plus the engine.

    Raises EngineError (cannot reach the engine), ValueError (bad filter) or
    EngineRefused (the engine refused a request)."""
    wanted = api_filters(filters)
    client = await EngineGateway.open(endpoint, timeout=timeout)
    try:
        inventory = await collect(client, filters=wanted, processes=processes, progress=progress)
    finally:
        await client.close()
    facts = client_facts(endpoint, os.environ if env is None else env)
    return audit_fleet(inventory.engine, facts, inventory.containers, inventory.skipped)

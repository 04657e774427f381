"""The headless scan: resolve the endpoint, collect the inventory, audit it.

Used by `dockertui scan` (cli/scan.py) and tests/integration/test_effective_caps.py;
the benchmarks run `dockertui scan` as a subprocess. Knows no output format."""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from dockertui.engine.endpoint import Endpoint
from dockertui.engine.gateway import CONNECT_TIMEOUT, EngineGateway, client_facts
from dockertui.engine.inventory import Progress, api_filters, collect
from dockertui.model import Container, EngineInfo

if TYPE_CHECKING:
    from dockertui.audit import ContainerReport, Finding, FleetReport


def _load_checks_meanwhile() -> threading.Thread:
    """Import the audit (the registry and every check: a tenth of a second
    of a cold start) on a thread, while this one waits for the engine's
    first answers; the first audit then finds it loaded, or waits for it
    (Python's import lock)."""
    loader = threading.Thread(
        target=importlib.import_module, args=("dockertui.audit",), daemon=True
    )
    loader.start()
    return loader


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
    reports: dict[str, ContainerReport] = {}
    loader = _load_checks_meanwhile()

    def audit(container: Container, engine: EngineInfo) -> None:
        # Audited as it arrives, while the engine answers the other inspects.
        from dockertui.audit import audit_container

        reports[container.id] = audit_container(container, engine)

    client = await EngineGateway.open(endpoint, timeout=timeout)
    try:
        inventory = await collect(
            client, filters=wanted, processes=processes, progress=progress, on_container=audit
        )
    finally:
        await client.close()
    loader.join()
    from dockertui.audit import audit_fleet
    from dockertui.audit.runner import sort_worst_first

    facts = client_facts(endpoint, os.environ if env is None else env)
    fleet = audit_fleet(inventory.engine, facts, (), inventory.skipped)
    audited = (reports[c.id] for c in inventory.containers)
    return replace(fleet, containers=tuple(sort_worst_first(audited)))


def fail_on_findings(fleet: FleetReport, *, include_engine: bool) -> Iterator[Finding]:
    """The findings `--fail-on` judges: those of every scanned container (the
    ones `--filter` selected), and the engine's when `include_engine`."""
    if include_engine:
        yield from fleet.engine_findings
    for report in fleet.containers:
        yield from report.findings


def pick_containers(fleet: FleetReport, refs: Iterable[str]) -> frozenset[str]:
    """The ids of the scanned containers that `refs` name, each by its name
    or a unique id prefix, as docker does. Raises LookupError with one
    sentence for a name that matches none, or a prefix that matches several."""
    ids: set[str] = set()
    for ref in refs:
        wanted = ref.strip().removeprefix("/")
        by_name = [r for r in fleet.containers if r.container.name == wanted]
        found = by_name or [
            r for r in fleet.containers if wanted and r.container.id.startswith(wanted)
        ]
        if len(found) > 1:
            raise LookupError(
                f"The id prefix {ref!r} matches {len(found)} scanned containers; "
                "give more of the id, or the name."
            )
        if not found:
            raise LookupError(
                f"No scanned container is named {ref!r} or has an id starting with it "
                f"({len(fleet.containers)} scanned); check the name, and that --filter "
                "selects it."
            )
        ids.add(found[0].container.id)
    return frozenset(ids)

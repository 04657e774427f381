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

from dockertui.engine.concurrency import together
from dockertui.engine.endpoint import Endpoint
from dockertui.engine.gateway import CONNECT_TIMEOUT, EngineGateway, client_facts
from dockertui.engine.inventory import Progress, api_filters, collect
from dockertui.engine.procfs import SharedWalk
from dockertui.model import Container, EngineInfo

if TYPE_CHECKING:
    from dockertui.audit import ContainerReport, Finding, FleetReport
    from dockertui.audit.several import EngineScan, SeveralScan


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
    loader = _load_checks_meanwhile()
    return await _scan_one(
        endpoint, wanted, processes, progress, os.environ if env is None else env, timeout, loader
    )


async def scan_engines(
    endpoints: Sequence[Endpoint],
    *,
    filters: Sequence[str] = (),
    processes: bool = True,
    progress: Progress | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = CONNECT_TIMEOUT,
) -> SeveralScan:
    """Scan several engines at once, each on its own connection with its own
    `timeout`: one that is slow or gone delays no other beyond that, and its
    failure is its one sentence in the result, not an exception. `progress`
    sees the engines' containers added up. Raises ValueError (bad filter).

    The local engines' /proc passes share one walk over every process's
    cgroup file (procfs.SharedWalk: some 4 ms for 170 processes, 40 ms for
    900, measured here), which each pass would otherwise make again; a pass
    walks again only for the containers that walk did not find, so no
    engine waits for another's container list."""
    from dockertui.audit.several import EngineScan, SeveralScan
    from dockertui.engine.errors import EngineError, EngineRefused, describe_refusal

    wanted = api_filters(filters)
    loader = _load_checks_meanwhile()
    env = os.environ if env is None else env
    walk = SharedWalk()
    counted: dict[int, tuple[int, int]] = {}

    def counter(i: int) -> Progress | None:
        if progress is None:
            return None

        def update(done: int, total: int) -> None:
            counted[i] = (done, total)
            progress(sum(d for d, _ in counted.values()), sum(t for _, t in counted.values()))

        return update

    async def one(i: int, endpoint: Endpoint) -> EngineScan:
        facts = client_facts(endpoint, env)
        try:
            report = await _scan_one(
                endpoint, wanted, processes, counter(i), env, timeout, loader, walk
            )
        except EngineError as err:
            return EngineScan(facts, error=str(err))
        except EngineRefused as err:
            return EngineScan(facts, error=describe_refusal(endpoint, err))
        return EngineScan(facts, report)

    async with together() as group:
        tasks = [group.create_task(one(i, e)) for i, e in enumerate(endpoints)]
    return SeveralScan(tuple(task.result() for task in tasks))


def unusable_contexts(
    insecure: bool, env: Mapping[str, str] | None = None
) -> tuple[EngineScan, ...]:
    """With --all-contexts, the contexts of the store that cannot be used (a
    meta.json that does not parse, missing TLS files, an unsupported
    address), which `resolve_endpoints` leaves out: each as an engine not
    read, with its sentence, so the report says which were not scanned."""
    from dockertui.audit.several import EngineScan
    from dockertui.engine.contexts import list_contexts, skipped_contexts
    from dockertui.model import ClientFacts

    entries = list_contexts(env)
    hosts = {e.name: e.host for e in entries}
    return tuple(
        EngineScan(ClientFacts(endpoint=hosts[name], context=name, name=name), error=why)
        for name, why in skipped_contexts(insecure, entries).items()
    )


async def _scan_one(
    endpoint: Endpoint,
    wanted: dict[str, list[str]],
    processes: bool,
    progress: Progress | None,
    env: Mapping[str, str],
    timeout: float,
    loader: threading.Thread,
    walk: SharedWalk | None = None,
) -> FleetReport:
    reports: dict[str, ContainerReport] = {}

    def audit(container: Container, engine: EngineInfo) -> None:
        # Audited as it arrives, while the engine answers the other inspects.
        from dockertui.audit import audit_container

        reports[container.id] = audit_container(container, engine)

    client = await EngineGateway.open(endpoint, timeout=timeout)
    try:
        inventory = await collect(
            client,
            filters=wanted,
            processes=processes,
            progress=progress,
            on_container=audit,
            walk=walk,
        )
    finally:
        await client.close()
    loader.join()
    from dockertui.audit import audit_fleet
    from dockertui.audit.runner import sort_worst_first
    from dockertui.audit.service import audit_services

    facts = client_facts(endpoint, env)
    fleet = audit_fleet(inventory.engine, facts, (), inventory.skipped)
    audited = (reports[c.id] for c in inventory.containers)
    services = audit_services(inventory.services, inventory.engine)
    return replace(fleet, containers=tuple(sort_worst_first(audited)), services=services)


def fail_on_findings(fleet: FleetReport, *, include_engine: bool) -> Iterator[Finding]:
    """The findings `--fail-on` judges: those of every scanned container (the
    ones `--filter` selected) and swarm service, and the engine's when
    `include_engine`."""
    if include_engine:
        yield from fleet.engine_findings
    for report in fleet.containers:
        yield from report.findings
    for service in fleet.services:
        yield from service.findings


def fail_on_several(scan: SeveralScan, *, include_engine: bool) -> Iterator[Finding]:
    """`fail_on_findings` over every engine that was read."""
    for fleet in scan.read:
        yield from fail_on_findings(fleet, include_engine=include_engine)


def _matching(fleet: FleetReport, wanted: str) -> list[ContainerReport]:
    """The scanned containers named `wanted`, else those whose id starts with it."""
    by_name = [r for r in fleet.containers if r.container.name == wanted]
    return by_name or [r for r in fleet.containers if wanted and r.container.id.startswith(wanted)]


def pick_containers(fleet: FleetReport, refs: Iterable[str]) -> frozenset[str]:
    """The ids of the scanned containers that `refs` name, each by its name
    or a unique id prefix, as docker does. Raises LookupError with one
    sentence for a name that matches none, or a prefix that matches several."""
    ids: set[str] = set()
    for ref in refs:
        found = _matching(fleet, ref.strip().removeprefix("/"))
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


def pick_several(scan: SeveralScan, refs: Iterable[str]) -> dict[str, frozenset[str]]:
    """By engine name, the ids of the scanned containers `refs` name: each
    ENGINE/NAME (or ENGINE/ID-PREFIX), or a bare name or prefix that exactly
    one engine has. Container names hold no slash, so ENGINE is everything
    before the last one (`/run/b.sock/web`). Raises LookupError, one
    sentence: an unknown engine, no match, or a match on several engines."""
    engines = {e.name: e for e in scan.engines}
    ids: dict[str, set[str]] = {}
    for ref in refs:
        wanted = ref.strip()
        engine, _, name = wanted.rpartition("/")
        if engine:
            if engine not in engines:
                raise LookupError(
                    f"No engine of this scan is named {engine!r} (in --container {ref!r}); "
                    f"the engines are {', '.join(map(repr, engines))}."
                )
            chosen = engines[engine].report
            if chosen is None:
                raise LookupError(
                    f"The engine {engine!r} (in --container {ref!r}) could not be read, "
                    "so it has no container to show."
                )
            fleets = [chosen]
        else:
            fleets = list(scan.read)
        hits = [(fleet, _matching(fleet, name)) for fleet in fleets]
        hits = [(fleet, found) for fleet, found in hits if found]
        if len(hits) > 1:
            where = ", ".join(repr(fleet.client.name) for fleet, _ in hits)
            first = hits[0][0].client.name
            raise LookupError(
                f"The container {ref!r} is on {len(hits)} engines ({where}); "
                f"name the engine too, e.g. --container {first}/{name}."
            )
        if not hits:
            raise LookupError(
                f"No scanned container is named {name!r} or has an id starting with it on "
                f"{'the engine ' + repr(engine) if engine else 'any engine read'}; "
                "check the name, and that --filter selects it."
            )
        fleet, found = hits[0]
        if len(found) > 1:
            raise LookupError(
                f"The id prefix {name!r} matches {len(found)} containers on the engine "
                f"{fleet.client.name!r}; give more of the id, or the name."
            )
        ids.setdefault(fleet.client.name, set()).add(found[0].container.id)
    return {engine: frozenset(found) for engine, found in ids.items()}

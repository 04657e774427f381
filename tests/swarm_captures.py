"""The captured single-node swarm (tests/fixtures/swarm, written by
scripts/capture_swarm_fixtures.py) as the model and the audit see it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from dockertui.audit.service import ServiceReport, audit_services
from dockertui.model import EngineInfo, engine_from_api
from dockertui.model.service import Service, service_from_api
from dockertui.model.swarm import with_listing

SWARM = Path(__file__).resolve().parent / "fixtures" / "swarm"


def captured(name: str) -> Any:
    return json.loads((SWARM / name).read_text())


def engine(*, listed: bool = True) -> EngineInfo:
    """The manager, from its /info; with its /nodes and overlay /networks
    when `listed`, as the inventory reads them."""
    found = engine_from_api(captured("info.json"), {}, None)
    assert found.swarm is not None
    if not listed:
        return found
    swarm = with_listing(found.swarm, captured("nodes.json"), captured("networks.json"))
    return replace(found, swarm=swarm)


def services() -> dict[str, Service]:
    return {s.name: s for s in map(service_from_api, captured("services.json"))}


def reports() -> dict[str, ServiceReport]:
    return {r.service.name: r for r in audit_services(services().values(), engine())}

"""The stable JSON report (schema dockertui.scan/1; documented in the README)."""

from __future__ import annotations

import json
from typing import Any

from dockertui.audit import ContainerReport, Finding, FleetReport
from dockertui.audit.several import EngineScan, SeveralScan
from dockertui.audit.severity import WORST_FIRST
from dockertui.model import EngineInfo
from dockertui.model.settings import engine_settings
from dockertui.report.in_effect_json import in_effect_dict
from dockertui.report.services import swarm_fields

SCHEMA = "dockertui.scan/1"


def container_dict(report: ContainerReport, engine: EngineInfo) -> dict[str, Any]:
    c = report.container
    return {
        "id": c.id,
        "name": c.name,
        "image": c.image,
        "state": c.state,
        "user": report.user,
        "effective_capabilities": sorted(report.effective_capabilities),
        "score": report.score,
        "grade": report.grade,
        "findings": [f.to_dict() for f in report.findings],
        "in_effect": in_effect_dict(c, engine),
    }


_INFERRED = (
    "dockerd's descriptors are not readable here: the dockerd was inferred from its command "
    "line (the one naming this socket, or the only one naming no other), not verified to hold it"
)


def settings_dict(engine: EngineInfo) -> dict[str, Any]:
    """dockerd's settings, each with its value and source (docs/json.md)."""
    daemon = engine.daemon
    return {
        "verified": daemon is not None and daemon.verified,
        "how": daemon.identified.value if daemon else None,
        "reason": engine.daemon_unread or (_INFERRED if daemon and not daemon.verified else ""),
        "dockerd_pid": daemon.pid if daemon else None,
        "config_file": daemon.config.path if daemon else None,
        "config_file_exists": daemon.config.text is not None if daemon else None,
        "notes": list(daemon.notes) if daemon else [],
        "values": {
            s.key: {
                "value": list(s.value) if isinstance(s.value, tuple) else s.value,
                "source": s.source.value,
                "origin": s.origin,
            }
            for s in engine_settings(engine)
        },
    }


def engine_finding_dict(finding: Finding) -> dict[str, Any]:
    """A finding of the engine: its fix also carries `diff`, the exact
    daemon.json (or command-line) change ("" where none could be made)."""
    found = finding.to_dict()
    found["fix"]["diff"] = finding.fix.diff
    return found


def fleet_dict(fleet: FleetReport, *, engine_counts: bool = True) -> dict[str, Any]:
    """`engine_counts` False (a --filter without --include-engine): the
    summary counts the selected containers' findings only, as --fail-on
    judges them and the table's total shows them."""
    engine = fleet.engine
    counts = fleet.by_severity(include_engine=engine_counts)
    return {
        "schema": SCHEMA,
        "engine": {
            "endpoint": fleet.client.endpoint,
            "context": fleet.client.context,
            "name": engine.name,
            "version": engine.version,
            "api_version": engine.api_version,
            "os": engine.os,
            "kernel": engine.kernel,
            "flavor": engine.flavor,
            "rootless": engine.rootless,
            "userns": engine.userns,
            "security_options": list(engine.security_options),
            "settings": settings_dict(engine),
            **swarm_fields(fleet),  # a swarm manager's services (report/services.py)
        },
        "engine_findings": [engine_finding_dict(f) for f in fleet.engine_findings],
        # the engine checks that do not apply to it (Podman): neither passed nor failed
        "not_applicable": [n.to_dict() for n in fleet.not_applicable],
        "containers": [container_dict(r, engine) for r in fleet.containers],
        "summary": {
            "containers": len(fleet.containers),
            "by_severity": {s.value: counts.get(s, 0) for s in WORST_FIRST},
        },
    }


def engines_dict(scan: SeveralScan, *, engine_counts: bool = True) -> dict[str, Any]:
    """Several engines: under `engines`, each read engine's document as
    `fleet_dict` makes it for one (without `schema`), after its `name`; under
    `failed`, each engine that could not be read, with its sentence; the
    summary adds them up."""
    counts = scan.by_severity(include_engine=engine_counts)
    read = scan.read
    engines = []
    for fleet in read:
        document = fleet_dict(fleet, engine_counts=engine_counts)
        del document["schema"]
        engines.append({"name": fleet.client.name, **document})
    return {
        "schema": SCHEMA,
        "engines": engines,
        "failed": [failed_dict(e) for e in scan.failed],
        "summary": {
            "engines": len(scan.engines),
            "read": len(read),
            "containers": sum(len(fleet.containers) for fleet in read),
            "by_severity": {s.value: counts.get(s, 0) for s in WORST_FIRST},
        },
    }


def failed_dict(engine: EngineScan) -> dict[str, Any]:
    """An engine that could not be read: who it is, and why in one sentence."""
    client = engine.client
    return {
        "name": client.name,
        "endpoint": client.endpoint,
        "context": client.context,
        "error": engine.error,
    }


def render(fleet: FleetReport, *, pretty: bool = False, engine_counts: bool = True) -> str:
    """The report as one line of JSON, or indented when `pretty`. The same
    document either way; one line is several times faster to write, since
    any indent makes Python's json fall back to its pure-Python encoder."""
    return dumps(fleet_dict(fleet, engine_counts=engine_counts), pretty=pretty)


def render_engines(scan: SeveralScan, *, pretty: bool = False, engine_counts: bool = True) -> str:
    """The report of several engines (engines_dict), as `render` writes one's."""
    return dumps(engines_dict(scan, engine_counts=engine_counts), pretty=pretty)


def dumps(document: Any, *, pretty: bool) -> str:
    """`document` as JSON text with a final newline: indented by two spaces,
    or compact on one line (the C encoder)."""
    if pretty:
        return json.dumps(document, indent=2) + "\n"
    return json.dumps(document, separators=(",", ":")) + "\n"

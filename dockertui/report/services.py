"""A swarm manager's services in the scan's reports: the JSON objects (under
the engine object: `swarm` and `services`), the SARIF locations
(`service/<name>`, or `engine/<engine>/service/<name>` with several
engines) and the table's section. json_report, sarif and table call these
with one line each; nothing here is printed unescaped. Rich is imported by
the table's part only, so a JSON or SARIF scan never loads it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dockertui.audit import Finding, FleetReport
from dockertui.audit.service import ServiceReport
from dockertui.model.service import Service
from dockertui.model.swarm import Swarm

if TYPE_CHECKING:
    from rich.console import Console


def swarm_dict(swarm: Swarm | None) -> dict[str, Any] | None:
    """The engine's part in a swarm (null outside one)."""
    if swarm is None:
        return None
    ca = swarm.root_ca
    return {
        "state": swarm.state,
        "node_id": swarm.node_id,
        "manager": swarm.manager,
        "managers": swarm.managers,
        "nodes": swarm.nodes,
        "autolock": swarm.autolock,
        "node_cert_expiry_seconds": swarm.node_cert_expiry,
        "raft_snapshot_interval": swarm.snapshot_interval,
        "root_ca_not_after": ca.not_after.isoformat() if ca else None,
        "node_list": [
            {
                "id": n.id,
                "hostname": n.hostname,
                "role": n.role,
                "availability": n.availability,
                "state": n.state,
                "reachability": n.reachability,
                "leader": n.leader,
            }
            for n in swarm.node_list
        ],
        "networks": [
            {"id": n.id, "name": n.name, "encrypted": n.encrypted, "ingress": n.ingress}
            for n in swarm.networks
        ],
    }


def template_dict(s: Service, networks: dict[str, str]) -> dict[str, Any]:
    """The task template's security settings. Secrets and configs by name only."""
    return {
        "user": s.user,
        "cap_add": list(s.cap_add),
        "cap_drop": list(s.cap_drop),
        "privileges": {
            "credential_spec": s.credential_spec,
            "selinux_disabled": s.selinux_disabled,
            "selinux_label": s.selinux_label,
            "seccomp": s.seccomp,
            "apparmor": s.apparmor,
            "no_new_privileges": s.no_new_privileges,
        },
        "read_only": s.read_only,
        "init": s.init,
        "mounts": [
            {"type": m.type, "source": m.source, "target": m.target, "read_only": m.read_only}
            for m in s.mounts
        ],
        "ports": [
            {
                "published": p.published,
                "target": p.target,
                "protocol": p.protocol,
                "mode": p.mode.value,
            }
            for p in s.ports
        ],
        "secrets": list(s.secrets),
        "configs": list(s.configs),
        "networks": [networks.get(n, n) for n in s.networks],
        "sysctls": dict(s.sysctls),
        "limits": {"memory": s.memory_limit, "nano_cpus": s.nano_cpus, "pids": s.pids_limit},
    }


def service_dict(report: ServiceReport, networks: dict[str, str]) -> dict[str, Any]:
    s = report.service
    return {
        "id": s.id,
        "name": s.name,
        "mode": s.mode.value,
        "replicas": s.replicas,
        "image": s.image,
        "user": report.user,
        "effective_capabilities": sorted(report.effective_capabilities),
        "score": report.score,
        "grade": report.grade,
        "template": template_dict(s, networks),
        "findings": [f.to_dict() for f in report.findings],
    }


def swarm_fields(fleet: FleetReport) -> dict[str, Any]:
    """`swarm` and `services` for the JSON report's engine object."""
    swarm = fleet.engine.swarm
    names = {n.id: n.name for n in swarm.networks} if swarm else {}
    return {
        "swarm": swarm_dict(swarm),
        "services": [service_dict(r, names) for r in fleet.services],
    }


def sarif_locations(
    fleet: FleetReport, inside: str, named: dict[str, str]
) -> Iterator[tuple[Finding, str, dict[str, Any], str]]:
    """(finding, location, properties, name) for every service finding;
    `inside` is what the engine's container locations start with."""
    for report in fleet.services:
        s = report.service
        extra = {"service_id": s.id, "image": s.image, "mode": s.mode.value, **named}
        for finding in report.findings:
            yield finding, f"{inside}service/{s.name}", extra, s.name


def render_services(fleet: FleetReport, console: Console, *, verbose: bool = False) -> None:
    """The services section of the table: nothing when there are none; a
    summary line per service, or (`verbose`) every finding of each."""
    if not fleet.services:
        return
    # Rich only here: the JSON and SARIF reports (scan --format json) never load it.
    from rich.console import Group
    from rich.padding import Padding
    from rich.rule import Rule
    from rich.text import Text

    from dockertui.report.table import SummaryRow, _counts, _findings, _grade, _summary_table, _top
    from dockertui.text import printable  # which imports Rich too

    console.print()
    console.print(Rule(f"Services ({len(fleet.services)}, on this swarm manager)", align="left"))
    if not verbose:
        rows = [
            SummaryRow(
                grade=r.grade,
                worst=top.severity if (top := _top(r.findings)) else None,
                counts=_counts(r.findings),
                name=r.service.name,
                state=r.service.mode_text,
                top=top,
            )
            for r in fleet.services
        ]
        console.print(_summary_table(rows, console.width), no_wrap=True, overflow="ellipsis")
        console.print(
            "Fixes are docker service update commands, shown, never run: -v lists them.",
            style="dim",
            highlight=False,
        )
        return
    for r in fleet.services:
        s = r.service
        head = Text()
        head.append_text(_grade(r.grade))
        head.append(f" {printable(s.name)}", style="bold")
        head.append(f"  {printable(s.image)}  {printable(s.mode_text)}  score {r.score}")
        head.append(f"  user {printable(r.user)}")
        console.print(Group(head, Padding(Group(*_findings(r.findings, True)), (0, 0, 1, 2))))

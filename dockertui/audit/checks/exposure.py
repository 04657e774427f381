"""Network exposure: published ports and networks (CIS 5.8, 5.9, 5.14, 5.30)."""

from __future__ import annotations

from dockertui.audit.checks._util import name_arg
from dockertui.audit.finding import FixKind
from dockertui.audit.ports import exposures
from dockertui.audit.registry import NOT_APPLICABLE, PASS, Hit, Outcome, container_check, fail
from dockertui.audit.severity import Severity
from dockertui.model import Container, EngineInfo


@container_check(
    "port-all-interfaces",
    cis="5.14",
    severity=Severity.MEDIUM,
    title="Publishes ports on every interface",
    why="A port published without an address listens on every interface of the host, "
    "public ones included, and Docker's own firewall rules let the traffic past ufw or "
    "firewalld.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create publishing on 127.0.0.1 (or the one interface that should serve it).",
    section="exposure",
)
def port_all_interfaces(c: Container, engine: EngineInfo) -> Outcome:
    return [
        Hit(
            f"{p.describe()} listens on all interfaces.",
            command=f"-p 127.0.0.1:{p.host_port or p.container_port}:{p.container_port}/{p.protocol}",
        )
        for p in exposures(c)
        if p.all_interfaces
    ]


@container_check(
    "port-privileged",
    cis="5.8",
    severity=Severity.LOW,
    title="Publishes a privileged host port",
    why="Host ports below 1024 are reserved for services root started; mapping one to a "
    "container blurs which service owns a well-known port.",
    fix=FixKind.RECREATE,
    fix_summary="Publish on a host port of 1024 or above and put a proxy in front if needed.",
    section="exposure",
)
def port_privileged(c: Container, engine: EngineInfo) -> Outcome:
    return [
        Hit(
            f"Host port {p.host_port} ({p.describe()}).",
            command=f"-p {p.bind_prefix}8{p.host_port:0>3}:{p.container_port}/{p.protocol}",
        )
        for p in exposures(c)
        if p.privileged_host_port
    ]


@container_check(
    "port-published",
    cis="5.9",
    severity=Severity.INFO,
    title="Publishes ports",
    why="Every published port is a way in from outside the host; keep the list to the "
    "ports the service must answer on.",
    fix=FixKind.NONE,
    fix_summary="Review that each published port is needed.",
    section="exposure",
)
def port_published(c: Container, engine: EngineInfo) -> Outcome:
    if c.host_network:
        return fail("Host networking: every port it listens on is open on the host.")
    published = exposures(c)
    if not published:
        return PASS
    return fail("Published: " + ", ".join(p.describe() for p in published) + ".")


@container_check(
    "default-bridge",
    cis="5.30",
    severity=Severity.INFO,
    title="On the default bridge network",
    why="Containers on the default bridge can reach each other on every port unless the "
    "daemon runs with icc off; user-defined networks keep unrelated services apart.",
    fix=FixKind.UPDATE,
    fix_summary="Connect it to a user-defined network with only the containers it talks to, "
    "then disconnect it from the default bridge; both work live, without a restart.",
    section="exposure",
)
def default_bridge(c: Container, engine: EngineInfo) -> Outcome:
    if c.host_network or c.network_mode in ("none",) or c.network_mode.startswith("container:"):
        return NOT_APPLICABLE
    names = {n.name for n in c.networks}
    if "bridge" in names or (not names and c.network_mode in ("default", "bridge")):
        return fail(
            "Attached to the default bridge.",
            command=f"docker network connect <app-net> {name_arg(c)} && "
            f"docker network disconnect bridge {name_arg(c)}",
        )
    return PASS

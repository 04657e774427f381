"""Network exposure: published ports and networks (CIS 5.8, 5.9, 5.14, 5.30)."""

from __future__ import annotations

from dockertui.audit.checks._util import name_arg
from dockertui.audit.finding import FixKind
from dockertui.audit.identity import EngineMode, engine_mode
from dockertui.audit.in_effect import unverifiable
from dockertui.audit.ports import (
    Exposure,
    exposures,
    host_network_listeners,
    interfaces_text,
    listening_behind,
    reached_interfaces,
)
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
            f"{p.describe()} listens on all interfaces{_reach(p, engine)}.{_bypass(engine)}",
            command=f"-p 127.0.0.1:{p.host_port or p.container_port}:{p.container_port}/{p.protocol}",
        )
        for p in exposures(c)
        if p.all_interfaces
    ]


def _reach(p: Exposure, engine: EngineInfo) -> str:
    reached = reached_interfaces(p, engine.host)
    return f" of the host: {interfaces_text(reached)}" if reached else ""


def _bypass(engine: EngineInfo) -> str:
    """The host firewalls whose rules Docker's published ports go around:
    Docker's own iptables rules forward them first. Not so on a rootless
    engine (its port driver listens on the host like any program) or with
    "iptables": false (no rules of Docker's at all)."""
    walls = [f.value for f in engine.host.firewalls] if engine.host else []
    iptables = engine.daemon.setting("iptables").value if engine.daemon else True
    if not walls or engine_mode(engine) is EngineMode.ROOTLESS or iptables is False:
        return ""
    return (
        f" {' and '.join(walls)} {'is' if len(walls) == 1 else 'are'} active on this host, "
        "and Docker's published ports go around its rules (they are forwarded before them)."
    )


def _behind(p: Exposure, c: Container) -> str:
    """What really answers on a published port, as the kernel shows it."""
    found = listening_behind(p, c)
    if found is None:
        return ""
    if not found:
        return f" (nothing listens on {p.container_port}/{p.protocol} inside, verified)"
    reachable = [s for s in found if not s.loopback]
    if not reachable:
        return (
            f" (inside it listens on {', '.join(s.describe() for s in found)} only, "
            "which the port cannot reach: verified)"
        )
    text = ", ".join(s.describe() for s in reachable)
    wide = any(s.all_interfaces for s in reachable)
    networks = [f"{n.name} {n.ip}" for n in c.networks if n.ip]
    if wide and networks and not p.all_interfaces:
        return (
            f" (inside it listens on {text}, verified: beyond {p.address}, every container "
            f"and the host reach it directly on {', '.join(networks)})"
        )
    return f" (inside it listens on {text}, verified)"


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
    return fail("Published: " + ", ".join(p.describe() + _behind(p, c) for p in published) + ".")


@container_check(
    "host-network-listening",
    cis="5.9",
    severity=Severity.MEDIUM,
    title="Listens on the host's interfaces through host networking",
    why="A container on the host's network needs no published port: every socket it opens "
    "on 0.0.0.0 is open on each of the host's interfaces, public ones included, and no "
    "docker ps column shows it.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create on a user-defined network publishing only the ports it must "
    "serve, or make the service listen on 127.0.0.1.",
    section="exposure",
)
def host_network_listening(c: Container, engine: EngineInfo) -> Outcome:
    if not c.host_network or unverifiable(c) is not None:
        return NOT_APPLICABLE  # not on the host's network, or its sockets are not known here
    found = host_network_listeners(c)
    hits = []
    for s in found:
        reached = interfaces_text(engine.host.reached_by(s.address)) if engine.host else ""
        where = "every host interface" if s.all_interfaces else f"the host's {s.address}"
        hits.append(
            Hit(
                f"Listens on {s.describe()} in the host's network (verified), with no port "
                f"published: open on {where}" + (f" ({reached})." if reached else "."),
                command=f"remove --network=host, then -p 127.0.0.1:{s.port}:{s.port}/"
                f"{s.protocol.value}",
            )
        )
    return hits or NOT_APPLICABLE  # no points for quiet sockets: it scores as stopped


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

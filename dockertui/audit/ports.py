"""Published ports as exposures: one per way in, however the engine reports it.

A running container publishing `-p 80:80` is listed by Docker twice, bound on
0.0.0.0 and on [::]; its configuration (HostConfig.PortBindings) holds one
binding with no address. Both mean one port open on every interface, so the
checks, the panel and the table count exposures, not bindings: a running and
a stopped copy of one container score the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from dockertui.model import Container, PortBinding
from dockertui.model.kernel import HostInterface, HostView, InEffect, Listener


@dataclass(frozen=True)
class Exposure:
    """One published port: a container port and protocol reachable on a host
    port, on every interface or on the addresses in `host_ips`."""

    container_port: str
    protocol: str
    host_port: str  # "" when the engine picks one at start
    all_interfaces: bool
    host_ips: tuple[str, ...]  # as reported; "" stands for every interface

    @property
    def address(self) -> str:
        """The address to show: 0.0.0.0 for every interface (IPv4 and IPv6),
        [::] for every IPv6 interface only, else the one it is bound to."""
        ips = [ip.strip("[]") for ip in self.host_ips]
        if self.all_interfaces:
            return "[::]" if ips and all(ip == "::" for ip in ips) else "0.0.0.0"
        ip = ips[0] if ips else ""
        return f"[{ip}]" if ":" in ip else ip

    @property
    def privileged_host_port(self) -> bool:
        """A host port below 1024 (ports only root may normally bind)."""
        return self.host_port.isdecimal() and 0 < int(self.host_port) < 1024

    @property
    def loopback(self) -> bool:
        return not self.all_interfaces and all(
            ip.startswith("127.") or ip.strip("[]") == "::1" for ip in self.host_ips
        )

    def describe(self) -> str:
        host = self.host_port or "(random)"
        return f"{self.address}:{host}->{self.container_port}/{self.protocol}"

    @property
    def bind_prefix(self) -> str:
        """The address part of a `-p` flag: "" for every interface, else "<address>:"."""
        return "" if self.all_interfaces else f"{self.address}:"


def _key(p: PortBinding) -> tuple[str, str, str, str]:
    where = "" if p.all_interfaces else p.host_ip.strip("[]")
    return (p.container_port, p.protocol, p.host_port, where)


def exposures(c: Container) -> tuple[Exposure, ...]:
    """The container's published ports, one per (container port, protocol,
    host port, interface), in the order the engine listed them."""
    return _exposures(c.ports) if c.ports else ()


@lru_cache(maxsize=4096)
def _exposures(ports: tuple[PortBinding, ...]) -> tuple[Exposure, ...]:
    grouped: dict[tuple[str, str, str, str], list[str]] = {}
    for p in ports:
        grouped.setdefault(_key(p), []).append(p.host_ip)
    return tuple(
        Exposure(
            container_port=port,
            protocol=protocol,
            host_port=host_port,
            all_interfaces=not where,
            host_ips=tuple(dict.fromkeys(ips)),
        )
        for (port, protocol, host_port, where), ips in grouped.items()
    )


def listening_behind(e: Exposure, c: Container) -> tuple[Listener, ...] | None:
    """What listens inside the container on a published port (None when the
    kernel's view is not known here). A socket on the container's loopback
    only cannot be reached through the port."""
    if not isinstance(c.kernel, InEffect):
        return None
    protocol = e.protocol.lower()
    return tuple(
        s
        for s in c.kernel.listeners
        if str(s.port) == e.container_port and s.protocol.value == protocol
    )


def reached_interfaces(e: Exposure, host: HostView | None) -> tuple[HostInterface, ...]:
    """The host interfaces a published port is open on, when the host is known."""
    if host is None:
        return ()
    if e.all_interfaces:
        return host.reachable
    wanted = {ip.strip("[]") for ip in e.host_ips}
    return tuple(i for i in host.interfaces if i.address in wanted)


def host_network_listeners(c: Container) -> tuple[Listener, ...]:
    """The sockets a host-network container holds open beyond loopback: each
    is open on the host's own interfaces, published or not."""
    k = c.kernel
    if not c.host_network or not isinstance(k, InEffect):
        return ()
    return tuple(s for s in k.listeners if not s.loopback)


def interfaces_text(interfaces: tuple[HostInterface, ...]) -> str:
    return ", ".join(f"{i.name} {i.address}" for i in interfaces)

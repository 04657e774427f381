"""The network part of `docker run`: the primary network with its endpoint
settings, ports, DNS and hosts, and one `docker network connect` per
further network.

Pure code. The Docker CLI 20.10 takes one `--network`, so a container on
several networks is rendered as `docker run ... && docker network connect
... NET NAME` for each of the others. Aliases the engine adds by itself
(the container's short id and its hostname, on user-defined networks) are
left out: the engine adds them again for the copy.

Not expressible with CLI 20.10: driver options of the primary endpoint (no
flag before CLI 25), and a published port that is not also exposed (`-p`
always exposes it).
"""

from __future__ import annotations

from typing import Any

from dockertui.fixes.run_format import flag, flags, quote
from dockertui.model import Container, PortBinding
from dockertui.model._json import obj, string_map, strings, text

#: Network modes that leave the container on the engine's default network.
_DEFAULT_NETWORK_MODES = ("", "default")
#: Modes that come with no endpoint of their own to configure or connect.
_NO_ENDPOINTS = ("host", "none")


def port_spec(p: PortBinding) -> str:
    """`[ip:][host:]container/proto`, the short syntax `docker run -p` and
    compose's `ports:` share."""
    ip = p.host_ip
    if ":" in ip and not ip.startswith("["):
        ip = f"[{ip}]"
    target = f"{p.container_port}/{p.protocol}"
    if ip:
        return f"{ip}:{p.host_port}:{target}"
    if p.host_port:
        return f"{p.host_port}:{target}"
    return target


def port_flag(p: PortBinding) -> str:
    """`-p [ip:][host:]container/proto` for one published port."""
    return flag("-p", port_spec(p))


def published(c: Container) -> tuple[PortBinding, ...]:
    """The configured port bindings (a running container lists each `-p`
    once per address family in NetworkSettings); older engines may only say
    what is bound."""
    return c.port_bindings or (() if c.publish_all_ports else c.ports)


def port_flags(c: Container) -> list[str]:
    found = [port_flag(p) for p in published(c)]
    if c.publish_all_ports:
        found.append("-P")
    return found


def exposed_only(c: Container) -> list[str]:
    """Config.ExposedPorts that no `-p` covers (`-p` exposes its port itself)."""
    bound = {f"{p.container_port}/{p.protocol}" for p in c.port_bindings}
    return [port for port in obj(c.raw, "Config", "ExposedPorts") if port not in bound]


# --- networks -----------------------------------------------------------------------------


def _endpoints(c: Container) -> dict[str, dict[str, Any]]:
    nets = obj(c.raw, "NetworkSettings", "Networks")
    return {name: ep for name, ep in nets.items() if isinstance(ep, dict)}


def primary_network(c: Container) -> str:
    """The endpoint `--network` configures: the one HostConfig.NetworkMode
    names (by name or id), the default bridge for the default mode, else ""."""
    mode = c.network_mode
    endpoints = _endpoints(c)
    wanted = "bridge" if mode in _DEFAULT_NETWORK_MODES else mode
    if wanted in endpoints:
        return wanted
    for name, ep in endpoints.items():
        if wanted and text(ep, "NetworkID").startswith(wanted):
            return name
    if mode in (*_DEFAULT_NETWORK_MODES, "bridge") and endpoints:
        return next(iter(endpoints))  # Podman: mode "bridge" is its network "podman"
    return ""


def extra_networks(c: Container) -> list[str]:
    """The networks beyond the primary one, each joined with `docker network connect`."""
    if c.network_mode in _NO_ENDPOINTS or c.network_mode.startswith("container:"):
        return []
    primary = primary_network(c)
    return [name for name in _endpoints(c) if name != primary]


def endpoint_aliases(c: Container, endpoint: dict[str, Any]) -> list[str]:
    """The endpoint's aliases minus those the engine adds on its own (the
    container's short id and its hostname)."""
    automatic = {c.short_id, text(obj(c.raw, "Config"), "Hostname")}
    found: list[str] = []
    for alias in strings(endpoint, "Aliases") or ():
        if alias not in automatic and alias not in found:
            found.append(alias)
    return found


def static_addresses(endpoint: dict[str, Any]) -> tuple[str, str, list[str]]:
    """(IPv4, IPv6, link-local addresses) asked for in the endpoint's IPAMConfig."""
    ipam = obj(endpoint, "IPAMConfig")
    return (
        text(ipam, "IPv4Address"),
        text(ipam, "IPv6Address"),
        strings(ipam, "LinkLocalIPs") or [],
    )


def _endpoint_flags(c: Container, endpoint: dict[str, Any], alias_flag: str) -> list[str]:
    ipv4, ipv6, link_local = static_addresses(endpoint)
    found = [flag("--ip", ipv4)] if ipv4 else []
    if ipv6:
        found.append(flag("--ip6", ipv6))
    found += flags("--link-local-ip", link_local)
    found += flags(alias_flag, endpoint_aliases(c, endpoint))
    found += flags("--link", strings(endpoint, "Links") or ())
    return found


def legacy_links(c: Container) -> list[str]:
    """HostConfig.Links ("/db:/web/alias") as `--link` takes them ("db:alias")."""
    found = []
    for link in strings(obj(c.raw, "HostConfig"), "Links") or ():
        target, _, alias = link.partition(":")
        name = target.lstrip("/")
        alias = alias.rsplit("/", 1)[-1]
        found.append(f"{name}:{alias}" if alias and alias != name else name)
    return found


def network_flags(c: Container) -> list[str]:
    """`--network` and the primary endpoint's addresses, aliases and links,
    the legacy links and the MAC address."""
    found = [] if c.network_mode in _DEFAULT_NETWORK_MODES else [flag("--network", c.network_mode)]
    primary = primary_network(c)
    if primary and c.network_mode not in _NO_ENDPOINTS:
        found += _endpoint_flags(c, _endpoints(c)[primary], "--network-alias")
    have = {f for f in found if f.startswith("--link ")}
    found += [f for f in flags("--link", legacy_links(c)) if f not in have]
    mac = text(obj(c.raw, "Config"), "MacAddress")
    if mac:
        found.append(flag("--mac-address", mac))
    return found


def dns_flags(c: Container) -> list[str]:
    """`--dns`, `--dns-search`, `--dns-option` and `--add-host`."""
    host = obj(c.raw, "HostConfig")
    return (
        flags("--dns", strings(host, "Dns") or ())
        + flags("--dns-search", strings(host, "DnsSearch") or ())
        + flags("--dns-option", strings(host, "DnsOptions") or ())
        + flags("--add-host", strings(host, "ExtraHosts") or ())
    )


def connect_commands(c: Container, name: str) -> list[str]:
    """`docker network connect [options] NET NAME` for each further network."""
    commands = []
    for net in extra_networks(c):
        endpoint = _endpoints(c)[net]
        options = _endpoint_flags(c, endpoint, "--alias")
        options += [
            flag("--driver-opt", f"{k}={v}") for k, v in string_map(endpoint, "DriverOpts").items()
        ]
        commands.append(" ".join(["docker network connect", *options, quote(net), quote(name)]))
    return commands

"""Pure readings of inspect documents that the executor needs: the create
body a re-create starts from (anonymous volumes by name, networks with their
aliases), who depends on a container, health windows, restart policies.
No engine access here: every function takes the documents it reads."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

from dockertui.fixes.plan import CapPreset, FixPlan, Options
from dockertui.fixes.run_format import ulimit_name

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEALTH_DEFAULT_NS = 30_000_000_000

# --- the create body (pure) ------------------------------------------------------------------


def anonymous_volumes(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The container's anonymous volumes: Mounts of Type volume whose Name is
    a 64-hex id and that no HostConfig.Binds entry names already."""
    binds = (doc.get("HostConfig") or {}).get("Binds") or []
    named = {b.split(":", 1)[0] for b in binds if isinstance(b, str)}
    return [
        m
        for m in doc.get("Mounts") or []
        if isinstance(m, dict)
        and m.get("Type") == "volume"
        and _HEX64.match(str(m.get("Name") or ""))
        and m["Name"] not in named
    ]


def endpoint_config(network: Mapping[str, Any], old_short_id: str) -> dict[str, Any]:
    """What a network attachment keeps across a re-create: IPAMConfig (static
    IPs), Aliases minus the old short id, Links, DriverOpts."""
    kept: dict[str, Any] = {}
    if network.get("IPAMConfig"):
        kept["IPAMConfig"] = copy.deepcopy(network["IPAMConfig"])
    aliases = [a for a in network.get("Aliases") or [] if a != old_short_id]
    if aliases:
        kept["Aliases"] = aliases
    if network.get("Links"):
        kept["Links"] = list(network["Links"])
    if network.get("DriverOpts"):
        kept["DriverOpts"] = dict(network["DriverOpts"])
    return kept


def primary_network(mode: str, networks: Mapping[str, Any]) -> str | None:
    if mode in ("", "default"):
        mode = "bridge"
    if mode in networks:
        return mode
    for name, net in networks.items():  # NetworkMode may hold the network's id
        if isinstance(net, dict) and str(net.get("NetworkID") or "").startswith(mode):
            return name
    return sorted(networks)[0] if networks else None


def create_body(
    doc: Mapping[str, Any], *, image: str | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(POST /containers/create body, {network: EndpointConfig} to connect after
    create) for re-creating the container `doc` describes (a plan's document).

    `Config` as-is (without `Hostname` when it is the old short id, or when
    the network namespace is the host's or another container's), `image`
    instead of Config.Image when given; `HostConfig` as-is plus every
    anonymous volume re-mounted by its name (in its HostConfig.Mounts entry
    when it came from one, else as a `name:dest` bind), so its data follows;
    one network in NetworkingConfig and the others returned for connect."""
    old_short = str(doc.get("Id") or "")[:12]
    config = copy.deepcopy(dict(doc.get("Config") or {}))
    host = copy.deepcopy(dict(doc.get("HostConfig") or {}))
    mode = str(host.get("NetworkMode") or "")
    shared_netns = mode == "host" or mode.startswith("container:")
    if config.get("Hostname") == old_short or (shared_netns and "Hostname" in config):
        config.pop("Hostname", None)
    if image:
        config["Image"] = image

    binds = list(host.get("Binds") or [])
    mounts = [dict(m) for m in host.get("Mounts") or []]
    for anon in anonymous_volumes(doc):
        spec = next(
            (
                m
                for m in mounts
                if m.get("Type") == "volume" and m.get("Target") == anon.get("Destination")
            ),
            None,
        )
        if spec is not None:
            spec["Source"] = anon["Name"]
            continue
        suffix = "" if anon.get("RW", True) else ":ro"
        binds.append(f"{anon['Name']}:{anon['Destination']}{suffix}")
    if binds:
        host["Binds"] = binds
    if mounts:
        host["Mounts"] = mounts
    if host.get("Ulimits"):
        host["Ulimits"] = [
            {**u, "Name": ulimit_name(str(u.get("Name") or ""))}
            for u in host["Ulimits"]
            if isinstance(u, dict)
        ]

    body: dict[str, Any] = {**config, "HostConfig": host}
    extras: dict[str, dict[str, Any]] = {}
    networks = {
        name: net
        for name, net in ((doc.get("NetworkSettings") or {}).get("Networks") or {}).items()
        if isinstance(net, dict)
    }
    if not shared_netns and mode != "none":
        primary = primary_network(mode, networks)
        if primary is not None:
            body["NetworkingConfig"] = {
                "EndpointsConfig": {primary: endpoint_config(networks[primary], old_short)}
            }
            extras = {
                name: endpoint_config(net, old_short)
                for name, net in sorted(networks.items())
                if name != primary
            }
    return body, extras


def is_noop(fix: FixPlan) -> bool:
    """True when the plan changes nothing: no live value to send and the
    container's configuration is the same after every change."""
    before, after = fix.container.raw, fix.document
    return not fix.update_body and all(
        before.get(key) == after.get(key) for key in ("Config", "HostConfig")
    )


def options_from_dict(data: Mapping[str, Any]) -> Options:
    """Options back from a journal (JSON turned its tuples into lists)."""
    known: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v
        for k, v in data.items()
        if k in Options.__dataclass_fields__
    }
    if "cap_preset" in known:
        known["cap_preset"] = CapPreset(known["cap_preset"])
    return Options(**known)


def container_name(doc: Mapping[str, Any]) -> str:
    return str(doc.get("Name") or "").lstrip("/")


def restart_policy(doc: Mapping[str, Any]) -> dict[str, Any]:
    policy = (doc.get("HostConfig") or {}).get("RestartPolicy") or {}
    return {
        "Name": str(policy.get("Name") or ""),
        "MaximumRetryCount": int(policy.get("MaximumRetryCount") or 0),
    }


def has_healthcheck(doc: Mapping[str, Any]) -> bool:
    test = ((doc.get("Config") or {}).get("Healthcheck") or {}).get("Test") or []
    return bool(test) and test[0] != "NONE"


def health_limit(doc: Mapping[str, Any], window: float) -> float:
    """How long to wait for a first "healthy": the window, or one start
    period plus one interval and one probe timeout when that is longer."""
    check = (doc.get("Config") or {}).get("Healthcheck") or {}
    interval = (check.get("Interval") or _HEALTH_DEFAULT_NS) / 1e9
    timeout = (check.get("Timeout") or _HEALTH_DEFAULT_NS) / 1e9
    start = (check.get("StartPeriod") or 0) / 1e9
    return max(window, start + interval + timeout + 2.0)


def refers_to(ref: str, container_id: str, name: str) -> bool:
    ref = ref.strip().lstrip("/")
    return bool(ref) and (ref == name or container_id.startswith(ref))


def dependents(doc: Mapping[str, Any], others: Iterable[Mapping[str, Any]]) -> list[str]:
    """Names of the containers in `others` that depend on `doc`: its network,
    PID or IPC namespace (`container:<id>`), `--volumes-from` or `--link`
    (on the default bridge or on a user-defined network)."""
    cid, name = str(doc.get("Id") or ""), container_name(doc)
    found = []
    for other in others:
        if other.get("Id") == cid:
            continue
        host = other.get("HostConfig") or {}
        refs = [
            str(host.get(key) or "").removeprefix("container:")
            for key in ("NetworkMode", "PidMode", "IpcMode")
            if str(host.get(key) or "").startswith("container:")
        ]
        refs += [str(v).split(":", 1)[0] for v in host.get("VolumesFrom") or []]
        refs += [str(v).split(":", 1)[0] for v in host.get("Links") or []]
        networks = (other.get("NetworkSettings") or {}).get("Networks") or {}
        refs += [
            str(link).split(":", 1)[0]
            for net in networks.values()
            if isinstance(net, dict)
            for link in net.get("Links") or []
        ]
        if any(refers_to(ref, cid, name) for ref in refs):
            found.append(container_name(other))
    return sorted(found)

"""A container as a complete docker-compose service, and the YAML writer the
compose snippets share.

Pure code, the compose twin of `run_command`: the same settings (read from
the model and the inspect document), as compose keys. Named volumes and
user-defined networks already exist, so they are declared `external`.
Environment variables are listed by name only: compose takes the values
from the shell that runs it.

Not expressible in compose: `-P` (publish every exposed port),
`--security-opt systempaths=unconfined` (MaskedPaths: []) and GPU requests
(compose puts those under `deploy`).
"""

from __future__ import annotations

import json
from typing import Any

from dockertui.fixes.run_command import ENV_SKIPPED, unique_caps
from dockertui.fixes.run_format import docker_cpus, docker_size, go_duration
from dockertui.fixes.run_networks import (
    endpoint_aliases,
    exposed_only,
    extra_networks,
    legacy_links,
    port_spec,
    primary_network,
    published,
    static_addresses,
)
from dockertui.fixes.run_settings import DEFAULT_SHM, generated_hostname
from dockertui.fixes.run_storage import anonymous_volumes, binds, host_mounts
from dockertui.model import Container
from dockertui.model._json import integer, mappings, obj, string_map, strings, text

#: (HostConfig key, compose key) of the namespace modes.
_MODES = (("PidMode", "pid"), ("IpcMode", "ipc"), ("UTSMode", "uts"), ("UsernsMode", "userns_mode"))
#: Mode values that are the engine's default.
_DEFAULT_MODES = ("", "private")


class DataMap(dict[str, Any]):
    """A mapping whose keys are data (label, network, volume names): the YAML
    writer quotes them, where compose's own keys stay bare."""


def _put(keys: dict[str, Any], key: str, value: Any) -> None:
    """Set `key` unless `value` is empty (None, "", [], {}, False, 0)."""
    if value not in (None, "", [], {}, False, 0):
        keys[key] = value


def _process(c: Container) -> dict[str, Any]:
    config, host = obj(c.raw, "Config"), obj(c.raw, "HostConfig")
    keys: dict[str, Any] = {"image": c.image or c.image_id, "container_name": c.name}
    _put(keys, "entrypoint", strings(config, "Entrypoint"))
    _put(keys, "command", strings(config, "Cmd"))
    _put(keys, "user", c.user)
    _put(keys, "working_dir", text(config, "WorkingDir"))
    if not generated_hostname(c):
        keys["hostname"] = text(config, "Hostname")
    _put(keys, "domainname", text(config, "Domainname"))
    _put(keys, "labels", DataMap(c.labels))
    names = [v.name for v in c.env if v.name and v.name not in ENV_SKIPPED]
    _put(keys, "environment", list(dict.fromkeys(names)))
    _put(keys, "tty", config.get("Tty") is True)
    _put(keys, "stdin_open", config.get("OpenStdin") is True)
    if isinstance(host.get("Init"), bool):
        keys["init"] = host["Init"]
    _put(keys, "stop_signal", text(config, "StopSignal"))
    if isinstance(config.get("StopTimeout"), int):
        keys["stop_grace_period"] = go_duration(config["StopTimeout"] * 1_000_000_000)
    return keys


def _long_mount(m: dict[str, Any]) -> dict[str, Any]:
    """A HostConfig.Mounts entry in compose's long volume syntax."""
    kind = text(m, "Type") or "volume"
    entry: dict[str, Any] = {"type": kind}
    _put(entry, "source", text(m, "Source"))
    entry["target"] = text(m, "Target")
    _put(entry, "read_only", m.get("ReadOnly") is True)
    bind, volume, tmpfs = obj(m, "BindOptions"), obj(m, "VolumeOptions"), obj(m, "TmpfsOptions")
    if text(bind, "Propagation"):
        entry["bind"] = {"propagation": text(bind, "Propagation")}
    if volume.get("NoCopy") is True:
        entry["volume"] = {"nocopy": True}
    if integer(tmpfs, "SizeBytes") > 0:
        entry["tmpfs"] = {"size": integer(tmpfs, "SizeBytes")}
    return entry


def _storage(c: Container) -> dict[str, Any]:
    host = obj(c.raw, "HostConfig")
    volumes: list[Any] = list(binds(c))
    volumes += [f"{name}:{dest}" if name else dest for name, dest in anonymous_volumes(c)]
    volumes += [_long_mount(m) for m in host_mounts(c)]
    keys: dict[str, Any] = {}
    _put(keys, "volumes", volumes)
    _put(keys, "volumes_from", [f"container:{v}" for v in strings(host, "VolumesFrom") or ()])
    options = dict(c.tmpfs_options)
    _put(keys, "tmpfs", [f"{p}:{options[p]}" if options.get(p) else p for p in c.tmpfs])
    return keys


def _network_entry(c: Container, name: str) -> dict[str, Any]:
    endpoint = obj(c.raw, "NetworkSettings", "Networks", name)
    ipv4, ipv6, link_local = static_addresses(endpoint)
    entry: dict[str, Any] = {}
    _put(entry, "aliases", endpoint_aliases(c, endpoint))
    _put(entry, "ipv4_address", ipv4)
    _put(entry, "ipv6_address", ipv6)
    _put(entry, "link_local_ips", link_local)
    return entry


def _attached_networks(c: Container) -> list[str]:
    if c.network_mode in ("host", "none") or c.network_mode.startswith("container:"):
        return []
    primary = primary_network(c)
    return ([primary] if primary else []) + extra_networks(c)


def _networks(c: Container) -> dict[str, Any]:
    config, host = obj(c.raw, "Config"), obj(c.raw, "HostConfig")
    keys: dict[str, Any] = {}
    attached = _attached_networks(c)
    if not attached or attached == ["bridge"]:
        keys["network_mode"] = c.network_mode if c.network_mode not in ("", "default") else "bridge"
    else:
        keys["networks"] = DataMap({name: _network_entry(c, name) for name in attached})
    _put(keys, "mac_address", text(config, "MacAddress"))
    endpoint_links = [
        link
        for name in attached
        for link in strings(obj(c.raw, "NetworkSettings", "Networks", name), "Links") or ()
    ]
    _put(keys, "external_links", list(dict.fromkeys(legacy_links(c) + endpoint_links)))
    for key, name in (("Dns", "dns"), ("DnsSearch", "dns_search"), ("DnsOptions", "dns_opt")):
        _put(keys, name, strings(host, key))
    _put(keys, "extra_hosts", strings(host, "ExtraHosts"))
    _put(keys, "ports", [port_spec(p) for p in published(c)])
    _put(keys, "expose", exposed_only(c))
    return keys


def _isolation(c: Container) -> dict[str, Any]:
    host = obj(c.raw, "HostConfig")
    keys: dict[str, Any] = {}
    _put(keys, "privileged", c.privileged)
    _put(keys, "cap_add", unique_caps(c.cap_add))
    _put(keys, "cap_drop", unique_caps(c.cap_drop))
    _put(keys, "security_opt", list(c.security_opt))
    _put(keys, "read_only", c.readonly_rootfs)
    _put(keys, "group_add", strings(host, "GroupAdd"))
    for field, key in _MODES:
        if text(host, field) not in _DEFAULT_MODES:
            keys[key] = text(host, field)
    _put(keys, "cgroup", c.cgroupns_mode)
    _put(keys, "cgroup_parent", c.cgroup_parent)
    devices = [
        f"{d.host_path}:{d.container_path or d.host_path}"
        + (f":{d.permissions}" if d.permissions else "")
        for d in c.devices
    ]
    _put(keys, "devices", devices)
    _put(keys, "device_cgroup_rules", list(c.device_cgroup_rules))
    return keys


def _ulimits(host: dict[str, Any]) -> DataMap:
    found = DataMap()
    for u in mappings(host, "Ulimits"):
        name = text(u, "Name").lower().removeprefix("rlimit_")
        found[name] = {"soft": integer(u, "Soft"), "hard": integer(u, "Hard")}
    return found


def _resources(c: Container) -> dict[str, Any]:
    host = obj(c.raw, "HostConfig")
    keys: dict[str, Any] = {}
    _put(keys, "mem_limit", docker_size(c.memory) if c.memory > 0 else None)
    if c.memory_swap:
        keys["memswap_limit"] = -1 if c.memory_swap < 0 else docker_size(c.memory_swap)
    reservation = integer(host, "MemoryReservation")
    _put(keys, "mem_reservation", docker_size(reservation) if reservation > 0 else None)
    swappiness = host.get("MemorySwappiness")
    if isinstance(swappiness, int) and not isinstance(swappiness, bool) and swappiness >= 0:
        keys["mem_swappiness"] = swappiness
    _put(keys, "oom_kill_disable", host.get("OomKillDisable") is True)
    _put(keys, "oom_score_adj", integer(host, "OomScoreAdj"))
    _put(keys, "cpus", docker_cpus(c.nano_cpus) if c.nano_cpus > 0 else None)
    _put(keys, "cpu_shares", c.cpu_shares)
    _put(keys, "cpu_quota", c.cpu_quota)
    _put(keys, "cpu_period", c.cpu_period)
    _put(keys, "cpuset", text(host, "CpusetCpus"))
    _put(keys, "pids_limit", c.pids_limit if c.pids_limit and c.pids_limit > 0 else None)
    _put(keys, "ulimits", _ulimits(host))
    shm = integer(host, "ShmSize")
    _put(keys, "shm_size", docker_size(shm) if shm not in (0, DEFAULT_SHM) else None)
    _put(keys, "sysctls", DataMap(string_map(host, "Sysctls")))
    if text(host, "Runtime") not in ("", "runc", "oci"):
        keys["runtime"] = text(host, "Runtime")
    return keys


def _healthcheck(c: Container) -> dict[str, Any]:
    check = obj(c.raw, "Config", "Healthcheck")
    test = list(c.healthcheck or ())
    if test[:1] == ["NONE"]:
        return {"healthcheck": {"disable": True}}
    entry: dict[str, Any] = {}
    _put(entry, "test", test)
    for key, name in (
        ("Interval", "interval"),
        ("Timeout", "timeout"),
        ("StartPeriod", "start_period"),
    ):
        if integer(check, key) > 0:
            entry[name] = go_duration(integer(check, key))
    _put(entry, "retries", integer(check, "Retries"))
    return {"healthcheck": entry} if entry else {}


def _logging_and_restart(c: Container) -> dict[str, Any]:
    log = obj(c.raw, "HostConfig", "LogConfig")
    driver, options = text(log, "Type"), string_map(log, "Config")
    keys: dict[str, Any] = {}
    if options or driver not in ("", "json-file"):
        keys["logging"] = {"driver": driver or "json-file"}
        _put(keys["logging"], "options", DataMap(options))
    if c.restart_policy not in ("", "no"):
        retries = c.restart_max_retries
        keys["restart"] = (
            f"on-failure:{retries}"
            if c.restart_policy == "on-failure" and retries
            else c.restart_policy
        )
    return keys


def compose_service(c: Container) -> dict[str, Any]:
    """Every compose key that reproduces `c`'s configuration, in groups:
    process, storage, network, isolation, resources, health, logging."""
    return {
        **_process(c),
        **_storage(c),
        **_networks(c),
        **_isolation(c),
        **_resources(c),
        **_healthcheck(c),
        **_logging_and_restart(c),
    }


def compose_externals(c: Container) -> dict[str, Any]:
    """The top-level `volumes:` and `networks:` the service uses, all
    `external` (they exist already)."""
    volumes = [b.split(":", 1)[0] for b in binds(c) if not b.startswith("/")]
    volumes += [name for name, _ in anonymous_volumes(c) if name]
    volumes += [
        text(m, "Source")
        for m in host_mounts(c)
        if text(m, "Type") == "volume" and text(m, "Source")
    ]
    networks = list(_networks(c).get("networks", {}))
    top: dict[str, Any] = {}
    _put(top, "volumes", DataMap({v: {"external": True} for v in dict.fromkeys(volumes)}))
    _put(top, "networks", DataMap({n: {"external": True} for n in networks}))
    return top


# --- YAML ---------------------------------------------------------------------------------


def to_yaml(document: dict[str, Any]) -> str:
    """Block-style YAML with every scalar (and every data key) written by
    json.dumps, so no value can be read as YAML syntax."""
    return "\n".join(_mapping(document, 0))


def _mapping(mapping: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in mapping.items():
        name = json.dumps(key) if isinstance(mapping, DataMap) else key
        lines += _entry(f"{pad}{name}:", value, indent)
    return lines


def _entry(head: str, value: Any, indent: int) -> list[str]:
    if isinstance(value, dict):
        return [head, *_mapping(value, indent + 2)] if value else [f"{head} {{}}"]
    if isinstance(value, list):
        return [head, *_sequence(value, indent + 2)] if value else [f"{head} []"]
    return [f"{head} {json.dumps(value)}"]


def _sequence(items: list[Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for item in items:
        if isinstance(item, dict) and item:
            first, *rest = _mapping(item, indent + 2)
            lines += [f"{pad}- {first.lstrip()}", *rest]
        else:
            lines.append(f"{pad}- {json.dumps(item)}")
    return lines

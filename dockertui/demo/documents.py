"""The simulated engine's records rendered as the Engine API's documents,
in the shape Docker 20.10 gives them: GET /containers/{id}/json (every
HostConfig default filled in, NetworkSettings, State, Mounts, GraphDriver),
the entries of GET /containers/json, /top, /exec/{id}/json, images and
networks. Pure: the engine passes in what each document needs."""

from __future__ import annotations

import posixpath
import time
from collections.abc import Mapping, Sequence
from typing import Any

from dockertui.demo import facts
from dockertui.demo.records import Container, ExecSession, Image, Network, Status, hex_id

#: /proc paths the engine masks, and makes read-only, in an unprivileged container.
MASKED_PATHS = [
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
]
READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

#: HostConfig as dockerd stores it for `docker run -d` with no options.
HOST_DEFAULTS: dict[str, Any] = {
    "AutoRemove": False,
    "Binds": None,
    "BlkioDeviceReadBps": None,
    "BlkioDeviceReadIOps": None,
    "BlkioDeviceWriteBps": None,
    "BlkioDeviceWriteIOps": None,
    "BlkioWeight": 0,
    "BlkioWeightDevice": None,
    "CapAdd": None,
    "CapDrop": None,
    "Cgroup": "",
    "CgroupParent": "",
    "CgroupnsMode": "host",
    "ConsoleSize": [0, 0],
    "ContainerIDFile": "",
    "CpuCount": 0,
    "CpuPercent": 0,
    "CpuPeriod": 0,
    "CpuQuota": 0,
    "CpuRealtimePeriod": 0,
    "CpuRealtimeRuntime": 0,
    "CpuShares": 0,
    "CpusetCpus": "",
    "CpusetMems": "",
    "DeviceCgroupRules": None,
    "DeviceRequests": None,
    "Devices": None,
    "Dns": None,
    "DnsOptions": None,
    "DnsSearch": None,
    "ExtraHosts": None,
    "GroupAdd": None,
    "IOMaximumBandwidth": 0,
    "IOMaximumIOps": 0,
    "IpcMode": "private",
    "Isolation": "",
    "KernelMemory": 0,
    "KernelMemoryTCP": 0,
    "Links": None,
    "LogConfig": {"Config": {}, "Type": "json-file"},
    "MaskedPaths": None,
    "Memory": 0,
    "MemoryReservation": 0,
    "MemorySwap": 0,
    "MemorySwappiness": None,
    "NanoCpus": 0,
    "NetworkMode": "default",
    "OomKillDisable": False,
    "OomScoreAdj": 0,
    "PidMode": "",
    "PidsLimit": None,
    "PortBindings": None,
    "Privileged": False,
    "PublishAllPorts": False,
    "ReadonlyPaths": None,
    "ReadonlyRootfs": False,
    "RestartPolicy": {"MaximumRetryCount": 0, "Name": ""},
    "Runtime": "runc",
    "SecurityOpt": None,
    "ShmSize": 67108864,
    "UTSMode": "",
    "Ulimits": None,
    "UsernsMode": "",
    "VolumeDriver": "",
    "VolumesFrom": None,
}
_EMPTY_NULL = ("Binds", "CapAdd", "CapDrop", "Devices", "SecurityOpt", "Dns", "ExtraHosts")


def host_config(given: Mapping[str, Any] | None) -> dict[str, Any]:
    """HostConfig with the engine's defaults filled in, as dockerd stores it."""
    host = {**HOST_DEFAULTS, **{k: v for k, v in (given or {}).items() if v is not None}}
    for key in _EMPTY_NULL:
        if not host.get(key):
            host[key] = None
    if not host.get("PortBindings"):
        host["PortBindings"] = None
    if not host.get("IpcMode"):
        host["IpcMode"] = "private"
    if not host.get("NetworkMode"):
        host["NetworkMode"] = "default"
    log = dict(host.get("LogConfig") or {})
    host["LogConfig"] = {"Config": log.get("Config") or {}, "Type": log.get("Type") or "json-file"}
    policy = dict(host.get("RestartPolicy") or {})
    host["RestartPolicy"] = {
        "MaximumRetryCount": int(policy.get("MaximumRetryCount") or 0),
        "Name": str(policy.get("Name") or ""),
    }
    if host["ShmSize"] in (0, None):
        host["ShmSize"] = 67108864
    privileged = bool(host.get("Privileged"))
    unmasked = any(str(o) == "systempaths=unconfined" for o in host.get("SecurityOpt") or [])
    if privileged or unmasked:
        host["MaskedPaths"] = host["ReadonlyPaths"] = None
    else:
        if host.get("MaskedPaths") is None:
            host["MaskedPaths"] = list(MASKED_PATHS)
        if host.get("ReadonlyPaths") is None:
            host["ReadonlyPaths"] = list(READONLY_PATHS)
    return host


def _mac(address: str) -> str:
    return "02:42:" + ":".join(f"{int(part):02x}" for part in address.split("."))


def _prefix(subnet: str) -> int:
    return int(subnet.rpartition("/")[2] or 16)


def _endpoint(c: Container, attach_name: str, networks: Mapping[str, Network]) -> dict[str, Any]:
    attached = next(a for a in c.attachments if a.network == attach_name)
    network = networks.get(attach_name)
    live = c.running and bool(attached.endpoint_id)
    bridged = network is not None and network.driver == "bridge" and bool(attached.address)
    return {
        "Aliases": attached.aliases,
        "DriverOpts": None,
        "EndpointID": attached.endpoint_id if live else "",
        "Gateway": network.gateway if live and bridged and network else "",
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "IPAMConfig": None,
        "IPAddress": attached.address if live and bridged else "",
        "IPPrefixLen": _prefix(network.subnet) if live and bridged and network else 0,
        "IPv6Gateway": "",
        "Links": None,
        "MacAddress": _mac(attached.address) if live and bridged else "",
        "NetworkID": network.id if network is not None and c.ever_started else "",
    }


def port_map(c: Container) -> dict[str, Any]:
    """NetworkSettings.Ports: while running, every exposed port with the
    addresses it is published on (an empty HostIp listens on both families)."""
    if not c.running or c.host.get("NetworkMode") == "host":
        return {}
    bindings = c.host.get("PortBindings") or {}
    ports: dict[str, Any] = {}
    for port in sorted({*(c.config.get("ExposedPorts") or {}), *bindings}):
        published = []
        for b in bindings.get(port) or []:
            ip, host_port = str(b.get("HostIp") or ""), str(b.get("HostPort") or "")
            if ip:
                published.append({"HostIp": ip, "HostPort": host_port})
            else:
                published += [
                    {"HostIp": "0.0.0.0", "HostPort": host_port},
                    {"HostIp": "::", "HostPort": host_port},
                ]
        ports[port] = published or None
    return ports


def network_settings(c: Container, networks: Mapping[str, Network]) -> dict[str, Any]:
    endpoints = {a.network: _endpoint(c, a.network, networks) for a in c.attachments}
    default = endpoints.get("bridge") if c.host.get("NetworkMode") == "default" else None
    top = default or {}
    sandbox = c.sandbox_id if c.ever_started else ""
    host_net = c.host.get("NetworkMode") == "host"
    return {
        "Bridge": "",
        "EndpointID": top.get("EndpointID", ""),
        "Gateway": top.get("Gateway", ""),
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "HairpinMode": False,
        "IPAddress": top.get("IPAddress", ""),
        "IPPrefixLen": top.get("IPPrefixLen", 0),
        "IPv6Gateway": "",
        "LinkLocalIPv6Address": "",
        "LinkLocalIPv6PrefixLen": 0,
        "MacAddress": top.get("MacAddress", ""),
        "Networks": endpoints,
        "Ports": port_map(c),
        "SandboxID": sandbox,
        "SandboxKey": (
            (
                "/var/run/docker/netns/default"
                if host_net
                else f"/var/run/docker/netns/{sandbox[:12]}"
            )
            if sandbox
            else ""
        ),
        "SecondaryIPAddresses": None,
        "SecondaryIPv6Addresses": None,
    }


def _bind_mount(spec: str) -> dict[str, Any] | None:
    parts = spec.split(":")
    if len(parts) < 2:
        return None
    source, destination = parts[0], parts[1]
    options = parts[2].split(",") if len(parts) > 2 else []
    propagation = next((o for o in options if o.endswith(("shared", "slave", "private"))), "")
    read_only = "ro" in options
    if not source.startswith("/"):  # a named volume
        return {
            "Type": "volume",
            "Name": source,
            "Source": f"{facts.ROOT_DIR}/volumes/{source}/_data",
            "Destination": destination,
            "Driver": "local",
            "Mode": ",".join(options) if options else "z",
            "RW": not read_only,
            "Propagation": "",
        }
    return {
        "Type": "bind",
        "Source": source,
        "Destination": destination,
        "Mode": ",".join(options),
        "RW": not read_only,
        "Propagation": propagation or "rprivate",
    }


def mounts(c: Container) -> list[dict[str, Any]]:
    """Mounts: binds and named volumes (HostConfig.Binds and .Mounts), then
    the anonymous volumes of Config.Volumes. Tmpfs mounts are not listed."""
    found = [m for m in (_bind_mount(str(b)) for b in c.host.get("Binds") or []) if m]
    for m in c.host.get("Mounts") or []:
        kind = str(m.get("Type") or "volume")
        if kind == "tmpfs":
            continue
        source = str(m.get("Source") or "")
        entry = {
            "Type": kind,
            "Source": source if kind == "bind" else f"{facts.ROOT_DIR}/volumes/{source}/_data",
            "Destination": str(m.get("Target") or ""),
            "Mode": "",
            "RW": not m.get("ReadOnly"),
            "Propagation": "rprivate" if kind == "bind" else "",
        }
        if kind == "volume":
            entry = {"Name": source, "Driver": "local", **entry}
        found.append(entry)
    taken = {m["Destination"] for m in found}
    for destination, name in sorted(c.anonymous_volumes.items()):
        if destination in taken:
            continue
        found.append(
            {
                "Type": "volume",
                "Name": name,
                "Source": f"{facts.ROOT_DIR}/volumes/{name}/_data",
                "Destination": destination,
                "Driver": "local",
                "Mode": "",
                "RW": True,
                "Propagation": "",
            }
        )
    return found


def state(c: Container) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "Dead": False,
        "Error": c.error,
        "ExitCode": c.exit_code,
        "FinishedAt": facts.timestamp(c.finished_at),
        "OOMKilled": c.oom_killed,
        "Paused": c.status == Status.PAUSED,
        "Pid": c.pid if c.status in (Status.RUNNING, Status.PAUSED) else 0,
        "Restarting": c.status == Status.RESTARTING,
        "Running": c.running,
        "StartedAt": facts.timestamp(c.started_at),
        "Status": c.status.value,
    }
    if c.has_healthcheck and c.health:
        doc["Health"] = {
            "FailingStreak": c.failing_streak,
            "Log": list(c.health_log),
            "Status": c.health,
        }
    return doc


def _graph_driver(layer_id: str) -> dict[str, Any]:
    base = f"{facts.ROOT_DIR}/overlay2/{layer_id}"
    lower = f"{base}-init/diff:{facts.ROOT_DIR}/overlay2/{hex_id('lower', layer_id)}/diff"
    return {
        "Data": {
            "LowerDir": lower,
            "MergedDir": f"{base}/merged",
            "UpperDir": f"{base}/diff",
            "WorkDir": f"{base}/work",
        },
        "Name": "overlay2",
    }


def _command(c: Container) -> list[str]:
    return [*(c.config.get("Entrypoint") or []), *(c.config.get("Cmd") or [])]


def inspect(
    c: Container, networks: Mapping[str, Network], *, size: int | None = None
) -> dict[str, Any]:
    """GET /containers/{id}/json."""
    argv = _command(c)
    folder = f"{facts.ROOT_DIR}/containers/{c.id}"
    started = c.ever_started
    config = dict(c.config)
    if not config.get("Hostname"):
        config["Hostname"] = facts.HOSTNAME if c.host.get("NetworkMode") == "host" else c.id[:12]
    doc: dict[str, Any] = {
        "AppArmorProfile": c.apparmor,
        "Args": argv[1:],
        "Config": config,
        "Created": facts.timestamp(c.created),
        "Driver": "overlay2",
        "ExecIDs": list(c.exec_ids) or None,
        "GraphDriver": _graph_driver(hex_id("layer", c.id)),
        "HostConfig": c.host,
        "HostnamePath": f"{folder}/hostname" if started else "",
        "HostsPath": f"{folder}/hosts" if started else "",
        "Id": c.id,
        "Image": c.image_id,
        "LogPath": f"{folder}/{c.id}-json.log" if started else "",
        "MountLabel": "",
        "Mounts": mounts(c),
        "Name": "/" + c.name,
        "NetworkSettings": network_settings(c, networks),
        "Path": argv[0] if argv else "",
        "Platform": "linux",
        "ProcessLabel": "",
        "ResolvConfPath": f"{folder}/resolv.conf" if started else "",
        "RestartCount": c.restart_count,
        "State": state(c),
    }
    if size is not None:
        doc["SizeRw"] = size
        doc["SizeRootFs"] = size + 80 * 1024 * 1024
    return doc


def _up_for(seconds: float) -> str:
    """`docker ps`'s human duration (Up 3 hours, About a minute ago...)."""
    seconds = max(0.0, seconds)
    if seconds < 1:
        return "Less than a second"
    if seconds < 60:
        return f"{int(seconds)} seconds"
    minutes = seconds / 60
    if minutes < 2:
        return "About a minute"
    if minutes < 60:
        return f"{int(minutes)} minutes"
    hours = minutes / 60
    if round(hours) == 1:
        return "About an hour"
    if hours < 48:
        return f"{round(hours)} hours"
    days = hours / 24
    if days < 14:
        return f"{int(days)} days"
    return f"{int(days / 7)} weeks"


def status_text(c: Container, now: float) -> str:
    if c.status == Status.CREATED:
        return "Created"
    if c.status == Status.RESTARTING:
        return f"Restarting ({c.exit_code}) {_up_for(now - (c.finished_at or now))} ago"
    if c.status == Status.EXITED:
        return f"Exited ({c.exit_code}) {_up_for(now - (c.finished_at or now))} ago"
    text = f"Up {_up_for(now - (c.started_at or now))}"
    if c.has_healthcheck and c.health:
        text += {"starting": " (health: starting)"}.get(c.health, f" ({c.health})")
    return text + (" (Paused)" if c.status == Status.PAUSED else "")


def list_entry(
    c: Container, networks: Mapping[str, Network], image: Image | None, now: float
) -> dict[str, Any]:
    """One entry of GET /containers/json."""
    ports = []
    for port, published in port_map(c).items():
        number, _, proto = port.partition("/")
        for p in published or [None]:
            entry: dict[str, Any] = {"PrivatePort": int(number), "Type": proto}
            if p is not None:
                entry.update(IP=p["HostIp"], PublicPort=int(p["HostPort"] or 0))
            ports.append(entry)
    settings = network_settings(c, networks)
    return {
        "Id": c.id,
        "Names": ["/" + c.name],
        "Image": str(c.config.get("Image") or ""),
        "ImageID": c.image_id if image is None else image.id,
        "Command": " ".join(_command(c)),
        "Created": int(c.created),
        "Ports": ports,
        "Labels": c.labels,
        "State": c.status.value,
        "Status": status_text(c, now),
        "HostConfig": {"NetworkMode": c.host.get("NetworkMode") or "default"},
        # the list leaves the aliases out (null), which only the inspect carries
        "NetworkSettings": {
            "Networks": {n: {**e, "Aliases": None} for n, e in settings["Networks"].items()}
        },
        "Mounts": mounts(c),
    }


TOP_TITLES = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]


def top(c: Container, processes: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """GET /containers/{id}/top with the default `ps -ef` columns."""
    stime = time.strftime("%H:%M", time.gmtime(c.started_at or 0))
    rows = []
    for n, (user, cmd) in enumerate(processes):
        pid = c.pid + (n * 7 if n else 0)
        parent = c.pid - 21 if n == 0 else c.pid
        tty = "pts/0" if c.config.get("Tty") else "?"
        rows.append([user, str(pid), str(parent), "0", stime, tty, "00:00:01", cmd])
    return {"Processes": rows, "Titles": list(TOP_TITLES)}


def exec_doc(session: ExecSession) -> dict[str, Any]:
    """GET /exec/{id}/json."""
    return {
        "CanRemove": False,
        "ContainerID": session.container_id,
        "DetachKeys": "",
        "ExitCode": session.exit_code,
        "ID": session.id,
        "OpenStderr": True,
        "OpenStdin": session.stdin,
        "OpenStdout": True,
        "ProcessConfig": {
            "arguments": session.argv[1:],
            "entrypoint": session.argv[0] if session.argv else "",
            "privileged": session.privileged,
            "tty": session.tty,
            # left out when the exec runs as the container's own user, as dockerd does
            **({"user": session.user} if session.user else {}),
        },
        "Running": session.running,
        "Pid": session.pid if session.running else 0,
    }


def image_doc(image: Image) -> dict[str, Any]:
    """GET /images/{ref}/json."""
    repository = image.reference.rpartition(":")[0] or image.reference
    config = {
        "Hostname": "",
        "Domainname": "",
        "User": image.config.get("User") or "",
        "AttachStdin": False,
        "AttachStdout": False,
        "AttachStderr": False,
        "ExposedPorts": image.config.get("ExposedPorts"),
        "Tty": False,
        "OpenStdin": False,
        "StdinOnce": False,
        "Env": image.config.get("Env"),
        "Cmd": image.config.get("Cmd"),
        "Image": "sha256:" + hex_id("parent", image.id),
        "Volumes": image.config.get("Volumes"),
        "WorkingDir": image.config.get("WorkingDir") or "",
        "Entrypoint": image.config.get("Entrypoint"),
        "OnBuild": None,
        "Labels": image.config.get("Labels"),
    }
    layers = [f"sha256:{hex_id('rootfs', image.id, n)}" for n in range(3)]
    return {
        "Id": image.id,
        "RepoTags": [image.reference],
        "RepoDigests": [f"{repository}@sha256:{hex_id('digest', image.id)}"],
        "Parent": "",
        "Comment": "",
        "Created": facts.timestamp(image.created),
        "Container": "",
        "ContainerConfig": {**config, "Cmd": None},
        "DockerVersion": "20.10.21",
        "Author": "",
        "Config": config,
        "Architecture": "amd64",
        "Os": "linux",
        "Size": image.size,
        "VirtualSize": image.size,
        "GraphDriver": _graph_driver(hex_id("image-layer", image.id)),
        "RootFS": {"Type": "layers", "Layers": layers},
        "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"},
    }


def image_entry(image: Image) -> dict[str, Any]:
    """One entry of GET /images/json."""
    doc = image_doc(image)
    return {
        "Containers": -1,
        "Created": int(image.created),
        "Id": image.id,
        "Labels": image.config.get("Labels"),
        "ParentId": "",
        "RepoDigests": doc["RepoDigests"],
        "RepoTags": doc["RepoTags"],
        "SharedSize": -1,
        "Size": image.size,
        "VirtualSize": image.size,
    }


def network_doc(network: Network, members: Sequence[Container]) -> dict[str, Any]:
    """GET /networks/{id}, with the running containers attached to it."""
    attached = {}
    for c in members:
        for a in c.attachments:
            if a.network == network.name and c.running and a.endpoint_id:
                address = f"{a.address}/{_prefix(network.subnet)}" if a.address else ""
                attached[c.id] = {
                    "EndpointID": a.endpoint_id,
                    "IPv4Address": address,
                    "IPv6Address": "",
                    "MacAddress": _mac(a.address) if a.address else "",
                    "Name": c.name,
                }
    ipam = [{"Subnet": network.subnet, "Gateway": network.gateway}] if network.subnet else []
    if network.name == "bridge":  # the default bridge lists its subnet alone
        ipam = [{"Subnet": network.subnet}]
    return {
        "Name": network.name,
        "Id": network.id,
        "Created": facts.timestamp(network.created),
        "Scope": "local",
        "Driver": network.driver,
        "EnableIPv6": False,
        "IPAM": {
            "Driver": "default",
            "Options": None,
            "Config": ipam,
        },
        "Internal": network.internal,
        "Attachable": False,
        "Ingress": False,
        "ConfigFrom": {"Network": ""},
        "ConfigOnly": False,
        "Containers": attached,
        "Options": dict(network.options),
        "Labels": dict(network.labels),
    }


def stat_of(path: str, entry_mode: int, size: int, mtime: float, directory: bool) -> dict[str, Any]:
    """The X-Docker-Container-Path-Stat header's document (Go's os.FileMode bits)."""
    mode = entry_mode | ((1 << 31) if directory else 0)
    return {
        "name": posixpath.basename(path.rstrip("/")) or "/",
        "size": size,
        "mode": mode,
        "mtime": facts.timestamp(mtime).replace("Z", "+00:00"),
        "linkTarget": "",
    }

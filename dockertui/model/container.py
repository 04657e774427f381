"""A container as the audit sees it, parsed from `GET /containers/{id}/json`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dockertui.model._json import (
    flag,
    integer,
    mappings,
    obj,
    optional_int,
    string_map,
    strings,
    text,
)
from dockertui.model.kernel import InEffect, Unverifiable

#: The label of dockertui's own never-started lock containers (fixes/lock.py):
#: they are bookkeeping, not workloads, and are left out of every inventory.
LOCK_LABEL = "dockertui.lock"
#: The label `dockertui lab up` puts on the teaching fleet it makes: the tour
#: on a lab takes its examples from these containers only.
LAB_LABEL = "dockertui.lab"


def is_lock(labels: Any) -> bool:
    """Whether a container with these labels is one of dockertui's fix locks."""
    return isinstance(labels, dict) and LOCK_LABEL in labels


@dataclass(frozen=True)
class EnvVar:
    """One environment variable. The value stays in memory for the checks and
    is never printed: `repr` and every report show the name only."""

    name: str
    value: str = field(repr=False)

    @property
    def masked(self) -> str:
        return f"{self.name}=***" if self.value else f"{self.name}="


@dataclass(frozen=True)
class Mount:
    type: str  # bind, volume, tmpfs, npipe
    source: str
    destination: str
    read_only: bool
    propagation: str = ""
    name: str = ""  # volume name for volumes


@dataclass(frozen=True)
class Device:
    host_path: str
    container_path: str
    permissions: str


@dataclass(frozen=True)
class PortBinding:
    """A published port. `host_ip` "" means every interface; `host_port` ""
    means the engine picks one when the container starts."""

    container_port: str  # "80"
    protocol: str  # "tcp", "udp", "sctp"
    host_ip: str
    host_port: str

    @property
    def all_interfaces(self) -> bool:
        return self.host_ip in ("", "0.0.0.0", "::", "[::]")

    def describe(self) -> str:
        where = self.host_ip or "0.0.0.0"
        if ":" in where and not where.startswith("["):
            where = f"[{where}]"
        host = self.host_port or "(random)"
        return f"{where}:{host}->{self.container_port}/{self.protocol}"


@dataclass(frozen=True)
class NetworkAttachment:
    name: str
    ip: str
    aliases: tuple[str, ...] = ()


def row_key(engine: str, container_id: str) -> str:
    """A container's key in a fleet of engines (two hosts cloned from one
    image can hold containers with the same id)."""
    return f"{engine}/{container_id}" if engine else container_id


@dataclass(frozen=True)
class Container:
    """Everything the checks read about one container. Build with
    `container_from_inspect`; `raw` keeps the document for fixes and tests."""

    id: str
    name: str
    image: str  # as configured (Config.Image), e.g. "nginx:1.27"
    image_id: str
    state: str  # created, running, paused, restarting, exited, dead
    user: str  # Config.User: the image's USER unless overridden
    privileged: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    security_opt: tuple[str, ...] = ()
    apparmor_profile: str = ""
    process_label: str = ""
    masked_paths: tuple[str, ...] | None = None  # None: engine default
    network_mode: str = ""
    pid_mode: str = ""
    ipc_mode: str = ""
    uts_mode: str = ""
    userns_mode: str = ""
    cgroupns_mode: str = ""  # "host" or "private"; "" when the engine does not say
    cgroup_parent: str = ""
    devices: tuple[Device, ...] = ()
    device_cgroup_rules: tuple[str, ...] = ()
    mounts: tuple[Mount, ...] = ()
    tmpfs: tuple[str, ...] = ()
    tmpfs_options: tuple[tuple[str, str], ...] = ()  # (path, mount options) for each of `tmpfs`
    readonly_rootfs: bool = False
    memory: int = 0
    memory_swap: int = 0
    nano_cpus: int = 0
    cpu_shares: int = 0
    cpu_quota: int = 0
    cpu_period: int = 0
    pids_limit: int | None = None
    restart_policy: str = ""
    restart_max_retries: int = 0
    restart_count: int = 0
    auto_remove: bool = False
    ports: tuple[PortBinding, ...] = ()
    port_bindings: tuple[PortBinding, ...] = ()  # as configured (HostConfig.PortBindings)
    publish_all_ports: bool = False
    networks: tuple[NetworkAttachment, ...] = ()
    ulimits: tuple[str, ...] = ()
    healthcheck: tuple[str, ...] | None = None  # Config.Healthcheck.Test
    health_status: str = ""
    shell: tuple[str, ...] = ()  # Config.Shell: what runs a CMD-SHELL health check
    env: tuple[EnvVar, ...] = ()
    labels: dict[str, str] = field(default_factory=dict, compare=False)
    command: tuple[str, ...] = ()  # Entrypoint + Cmd: what the main process runs
    entrypoint: tuple[str, ...] = ()  # the Entrypoint part of `command`
    processes: tuple[str, ...] | None = None  # from /top; None when not read
    #: What the kernel enforces (model/kernel.py), or why that is not known.
    kernel: InEffect | Unverifiable = Unverifiable.NOT_READ
    #: The engine of a fleet it was read from (its short name); "" when the
    #: console or the report watches one engine.
    engine: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def key(self) -> str:
        """Unique across the engines of a fleet: ``engine/id``, or the id alone."""
        return row_key(self.engine, self.id)

    @property
    def running(self) -> bool:
        return self.state in ("running", "paused", "restarting")

    @property
    def host_network(self) -> bool:
        return self.network_mode == "host"


def container_from_inspect(doc: dict[str, Any]) -> Container:
    """Parse a container inspect document. Unknown shapes give safe defaults."""
    config = obj(doc, "Config")
    host = obj(doc, "HostConfig")
    state = obj(doc, "State")
    restart = obj(host, "RestartPolicy")
    running = text(state, "Status") in ("running", "paused", "restarting")
    return Container(
        id=text(doc, "Id"),
        name=text(doc, "Name").lstrip("/"),
        image=text(config, "Image") or text(doc, "Image"),
        image_id=text(doc, "Image"),
        state=text(state, "Status") or "unknown",
        user=text(config, "User"),
        privileged=flag(host, "Privileged"),
        cap_add=tuple(strings(host, "CapAdd") or ()),
        cap_drop=tuple(strings(host, "CapDrop") or ()),
        security_opt=tuple(strings(host, "SecurityOpt") or ()),
        apparmor_profile=text(doc, "AppArmorProfile"),
        process_label=text(doc, "ProcessLabel"),
        masked_paths=_optional_tuple(strings(host, "MaskedPaths")),
        network_mode=text(host, "NetworkMode"),
        pid_mode=text(host, "PidMode"),
        ipc_mode=text(host, "IpcMode"),
        uts_mode=text(host, "UTSMode"),
        userns_mode=text(host, "UsernsMode"),
        cgroupns_mode=text(host, "CgroupnsMode"),
        cgroup_parent=text(host, "CgroupParent"),
        devices=tuple(
            Device(
                host_path=text(d, "PathOnHost"),
                container_path=text(d, "PathInContainer"),
                permissions=text(d, "CgroupPermissions"),
            )
            for d in mappings(host, "Devices")
        ),
        device_cgroup_rules=tuple(strings(host, "DeviceCgroupRules") or ()),
        mounts=_mounts(doc, host),
        tmpfs=tuple(obj(host, "Tmpfs")),
        tmpfs_options=tuple(string_map(host, "Tmpfs").items()),
        readonly_rootfs=flag(host, "ReadonlyRootfs"),
        memory=integer(host, "Memory"),
        memory_swap=integer(host, "MemorySwap"),
        nano_cpus=integer(host, "NanoCpus"),
        cpu_shares=integer(host, "CpuShares"),
        cpu_quota=integer(host, "CpuQuota"),
        cpu_period=integer(host, "CpuPeriod"),
        pids_limit=optional_int(host, "PidsLimit"),
        restart_policy=text(restart, "Name"),
        restart_max_retries=integer(restart, "MaximumRetryCount"),
        restart_count=integer(doc, "RestartCount"),
        auto_remove=flag(host, "AutoRemove"),
        ports=_ports(doc, config, host, running),
        port_bindings=_configured_ports(host),
        publish_all_ports=flag(host, "PublishAllPorts"),
        networks=_networks(doc),
        ulimits=tuple(
            f"{text(u, 'Name')}={integer(u, 'Soft')}:{integer(u, 'Hard')}"
            for u in mappings(host, "Ulimits")
        ),
        healthcheck=_optional_tuple(strings(obj(config, "Healthcheck"), "Test")),
        health_status=text(obj(state, "Health"), "Status"),
        shell=tuple(strings(config, "Shell") or ()),
        env=tuple(_env(v) for v in strings(config, "Env") or ()),
        labels=string_map(config, "Labels"),
        command=tuple((strings(config, "Entrypoint") or []) + (strings(config, "Cmd") or [])),
        entrypoint=tuple(strings(config, "Entrypoint") or ()),
        # A container that is not running has no process to verify, wherever
        # dockertui runs; a running one waits for the inventory's /proc pass.
        kernel=Unverifiable.NOT_READ if running else Unverifiable.NOT_RUNNING,
        raw=doc,
    )


def _optional_tuple(values: list[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


def _env(entry: str) -> EnvVar:
    name, _, value = entry.partition("=")
    return EnvVar(name=name, value=value)


def _mounts(doc: dict[str, Any], host: dict[str, Any]) -> tuple[Mount, ...]:
    found = [
        Mount(
            type=text(m, "Type") or "bind",
            source=text(m, "Source"),
            destination=text(m, "Destination"),
            read_only=m.get("RW", True) is not True,
            propagation=text(m, "Propagation"),
            name=text(m, "Name"),
        )
        for m in mappings(doc, "Mounts")
    ]
    if found:
        return tuple(found)
    # Some engines leave Mounts empty for created containers: read the binds.
    for bind in strings(host, "Binds") or ():
        parts = bind.split(":")
        if len(parts) < 2:
            continue
        options = parts[2].split(",") if len(parts) > 2 else []
        propagation = next((o for o in options if o.endswith(("shared", "slave", "private"))), "")
        source = parts[0]
        found.append(
            Mount(
                type="bind" if source.startswith("/") else "volume",
                source=source,
                destination=parts[1],
                read_only="ro" in options,
                propagation=propagation,
                name="" if source.startswith("/") else source,
            )
        )
    return tuple(found)


def _split_port(key: str) -> tuple[str, str]:
    port, _, proto = key.partition("/")
    return port, proto or "tcp"


def _ports(
    doc: dict[str, Any], config: dict[str, Any], host: dict[str, Any], running: bool
) -> tuple[PortBinding, ...]:
    """Published ports: what is bound now for a running container, otherwise
    what the container will bind when it starts."""
    actual = obj(doc, "NetworkSettings", "Ports")
    bindings: list[PortBinding] = []
    if running:
        for key, entries in actual.items():
            port, proto = _split_port(key)
            for e in entries if isinstance(entries, list) else []:
                bindings.append(PortBinding(port, proto, text(e, "HostIp"), text(e, "HostPort")))
        if bindings:
            return tuple(bindings)
    bindings.extend(_configured_ports(host))
    if flag(host, "PublishAllPorts"):
        already = {(b.container_port, b.protocol) for b in bindings}
        for key in obj(config, "ExposedPorts"):
            port, proto = _split_port(key)
            if (port, proto) not in already:
                bindings.append(PortBinding(port, proto, "", ""))
    return tuple(bindings)


def _configured_ports(host: dict[str, Any]) -> tuple[PortBinding, ...]:
    """The ports as `docker run -p` asked for them (HostConfig.PortBindings)."""
    bindings: list[PortBinding] = []
    for key, entries in obj(host, "PortBindings").items():
        port, proto = _split_port(key)
        for e in entries if isinstance(entries, list) else []:
            bindings.append(PortBinding(port, proto, text(e, "HostIp"), text(e, "HostPort")))
    return tuple(bindings)


def _networks(doc: dict[str, Any]) -> tuple[NetworkAttachment, ...]:
    return tuple(
        NetworkAttachment(
            name=name,
            ip=text(net, "IPAddress"),
            aliases=tuple(strings(net, "Aliases") or ()),
        )
        for name, net in obj(doc, "NetworkSettings", "Networks").items()
        if isinstance(net, dict)
    )

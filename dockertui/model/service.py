"""A swarm service as the audit sees it, parsed from `GET /services`.

What matters is the task template (Spec.TaskTemplate.ContainerSpec and its
resources): every task the swarm starts is a container made from it. Secrets
and configs are kept by name only; environment values stay in memory for
the secrets check and are never shown (`EnvVar`). `task_container` gives
the container a task would be, so the container checks judge the template
with the same predicates as any container."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
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
from dockertui.model.container import (
    Container,
    EnvVar,
    Mount,
    NetworkAttachment,
    PortBinding,
    _env,  # the same readers as a container's Env and Healthcheck
    _optional_tuple,
)
from dockertui.model.kernel import Unverifiable


class ServiceMode(Enum):
    REPLICATED = "replicated"
    GLOBAL = "global"
    REPLICATED_JOB = "replicated-job"
    GLOBAL_JOB = "global-job"


class PublishMode(Enum):
    INGRESS = "ingress"  # the routing mesh: the port is open on every node of the swarm
    HOST = "host"  # only on the nodes that run a task


@dataclass(frozen=True)
class ServicePort:
    target: int
    published: int  # 0: the swarm picks one
    protocol: str  # tcp, udp, sctp
    mode: PublishMode

    def describe(self) -> str:
        published = str(self.published) if self.published else "(random)"
        return f"{published}->{self.target}/{self.protocol} ({self.mode.value})"


@dataclass(frozen=True)
class ServiceMount:
    type: str  # bind, volume, tmpfs, npipe, cluster
    source: str
    target: str
    read_only: bool
    propagation: str = ""


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    mode: ServiceMode
    replicas: int | None  # None for a global service
    image: str
    user: str = ""
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    #: Privileges: "" where the spec does not set them (the engine's default).
    credential_spec: str = ""  # "file=…", "registry=…", "config=…"
    selinux_disabled: bool = False
    selinux_label: str = ""  # user:role:type:level, the parts set
    seccomp: str = ""  # "default", "unconfined" or "custom" (newer engines)
    apparmor: str = ""  # "default" or "disabled" (newer engines)
    no_new_privileges: bool | None = None  # None: the spec has no such field
    read_only: bool = False
    init: bool | None = None
    mounts: tuple[ServiceMount, ...] = ()
    sysctls: dict[str, str] = field(default_factory=dict, compare=False)
    secrets: tuple[str, ...] = ()  # names only
    configs: tuple[str, ...] = ()  # names only
    ports: tuple[ServicePort, ...] = ()
    networks: tuple[str, ...] = ()  # network ids (Target), as the spec has them
    memory_limit: int = 0
    nano_cpus: int = 0
    pids_limit: int = 0
    restart_condition: str = ""  # any, on-failure, none ("": any, the default)
    restart_max_attempts: int = 0
    healthcheck: tuple[str, ...] | None = None
    ulimits: tuple[str, ...] = ()
    env: tuple[EnvVar, ...] = ()
    command: tuple[str, ...] = ()  # Command + Args ("": the image's)
    labels: dict[str, str] = field(default_factory=dict, compare=False)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def mode_text(self) -> str:
        if self.replicas is None:
            return self.mode.value
        return f"{self.mode.value} ×{self.replicas}"


def _mode(spec: dict[str, Any]) -> tuple[ServiceMode, int | None]:
    mode = obj(spec, "Mode")
    if "Global" in mode:
        return ServiceMode.GLOBAL, None
    if "GlobalJob" in mode:
        return ServiceMode.GLOBAL_JOB, None
    if "ReplicatedJob" in mode:
        job = obj(mode, "ReplicatedJob")
        return ServiceMode.REPLICATED_JOB, optional_int(job, "TotalCompletions") or 1
    return ServiceMode.REPLICATED, integer(obj(mode, "Replicated"), "Replicas", 1)


def _publish_mode(port: dict[str, Any]) -> PublishMode:
    return PublishMode.HOST if text(port, "PublishMode") == "host" else PublishMode.INGRESS


def _credential_spec(privileges: dict[str, Any]) -> str:
    spec = obj(privileges, "CredentialSpec")
    return next((f"{k.lower()}={text(spec, k)}" for k in ("File", "Registry", "Config")
                 if text(spec, k)), "")  # fmt: skip


def _names(docs: list[dict[str, Any]], key: str) -> tuple[str, ...]:
    return tuple(text(d, key) or text(obj(d, "File"), "Name") for d in docs)


def service_from_api(doc: dict[str, Any]) -> Service:
    """One entry of `GET /services`. Unknown shapes give safe defaults."""
    spec = obj(doc, "Spec")
    template = obj(spec, "TaskTemplate")
    container = obj(template, "ContainerSpec")
    privileges = obj(container, "Privileges")
    selinux = obj(privileges, "SELinuxContext")
    limits = obj(template, "Resources", "Limits")
    restart = obj(template, "RestartPolicy")
    mode, replicas = _mode(spec)
    nnp = privileges.get("NoNewPrivileges")
    return Service(
        id=text(doc, "ID"),
        name=text(spec, "Name"),
        mode=mode,
        replicas=replicas,
        image=text(container, "Image"),
        user=text(container, "User"),
        cap_add=tuple(strings(container, "CapabilityAdd") or ()),
        cap_drop=tuple(strings(container, "CapabilityDrop") or ()),
        credential_spec=_credential_spec(privileges),
        selinux_disabled=flag(selinux, "Disable"),
        selinux_label=":".join(
            text(selinux, k) for k in ("User", "Role", "Type", "Level") if text(selinux, k)
        ),
        seccomp=text(obj(privileges, "Seccomp"), "Mode"),
        apparmor=text(obj(privileges, "AppArmor"), "Mode"),
        no_new_privileges=nnp if isinstance(nnp, bool) else None,
        read_only=flag(container, "ReadOnly"),
        init=container.get("Init") if isinstance(container.get("Init"), bool) else None,
        mounts=tuple(
            ServiceMount(
                type=text(m, "Type") or "volume",
                source=text(m, "Source"),
                target=text(m, "Target"),
                read_only=flag(m, "ReadOnly"),
                propagation=text(obj(m, "BindOptions"), "Propagation"),
            )
            for m in mappings(container, "Mounts")
        ),
        sysctls=string_map(container, "Sysctls"),
        secrets=_names(mappings(container, "Secrets"), "SecretName"),
        configs=_names(mappings(container, "Configs"), "ConfigName"),
        ports=tuple(
            ServicePort(
                target=integer(p, "TargetPort"),
                published=integer(p, "PublishedPort"),
                protocol=text(p, "Protocol") or "tcp",
                mode=_publish_mode(p),
            )
            for p in mappings(obj(spec, "EndpointSpec"), "Ports")
        ),
        networks=tuple(
            text(n, "Target") for n in mappings(template, "Networks") or mappings(spec, "Networks")
        ),
        memory_limit=integer(limits, "MemoryBytes"),
        nano_cpus=integer(limits, "NanoCPUs"),
        pids_limit=integer(limits, "Pids"),
        restart_condition=text(restart, "Condition"),
        restart_max_attempts=integer(restart, "MaxAttempts"),
        healthcheck=_optional_tuple(strings(obj(container, "Healthcheck"), "Test")),
        ulimits=tuple(
            f"{text(u, 'Name')}={integer(u, 'Soft')}:{integer(u, 'Hard')}"
            for u in mappings(container, "Ulimits")
        ),
        env=tuple(_env(v) for v in strings(container, "Env") or ()),
        command=tuple((strings(container, "Command") or []) + (strings(container, "Args") or [])),
        labels=string_map(spec, "Labels"),
        raw=doc,
    )


def _restart_policy(service: Service) -> str:
    """A task's restart condition as the container restart policy it amounts
    to: unlike a container's "always", a swarm's "any" is bounded by MaxAttempts."""
    condition = service.restart_condition or "any"
    if condition == "none":
        return "no"
    if condition == "on-failure" or service.restart_max_attempts > 0:
        return "on-failure"
    return "always"


def task_container(service: Service, network_names: dict[str, str] | None = None) -> Container:
    """The container a task of `service` would be, as the container checks
    read it. It has no running state (state "created": judged from its
    configuration), no devices, host namespaces or privileged mode (a
    service spec has none of them), and every published port is open on
    every interface (a swarm binds no address): in ingress mode on every
    node, in host mode on the nodes that run a task."""
    names = network_names or {}
    security: list[str] = []
    if service.seccomp == "unconfined":
        security.append("seccomp=unconfined")
    if service.apparmor == "disabled":
        security.append("apparmor=unconfined")
    if service.selinux_disabled:
        security.append("label=disable")
    if service.no_new_privileges:
        security.append("no-new-privileges:true")
    networks = tuple(NetworkAttachment(name=names.get(n, n), ip="") for n in service.networks)
    ports = tuple(
        PortBinding(str(p.target), p.protocol, "", str(p.published) if p.published else "")
        for p in service.ports
    )
    return Container(
        id=service.id,
        name=service.name,
        image=service.image,
        image_id="",
        state="created",
        user=service.user,
        cap_add=service.cap_add,
        cap_drop=service.cap_drop,
        security_opt=tuple(security),
        network_mode="host" if any(n.name == "host" for n in networks) else "",
        mounts=tuple(
            Mount(
                type=m.type,
                source=m.source,
                destination=m.target,
                read_only=m.read_only,
                propagation=m.propagation,
                name=m.source if m.type == "volume" else "",
            )
            for m in service.mounts
        ),
        readonly_rootfs=service.read_only,
        memory=service.memory_limit,
        nano_cpus=service.nano_cpus,
        pids_limit=service.pids_limit or None,
        restart_policy=_restart_policy(service),
        restart_max_retries=service.restart_max_attempts,
        ports=ports,
        port_bindings=ports,
        networks=networks,
        ulimits=service.ulimits,
        healthcheck=service.healthcheck,
        env=service.env,
        labels=dict(service.labels),
        command=service.command,
        kernel=Unverifiable.NOT_RUNNING,
        raw={},
    )

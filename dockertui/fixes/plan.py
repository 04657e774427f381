"""Fix plans: what a guided fix changes, predicted before anything runs.

Pure code. A plan is built from a container's inspect document and a list
of named changes; it carries the live `update` body (applied without a
restart), the patched inspect document a re-create would start from, and,
by auditing that predicted container, the findings each change clears and
the grade after. Every value is checked first (fixes.validate): an invalid
plan raises PlanError and never reaches the engine. Nothing here talks to
the engine.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from dockertui.audit import ContainerReport, audit_container
from dockertui.audit import capabilities as caps
from dockertui.audit.limits import MAX_RETRIES
from dockertui.audit.security_options import security_opts
from dockertui.fixes.validate import PlanError, check_plan, parse_tmpfs
from dockertui.model import Container, EngineInfo, container_from_inspect

#: Values the changes that need one start from; every one can be overridden.
DEFAULT_RETRIES = MAX_RETRIES  # the most the restart-policy check accepts
DEFAULT_USER = "1000:1000"
DEFAULT_TMPFS = ("/tmp",)
DEFAULT_BIND = "127.0.0.1"
#: Limits the wizard offers for a container that has none (never applied unasked).
SUGGESTED_MEMORY = 512 * 1024 * 1024
SUGGESTED_NANO_CPUS = 1_000_000_000
SUGGESTED_PIDS = 256
#: The mode a tmpfs gets when its spec says none.
TMPFS_DEFAULT_OPTIONS = "rw,noexec,nosuid"


class CapPreset(StrEnum):
    HARDENING = "hardening"  # drop the hardening list, keep the rest
    STRICT = "strict"  # --cap-drop ALL, add back the keep-list
    CUSTOM = "custom"  # keep only the picked ones among those held


@dataclass(frozen=True)
class Options:
    """The operator's choices for the changes that take a value. A limit
    left None is not changed."""

    cap_preset: CapPreset = CapPreset.HARDENING
    keep_caps: tuple[str, ...] = ()  # strict: the --cap-add list; custom: what to keep
    user: str = DEFAULT_USER
    tmpfs: tuple[str, ...] = DEFAULT_TMPFS  # PATH[:OPTIONS] each
    bind_address: str = DEFAULT_BIND
    memory: int | None = None
    nano_cpus: int | None = None
    pids_limit: int | None = None
    restart_retries: int = DEFAULT_RETRIES


@dataclass(frozen=True)
class Change:
    """One named change: either a live update or a re-create."""

    name: str
    live: bool  # True: POST /containers/{id}/update; False: needs a re-create
    summary: str
    apply: Callable[[dict[str, Any], dict[str, Any], Options], None] = field(repr=False)
    # apply(inspect_doc, update_body, options): patches the document in place
    # (and, for live changes, fills the update body)
    options: tuple[str, ...] = ()  # the Options fields it reads
    risky: str = ""  # why it can break a service (offered, never chosen for the user)


def _host(doc: dict[str, Any]) -> dict[str, Any]:
    host: dict[str, Any] = doc.setdefault("HostConfig", {})
    return host


def _security_opt(doc: dict[str, Any]) -> list[str]:
    host = _host(doc)
    options: list[str] = list(host.get("SecurityOpt") or [])
    host["SecurityOpt"] = options
    return options


def _opt_key(opt: str) -> str:
    return opt.replace(":", "=", 1).partition("=")[0].strip().lower()


def _drop_caps(doc: dict[str, Any], body: dict[str, Any], o: Options) -> None:
    host = _host(doc)
    if o.cap_preset == CapPreset.STRICT:
        host["CapDrop"] = ["ALL"]
        host["CapAdd"] = sorted(caps.normalize_all(o.keep_caps)) or None
    elif o.cap_preset == CapPreset.CUSTOM:
        held = caps.effective(host.get("CapAdd") or (), host.get("CapDrop") or ())
        keep = caps.normalize_all(o.keep_caps)
        host["CapDrop"] = ["ALL"]
        host["CapAdd"] = sorted(held & keep) or None
    else:
        added = caps.normalize_all(host.get("CapAdd") or ()) - set(caps.HARDENING_DROP)
        dropped = caps.normalize_all(host.get("CapDrop") or ()) | set(caps.HARDENING_DROP)
        host["CapAdd"] = sorted(added) or None
        host["CapDrop"] = sorted(dropped)


def _unprivileged(doc: dict[str, Any], body: dict[str, Any], o: Options) -> None:
    _host(doc)["Privileged"] = False


def _no_new_privileges(doc: dict[str, Any], body: dict[str, Any], o: Options) -> None:
    opts = [x for x in _security_opt(doc) if _opt_key(x) != "no-new-privileges"]
    _host(doc)["SecurityOpt"] = [*opts, "no-new-privileges:true"]


def _default_seccomp(doc: dict[str, Any], body: dict[str, Any], o: Options) -> None:
    _host(doc)["SecurityOpt"] = [x for x in _security_opt(doc) if _opt_key(x) != "seccomp"]


def _non_root(doc: dict[str, Any], body: dict[str, Any], o: Options) -> None:
    doc.setdefault("Config", {})["User"] = o.user


def _read_only(doc: dict[str, Any], body: dict[str, Any], o: Options) -> None:
    host = _host(doc)
    host["ReadonlyRootfs"] = True
    tmpfs = dict(host.get("Tmpfs") or {})
    for spec in o.tmpfs:
        path, options = parse_tmpfs(spec)
        tmpfs[path] = options or tmpfs.get(path) or TMPFS_DEFAULT_OPTIONS
    host["Tmpfs"] = tmpfs


def _localhost_ports(doc: dict[str, Any], body: dict[str, Any], o: Options) -> None:
    host = _host(doc)
    bindings = {
        port: [{**b, "HostIp": o.bind_address} for b in (entries or [])]
        for port, entries in (host.get("PortBindings") or {}).items()
    }
    if host.get("PublishAllPorts"):
        # -P publishes every exposed port on every interface: bind each one
        # explicitly instead, on the port it has now when it runs.
        live = (doc.get("NetworkSettings") or {}).get("Ports") or {}
        for port in (doc.get("Config") or {}).get("ExposedPorts") or {}:
            if not bindings.get(port):
                now = [str(e.get("HostPort") or "") for e in live.get(port) or [] if e]
                bindings[port] = [{"HostIp": o.bind_address, "HostPort": next(iter(now), "")}]
        host["PublishAllPorts"] = False
    host["PortBindings"] = bindings
    # What NetworkSettings reports is recomputed by the engine at start.
    doc.setdefault("NetworkSettings", {})["Ports"] = {}


def _host_namespaces(doc: dict[str, Any], body: dict[str, Any], o: Options) -> None:
    host = _host(doc)
    config = doc.setdefault("Config", {})
    if "host" in (host.get("NetworkMode"), host.get("UTSMode")):
        # The host's own names, which the engine filled in: the container gets its own.
        config.pop("Hostname", None)
        config.pop("Domainname", None)
    if host.get("NetworkMode") == "host":
        host["NetworkMode"] = "bridge"
        doc.setdefault("NetworkSettings", {})["Networks"] = {"bridge": {}}
    for key in ("PidMode", "IpcMode", "UTSMode"):
        if host.get(key) == "host":
            host[key] = "" if key != "IpcMode" else "private"
    if host.get("UsernsMode") == "host":
        host["UsernsMode"] = ""


def _limits(doc: dict[str, Any], body: dict[str, Any], o: Options) -> None:
    """Exactly the limits asked for, and only those that differ from now."""
    host = _host(doc)
    if o.memory is not None and (host.get("Memory"), host.get("MemorySwap")) != (o.memory,) * 2:
        body["Memory"] = host["Memory"] = o.memory
        body["MemorySwap"] = host["MemorySwap"] = o.memory  # no swap beyond the limit
    if o.nano_cpus is not None and host.get("NanoCpus") != o.nano_cpus:
        body["NanoCpus"] = host["NanoCpus"] = o.nano_cpus
    if o.pids_limit is not None and host.get("PidsLimit") != o.pids_limit:
        body["PidsLimit"] = host["PidsLimit"] = o.pids_limit


def _restart_policy(doc: dict[str, Any], body: dict[str, Any], o: Options) -> None:
    policy = {"Name": "on-failure", "MaximumRetryCount": o.restart_retries}
    body["RestartPolicy"] = _host(doc)["RestartPolicy"] = policy


#: Every change, by the name the CLI's --plan and the wizard use.
CHANGES: dict[str, Change] = {
    c.name: c
    for c in (
        Change("drop-caps", False, "Drop capabilities (hardening list, strict or a custom pick)", _drop_caps, ("cap_preset", "keep_caps")),
        Change("unprivileged", False, "Remove --privileged", _unprivileged,
               risky="a service that uses host devices, mounts or kernel settings fails"),
        Change("no-new-privileges", False, "Add --security-opt no-new-privileges", _no_new_privileges),
        Change("default-seccomp", False, "Use the engine's default seccomp profile", _default_seccomp),
        Change("non-root", False, "Run as a non-root user (--user)", _non_root, ("user",),
               risky="a service that writes files owned by root, binds a port below 1024 or switches users itself fails to start"),
        Change("read-only", False, "Read-only root file system with tmpfs for chosen paths", _read_only, ("tmpfs",),
               risky="a service that writes anywhere outside its volumes and the tmpfs paths fails"),
        Change("localhost-ports", False, "Publish ports on 127.0.0.1 (or a chosen address) only", _localhost_ports, ("bind_address",),
               risky="clients on other hosts can no longer reach its ports"),
        Change("host-namespaces", False, "Leave the host's network, PID, IPC, UTS and user namespaces", _host_namespaces,
               risky="an agent that watches the host (processes, interfaces) sees only itself"),
        Change("limits", True, "Set memory (with memory-swap), CPU and PIDs limits live", _limits, ("memory", "nano_cpus", "pids_limit"),
               risky="a service that needs more than the limits is killed or slowed"),
        Change("restart-policy", True, "Restart on failure, at most 5 times, live", _restart_policy, ("restart_retries",),
               risky="a service that should always run is no longer restarted after a clean exit"),
    )
}  # fmt: skip
#: The CLI's other spelling of non-root.
ALIASES = {"unprivileged-user": "non-root", "user": "non-root"}


@dataclass(frozen=True)
class Effect:
    """What one change does on its own: the findings it clears and the grade after."""

    change: str
    clears: tuple[str, ...]  # check ids that no longer fire
    grade_after: str
    score_after: int


@dataclass(frozen=True)
class FixPlan:
    container: Container
    changes: tuple[str, ...]
    options: Options
    update_body: dict[str, Any]  # live part: POST /containers/{id}/update
    document: dict[str, Any]  # the inspect document after every change
    before: ContainerReport
    after: ContainerReport
    effects: tuple[Effect, ...]
    #: False on an engine that cannot change a container live (Podman's
    #: Docker API has no /containers/{id}/update): every change re-creates.
    live_updates: bool = True

    @property
    def recreate(self) -> bool:
        return not self.live_updates or any(not CHANGES[name].live for name in self.changes)

    @property
    def predicted(self) -> Container:
        return self.after.container

    @property
    def cleared(self) -> tuple[str, ...]:
        still = {f.check for f in self.after.findings}
        return tuple(sorted({f.check for f in self.before.findings} - still))


def resolve(names: Sequence[str]) -> tuple[str, ...]:
    """Canonical change names, in catalogue order; ValueError for unknown ones."""
    wanted = {ALIASES.get(n, n) for n in names}
    unknown = sorted(wanted - set(CHANGES))
    if unknown:
        raise ValueError(f"Unknown plan {', '.join(unknown)}; choose from {', '.join(CHANGES)}.")
    return tuple(name for name in CHANGES if name in wanted)


def _label_disabled_by_the_engine(host: dict[str, Any]) -> bool:
    """The engine adds SecurityOpt label=disable itself to a privileged
    container and to one sharing the host's PID or IPC namespace."""
    return bool(host.get("Privileged")) or "host" in (host.get("PidMode"), host.get("IpcMode"))


def _patched(
    doc: dict[str, Any], names: Sequence[str], options: Options
) -> tuple[dict[str, Any], dict[str, Any]]:
    new = copy.deepcopy(doc)
    body: dict[str, Any] = {}
    for name in names:
        CHANGES[name].apply(new, body, options)
    before, after = doc.get("HostConfig") or {}, _host(new)
    if _label_disabled_by_the_engine(before) and not _label_disabled_by_the_engine(after):
        # What the engine added for the privilege the fix removes goes with it
        # (else SELinux labelling would stay off for no reason).
        after["SecurityOpt"] = [o for o in after.get("SecurityOpt") or [] if o != "label=disable"]
    return new, body


def plan(
    doc: dict[str, Any],
    names: Sequence[str],
    engine: EngineInfo,
    options: Options | None = None,
    *,
    validate: bool = True,
    processes: tuple[str, ...] | None = None,
    fleet_engine: str = "",
) -> FixPlan:
    """Plan `names` (change names) for the container `doc` (its inspect
    document). Raises PlanError when a value the changes take is invalid
    (the wizard, which shows the problem itself, passes validate=False to
    preview a plan while the values are being typed). `processes`, when the
    caller read them, are audited as they are (the sshd check), so that the
    grade before is the one the scan and the panel give. `fleet_engine`:
    the engine of a fleet the container is on (`Container.engine`), which
    decides where the plan is applied."""
    options = options or Options()
    chosen = resolve(names)
    if validate:
        check_plan(doc, chosen, options, engine)

    def read(document: dict[str, Any]) -> Container:
        found = replace(container_from_inspect(document), engine=fleet_engine)
        return replace(found, processes=processes) if processes is not None else found

    container = read(doc)
    new_doc, body = _patched(doc, chosen, options)
    before = audit_container(container, engine)
    after = audit_container(read(new_doc), engine)
    effects = []
    firing = {f.check for f in before.findings}
    for name in chosen:
        alone_doc = _patched(doc, [name], options)[0]
        alone = audit_container(read(alone_doc), engine)
        effects.append(
            Effect(
                change=name,
                clears=tuple(sorted(firing - {f.check for f in alone.findings})),
                grade_after=alone.grade,
                score_after=alone.score,
            )
        )
    return FixPlan(
        container=container,
        changes=chosen,
        options=options,
        # Podman: the changed document carries the live values into the re-create.
        update_body={} if engine.podman else body,
        document=new_doc,
        before=before,
        after=after,
        effects=tuple(effects),
        live_updates=not engine.podman,
    )


def suggest(report: ContainerReport) -> tuple[str, ...]:
    """The changes that would clear some of this container's findings."""
    firing = {f.check for f in report.findings}
    wanted = []
    rules = {
        "drop-caps": {"cap-added", "cap-dangerous", "cap-not-dropped"},
        "unprivileged": {"privileged"},
        "no-new-privileges": {"no-new-privileges"},
        "default-seccomp": {"seccomp-disabled"},
        "non-root": {"root-user"},
        "read-only": {"rootfs-writable"},
        "localhost-ports": {"port-all-interfaces"},
        "host-namespaces": {"host-network", "host-pid", "host-ipc", "host-uts", "host-userns"},
        "limits": {"memory-unlimited", "cpu-unlimited", "pids-unlimited"},
        "restart-policy": {"restart-policy"},
    }
    seccomp_opt = "seccomp" in security_opts(report.container)
    for name, checks in rules.items():
        if name == "default-seccomp" and not seccomp_opt:
            continue  # seccomp is off because of --privileged: unprivileged fixes it
        if firing & checks:
            wanted.append(name)
    return tuple(wanted)


def options_for(names: Sequence[str]) -> frozenset[str]:
    """The Options fields the changes `names` read."""
    return frozenset(field for name in resolve(names) for field in CHANGES[name].options)


__all__ = [
    "ALIASES",
    "CHANGES",
    "DEFAULT_BIND",
    "DEFAULT_RETRIES",
    "DEFAULT_TMPFS",
    "DEFAULT_USER",
    "SUGGESTED_MEMORY",
    "SUGGESTED_NANO_CPUS",
    "SUGGESTED_PIDS",
    "CapPreset",
    "Change",
    "Effect",
    "FixPlan",
    "Options",
    "PlanError",
    "options_for",
    "plan",
    "resolve",
    "suggest",
]

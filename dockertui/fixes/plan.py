"""Fix plans: what a guided fix changes, predicted before anything runs.

Pure code. A plan is built from a container's inspect document and a list
of named changes; it carries the live `update` body (applied without a
restart), the patched inspect document a re-create would start from, and,
by auditing that predicted container, the findings each change clears and
the grade after. Nothing here talks to the engine.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dockertui.audit import ContainerReport, audit_container
from dockertui.audit import capabilities as caps
from dockertui.audit.security_options import security_opts
from dockertui.model import Container, EngineInfo, container_from_inspect

#: Defaults a demanding operator would pick; every one can be overridden.
DEFAULT_MEMORY = 512 * 1024 * 1024
DEFAULT_NANO_CPUS = 1_000_000_000
DEFAULT_PIDS = 256
DEFAULT_RETRIES = 5
DEFAULT_USER = "1000:1000"
DEFAULT_TMPFS = ("/tmp",)
DEFAULT_BIND = "127.0.0.1"


@dataclass(frozen=True)
class Options:
    """The operator's choices for the changes that take a value."""

    cap_preset: str = "hardening"  # hardening | strict | custom
    keep_caps: tuple[str, ...] = ()  # strict: the --cap-add list; custom: what to keep
    user: str = DEFAULT_USER
    tmpfs: tuple[str, ...] = DEFAULT_TMPFS
    bind_address: str = DEFAULT_BIND
    memory: int = DEFAULT_MEMORY
    nano_cpus: int = DEFAULT_NANO_CPUS
    pids_limit: int = DEFAULT_PIDS
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


def _host(doc: dict[str, Any]) -> dict[str, Any]:
    return doc.setdefault("HostConfig", {})


def _security_opt(doc: dict[str, Any]) -> list[str]:
    host = _host(doc)
    host["SecurityOpt"] = list(host.get("SecurityOpt") or [])
    return host["SecurityOpt"]


def _opt_key(opt: str) -> str:
    return opt.replace(":", "=", 1).partition("=")[0].strip().lower()


def _drop_caps(doc: dict[str, Any], body: dict[str, Any], o: Options) -> None:
    host = _host(doc)
    if o.cap_preset == "strict":
        host["CapDrop"] = ["ALL"]
        host["CapAdd"] = sorted(caps.normalize_all(o.keep_caps)) or None
    elif o.cap_preset == "custom":
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
    for path in o.tmpfs:
        tmpfs.setdefault(path, "rw,noexec,nosuid")
    host["Tmpfs"] = tmpfs


def _localhost_ports(doc: dict[str, Any], body: dict[str, Any], o: Options) -> None:
    host = _host(doc)
    bindings = host.get("PortBindings") or {}
    host["PortBindings"] = {
        port: [{**b, "HostIp": o.bind_address} for b in (entries or [])]
        for port, entries in bindings.items()
    }
    # What NetworkSettings reports is recomputed by the engine at start.
    doc.setdefault("NetworkSettings", {})["Ports"] = {}


def _host_namespaces(doc: dict[str, Any], body: dict[str, Any], o: Options) -> None:
    host = _host(doc)
    if host.get("NetworkMode") == "host":
        host["NetworkMode"] = "bridge"
        doc.setdefault("NetworkSettings", {})["Networks"] = {"bridge": {}}
    for key in ("PidMode", "IpcMode", "UTSMode"):
        if host.get(key) == "host":
            host[key] = "" if key != "IpcMode" else "private"
    if host.get("UsernsMode") == "host":
        host["UsernsMode"] = ""


def _limits(doc: dict[str, Any], body: dict[str, Any], o: Options) -> None:
    host = _host(doc)
    if not host.get("Memory"):
        body["Memory"] = host["Memory"] = o.memory
        body["MemorySwap"] = host["MemorySwap"] = o.memory  # no swap beyond the limit
    if not (host.get("NanoCpus") or host.get("CpuQuota") or host.get("CpuShares")):
        body["NanoCpus"] = host["NanoCpus"] = o.nano_cpus
    if not host.get("PidsLimit") or host.get("PidsLimit", 0) < 0:
        body["PidsLimit"] = host["PidsLimit"] = o.pids_limit


def _restart_policy(doc: dict[str, Any], body: dict[str, Any], o: Options) -> None:
    policy = {"Name": "on-failure", "MaximumRetryCount": o.restart_retries}
    body["RestartPolicy"] = _host(doc)["RestartPolicy"] = policy


#: Every change, by the name the CLI's --plan and the wizard use.
CHANGES: dict[str, Change] = {
    c.name: c
    for c in (
        Change("drop-caps", False, "Drop capabilities (hardening list, strict or a custom pick)", _drop_caps),
        Change("unprivileged", False, "Remove --privileged", _unprivileged),
        Change("no-new-privileges", False, "Add --security-opt no-new-privileges", _no_new_privileges),
        Change("default-seccomp", False, "Use the engine's default seccomp profile", _default_seccomp),
        Change("non-root", False, "Run as a non-root user (--user)", _non_root),
        Change("read-only", False, "Read-only root file system with tmpfs for chosen paths", _read_only),
        Change("localhost-ports", False, "Publish ports on 127.0.0.1 (or a chosen address) only", _localhost_ports),
        Change("host-namespaces", False, "Leave the host's network, PID, IPC, UTS and user namespaces", _host_namespaces),
        Change("limits", True, "Set memory (with memory-swap), CPU and PIDs limits live", _limits),
        Change("restart-policy", True, "Restart on failure, at most 5 times, live", _restart_policy),
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

    @property
    def recreate(self) -> bool:
        return any(not CHANGES[name].live for name in self.changes)

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


def _patched(
    doc: dict[str, Any], names: Sequence[str], options: Options
) -> tuple[dict[str, Any], dict[str, Any]]:
    new = copy.deepcopy(doc)
    body: dict[str, Any] = {}
    for name in names:
        CHANGES[name].apply(new, body, options)
    return new, body


def plan(
    doc: dict[str, Any],
    names: Sequence[str],
    engine: EngineInfo,
    options: Options | None = None,
) -> FixPlan:
    """Plan `names` (change names) for the container `doc` (its inspect document)."""
    options = options or Options()
    chosen = resolve(names)
    container = container_from_inspect(doc)
    new_doc, body = _patched(doc, chosen, options)
    before = audit_container(container, engine)
    after = audit_container(container_from_inspect(new_doc), engine)
    effects = []
    firing = {f.check for f in before.findings}
    for name in chosen:
        alone = audit_container(container_from_inspect(_patched(doc, [name], options)[0]), engine)
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
        update_body=body,
        document=new_doc,
        before=before,
        after=after,
        effects=tuple(effects),
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

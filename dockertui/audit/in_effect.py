"""Configured against in effect: for each layer of a running container,
what its inspect document promises beside what the kernel enforces
(model/kernel.py), and whether the two agree.

One comparison per layer, used by the in-effect check, the panel, the
fleet table's marker and the JSON report, so they cannot disagree. A
container the kernel could not be asked about is "not verifiable here" on
every layer, with the reason, and is judged from its configuration only."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache, lru_cache

from dockertui.audit import capabilities as caps
from dockertui.audit.confinement import (
    AppArmor,
    SELinux,
    apparmor_state,
    no_new_privileges_state,
    seccomp_state,
    selinux_state,
)
from dockertui.audit.identity import is_root, process_named, root_is_remapped, root_processes
from dockertui.model import Container, EngineInfo
from dockertui.model.kernel import InEffect, ProcessView, SeccompMode, Unverifiable


class Layer(Enum):
    CAPABILITIES = "capabilities"
    NO_NEW_PRIVILEGES = "no-new-privileges"
    SECCOMP = "seccomp"
    USER = "user"
    USER_NAMESPACE = "user namespace"
    MAC = "AppArmor/SELinux"
    NAMESPACES = "host namespaces"
    MEMORY = "memory limit"
    PIDS = "pids limit"
    CPU = "cpu limit"


class Verdict(Enum):
    VERIFIED = "verified"
    DIFFERS = "differs"
    NOT_VERIFIABLE = "not verifiable here"


@dataclass(frozen=True)
class Comparison:
    layer: Layer
    configured: str
    in_effect: str  # what the kernel shows; the reason when not verifiable
    verdict: Verdict
    looser: bool = False  # the kernel enforces less than the configuration promises

    @property
    def differs(self) -> bool:
        return self.verdict is Verdict.DIFFERS


@lru_cache(maxsize=1024)
def cap_names(mask: int) -> frozenset[str]:
    """The capability names of a /proc status mask (bit n is capability n)."""
    return frozenset(
        caps.BY_BIT[bit] if bit < len(caps.BY_BIT) else f"CAP_{bit}"
        for bit in range(mask.bit_length())
        if mask >> bit & 1
    )


@lru_cache(maxsize=1024)
def _names(values: frozenset[str]) -> str:
    return ", ".join(sorted(values)) if values else "none"


def _known(engine: EngineInfo) -> frozenset[str]:
    """The capabilities this host's kernel knows (a privileged container gets
    exactly these): an older kernel lacks the newest ones."""
    last = engine.host.cap_last_cap if engine.host else None
    return caps.ALL if last is None else frozenset(caps.BY_BIT[: last + 1])


def _compare(
    layer: Layer, configured: str, in_effect: str, same: bool, looser: bool = False
) -> Comparison:
    verdict = Verdict.VERIFIED if same else Verdict.DIFFERS
    return Comparison(layer, configured, in_effect, verdict, looser and not same)


def _capabilities(c: Container, engine: EngineInfo, k: InEffect) -> Comparison:
    # Docker puts the configured set in the bounding set of every process; a
    # non-root PID 1 then holds none of it effectively (unless ambient). Any
    # process holding or able to gain more (a privileged exec) is looser.
    wanted = caps.effective(c.cap_add, c.cap_drop, privileged=c.privileged) & _known(engine)
    bounding = cap_names(k.pid1.cap_bnd)
    held = cap_names(k.pid1.cap_eff)
    shown = f"bounding set {_names(bounding)}"
    if held != bounding:
        shown += f"; PID 1 holds {_names(held)}"
    beyond = [
        (p, extra)
        for p in k.processes
        if (extra := cap_names(p.cap_bnd | p.cap_prm | p.cap_eff | p.cap_amb) - wanted)
    ]
    for p, extra in [(p, extra) for p, extra in beyond if p is not k.pid1][:2]:
        shown += f"; {process_named(k, p)} can use {_names(extra)} beyond the configured set"
    same = bounding == wanted and not beyond
    return _compare(Layer.CAPABILITIES, _names(wanted), shown, same, bool(beyond))


def _no_new_privileges(c: Container, engine: EngineInfo, k: InEffect) -> Comparison | None:
    if k.pid1.no_new_privs is None:
        return None
    wanted = no_new_privileges_state(c, engine).on
    actual = k.pid1.no_new_privs
    shown = _on(actual)
    without = [p for p in k.processes if p.no_new_privs is False]
    if wanted and without and without[0] is not k.pid1:
        shown += f"; off for {process_named(k, without[0])}"
    same = wanted == actual and not (wanted and without)
    return _compare(Layer.NO_NEW_PRIVILEGES, _on(wanted), shown, same, wanted and bool(without))


def _on(flag: bool) -> str:
    return "on" if flag else "off"


_SECCOMP_SHOWN = {
    SeccompMode.DISABLED: "off (no filter)",
    SeccompMode.STRICT: "strict mode",
    SeccompMode.FILTER: "filtering",
}


def _seccomp(c: Container, engine: EngineInfo, k: InEffect) -> Comparison | None:
    mode = k.pid1.seccomp
    if mode is None:
        return None
    wanted = not seccomp_state(c, engine).off
    shown = _SECCOMP_SHOWN[mode]
    if mode is SeccompMode.FILTER and k.pid1.seccomp_filters:
        shown += f" ({k.pid1.seccomp_filters} filter{'s' if k.pid1.seccomp_filters > 1 else ''})"
    unfiltered = [p for p in k.processes if p.seccomp is SeccompMode.DISABLED]
    if wanted and unfiltered and unfiltered[0] is not k.pid1:
        shown += f"; no filter for {process_named(k, unfiltered[0])}"
    actual = mode is not SeccompMode.DISABLED
    same = wanted == actual and not (wanted and unfiltered)
    return _compare(
        Layer.SECCOMP, "filtering" if wanted else "off", shown, same, wanted and bool(unfiltered)
    )


def _uid_text(k: InEffect, p: ProcessView) -> str:
    inside = k.container_uid(p)
    return f"{inside if inside is not None else '?'}"


def _user(c: Container, k: InEffect) -> Comparison:
    configured = c.user or "root (not set)"
    uid = k.container_uid(k.pid1)
    root = root_processes(k)
    shown = f"PID 1 runs as UID {_uid_text(k, k.pid1)}"
    others = [p for p in root if p is not k.pid1]
    if others:
        shown += f"; {len(others)} other process{'es' if len(others) > 1 else ''} as root"
    if is_root(c.user):
        return _compare(Layer.USER, configured, shown, bool(root) and uid == 0)
    # A numeric user is compared as a number; a name (its UID is in the
    # image's /etc/passwd) only as not being root.
    name = c.user.partition(":")[0]
    same_uid = not name.isdecimal() or uid == int(name)
    return _compare(Layer.USER, configured, shown, same_uid and not root, bool(root))


def _user_namespace(c: Container, engine: EngineInfo, k: InEffect) -> Comparison:
    wanted = root_is_remapped(c, engine)
    actual = not k.uid_map.identity
    host_root = k.uid_map.to_host(0)
    shown = (
        f"on: container root is host UID {host_root}"
        if actual
        else "off: container root is host root"
    )
    return _compare(
        Layer.USER_NAMESPACE, _on(wanted), shown, wanted == actual, wanted and not actual
    )


def _mac(c: Container, engine: EngineInfo, k: InEffect) -> Comparison | None:
    label = k.mac_label
    armor = apparmor_state(c, engine)
    selinux = selinux_state(c, engine)
    if armor.kind is not AppArmor.NOT_ENFORCED:
        wanted = armor.profile if armor.kind is AppArmor.CONFINED else "unconfined"
        actual, _, mode = (label or "unconfined").partition(" (")
        # "docker-default (complain)" logs what it would deny and denies nothing.
        enforced = actual != "unconfined" and mode.rstrip(")") in ("enforce", "")
        same = wanted == actual and (enforced or wanted == "unconfined")
        return _compare(
            Layer.MAC, wanted, label or "unconfined", same, wanted != "unconfined" and not enforced
        )
    if selinux.kind is not SELinux.NOT_ENFORCED:
        wanted = selinux.label or "unconfined"
        actual = label or "unconfined"
        same = actual == wanted or (not selinux.label and actual.endswith(":unconfined_t:s0"))
        return _compare(Layer.MAC, wanted, actual, same, "unconfined" in actual)
    if label is None or label == "unconfined":
        return _compare(Layer.MAC, "none (no AppArmor or SELinux here)", "none", True)
    return _compare(Layer.MAC, "none (no AppArmor or SELinux here)", label, False)


def _configured_host_namespaces(c: Container) -> frozenset[str]:
    modes = {"net": c.host_network, "pid": c.pid_mode == "host", "ipc": c.ipc_mode == "host",
             "uts": c.uts_mode == "host"}  # fmt: skip
    return frozenset(kind for kind, shared in modes.items() if shared)


def _joined(mode: str) -> bool:
    """`container:<name>`: the namespace of another container, whatever that is."""
    return mode.startswith("container:")


def _namespaces(c: Container, k: InEffect) -> Comparison:
    wanted = _configured_host_namespaces(c)
    kinds = {"net", "pid", "ipc", "uts"}
    # A namespace joined from another container is that one's: not judged here.
    joined = {kind for kind, mode in (("net", c.network_mode), ("pid", c.pid_mode),
              ("ipc", c.ipc_mode)) if _joined(mode)}  # fmt: skip
    actual = k.host_namespaces & (kinds - joined)
    wanted -= joined
    configured = _names(wanted) + (f" (joins another container's {', '.join(sorted(joined))})"
                                   if joined else "")  # fmt: skip
    return _compare(
        Layer.NAMESPACES, configured, _names(actual), wanted == actual, bool(actual - wanted)
    )


def _bytes(n: int | None) -> str:
    if n is None:
        return "none"
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


def _limits(c: Container, k: InEffect) -> list[Comparison]:
    if k.limits is None:
        return []
    lim = k.limits
    memory = c.memory or None
    pids = c.pids_limit if c.pids_limit and c.pids_limit > 0 else None
    if c.nano_cpus:
        cpus: float | None = c.nano_cpus / 1e9
    elif c.cpu_quota > 0:
        cpus = c.cpu_quota / (c.cpu_period or 100_000)
    else:
        cpus = None
    found = [
        _compare(Layer.MEMORY, _bytes(memory), _bytes(lim.memory), memory == lim.memory,
                 lim.memory is None or (memory is not None and lim.memory > memory)),
        _compare(Layer.PIDS, str(pids or "none"), str(lim.pids or "none"), pids == lim.pids,
                 lim.pids is None or (pids is not None and lim.pids > pids)),
    ]  # fmt: skip
    actual = lim.cpus
    same = (cpus is None) == (actual is None) and (
        cpus is None or actual is None or abs(cpus - actual) < 0.005
    )
    found.append(
        _compare(
            Layer.CPU,
            f"{cpus:g} CPUs" if cpus else "none",
            f"{actual:g} CPUs" if actual else "none",
            same,
            actual is None or (cpus is not None and actual > cpus),
        )
    )
    return found


@cache
def _not_verifiable(reason: Unverifiable) -> tuple[Comparison, ...]:
    return tuple(Comparison(layer, "", reason.sentence, Verdict.NOT_VERIFIABLE) for layer in Layer)


#: The comparisons of recently judged containers, by identity: the check,
#: the JSON, the table's marker and the panel all ask for the same ones.
_MEMO: dict[tuple[int, int], tuple[Container, EngineInfo, tuple[Comparison, ...]]] = {}
_MEMO_SIZE = 4096


def compare(c: Container, engine: EngineInfo) -> tuple[Comparison, ...]:
    """Every layer, configured beside in effect (or not verifiable, with why)."""
    k = c.kernel
    if not isinstance(k, InEffect):
        return _not_verifiable(k)
    key = (id(c), id(engine))
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is c and hit[1] is engine:
        return hit[2]
    found = _all_layers(c, engine, k)
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.clear()
    _MEMO[key] = (c, engine, found)
    return found


def _all_layers(c: Container, engine: EngineInfo, k: InEffect) -> tuple[Comparison, ...]:
    found = [
        _capabilities(c, engine, k),
        _no_new_privileges(c, engine, k),
        _seccomp(c, engine, k),
        _user(c, k),
        _user_namespace(c, engine, k),
        _mac(c, engine, k),
        _namespaces(c, k),
        *_limits(c, k),
    ]
    return tuple(f for f in found if f is not None)


def unverifiable(c: Container) -> Unverifiable | None:
    """Why the kernel's view of `c` is not known here, or None when it is."""
    return None if isinstance(c.kernel, InEffect) else c.kernel


def differs(c: Container, engine: EngineInfo) -> bool:
    """Whether a layer the kernel shows differs from the configuration (the
    fleet table's marker). A service that starts as root and drops to another
    user (as the official database images do) is not marked: that is the
    root-user finding's to say, lowered."""
    return any(x.differs and (x.looser or x.layer is not Layer.USER) for x in compare(c, engine))

"""A container's `in_effect` object in the JSON report: what the kernel
enforces (model/kernel.py) and, per layer, the one comparison with the
configuration (audit/in_effect.compare) the panel and the checks use.

Every key is always present (docs/in-effect.md documents each): when the
kernel could not be read, `verifiable` is false, `reason` says why, and
the kernel's facts are null or empty."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dockertui.audit.identity import root_processes
from dockertui.audit.in_effect import cap_names, compare
from dockertui.model import Container, EngineInfo
from dockertui.model.kernel import IdMap, InEffect, ProcessView, SeccompMode

#: The kernel's facts of a container whose /proc was not read.
_UNREAD: dict[str, Any] = {
    "pid1": None,
    "processes": [],
    "capabilities": None,
    "no_new_privileges": None,
    "seccomp": None,
    "user_namespace": None,
    "mac_label": None,
    "limits": None,
    "listening": [],
    "host_namespaces": [],
}

_SECCOMP = {
    SeccompMode.DISABLED: "disabled",
    SeccompMode.STRICT: "strict",
    SeccompMode.FILTER: "filter",
}


@lru_cache(maxsize=256)
def _caps(mask: int) -> tuple[str, ...]:
    """A capability mask's sorted names; a fleet has few distinct masks."""
    return tuple(sorted(cap_names(mask)))


def _process(k: InEffect, p: ProcessView) -> dict[str, Any]:
    return {
        "pid": p.pid,
        "ns_pid": p.ns_pid,
        "command": p.command,
        "uid": k.uid_map.to_container(p.euid),
        "gid": k.gid_map.to_container(p.egid),
        "host_uid": p.euid,
        "host_gid": p.egid,
        "real_host_uid": p.uid,
        "real_host_gid": p.gid,
    }


def _ranges(m: IdMap) -> list[list[int]]:
    return [[r.inside, r.outside, r.count] for r in m.ranges]


def _facts(k: InEffect) -> dict[str, Any]:
    p = k.pid1
    root = {q.pid for q in root_processes(k)}
    lim = k.limits
    return {
        "pid1": _process(k, p),
        "processes": [{**_process(k, q), "root": q.pid in root} for q in k.processes],
        "capabilities": {
            "effective": list(_caps(p.cap_eff)),
            "permitted": list(_caps(p.cap_prm)),
            "bounding": list(_caps(p.cap_bnd)),
            "ambient": list(_caps(p.cap_amb)),
        },
        "no_new_privileges": p.no_new_privs,
        "seccomp": {
            "mode": _SECCOMP[p.seccomp] if p.seccomp is not None else None,
            "filters": p.seccomp_filters,
        },
        "user_namespace": {
            "remapped": not k.uid_map.identity,
            "host_uid_of_root": k.uid_map.to_host(0),
            "uid_map": _ranges(k.uid_map),
            "gid_map": _ranges(k.gid_map),
        },
        "mac_label": k.mac_label,
        "limits": None
        if lim is None
        else {
            "cgroup_version": lim.version,
            "memory_bytes": lim.memory,
            "pids": lim.pids,
            "cpus": lim.cpus,
        },
        "listening": [
            {"protocol": s.protocol.value, "address": s.address, "port": s.port}
            for s in k.listeners
        ],
        "host_namespaces": sorted(k.host_namespaces),
    }


def in_effect_dict(c: Container, engine: EngineInfo) -> dict[str, Any]:
    """The `in_effect` object of one container (docs/in-effect.md)."""
    k = c.kernel
    if not isinstance(k, InEffect):
        return {
            "verifiable": False,
            "reason": k.value,
            "reason_code": k.name.lower(),
            "differs": False,
            "layers": [],
            **_UNREAD,
        }
    layers = compare(c, engine)
    return {
        "verifiable": True,
        "reason": "",
        "reason_code": "",
        "differs": any(x.differs for x in layers),  # audit/in_effect.differs, once
        "layers": [
            {
                "layer": x.layer.value,
                "code": x.layer.name.lower(),
                "configured": x.configured,
                "in_effect": x.in_effect,
                "verdict": x.verdict.value,
                "looser": x.looser,
            }
            for x in layers
        ],
        **_facts(k),
    }

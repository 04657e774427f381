"""Readings of a POST /containers/create body that the teaching fleet's
crash rules use: who the process runs as, which capabilities it holds,
whether its root file system is read-only and where it may still write.
Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dockertui.audit import capabilities as caps
from dockertui.audit.identity import is_root


def host_config(body: Mapping[str, Any]) -> Mapping[str, Any]:
    host = body.get("HostConfig")
    return host if isinstance(host, Mapping) else {}


def runs_as_root(body: Mapping[str, Any]) -> bool:
    """User empty, root or uid 0 (any group): the audit's own judgement."""
    return is_root(str(body.get("User") or ""))


def uid(body: Mapping[str, Any]) -> str:
    """The user part of Config.User ("0" when empty)."""
    user = str(body.get("User") or "").partition(":")[0].strip()
    return {"": "0", "root": "0"}.get(user, user)


def capabilities(body: Mapping[str, Any]) -> frozenset[str]:
    host = host_config(body)
    return caps.effective(
        host.get("CapAdd") or (), host.get("CapDrop") or (), privileged=bool(host.get("Privileged"))
    )


def lacks(body: Mapping[str, Any], *names: str) -> list[str]:
    """The named capabilities the process would not hold, in the order given."""
    held = capabilities(body)
    return [n for n in names if n not in held]


def writable_paths(body: Mapping[str, Any]) -> set[str]:
    """Paths under a read-only root that still take writes: tmpfs mounts,
    binds and volumes (HostConfig.Tmpfs, Binds, Mounts)."""
    host = host_config(body)
    paths = set((host.get("Tmpfs") or {}).keys())
    for bind in host.get("Binds") or []:
        parts = str(bind).split(":")
        if len(parts) >= 2 and not (len(parts) > 2 and "ro" in parts[2].split(",")):
            paths.add(parts[1])
    for mount in host.get("Mounts") or []:
        if isinstance(mount, Mapping) and not mount.get("ReadOnly"):
            paths.add(str(mount.get("Target") or ""))
    return paths


def cannot_write(body: Mapping[str, Any], *paths: str) -> list[str]:
    """The paths a read-only root leaves unwritable (none when it is writable)."""
    if not host_config(body).get("ReadonlyRootfs"):
        return []
    open_paths = writable_paths(body)
    return [
        p for p in paths if not any(p == o or p.startswith(o.rstrip("/") + "/") for o in open_paths)
    ]


def security_opts(body: Mapping[str, Any]) -> list[str]:
    return [str(o) for o in host_config(body).get("SecurityOpt") or []]

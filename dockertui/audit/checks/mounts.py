"""Mounts: the Docker socket, host paths, propagation, the root file system
(CIS 5.6, 5.13, 5.20, 5.32)."""

from __future__ import annotations

import posixpath

from dockertui.audit.finding import FixKind
from dockertui.audit.registry import PASS, Hit, Outcome, container_check, fail
from dockertui.audit.severity import Severity
from dockertui.model import Container, EngineInfo, Mount

#: Sockets that hand whoever can connect full control of the engine.
ENGINE_SOCKETS = (
    "docker.sock",
    "/run/containerd/containerd.sock",
    "/run/podman/podman.sock",
)
#: Folders that hold those sockets: mounting one mounts the socket.
SOCKET_FOLDERS = ("/run", "/var/run", "/run/docker", "/var/run/docker", "/run/podman")

SENSITIVE = ("/", "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr", "/var/run", "/run")
#: Below these, every path is still a window on the host kernel.
SENSITIVE_TREES = ("/proc/", "/sys/", "/boot/")


def _norm(path: str) -> str:
    return posixpath.normpath(path) if path else ""


def _is_socket(path: str) -> bool:
    path = _norm(path)
    return path.endswith("docker.sock") or any(path.endswith(s) for s in ENGINE_SOCKETS[1:])


def _host_side(m: Mount) -> str:
    return m.source if m.type == "bind" else ""


def mount_risk(m: Mount) -> str:
    """Why the console highlights this mount: "engine socket", "socket folder",
    "sensitive host path", or "" for an ordinary mount. The same rules as the
    docker-socket and sensitive-mount checks."""
    host = _norm(_host_side(m))
    if _is_socket(host) or _is_socket(m.destination):
        return "engine socket"
    if host in SOCKET_FOLDERS:
        return "socket folder"
    if host and (host in SENSITIVE or host.startswith(SENSITIVE_TREES)):
        return "sensitive host path"
    return ""


@container_check(
    "docker-socket",
    cis="5.32",
    severity=Severity.CRITICAL,
    title="Can control the Docker engine (socket mounted)",
    why="Whoever reaches the engine's socket can start a privileged container that mounts "
    "the host's root file system: it is root on the host, read-only mount or not.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create without the socket mount; if the service must talk to Docker, "
    "put a filtering proxy that allows only the calls it needs in between.",
    section="mounts",
)
def docker_socket(c: Container, engine: EngineInfo) -> Outcome:
    hits = []
    for m in c.mounts:
        host = _norm(_host_side(m))
        if _is_socket(host) or _is_socket(m.destination):
            where = f"{m.source or '(volume)'} -> {m.destination}"
            ro = " read-only, which does not stop API calls" if m.read_only else ""
            hits.append(
                Hit(f"Mounts {where}{ro}.", command=f"remove -v {m.source}:{m.destination}")
            )
        elif host in SOCKET_FOLDERS:
            hits.append(
                Hit(
                    f"Mounts {host} -> {m.destination}, the folder that holds the engine socket.",
                    command=f"remove -v {m.source}:{m.destination}",
                )
            )
    return hits


@container_check(
    "sensitive-mount",
    cis="5.6",
    severity=Severity.HIGH,
    title="Mounts a sensitive host path",
    why="Host system folders mounted into a container let it read secrets (/etc/shadow, "
    "keys), change the host's configuration or binaries, or poke the kernel through "
    "/proc and /sys.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create without the mount, or mount only the single file needed, read-only.",
    section="mounts",
    also=(Severity.MEDIUM,),
)
def sensitive_mount(c: Container, engine: EngineInfo) -> Outcome:
    hits = []
    for m in c.mounts:
        host = _norm(_host_side(m))
        if not host or _is_socket(host):
            continue
        if host in SENSITIVE or host.startswith(SENSITIVE_TREES):
            mode = "read-only" if m.read_only else "read-write"
            hits.append(
                Hit(
                    f"Host {host} is mounted {mode} at {m.destination}.",
                    severity=Severity.MEDIUM if m.read_only else Severity.HIGH,
                    command=f"remove -v {m.source}:{m.destination}",
                )
            )
    return hits


@container_check(
    "mount-propagation",
    cis="5.20",
    severity=Severity.MEDIUM,
    title="Shares mount events with the host",
    why="With shared propagation, mounts made inside the container appear on the host and "
    "the other way round, so a compromised container can plant mounts the host will use.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create the mount with private (the default) or rslave propagation.",
    section="mounts",
)
def mount_propagation(c: Container, engine: EngineInfo) -> Outcome:
    return [
        Hit(
            f"{m.source or m.name} -> {m.destination} uses {m.propagation} propagation.",
            command=f"-v {m.source}:{m.destination}:rprivate",
        )
        for m in c.mounts
        if m.propagation in ("shared", "rshared")
    ]


@container_check(
    "rootfs-writable",
    cis="5.13",
    severity=Severity.LOW,
    title="Root file system is writable",
    why="A writable root file system lets an intruder replace binaries and drop tools that "
    "survive until the container is re-created; a read-only one makes tampering visible.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create with --read-only and a --tmpfs for each path the service writes "
    "(for example /tmp).",
    section="mounts",
)
def rootfs_writable(c: Container, engine: EngineInfo) -> Outcome:
    if c.readonly_rootfs:
        return PASS
    return fail("ReadonlyRootfs is false.", command="--read-only --tmpfs /tmp")

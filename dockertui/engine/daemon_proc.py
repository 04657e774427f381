"""Find the dockerd that serves a local unix socket, and read its settings:
its command line (/proc/<pid>/cmdline) and the configuration file it reads
(its --config-file, else /etc/docker/daemon.json).

The dockerd is the process holding the listening socket bound at that path:
/proc/<pid>/net/unix (its network namespace's /proc/net/unix) gives the
socket's inode, and that dockerd's /proc/<pid>/fd has a link to
`socket:[inode]`. Where its descriptors cannot be read (not root), a dockerd
whose -H names the path is taken, and for the default socket the only
dockerd that names no other socket: such settings are marked inferred from
the command line, not verified. Anything else, malformed /proc files
included, says why the settings are not verifiable here, in one sentence.
One pass over /proc, blocking: callers on an event loop run it in a thread."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, replace
from pathlib import Path

from dockertui.engine.procfs import socket_inodes
from dockertui.model import EngineInfo
from dockertui.model.daemon import (
    DEFAULT_CONFIG_FILE,
    DaemonSettings,
    Identified,
    config_path,
    daemon_settings,
    parse_argv,
)
from dockertui.model.proc_text import arguments, status_fields

DEFAULT_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")
_LISTENING = 0x10000  # __SO_ACCEPTCON in /proc/net/unix's Flags column


@dataclass(frozen=True)
class UnixSocket:
    inode: int
    path: str
    listening: bool


def parse_proc_net_unix(text: str) -> list[UnixSocket]:
    """The bound sockets of /proc/net/unix (unnamed ones are left out; an
    abstract name keeps its leading @). Malformed lines are skipped."""
    found = []
    for line in text.splitlines()[1:]:
        fields = line.split(None, 7)
        if len(fields) < 8:
            continue
        try:
            flags, inode = int(fields[3], 16), int(fields[6])
        except ValueError:
            continue
        found.append(UnixSocket(inode, fields[7], bool(flags & _LISTENING)))
    return found


def _read(file: Path) -> str:
    """A /proc file's text; bytes that are not UTF-8 (a process may name
    itself anything) are replaced, never an error."""
    return file.read_bytes().decode(errors="replace")


def _bound_at(proc: Path, pid: int, real: str) -> set[int]:
    """The inodes of the listening sockets bound at `real`, as the network
    namespace of process `pid` lists them (a dockerd may run in a namespace
    of its own; its socket file is still reachable here)."""
    try:
        sockets = parse_proc_net_unix(_read(proc / str(pid) / "net" / "unix"))
    except OSError:
        return set()
    name = os.path.basename(real)  # resolve only the paths that may be it
    return {
        s.inode for s in sockets if s.listening and s.path.endswith(name) and _real(s.path) == real
    }


def _real(path: str) -> str:
    return os.path.realpath(path)


def _argv(proc: Path, pid: int) -> list[str]:
    try:
        return arguments((proc / str(pid) / "cmdline").read_bytes())
    except OSError:
        return []


def _dockerds(proc: Path) -> dict[int, list[str]]:
    """pid -> argv of every process named dockerd."""
    found: dict[int, list[str]] = {}
    try:
        entries = [e for e in os.listdir(proc) if e.isdigit()]
    except OSError:
        return found
    for entry in entries:
        try:
            comm = _read(proc / entry / "comm").strip()
        except OSError:
            continue
        if comm == "dockerd":
            argv = _argv(proc, int(entry))
            if argv:
                found[int(entry)] = argv
    return found


def _holds(proc: Path, pid: int, inodes: set[int]) -> bool | None:
    """True when the process holds one of the sockets open; None when its
    descriptors cannot be read."""
    held = socket_inodes(pid, proc)
    return None if held is None else bool(held & inodes)


def _names(argv: list[str], real: str) -> bool:
    hosts = parse_argv(argv).values.get("hosts", ())
    assert isinstance(hosts, tuple)
    return any(h.startswith("unix://") and _real(h[len("unix://") :]) == real for h in hosts)


def find_dockerd(
    socket_path: str, proc: Path = Path("/proc")
) -> tuple[int, list[str], Identified] | str:
    """(pid, argv, how it was told) of the dockerd serving `socket_path`, or
    why none was found."""
    real = _real(socket_path)
    dockerds = _dockerds(proc)
    if not dockerds:
        return (
            "no dockerd process is visible from here (the engine may run on another host, "
            "in a VM, or dockertui in a container)"
        )
    bound = False
    unreadable = False
    for pid in sorted(dockerds):
        inodes = _bound_at(proc, pid, real)
        bound = bound or bool(inodes)
        held = _holds(proc, pid, inodes) if inodes else False
        if held:
            return pid, dockerds[pid], Identified.SOCKET_HOLDER
        unreadable = unreadable or held is None
    if bound and not unreadable:
        return f"the process serving {socket_path} is not a dockerd (Podman, or a forwarder)"
    named = [pid for pid, argv in dockerds.items() if _names(argv, real)]
    if len(named) == 1:
        return named[0], dockerds[named[0]], Identified.COMMAND_LINE
    if real in {_real(p) for p in DEFAULT_SOCKETS}:
        plain = [pid for pid, argv in dockerds.items() if not _other_socket(argv)]
        if len(plain) == 1:
            return plain[0], dockerds[plain[0]], Identified.COMMAND_LINE
    if unreadable:
        return f"cannot tell which dockerd serves {socket_path} without reading its descriptors"
    return f"no dockerd on this host serves {socket_path}"


def _other_socket(argv: list[str]) -> bool:
    """The dockerd names a unix socket of its own (-H unix://…) other than the
    default ones; fd:// (systemd) and tcp hosts leave the default in doubt."""
    hosts = parse_argv(argv).values.get("hosts", ())
    assert isinstance(hosts, tuple)
    defaults = {_real(p) for p in DEFAULT_SOCKETS}
    return any(
        h.startswith("unix://") and _real(h[len("unix://") :]) not in defaults for h in hosts
    )


def read_daemon(socket_path: str, proc: Path = Path("/proc")) -> DaemonSettings | str:
    """The settings of the dockerd serving `socket_path`, or why they are not
    verifiable here (one sentence). A missing configuration file is no error:
    it sets nothing."""
    found = find_dockerd(socket_path, proc)
    if isinstance(found, str):
        return f"Settings not verifiable here: {found}."
    pid, argv, identified = found
    try:
        default = _default_config(proc, pid)
    except ValueError as err:
        return f"Settings not verifiable here: {err}."
    path = config_path(argv, default)
    # The file as dockerd sees it (its root, and its working directory for a
    # relative --config-file); where that is closed to us, the path as it is here.
    base = proc / str(pid) / ("root" if os.path.isabs(path) else "cwd")
    text: str | None = None
    for file in (base / path.lstrip("/"), Path(path)):
        try:
            text = file.read_text(errors="replace")
        except FileNotFoundError:
            break
        except PermissionError:
            continue
        except OSError as err:
            return f"Settings not verifiable here: cannot read {path} ({err.strerror or err})."
        break
    else:
        return f"Settings not verifiable here: no permission to read {path}."
    return daemon_settings(pid, argv, text, default, identified)


_ROOTLESS_UNKNOWN = (
    "cannot tell which configuration file this rootless dockerd reads (its environment "
    "is not readable)"
)


def _default_config(proc: Path, pid: int) -> str:
    """The file dockerd reads without --config-file: /etc/docker/daemon.json,
    or for a rootless dockerd (not running as host root)
    $XDG_CONFIG_HOME/docker/daemon.json, ~/.config/docker/daemon.json by
    default. ValueError, saying why, when that cannot be told."""
    try:
        status = _read(proc / str(pid) / "status")
    except OSError:
        return DEFAULT_CONFIG_FILE  # the owner is unknown: the usual rootful case
    uids = status_fields(status).get("Uid")
    real = (uids or "").split()[:1]
    if not real or not real[0].isdecimal():
        raise ValueError(f"/proc/{pid}/status has no readable Uid line (a truncated file)")
    if real[0] == "0":
        return DEFAULT_CONFIG_FILE
    try:
        raw = (proc / str(pid) / "environ").read_bytes()
    except OSError:
        raise ValueError(_ROOTLESS_UNKNOWN) from None
    env = dict(e.decode(errors="replace").partition("=")[::2] for e in raw.split(b"\0") if e)
    home = env.get("XDG_CONFIG_HOME") or (env["HOME"] + "/.config" if env.get("HOME") else "")
    if not home:
        raise ValueError(_ROOTLESS_UNKNOWN)
    return f"{home}/docker/daemon.json"


async def read_settings(socket_path: str | None) -> DaemonSettings | str:
    """`read_daemon` off the event loop, for a unix socket endpoint; for any
    other, why the settings are not verifiable here."""
    if socket_path is None:
        return ""  # with_settings says why, from the transport
    return await asyncio.to_thread(read_daemon, socket_path)


def with_settings(engine: EngineInfo, found: DaemonSettings | str, transport: str) -> EngineInfo:
    """`engine` with the settings read (or the reason they were not)."""
    if engine.podman:
        found = "Settings not verifiable here: Podman has no dockerd command line or daemon.json."
    elif transport != "unix":
        found = (
            f"Settings not verifiable here: the engine is reached over {transport}, so its "
            "command line and daemon.json are on another host."
        )
    if isinstance(found, str):
        return replace(engine, daemon=None, daemon_unread=found)
    return replace(engine, daemon=found, daemon_unread="")

"""Read what the kernel enforces for each running container, from /proc and
the cgroup file system of this host (the parsing is `model/proc_text.py`).

Only for a local engine whose containers' processes are visible here
(`procfs.members`). Each container's answer is an `InEffect`, or the
`Unverifiable` reason it could not be read: nothing is guessed."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dockertui.engine.procfs import SharedWalk, command_of, members, socket_inodes
from dockertui.engine.sock_diag import listening
from dockertui.model.kernel import (
    NAMESPACE_KINDS,
    CgroupLimits,
    Firewall,
    HostView,
    InEffect,
    Listener,
    ProcessView,
    Protocol,
    Unverifiable,
)
from dockertui.model.proc_text import (
    cgroup_paths,
    host_interfaces,
    id_map,
    limits_v1,
    limits_v2,
    listeners,
    mac_label,
    process_from_status,
    ufw_enabled,
)

PROC = Path("/proc")
CGROUP = Path("/sys/fs/cgroup")
_SOCKET_TABLES = (
    ("tcp", Protocol.TCP),
    ("tcp6", Protocol.TCP),
    ("udp", Protocol.UDP),
    ("udp6", Protocol.UDP),
)

Facts = InEffect | Unverifiable


@dataclass(frozen=True)
class FleetRead:
    """One pass over /proc: command lines (the sshd check) and the kernel's
    view of each container whose processes were found."""

    commands: dict[str, tuple[str, ...]] = field(default_factory=dict)
    facts: dict[str, Facts] = field(default_factory=dict)
    #: This host, once a container's processes prove the engine runs on it.
    host: HostView | None = None


def _reason(err: OSError) -> Unverifiable:
    if isinstance(err, PermissionError) or err.errno in (errno.EACCES, errno.EPERM):
        return Unverifiable.NO_PERMISSION
    return Unverifiable.VANISHED


def _text(path: str) -> str:
    """A /proc or cgroup file whole. (String paths: this runs some twenty
    times per container, and pathlib's joins cost more than the reads.)"""
    with open(path, "rb") as f:
        return f.read().decode(errors="replace")


def _namespaces(pid: int | str, proc: Path, *, strict: bool = False) -> dict[str, str]:
    """The namespace ids of a process by kind. `strict`: a link this user may
    not read raises (a container's: its facts would be half known), where a
    kind the kernel lacks is left out."""
    found = {}
    base = f"{proc}/{pid}/ns/"
    for kind in NAMESPACE_KINDS:
        try:
            found[kind] = os.readlink(base + kind)
        except PermissionError:
            if strict:
                raise
        except OSError:
            continue
    return found


def _mac(folder: str) -> str | None:
    """The LSM label: AppArmor's own file first (stacked LSMs), then the
    shared one. EINVAL (no LSM that keeps a label) is None."""
    for path in (f"{folder}/attr/apparmor/current", f"{folder}/attr/current"):
        try:
            with open(path, "rb") as f:
                return mac_label(f.read()) or None
        except FileNotFoundError:
            continue
        except OSError as err:
            if err.errno == errno.EINVAL:
                continue
            raise
    return None


def _first(root: Path, names: Iterable[str], rel: str, filename: str) -> str:
    for name in names:
        folder = f"{root}/{name}" if name else str(root)
        try:
            return _text(f"{folder}/{rel.strip('/')}/{filename}".replace("//", "/"))
        except FileNotFoundError:
            continue
    raise FileNotFoundError(filename)


def _limits(cgroup_text: str, root: Path) -> CgroupLimits | None:
    """The cgroup limits of the container, v1 (a memory controller of its
    own) or v2 (the unified hierarchy); None when the files are not there."""
    try:
        paths = cgroup_paths(cgroup_text)
        if "memory" in paths:
            return limits_v1(
                _first(root, ["memory"], paths["memory"], "memory.limit_in_bytes"),
                _first(root, ["pids"], paths.get("pids", paths["memory"]), "pids.max"),
                _first(root, ["cpu", "cpu,cpuacct"], paths.get("cpu", ""), "cpu.cfs_quota_us"),
                _first(root, ["cpu", "cpu,cpuacct"], paths.get("cpu", ""), "cpu.cfs_period_us"),
            )
        rel = paths.get("", "")
        return limits_v2(
            _first(root, [""], rel, "memory.max"),
            _first(root, [""], rel, "pids.max"),
            _first(root, [""], rel, "cpu.max"),
        )
    except (OSError, ValueError):
        return None


def _held_sockets(pids: Iterable[int], proc: Path) -> set[int]:
    """The socket inodes the processes hold open. A process this user may not
    look into raises PermissionError: its sockets would be unknown, not none."""
    inodes: set[int] = set()
    for pid in pids:
        inodes |= socket_inodes(pid, proc, strict=True) or set()
    return inodes


#: Socket tables already read in this pass, by network namespace: the
#: containers on one network (the host's, or `--network container:x`) share them.
Tables = dict[str, tuple[Listener, ...]]


def _netns_table(pid1: int, proc: Path) -> tuple[Listener, ...]:
    """Every listening or bound socket of PID 1's network namespace, asked
    through netlink (sock_diag.py) where dockertui may enter the namespace,
    else read from /proc/<pid>/net/*. Each of those files costs the kernel a
    walk of its whole connection hash (some 2 ms for tcp and for tcp6 on a
    small host), so either way this is done once per namespace, and only for
    containers that hold a socket at all."""
    asked = listening(proc / str(pid1) / "ns" / "net")
    if asked is not None:
        return asked
    found: list[Listener] = []
    for name, protocol in _SOCKET_TABLES:
        try:
            table = (proc / str(pid1) / "net" / name).read_text()
        except FileNotFoundError:
            continue  # no IPv6 in this kernel
        found.extend(listeners(table, protocol))
    return tuple(found)


def _listeners(
    pid1: int, pids: list[int], proc: Path, tables: Tables, netns: str | None, shared: bool
) -> tuple[Listener, ...]:
    """The sockets of PID 1's network namespace that are the container's.
    A container holding no socket has none (most do not: the table is then
    not asked for at all). A namespace of its own holds only its sockets
    (and those of containers joining it with --network container:, reached
    at the same address): its whole table is taken. In one shared with the
    host, only the sockets a process of the container holds open."""
    held = _held_sockets(pids, proc)
    if not held:
        return ()
    key = netns or f"pid:{pid1}"
    if key not in tables:
        tables[key] = _netns_table(pid1, proc)
    if not shared:
        return tuple(dict.fromkeys(tables[key]))
    return tuple(dict.fromkeys(s for s in tables[key] if s.inode in held))


def read_container(
    pids: list[int],
    *,
    proc: Path = PROC,
    cgroup: Path = CGROUP,
    host_ns: dict[str, str],
    tables: Tables | None = None,
    lsm: bool = True,
    container_id: str = "",
) -> Facts:
    """The kernel's view of one container whose processes are `pids`
    (`container_id`, when given, must still name PID 1's cgroup: a PID that
    was reused since the processes were listed is not taken for it)."""
    views: list[ProcessView] = []
    for pid in pids:
        command = command_of(pid, proc)
        try:
            status = _text(f"{proc}/{pid}/status")
            views.append(process_from_status(pid, command or "", status))
        except OSError as err:
            if _reason(err) is Unverifiable.NO_PERMISSION:
                return Unverifiable.NO_PERMISSION
            continue  # this one exited meanwhile
        except ValueError:
            continue  # cut short as it exited
    if not views:
        return Unverifiable.VANISHED
    own = {v.pid for v in views}
    pid1 = next((v for v in views if v.ns_pid == 1), None) or next(
        (v for v in views if v.ppid not in own), views[0]
    )
    folder = f"{proc}/{pid1.pid}"
    try:
        uid_map = id_map(_text(f"{folder}/uid_map"))
        gid_map = id_map(_text(f"{folder}/gid_map"))
        label = _mac(folder) if lsm else None
        cgroup_text = _text(f"{folder}/cgroup")
        if container_id and container_id not in cgroup_text:
            return Unverifiable.VANISHED  # PID 1 exited and its number was reused
        mine = _namespaces(pid1.pid, proc, strict=True)
        shared = frozenset(k for k, v in mine.items() if host_ns.get(k) == v)
        pids_seen = [v.pid for v in views]
        sockets = _listeners(pid1.pid, pids_seen, proc, {} if tables is None else tables,
                             mine.get("net"), "net" in shared)  # fmt: skip
    except OSError as err:
        return _reason(err)
    except ValueError:
        return Unverifiable.VANISHED
    return InEffect(
        pid1=pid1,
        processes=(pid1, *(v for v in views if v is not pid1)),
        uid_map=uid_map,
        gid_map=gid_map,
        mac_label=label,
        limits=_limits(cgroup_text, cgroup),
        listeners=sockets,
        host_namespaces=shared,
    )


def read_fleet(
    container_ids: Iterable[str],
    *,
    proc: Path = PROC,
    cgroup: Path = CGROUP,
    walk: SharedWalk | None = None,
) -> FleetRead:
    """Command lines and kernel facts for the running containers among
    `container_ids` whose processes this host shows. Absent ids: not visible.
    `walk`: the walk over /proc this pass shares with other engines' passes."""
    found = members(container_ids, proc) if walk is None else walk.members(container_ids, proc)
    if not found:
        return FleetRead()
    # The host's namespaces are its first process's; where even root may not
    # read those (a sandboxed init), dockertui's own, as it runs on the host.
    host_ns = _namespaces("self", proc) | _namespaces(1, proc)
    commands: dict[str, tuple[str, ...]] = {}
    facts: dict[str, Facts] = {}
    tables: Tables = {}
    # No LSM keeps labels on this host when dockertui's own has none: then
    # no container's has either, and two failed opens each are saved.
    try:
        lsm = _mac(f"{proc}/self") is not None
    except OSError:
        lsm = True  # say what each container's own file says
    for cid, pids in found.items():
        try:
            fact = read_container(
                pids, proc=proc, cgroup=cgroup, host_ns=host_ns, tables=tables, lsm=lsm,
                container_id=cid,
            )  # fmt: skip
        except Exception:  # one odd /proc file must not end the scan
            fact = Unverifiable.VANISHED
        facts[cid] = fact
        if isinstance(fact, InEffect):
            commands[cid] = tuple(p.command for p in fact.processes)
        else:
            listed = tuple(c for c in (command_of(p, proc) for p in pids) if c is not None)
            if listed:
                commands[cid] = listed
    return FleetRead(commands, facts, _host(proc) if facts else None)


def _host(proc: Path) -> HostView | None:
    """read_host, or None (no host claims) when its files are not what the
    kernel writes."""
    try:
        return read_host(proc)
    except (OSError, ValueError):
        return None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def read_host(proc: Path = PROC, *, etc: Path = Path("/etc"), run: Path = Path("/run")) -> HostView:
    """This host's addresses (from its first process's network namespace)
    and the firewall front-ends whose rules Docker's published ports skip."""
    net = proc / "1" / "net"
    interfaces = host_interfaces(
        _read(net / "fib_trie"), _read(net / "route"), _read(net / "if_inet6")
    )
    firewalls = []
    if ufw_enabled(_read(etc / "ufw" / "ufw.conf")):
        firewalls.append(Firewall.UFW)
    pid = _read(run / "firewalld.pid").strip()
    if pid.isdecimal() and (proc / pid).exists():
        firewalls.append(Firewall.FIREWALLD)
    last = _read(proc / "sys" / "kernel" / "cap_last_cap").strip()
    return HostView(interfaces, tuple(firewalls), int(last) if last.isdecimal() else None)

"""Parsers for the /proc and cgroup files the in-effect facts come from.

Pure: each takes the text of one file (as read by `engine/kernel_facts.py`,
or captured in the test fixtures) and returns data, or raises ValueError
when the text is not what the kernel writes (a truncated or foreign file):
the reader then says "not verifiable", it never guesses."""

from __future__ import annotations

import ipaddress
import re

from dockertui.model.kernel import (
    CgroupLimits,
    HostInterface,
    IdMap,
    IdRange,
    Listener,
    ProcessView,
    Protocol,
    SeccompMode,
)

#: /proc/<pid>/status fields a ProcessView needs; all are in every kernel
#: since 4.x except NoNewPrivs (4.10), Seccomp_filters (5.9) and NSpid (4.1).
_REQUIRED = ("Uid", "Gid", "CapEff", "CapPrm", "CapBnd")


#: The status lines a ProcessView is made of (a status file has some fifty).
_WANTED = re.compile(
    r"^(Uid|Gid|CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters|NSpid|PPid):"
    r"[ \t]*(.*?)[ \t]*$",
    re.MULTILINE,
)


def status_fields(text: str) -> dict[str, str]:
    """The lines of /proc/<pid>/status that dockertui reads, by name."""
    return dict(_WANTED.findall(text))


def _ids(value: str, what: str) -> tuple[int, int]:
    parts = value.split()
    if len(parts) < 2 or not all(p.isdecimal() for p in parts[:2]):
        raise ValueError(f"{what} is not a list of ids: {value!r}")
    return int(parts[0]), int(parts[1])


def _mask(value: str, what: str) -> int:
    try:
        return int(value, 16)
    except ValueError:
        raise ValueError(f"{what} is not a hexadecimal mask: {value!r}") from None


def _optional_int(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdecimal() else None


def process_from_status(pid: int, command: str, text: str) -> ProcessView:
    """A ProcessView from /proc/<pid>/status; ValueError when it is incomplete."""
    fields = status_fields(text)
    missing = [k for k in _REQUIRED if k not in fields]
    if missing:
        raise ValueError(f"/proc/{pid}/status lacks {', '.join(missing)}")
    uid, euid = _ids(fields["Uid"], "Uid")
    gid, egid = _ids(fields["Gid"], "Gid")
    seccomp = _optional_int(fields.get("Seccomp"))
    nnp = _optional_int(fields.get("NoNewPrivs"))
    nspid = fields.get("NSpid", "").split()
    return ProcessView(
        pid=pid,
        command=command,
        uid=uid,
        euid=euid,
        gid=gid,
        egid=egid,
        cap_eff=_mask(fields["CapEff"], "CapEff"),
        cap_prm=_mask(fields["CapPrm"], "CapPrm"),
        cap_bnd=_mask(fields["CapBnd"], "CapBnd"),
        cap_amb=_mask(fields.get("CapAmb", "0"), "CapAmb"),
        no_new_privs=None if nnp is None else nnp == 1,
        seccomp=SeccompMode(seccomp) if seccomp in (0, 1, 2) else None,
        seccomp_filters=_optional_int(fields.get("Seccomp_filters")),
        ns_pid=int(nspid[-1]) if nspid and nspid[-1].isdecimal() else None,
        ppid=_optional_int(fields.get("PPid")),
    )


def arguments(raw: bytes) -> list[str]:
    """/proc/<pid>/cmdline (NUL-separated) as its arguments; [] when empty
    (a kernel thread, a zombie)."""
    trimmed = raw.rstrip(b"\0")
    return [a.decode(errors="replace") for a in trimmed.split(b"\0")] if trimmed else []


def command_line(raw: bytes) -> str:
    """/proc/<pid>/cmdline (NUL-separated) as one line."""
    return " ".join(arguments(raw))


def id_map(text: str) -> IdMap:
    """/proc/<pid>/uid_map or gid_map: "inside outside count" per line."""
    ranges = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3 or not all(p.isdecimal() for p in parts):
            raise ValueError(f"not an id map line: {line!r}")
        ranges.append(IdRange(int(parts[0]), int(parts[1]), int(parts[2])))
    if not ranges:
        raise ValueError("an empty id map")
    return IdMap(tuple(ranges))


def mac_label(raw: bytes) -> str:
    """/proc/<pid>/attr/current: "docker-default (enforce)", "unconfined",
    or an SELinux context, NUL- and newline-terminated."""
    return raw.rstrip(b"\0\n").decode(errors="replace").strip()


#: TCP state LISTEN and UDP state CLOSE (bound, unconnected) in /proc/net/*.
_LISTEN = "0A"
_UDP_BOUND = "07"


def _address(hex_addr: str) -> str:
    """A /proc/net address: 8 hex digits (IPv4) or 32 (IPv6), each 32-bit
    word in the host's byte order (little-endian on the machines we run on)."""
    if len(hex_addr) == 8:
        return str(ipaddress.IPv4Address(bytes.fromhex(hex_addr)[::-1]))
    if len(hex_addr) == 32:
        words = [bytes.fromhex(hex_addr[i : i + 8])[::-1] for i in range(0, 32, 8)]
        addr = ipaddress.IPv6Address(b"".join(words))
        return str(addr.ipv4_mapped) if addr.ipv4_mapped else str(addr)
    raise ValueError(f"not a /proc/net address: {hex_addr!r}")


def listeners(text: str, protocol: Protocol) -> tuple[Listener, ...]:
    """The listening (TCP) or bound (UDP) sockets of /proc/<pid>/net/{tcp,tcp6,udp,udp6}."""
    lines = text.splitlines()
    if not lines or "local_address" not in lines[0]:
        raise ValueError("not a /proc/net socket table")
    wanted = _LISTEN if protocol is Protocol.TCP else _UDP_BOUND
    found = []
    for line in lines[1:]:
        parts = line.split()
        if len(parts) < 10:
            continue  # a line cut short by a truncated read
        local, state, inode = parts[1], parts[3], parts[9]
        if state != wanted or ":" not in local or not inode.isdecimal():
            continue
        addr, _, port = local.rpartition(":")
        found.append(Listener(protocol, _address(addr), int(port, 16), int(inode)))
    return tuple(found)


_SOCKET_LINK = re.compile(r"socket:\[(\d+)\]")


def socket_inode(link: str) -> int | None:
    """The inode of a /proc/<pid>/fd/<n> link to a socket, else None."""
    match = _SOCKET_LINK.fullmatch(link)
    return int(match.group(1)) if match else None


def cgroup_paths(text: str) -> dict[str, str]:
    """/proc/<pid>/cgroup: controller -> path; cgroup v2's single line is
    under "" ("0::/system.slice/docker-<id>.scope")."""
    paths: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for controller in parts[1].split(",") if parts[1] else [""]:
            paths[controller] = parts[2]
    if not paths:
        raise ValueError("not a /proc/<pid>/cgroup file")
    return paths


#: cgroup v1 writes "no limit" as the largest page-aligned value.
_V1_UNLIMITED = 1 << 62


def _limit(value: str) -> int | None:
    value = value.strip()
    if value == "max":
        return None
    if not value.lstrip("-").isdecimal():
        raise ValueError(f"not a cgroup limit: {value!r}")
    number = int(value)
    return None if number < 0 or number >= _V1_UNLIMITED else number


def limits_v2(memory_max: str, pids_max: str, cpu_max: str) -> CgroupLimits:
    """memory.max, pids.max and cpu.max of a cgroup v2 directory."""
    quota, _, period = cpu_max.strip().partition(" ")
    return CgroupLimits(
        version=2,
        memory=_limit(memory_max),
        pids=_limit(pids_max),
        cpu_quota=_limit(quota),
        cpu_period=int(period) if period.isdecimal() else 100_000,
    )


def limits_v1(memory_limit: str, pids_max: str, cfs_quota: str, cfs_period: str) -> CgroupLimits:
    """memory.limit_in_bytes, pids.max, cpu.cfs_quota_us and cpu.cfs_period_us."""
    period = cfs_period.strip()
    return CgroupLimits(
        version=1,
        memory=_limit(memory_limit),
        pids=_limit(pids_max),
        cpu_quota=_limit(cfs_quota),
        cpu_period=int(period) if period.isdecimal() else 100_000,
    )


def _routes(route_text: str) -> list[tuple[str, ipaddress.IPv4Network]]:
    found = []
    for line in route_text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 8:
            continue
        try:
            dest = ipaddress.IPv4Address(bytes.fromhex(parts[1])[::-1])
            mask = ipaddress.IPv4Address(bytes.fromhex(parts[7])[::-1])
            found.append((parts[0], ipaddress.IPv4Network(f"{dest}/{mask}", strict=False)))
        except ValueError:
            continue
    return found


def host_interfaces(fib_trie: str, route: str, if_inet6: str = "") -> tuple[HostInterface, ...]:
    """The host's own addresses with their interfaces: IPv4 from the local
    routes of /proc/net/fib_trie named through /proc/net/route, IPv6 (global
    scope only) from /proc/net/if_inet6."""
    local: list[str] = []
    previous = ""
    for line in fib_trie.splitlines():
        stripped = line.strip()
        if stripped.startswith("|--"):
            previous = stripped[3:].strip()
        elif stripped == "/32 host LOCAL" and previous and previous not in local:
            local.append(previous)
    routes = _routes(route)
    found = []
    for text_addr in local:
        addr = ipaddress.IPv4Address(text_addr)
        if addr.is_loopback:
            name = "lo"
        else:
            matches = [(net.prefixlen, dev) for dev, net in routes if addr in net and net.prefixlen]
            name = max(matches)[1] if matches else "?"
        found.append(HostInterface(name, text_addr))
    for line in if_inet6.splitlines():
        parts = line.split()
        if len(parts) != 6 or len(parts[0]) != 32 or parts[3] != "00":
            continue  # link-local (20), site (40) and host (10, ::1) scopes left out
        addr6 = ipaddress.IPv6Address(bytes.fromhex(parts[0]))
        found.append(HostInterface(parts[5], str(addr6)))
    return tuple(found)


def ufw_enabled(conf: str) -> bool:
    """/etc/ufw/ufw.conf says ENABLED=yes."""
    for line in conf.splitlines():
        key, _, value = line.strip().partition("=")
        if key.strip() == "ENABLED":
            return value.strip().strip("'\"").lower() == "yes"
    return False

"""What the kernel enforces for a running container, as opposed to what its
inspect document promises: read from /proc by `engine/kernel_facts.py`,
parsed by `model/proc_text.py`, judged by `audit/in_effect.py`.

A container carries either an `InEffect` (read and verified here) or an
`Unverifiable` reason: then every judgement uses its configuration only,
and says so, never guesses."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Unverifiable(Enum):
    """Why the kernel's view of a container could not be read. The value is
    the sentence the panel and the reports show after "not verifiable here:"."""

    NOT_READ = "dockertui did not read it"
    REMOTE = "the engine is not on this host"
    NOT_RUNNING = "the container is not running"
    NOT_VISIBLE = (
        "its processes are not visible from here (a forwarded socket, a simulated "
        "engine, or dockertui inside a container)"
    )
    NO_PERMISSION = "dockertui may not read its processes' /proc files (run it as root)"
    VANISHED = "its processes exited while dockertui read them"

    @property
    def sentence(self) -> str:
        return f"not verifiable here: {self.value}"


class SeccompMode(Enum):
    """The Seccomp field of /proc/<pid>/status."""

    DISABLED = 0
    STRICT = 1
    FILTER = 2


@dataclass(frozen=True)
class ProcessView:
    """One process of the container as the host's kernel sees it. User and
    group ids are the host's (a remapped container root shows as its host
    UID); `IdMap.to_container` turns them back."""

    pid: int
    command: str
    uid: int  # real
    euid: int  # effective
    gid: int
    egid: int
    cap_eff: int  # bit masks, bit n = capability number n
    cap_prm: int
    cap_bnd: int
    cap_amb: int
    no_new_privs: bool | None  # None: the kernel does not report it
    seccomp: SeccompMode | None
    seccomp_filters: int | None
    ns_pid: int | None  # its PID inside the container's PID namespace (NSpid)
    ppid: int | None = None


@dataclass(frozen=True)
class IdRange:
    inside: int
    outside: int
    count: int


@dataclass(frozen=True)
class IdMap:
    """A uid_map or gid_map: ranges of container ids and the host ids they are."""

    ranges: tuple[IdRange, ...]

    @property
    def identity(self) -> bool:
        """No user namespace in effect: every id is itself on the host."""
        return all(r.inside == r.outside for r in self.ranges) and bool(self.ranges)

    def to_host(self, inside: int) -> int | None:
        for r in self.ranges:
            if r.inside <= inside < r.inside + r.count:
                return r.outside + inside - r.inside
        return None

    def to_container(self, outside: int) -> int | None:
        for r in self.ranges:
            if r.outside <= outside < r.outside + r.count:
                return r.inside + outside - r.outside
        return None


class Protocol(Enum):
    TCP = "tcp"
    UDP = "udp"


@dataclass(frozen=True)
class Listener:
    """A socket a process of the container listens on (TCP) or is bound to (UDP)."""

    protocol: Protocol
    address: str  # "0.0.0.0", "::", "127.0.0.1", ...
    port: int
    inode: int = 0

    @property
    def all_interfaces(self) -> bool:
        return self.address in ("0.0.0.0", "::")

    @property
    def loopback(self) -> bool:
        return self.address.startswith("127.") or self.address in ("::1", "::ffff:127.0.0.1")

    def describe(self) -> str:
        where = f"[{self.address}]" if ":" in self.address else self.address
        return f"{where}:{self.port}/{self.protocol.value}"


@dataclass(frozen=True)
class CgroupLimits:
    """The limits the container's cgroup enforces; None is unlimited."""

    version: int  # 1 or 2
    memory: int | None  # bytes
    pids: int | None
    cpu_quota: int | None  # microseconds of CPU time per period
    cpu_period: int = 100_000

    @property
    def cpus(self) -> float | None:
        return None if self.cpu_quota is None else self.cpu_quota / self.cpu_period


#: The namespaces compared with the host's (/proc/<pid>/ns/<kind>).
NAMESPACE_KINDS = ("net", "pid", "ipc", "uts", "user", "cgroup")


@dataclass(frozen=True)
class InEffect:
    """Everything the kernel says about one running container."""

    pid1: ProcessView
    processes: tuple[ProcessView, ...]  # every process, PID 1 first
    uid_map: IdMap
    gid_map: IdMap
    mac_label: str | None  # attr/current; None when no AppArmor or SELinux is active
    limits: CgroupLimits | None  # None: the cgroup files could not be read
    listeners: tuple[Listener, ...]
    host_namespaces: frozenset[str]  # the NAMESPACE_KINDS it shares with the host

    def container_uid(self, p: ProcessView) -> int | None:
        """The process's effective user id as the container sees it."""
        return self.uid_map.to_container(p.euid)


@dataclass(frozen=True)
class HostInterface:
    name: str
    address: str

    @property
    def loopback(self) -> bool:
        return self.name == "lo" or self.address.startswith("127.") or self.address == "::1"


class Firewall(Enum):
    """Host firewalls that Docker's own iptables rules go around."""

    UFW = "ufw"
    FIREWALLD = "firewalld"


@dataclass(frozen=True)
class HostView:
    """The engine's host as seen from here: its addresses and its firewall."""

    interfaces: tuple[HostInterface, ...]
    firewalls: tuple[Firewall, ...] = ()
    cap_last_cap: int | None = None  # the highest capability number the kernel knows

    @property
    def reachable(self) -> tuple[HostInterface, ...]:
        """The interfaces a 0.0.0.0 binding reaches from outside the host."""
        return tuple(i for i in self.interfaces if not i.loopback)

    def reached_by(self, address: str) -> tuple[HostInterface, ...]:
        """The outside interfaces a socket bound to `address` answers on:
        0.0.0.0 the IPv4 ones, :: all of them (dual stack), else the one."""
        if address == "0.0.0.0":
            return tuple(i for i in self.reachable if ":" not in i.address)
        if address == "::":
            return self.reachable
        return tuple(i for i in self.interfaces if i.address == address)

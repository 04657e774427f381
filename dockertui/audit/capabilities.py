"""The one capability table: every Linux capability, what it lets a process
do, which sets the engines grant by default, and the effective-set rule."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

#: Every capability the kernel knows (capabilities(7)), with one plain line
#: on what holding it allows. Names carry no CAP_ prefix.
CAPABILITIES: dict[str, str] = {
    "AUDIT_CONTROL": "change the kernel audit rules, hiding what an attacker does",
    "AUDIT_READ": "read the kernel audit log of the whole host",
    "AUDIT_WRITE": "write records into the host's kernel audit log",
    "BLOCK_SUSPEND": "keep the host from suspending",
    "BPF": "load eBPF programs into the host kernel",
    "CHECKPOINT_RESTORE": "checkpoint and restore processes, reading their memory",
    "CHOWN": "change the owner of any file it can reach",
    "DAC_OVERRIDE": "read, write and execute any file regardless of its permissions",
    "DAC_READ_SEARCH": "read any file on mounted file systems by handle, the trick "
    "behind the 'shocker' escape",
    "FOWNER": "act as the owner of any file it can reach",
    "FSETID": "keep set-user-ID bits when it modifies files",
    "IPC_LOCK": "lock memory so the host cannot swap it",
    "IPC_OWNER": "bypass permission checks on System V IPC objects",
    "KILL": "send signals to processes it does not own",
    "LEASE": "take leases on files it does not own",
    "LINUX_IMMUTABLE": "clear the immutable and append-only flags on files",
    "MAC_ADMIN": "change the AppArmor or SELinux policy that confines it",
    "MAC_OVERRIDE": "ignore the AppArmor or SELinux policy that confines it",
    "MKNOD": "create device files, a route to raw disks",
    "NET_ADMIN": "reconfigure networking: interfaces, routes, firewall rules, sniffing "
    "(with host networking, the host's own)",
    "NET_BIND_SERVICE": "listen on ports below 1024",
    "NET_BROADCAST": "send broadcast and multicast traffic",
    "NET_RAW": "open raw sockets: spoof packets and ARP-poison neighbours on the bridge",
    "PERFMON": "use perf and eBPF tracing to watch the host kernel",
    "SETFCAP": "give files capabilities that processes gain when they run them",
    "SETGID": "switch to any group id",
    "SETPCAP": "grant its own capabilities to other processes",
    "SETUID": "switch to any user id",
    "SYSLOG": "read and clear the kernel log, which leaks kernel addresses",
    "SYS_ADMIN": "mount file systems, use namespaces and much more: the usual road "
    "out of a container",
    "SYS_BOOT": "reboot the host or load a new kernel",
    "SYS_CHROOT": "use chroot",
    "SYS_MODULE": "load kernel modules, which is full control of the host kernel",
    "SYS_NICE": "raise its priority and starve other workloads",
    "SYS_PACCT": "switch process accounting on or off",
    "SYS_PTRACE": "trace and inject code into other processes (the host's, with host PID)",
    "SYS_RAWIO": "read and write raw I/O ports and kernel memory",
    "SYS_RESOURCE": "break through resource limits and quotas",
    "SYS_TIME": "change the host's clock, breaking logs, TLS and Kerberos",
    "SYS_TTY_CONFIG": "reconfigure terminals",
    "WAKE_ALARM": "set alarms that wake the host",
}

ALL = frozenset(CAPABILITIES)

#: The capabilities by number (linux/capability.h): bit n of a /proc status
#: mask (CapEff, CapBnd, ...) is BY_BIT[n].
BY_BIT: tuple[str, ...] = (
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
    "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
    "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
    "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
    "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
    "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
)  # fmt: skip

#: Docker's default set (what a container holds with no --cap-add/--cap-drop).
DOCKER_DEFAULT = frozenset(
    {
        "CHOWN",
        "DAC_OVERRIDE",
        "FSETID",
        "FOWNER",
        "MKNOD",
        "NET_RAW",
        "SETGID",
        "SETUID",
        "SETFCAP",
        "SETPCAP",
        "NET_BIND_SERVICE",
        "SYS_CHROOT",
        "KILL",
        "AUDIT_WRITE",
    }
)

#: Podman grants Docker's set minus AUDIT_WRITE, MKNOD and NET_RAW, but its
#: Docker-compatible API reports CapAdd/CapDrop relative to Docker's set (a
#: default Podman container shows CapDrop [AUDIT_WRITE, MKNOD, NET_RAW]; seen
#: on Podman 4.3 and checked against CapEff in tests/integration), so one rule
#: serves both engines.

#: Capabilities that give a container a real path to the host, worst first.
#: cap-dangerous raises critical for those in CRITICAL_CAPS, high otherwise.
DANGEROUS = (
    "SYS_ADMIN",
    "SYS_MODULE",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "DAC_READ_SEARCH",
    "NET_ADMIN",
    "SYS_BOOT",
    "SYS_TIME",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "BPF",
    "PERFMON",
)
CRITICAL_CAPS = frozenset({"SYS_ADMIN", "SYS_MODULE"})

#: Drop these unless the service needs them on purpose: the list
#: cap-not-dropped looks for and the "drop capabilities" fix applies.
HARDENING_DROP = (
    "AUDIT_CONTROL",
    "AUDIT_WRITE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "MKNOD",
    "SETFCAP",
    "SETPCAP",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_MODULE",
    "SYS_NICE",
    "SYS_PACCT",
    "SYS_RAWIO",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "NET_RAW",
)


def normalize(name: str) -> str:
    """'cap_sys_admin', 'CAP_SYS_ADMIN' and 'sys_admin' all become 'SYS_ADMIN'."""
    upper = name.strip().upper()
    return upper[4:] if upper.startswith("CAP_") else upper


def normalize_all(names: Iterable[str]) -> frozenset[str]:
    return frozenset(normalize(n) for n in names if n.strip())


def effective(
    cap_add: Iterable[str], cap_drop: Iterable[str], *, privileged: bool = False
) -> frozenset[str]:
    """The capability set the container's processes start with.

    (privileged ? all : default) - CapDrop + CapAdd, where ALL in CapDrop
    empties the set first and ALL in CapAdd means every capability. As in
    moby's TweakCapabilities: a privileged container gets every capability
    whatever it drops, and ALL in CapAdd still honours the other drops.
    """
    add = normalize_all(cap_add)
    drop = normalize_all(cap_drop)
    if privileged:
        return ALL
    if "ALL" in add:
        return ALL - drop
    caps = set() if "ALL" in drop else set(DOCKER_DEFAULT) - drop
    return frozenset(caps | (add - {"ALL"}))


def explain(name: str) -> str:
    """One line on what the capability allows."""
    name = normalize(name)
    if name == "ALL":
        return "every capability: the container can do almost anything root on the host can"
    return CAPABILITIES.get(name, "a capability this version of dockertui does not know")


@dataclass(frozen=True)
class CapabilityDelta:
    """A container's capabilities against Docker's default set: what it holds,
    what that adds to the default set and what it takes away. Privileged means
    every capability, whatever CapAdd and CapDrop say."""

    held: frozenset[str]
    added: frozenset[str]  # held, not in the default set
    dropped: frozenset[str]  # in the default set, not held
    privileged: bool
    ignored_drops: frozenset[str]  # CapDrop entries a privileged container ignores

    @property
    def every(self) -> bool:
        return self.held >= ALL

    @property
    def dangerous(self) -> tuple[str, ...]:
        """The dangerous capabilities it holds, worst first."""
        return tuple(name for name in DANGEROUS if name in self.held)

    @property
    def critical(self) -> bool:
        return self.every or bool(CRITICAL_CAPS & self.held)

    @property
    def kept_hardening(self) -> tuple[str, ...]:
        """Default capabilities on the hardening list that it still holds."""
        return tuple(sorted(DOCKER_DEFAULT & set(HARDENING_DROP) & self.held))


def delta(
    cap_add: Iterable[str], cap_drop: Iterable[str], *, privileged: bool = False
) -> CapabilityDelta:
    # Memoised: three checks, the panel and the table ask for every container,
    # and most containers of a fleet share one configuration.
    return _delta(tuple(cap_add), tuple(cap_drop), privileged)


@lru_cache(maxsize=4096)
def _delta(
    cap_add: tuple[str, ...], cap_drop: tuple[str, ...], privileged: bool
) -> CapabilityDelta:
    held = effective(cap_add, cap_drop, privileged=privileged)
    return CapabilityDelta(
        held=held,
        added=held - DOCKER_DEFAULT,
        dropped=DOCKER_DEFAULT - held,
        privileged=privileged,
        ignored_drops=normalize_all(cap_drop) if privileged else frozenset(),
    )

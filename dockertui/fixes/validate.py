"""Every value a fix takes, checked before anything changes.

Pure code: each `*_problem` function returns one sentence saying what is
wrong with a value (or None), and `check_plan` raises `PlanError` with the
first problem of a whole plan. The CLI turns it into exit 2, the wizard
shows it under the form; the executor never sees an invalid plan, so no
container is stopped for a value the engine would refuse later.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dockertui.audit import capabilities as caps
from dockertui.model import EngineInfo

#: The least memory the engine accepts for a container (runc's floor).
MIN_MEMORY = 6 * 1024 * 1024
MIN_NANO_CPUS = 10_000_000  # 0.01 CPU
#: Users and groups: libcontainer refuses ids above 2^31 - 1.
MAX_ID = 2**31 - 1
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
#: Mount flags the tmpfs options may carry (mount(8)), and the keyed ones.
_TMPFS_FLAGS = frozenset(
    (
        *("rw", "ro", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "sync", "async"),
        *("dirsync", "atime", "noatime", "diratime", "nodiratime", "relatime", "norelatime"),
        *("strictatime", "nostrictatime", "mand", "nomand", "tmpcopyup", "notmpcopyup"),
    )
)
_TMPFS_KEYED = {
    "size": re.compile(r"^\d+[kmgKMG%]?$"),
    "nr_blocks": re.compile(r"^\d+[kmgKMG%]?$"),
    "nr_inodes": re.compile(r"^\d+[kmgKMG%]?$"),
    "mode": re.compile(r"^[0-7]{3,4}$"),
    "uid": re.compile(r"^\d+$"),
    "gid": re.compile(r"^\d+$"),
}


#: Where the engine mounts the kernel's file systems: no tmpfs under them.
KERNEL_FILE_SYSTEMS = ("/proc", "/sys", "/dev/pts", "/dev/mqueue")
#: What the engine mounts itself in every container (a tmpfs there would
#: hide it; /dev/shm is the one a tmpfs may replace, as docker run allows).
ENGINE_MOUNTS = ("/dev", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf")
#: The kernel's ceiling for pids.max (PID_MAX_LIMIT), and the API's for bytes.
MAX_PIDS = 4_194_304
MAX_INT64 = 2**63 - 1


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([bkmg]?)b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def parse_size(text: str) -> int | None:
    """'512m' -> 536870912, as `docker run --memory` reads it; None when it is not a size."""
    match = _SIZE.match(text)
    if not match:
        return None
    number, unit = match.groups()
    return int(float(number) * _UNITS[unit.lower()])


def nano_cpus(cpus: float) -> int | None:
    """1.5 -> 1500000000 NanoCpus; None for a value that is not a finite number."""
    if not math.isfinite(cpus) or abs(cpus) > 1e9:
        return None
    return round(cpus * 1_000_000_000)


class PlanError(ValueError):
    """A value a fix cannot take. `str(err)` is one sentence."""


def capability_problem(names: Iterable[str]) -> str | None:
    """Unknown capability names, each with the closest known ones."""
    for raw in names:
        name = caps.normalize(raw)
        if name == "ALL":
            return "ALL is not a capability to keep: name the ones the service needs."
        if name not in caps.CAPABILITIES:
            close = difflib.get_close_matches(name, caps.CAPABILITIES, n=3, cutoff=0.6)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            return (
                f"{raw!r} is not a Linux capability{hint}; name one as capabilities(7) does, "
                "without CAP_, e.g. NET_BIND_SERVICE."
            )
    return None


def split_user(user: str) -> tuple[str, str]:
    name, _, group = user.strip().partition(":")
    return name, group


def user_problem(user: str) -> str | None:
    """Why `user` cannot be the --user of the non-root change, or None."""
    if not user.strip():
        return "Say the user to run as: a name or a uid, optionally :group (e.g. 1000:1000)."
    name, group = split_user(user)
    for part, what in ((name, "user"), (group, "group")):
        if not part and what == "group":
            continue
        if not _NAME.match(part):
            return f"{user!r} is not NAME or UID, optionally :GROUP or :GID (e.g. 1000:1000)."
        if part.isdigit() and int(part) > MAX_ID:
            return f"The {what} id {part} is out of range: the engine takes 0 to {MAX_ID}."
    if name in ("0", "root"):
        return "The non-root change needs a user other than root (uid 0), e.g. 1000:1000."
    if group in ("0", "root"):
        return "Group 0 (root) keeps root's group rights on files: pick another, e.g. 1000:1000."
    return None


def parse_tmpfs(spec: str) -> tuple[str, str]:
    """`PATH[:OPTIONS]` -> (path, options)."""
    path, _, options = spec.strip().partition(":")
    return path, options


def tmpfs_problem(specs: Sequence[str], taken: Iterable[str] = ()) -> str | None:
    """Why a tmpfs spec cannot be used: the path must be absolute and
    normal, the options known mount options, and no other mount may sit
    at the same path (`taken`)."""
    if not specs:
        return "Name at least one writable tmpfs path for the read-only root, e.g. /tmp."
    busy = {posixpath.normpath(p) for p in taken} | set(ENGINE_MOUNTS)
    seen: set[str] = set()
    for spec in specs:
        path, options = parse_tmpfs(spec)
        normal = path.startswith("/") and not path.startswith("//")
        if not normal or path != posixpath.normpath(path) or path == "/":
            return f"{spec!r}: a tmpfs path must be an absolute folder in the container, e.g. /tmp."
        if any(path == k or path.startswith(k + "/") for k in KERNEL_FILE_SYSTEMS):
            return f"{spec!r}: the engine mounts the kernel's own file system there."
        if path in seen or path in busy:
            return f"{spec!r}: something else is already mounted at {path}."
        seen.add(path)
        for option in filter(None, options.split(",")):
            key, sep, value = option.partition("=")
            pattern = _TMPFS_KEYED.get(key)
            if (pattern is None) if sep else (key not in _TMPFS_FLAGS):
                return f"{spec!r}: {option!r} is not a tmpfs mount option."
            if pattern is not None and not pattern.match(value):
                return f"{spec!r}: {option!r} does not have a valid value."
    return None


def bind_problem(address: str) -> str | None:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return f"{address!r} is not an IP address (e.g. 127.0.0.1)."
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    if ip.is_unspecified or (mapped is not None and mapped.is_unspecified):
        return f"{ip} means every interface: pick one address, e.g. 127.0.0.1."
    if ip.is_multicast:
        return f"{ip} is a multicast address: pick an address of the host, e.g. 127.0.0.1."
    return None


def limits_problem(
    host: Mapping[str, Any],
    engine: EngineInfo,
    *,
    memory: int | None,
    nano_cpus: int | None,
    pids_limit: int | None,
) -> str | None:
    """The limits as the engine will take them, for the container's HostConfig."""
    if memory is None and nano_cpus is None and pids_limit is None:
        return "Say which limits to set: --memory (e.g. 512m), --cpus (e.g. 1) or --pids-limit (e.g. 256)."
    if memory is not None:
        if memory < MIN_MEMORY:
            return "The engine needs a memory limit of at least 6m."
        if memory > MAX_INT64 or (engine.memory_total and memory > engine.memory_total):
            total = f" ({engine.memory_total // 1024**2}m)" if engine.memory_total else ""
            return f"The memory limit is above the memory the engine's host has{total}."
        reservation = int(host.get("MemoryReservation") or 0)
        if reservation and memory <= reservation:
            return (
                "The memory limit must be above the container's reservation "
                f"({reservation // 1024**2}m)."
            )
    if nano_cpus is not None:
        if nano_cpus < MIN_NANO_CPUS:
            return "The CPU limit must be at least 0.01."
        if engine.cpus and nano_cpus > engine.cpus * 1_000_000_000:
            return f"The CPU limit is above what the engine has: it reports {engine.cpus} CPUs."
        if host.get("CpuQuota") or host.get("CpuPeriod"):
            return (
                "The container limits CPU with --cpu-quota/--cpu-period, which the engine "
                "refuses to combine with --cpus; change those with docker update instead."
            )
    if pids_limit is not None and not 1 <= pids_limit <= MAX_PIDS:
        return f"The process limit must be between 1 and {MAX_PIDS}, the kernel's ceiling."
    return None


def check_plan(
    doc: Mapping[str, Any], names: Sequence[str], options: Any, engine: EngineInfo
) -> None:
    """Raise PlanError with the first problem among the values the chosen
    changes take (`options` is a fixes.plan.Options)."""
    host = doc.get("HostConfig") or {}
    problems: list[str | None] = []
    if "drop-caps" in names:
        problems.append(_caps_problem(options, host))
    if "non-root" in names:
        problems.append(user_problem(options.user))
    if "read-only" in names:
        taken = [str(m.get("Destination") or "") for m in doc.get("Mounts") or []]
        problems.append(tmpfs_problem(options.tmpfs, taken))
    if "localhost-ports" in names:
        problems.append(bind_problem(options.bind_address))
    if "limits" in names:
        problems.append(
            limits_problem(
                host,
                engine,
                memory=options.memory,
                nano_cpus=options.nano_cpus,
                pids_limit=options.pids_limit,
            )
        )
    if "restart-policy" in names and not 1 <= options.restart_retries <= 1000:
        problems.append(
            "The restart count must be between 1 and 1000 (0 would mean restarting forever)."
        )
    problem = next((p for p in problems if p), None)
    if problem:
        raise PlanError(problem)


def _caps_problem(options: Any, host: Mapping[str, Any]) -> str | None:
    preset = str(options.cap_preset)
    if preset == "hardening":
        if options.keep_caps:
            return "--keep-cap goes with --cap-preset strict or custom, not hardening."
        return None
    problem = capability_problem(options.keep_caps)
    if problem:
        return problem
    held = caps.effective(
        host.get("CapAdd") or (), host.get("CapDrop") or (), privileged=bool(host.get("Privileged"))
    )
    missing = sorted(caps.normalize_all(options.keep_caps) - held)
    if missing:
        return (
            f"The container does not hold {', '.join(missing)}: a fix keeps capabilities, it "
            "does not add them (add one with docker run --cap-add if the service needs it)."
        )
    return None

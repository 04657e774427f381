"""Which processes of this host belong to which container, from /proc.

dockerd runs `ps` for every /top call (about 16 ms of engine time per
running container). When dockertui runs on the engine's own host, one pass
over /proc gives every container's processes at once. A process belongs to
a container only when its cgroup path names that container's full 64-hex
id, so a socket forwarded from another host, or dockertui running inside a
container, finds nothing here and the caller falls back to /top (and says
the kernel's view is not verifiable here)."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from dockertui.model.proc_text import command_line, socket_inode

_ID = re.compile(r"[0-9a-f]{64}")


def members(container_ids: Iterable[str], proc: Path = Path("/proc")) -> dict[str, list[int]]:
    """The pids of each container, lowest first, for the ids whose processes are visible."""
    wanted = set(container_ids)
    return _walk(wanted, proc) if wanted else {}


def _walk(wanted: set[str] | None, proc: Path) -> dict[str, list[int]]:
    """One walk over every process's cgroup file: the pids of each container
    id among `wanted`, lowest first. `wanted` None: of every container id
    found, a process counting for each id its cgroup path names (a container
    of a dockerd that runs inside another container is under both ids)."""
    found: dict[str, list[int]] = {}
    try:
        entries = [name for name in os.listdir(proc) if name.isdigit()]
    except OSError:
        return {}
    base = str(proc)
    for entry in entries:
        try:
            with open(f"{base}/{entry}/cgroup", "rb") as f:
                cgroup = f.read().decode(errors="replace")
        except OSError:
            continue  # exited meanwhile, or not ours to read
        ids = _ID.findall(cgroup)
        if wanted is None:
            for owner in dict.fromkeys(ids):
                found.setdefault(owner, []).append(int(entry))
            continue
        owner = next((i for i in ids if i in wanted), None)
        if owner is not None:
            found.setdefault(owner, []).append(int(entry))
    return {cid: sorted(pids) for cid, pids in found.items()}


class SharedWalk:
    """One walk over /proc for the scans of several local engines at once
    (each engine's pass would otherwise read every process's cgroup file
    again). The first pass to ask walks for every container id; each later
    one takes the containers that walk found and walks again for the rest,
    unless the walk began after it asked: a container started after the walk
    began is not in it. Thread-safe (the passes run in threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: Path | None = None
        self._began = 0.0
        self._found: dict[str, list[int]] = {}

    def members(
        self, container_ids: Iterable[str], proc: Path = Path("/proc")
    ) -> dict[str, list[int]]:
        """As `members`, from the shared walk where it answers for them."""
        asked = time.monotonic()
        wanted = set(container_ids)
        if not wanted:
            return {}
        with self._lock:
            if self._proc is None:
                self._proc, self._began = proc, time.monotonic()
                self._found = _walk(None, proc)
            shared, began, everyone = self._proc == proc, self._began, self._found
        if not shared:
            return members(wanted, proc)
        found = {i: everyone[i] for i in wanted if i in everyone}
        rest = wanted - found.keys()
        if rest and began < asked:
            found |= members(rest, proc)
        return found


def command_of(pid: int, proc: Path = Path("/proc")) -> str | None:
    """The command line of a process ("[comm]" for kernel threads and
    zombies), or None when it is gone or not ours to read."""
    base = f"{proc}/{pid}"
    try:
        with open(f"{base}/cmdline", "rb") as f:
            command = command_line(f.read())
        if not command:
            with open(f"{base}/comm", "rb") as f:
                command = f"[{f.read().decode(errors='replace').strip()}]"
    except OSError:
        return None
    return command


def socket_inodes(pid: int, proc: Path = Path("/proc"), *, strict: bool = False) -> set[int] | None:
    """The inodes of the sockets process `pid` holds open (its fd links to
    `socket:[inode]`); None when its descriptors cannot be read (gone, or
    another user's process; `strict`: another user's raises PermissionError,
    for a caller to whom "unknown" and "none" differ)."""
    folder = f"{proc}/{pid}/fd/"
    try:
        names = os.listdir(folder)
    except PermissionError:
        if strict:
            raise
        return None
    except OSError:
        return None
    inodes: set[int] = set()
    for name in names:
        try:
            inode = socket_inode(os.readlink(folder + name))
        except OSError:
            continue  # closed meanwhile
        if inode is not None:
            inodes.add(inode)
    return inodes

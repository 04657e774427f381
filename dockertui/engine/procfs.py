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
from collections.abc import Iterable
from pathlib import Path

from dockertui.model.proc_text import command_line, socket_inode

_ID = re.compile(r"[0-9a-f]{64}")


def members(container_ids: Iterable[str], proc: Path = Path("/proc")) -> dict[str, list[int]]:
    """The pids of each container, lowest first, for the ids whose processes are visible."""
    wanted = set(container_ids)
    found: dict[str, list[int]] = {}
    if not wanted:
        return {}
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
        owner = next((i for i in _ID.findall(cgroup) if i in wanted), None)
        if owner is not None:
            found.setdefault(owner, []).append(int(entry))
    return {cid: sorted(pids) for cid, pids in found.items()}


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

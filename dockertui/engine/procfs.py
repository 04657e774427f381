"""Process lists read from the local /proc instead of `GET /top`.

dockerd runs `ps` for every /top call (about 16 ms of engine time per
running container). When dockertui runs on the engine's own host, one pass
over /proc gives every container's processes at once. A process belongs to
a container only when its cgroup path names that container's full 64-hex
id, so a socket forwarded from another host, or dockertui running inside a
container, finds nothing here and the caller falls back to /top."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

_ID = re.compile(r"[0-9a-f]{64}")


def processes_by_container(
    container_ids: Iterable[str], proc: Path = Path("/proc")
) -> dict[str, tuple[str, ...]]:
    """Command lines per container id, for the ids whose processes are visible."""
    wanted = set(container_ids)
    found: dict[str, list[str]] = {}
    if not wanted:
        return {}
    try:
        entries = [e for e in proc.iterdir() if e.name.isdigit()]
    except OSError:
        return {}
    for entry in entries:
        try:
            cgroup = (entry / "cgroup").read_text()
        except OSError:
            continue  # exited meanwhile, or not ours to read
        owner = next((i for i in _ID.findall(cgroup) if i in wanted), None)
        if owner is None:
            continue
        try:
            raw = (entry / "cmdline").read_bytes()
            command = " ".join(a.decode(errors="replace") for a in raw.rstrip(b"\0").split(b"\0"))
            if not command:  # kernel threads and zombies have no command line
                command = f"[{(entry / 'comm').read_text().strip()}]"
        except OSError:
            continue
        found.setdefault(owner, []).append(command)
    return {cid: tuple(commands) for cid, commands in found.items()}

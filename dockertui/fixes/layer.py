"""The container's writable layer: what a re-create would lose, and what to copy.

Pure code. `GET /containers/{id}/changes` lists every path the container
added, changed or deleted on top of its image. A re-create starts from the
image again, so those files would stay behind in the stopped backup. This
module reads that list against the container's mounts (volumes, binds and
tmpfs are carried by the re-create itself, and the mount points the engine
made are not the service's files) and says:

- which paths the review must name (added or changed, first 20 and the count),
- which deleted paths come back from the image,
- which paths a mount of the new container would hide (a tmpfs the
  read-only change adds over /tmp, say), and
- what to copy with the archive API, as few requests as possible: a whole
  added folder in one piece, unless something is mounted inside it (the
  archive of a container carries its mounts' contents), in which case the
  folder's own entry and then its changed children one by one.

The copying itself (streamed, never held in memory) is fixes/layer_copy.py.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

#: How many paths the review names before it says "and N more".
SHOWN = 20
#: Kernel file systems the engine mounts in every container.
_RUNTIME = ("/proc", "/sys", "/dev")


class ChangeKind(IntEnum):
    """The Kind of an entry of GET /containers/{id}/changes."""

    MODIFIED = 0
    ADDED = 1
    DELETED = 2


@dataclass(frozen=True)
class CopyItem:
    path: str
    whole: bool  # the path with everything under it; False: the folder entry only


@dataclass(frozen=True)
class LayerSummary:
    changed: tuple[str, ...] = ()  # added or changed paths outside every mount
    deleted: tuple[str, ...] = ()  # come back from the image after a re-create
    hidden: tuple[str, ...] = ()  # under a mount only the new container has
    items: tuple[CopyItem, ...] = ()  # what to copy, parents before children
    size: int | None = None  # SizeRw: the layer's size in bytes, when the engine said

    @property
    def empty(self) -> bool:
        return not (self.changed or self.deleted)

    @property
    def carried(self) -> tuple[str, ...]:
        """The changed paths a copy carries: all but the hidden ones."""
        return tuple(p for p in self.changed if p not in set(self.hidden))

    def lines(
        self, name: str, *, copy: bool, limit: int = SHOWN, why_not: str = "--discard-layer"
    ) -> list[str]:
        """What the review says about the layer, one sentence a line
        (`why_not`: how the user chose not to copy, as they know it)."""
        if self.empty:
            return []
        found: list[str] = []
        size = f" ({human_size(self.size)} in all)" if self.size is not None else ""
        if self.carried:
            n = len(self.carried)
            fate = (
                "they are copied into the new container before it starts"
                if copy
                else f"they are NOT copied ({why_not}): they stay in the stopped backup only"
            )
            found.append(
                f"The writable layer of {name} holds {paths(n, 'added or changed')}{size} "
                f"outside its volumes; {fate}:"
            )
            found += _listed(self.carried, limit)
            size = ""
        if self.hidden:
            n = len(self.hidden)
            found.append(
                f"{paths(n, 'added or changed')}{size} "
                f"lie{'s' if n == 1 else ''} under a mount the "
                "new container adds, which would hide them: they stay in the stopped backup only:"
            )
            found += _listed(self.hidden, limit)
        if self.deleted:
            one = len(self.deleted) == 1
            found.append(
                f"{len(self.deleted)} path{'' if one else 's'} deleted in the layer "
                f"come{'s' if one else ''} back from the image:"
            )
            found += _listed(self.deleted, limit)
        return found


def paths(n: int, what: str = "changed") -> str:
    """'1 changed path', '3 changed paths'."""
    return f"{n} {what} path{'' if n == 1 else 's'}"


def _listed(paths: Sequence[str], limit: int) -> list[str]:
    shown = [f"  {p}" for p in paths[:limit]]
    if len(paths) > limit:
        shown.append(f"  … and {len(paths) - limit} more")
    return shown


def human_size(n: int | None) -> str:
    size = float(n or 0)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def mount_points(doc: Mapping[str, Any]) -> frozenset[str]:
    """Every path a container (inspect document, or a plan's predicted one)
    mounts something at: Mounts, Binds, HostConfig.Mounts and Tmpfs."""
    host = doc.get("HostConfig") or {}
    found = {str(m.get("Destination") or "") for m in doc.get("Mounts") or []}
    for bind in host.get("Binds") or []:
        parts = str(bind).split(":")
        if len(parts) >= 2:
            found.add(parts[1])
    found |= {str(m.get("Target") or "") for m in host.get("Mounts") or []}
    found |= {str(path) for path in host.get("Tmpfs") or {}}
    return frozenset(posixpath.normpath(p) for p in found if p.startswith("/"))


def _under(path: str, roots: Iterable[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def summarize(
    changes: Sequence[Mapping[str, Any]],
    old_mounts: Iterable[str],
    new_mounts: Iterable[str] = (),
    size: int | None = None,
) -> LayerSummary:
    """Read GET /changes against the old container's mounts and the new one's."""
    old = frozenset(old_mounts) | frozenset(_RUNTIME)
    added_mounts = frozenset(new_mounts) - old
    kinds: dict[str, ChangeKind] = {}
    for entry in changes:
        path = posixpath.normpath(str(entry.get("Path") or ""))
        try:
            kinds[path] = ChangeKind(int(entry.get("Kind", -1)))
        except ValueError:
            continue
    paths = sorted(p for p in kinds if p.startswith("/") and p != "/" and not _under(p, old))

    mounts = old | added_mounts
    # Decide children before parents: a folder counts as holding changes
    # only through the paths that are themselves kept.
    kept: set[str] = set()
    for path in reversed(paths):
        if kinds[path] == ChangeKind.DELETED:
            continue
        prefix = path + "/"
        holds = any(k.startswith(prefix) for k in kept)
        if kinds[path] == ChangeKind.MODIFIED and any(p.startswith(prefix) for p in paths):
            continue  # a folder that changed only because something in it did
        if not holds and any(m.startswith(prefix) for m in mounts):
            continue  # made or touched by the engine for a mount inside it; it does so again
        kept.add(path)

    changed: list[str] = []
    hidden: list[str] = []
    items: list[CopyItem] = []
    covered: list[str] = []  # copied whole: their children need nothing more
    for path in paths:
        if path not in kept:
            continue
        changed.append(path)
        if _under(path, added_mounts):
            hidden.append(path)
        elif not _under(path, covered):
            # Something mounted inside: never the folder whole, since a
            # container's archive carries its mounts' contents too.
            whole = not any(m.startswith(path + "/") for m in mounts)
            items.append(CopyItem(path, whole))
            if whole:
                covered.append(path)
    deleted = [p for p in paths if kinds[p] == ChangeKind.DELETED]
    return LayerSummary(tuple(changed), tuple(deleted), tuple(hidden), tuple(items), size)

"""The archive API over a container's files (`{path: FileEntry}`): the tar
of a path (GET), the stat the engine puts in X-Docker-Container-Path-Stat
(HEAD and GET), and extracting a tar into a folder (PUT). Pure."""

from __future__ import annotations

import base64
import io
import json
import posixpath
import tarfile
from collections.abc import Mapping, MutableMapping
from typing import Any

from dockertui.demo.documents import stat_of
from dockertui.demo.records import FileEntry


def _normal(path: str) -> str:
    return posixpath.normpath("/" + path.strip()).replace("//", "/")


def lookup(files: Mapping[str, FileEntry], path: str) -> FileEntry | None:
    """The entry at `path`; a folder that only holds other entries is implied."""
    path = _normal(path)
    if path == "/":
        return FileEntry(mode=0o755, directory=True)
    if path in files:
        return files[path]
    prefix = path + "/"
    if any(p.startswith(prefix) for p in files):
        return FileEntry(mode=0o755, directory=True)
    return None


def stat_header(files: Mapping[str, FileEntry], path: str) -> str | None:
    """The base64 JSON stat header for `path`, or None when it does not exist."""
    entry = lookup(files, path)
    if entry is None:
        return None
    doc = stat_of(_normal(path), entry.mode, len(entry.data), entry.mtime, entry.directory)
    return base64.b64encode(json.dumps(doc).encode()).decode()


def tar_of(files: Mapping[str, FileEntry], path: str) -> bytes | None:
    """A tar of `path` and everything under it, named from its base name
    (as `docker cp` receives it), or None when it does not exist."""
    path = _normal(path)
    top = lookup(files, path)
    if top is None:
        return None
    base = posixpath.basename(path) or "."
    entries: dict[str, FileEntry] = {path: top}
    if top.directory:
        prefix = path.rstrip("/") + "/"
        for p, entry in files.items():
            if p.startswith(prefix):
                entries[p] = entry
                parent = posixpath.dirname(p)
                while parent.startswith(prefix) and parent not in entries:
                    entries[parent] = FileEntry(mode=0o755, directory=True, mtime=entry.mtime)
                    parent = posixpath.dirname(parent)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for p in sorted(entries):
            entry = entries[p]
            relative = base if p == path else base + "/" + p[len(path.rstrip("/")) + 1 :]
            info = tarfile.TarInfo(relative + ("/" if entry.directory else ""))
            info.mode = entry.mode
            info.mtime = int(entry.mtime)
            info.uid, info.gid = entry.uid, entry.gid
            if entry.directory:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(entry.data)
                tar.addfile(info, io.BytesIO(entry.data))
    return out.getvalue()


def extract(layer: MutableMapping[str, FileEntry], folder: str, data: bytes) -> list[str]:
    """Put the tar's members under `folder` in the layer; the paths written."""
    folder = _normal(folder)
    written = []
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            target = _normal(posixpath.join(folder, member.name))
            if not target.startswith(folder.rstrip("/") + "/") and target != folder:
                continue  # a member that climbs out of the folder: the engine refuses those too
            if member.isdir():
                layer[target] = FileEntry(
                    mode=member.mode,
                    directory=True,
                    mtime=member.mtime,
                    uid=member.uid,
                    gid=member.gid,
                )
            elif member.isfile():
                handle = tar.extractfile(member)
                layer[target] = FileEntry(
                    handle.read() if handle else b"",
                    member.mode,
                    mtime=member.mtime,
                    uid=member.uid,
                    gid=member.gid,
                )
            else:
                continue
            written.append(target)
    return written


def path_stat(files: Mapping[str, FileEntry], path: str) -> dict[str, Any] | None:
    """The stat document itself (for tests and the PUT checks)."""
    entry = lookup(files, path)
    if entry is None:
        return None
    return stat_of(_normal(path), entry.mode, len(entry.data), entry.mtime, entry.directory)

"""Copy the old container's writable-layer files into the new container.

Each item of a `LayerSummary` is one `GET /containers/{old}/archive` streamed
straight into one `PUT /containers/{new}/archive` at its parent folder, in
pieces of 64 KiB: nothing is held whole in memory, whatever the size. A
folder with a mount inside it is copied as its own tar entry only (the tar
stream is cut after its first member), and its changed children follow as
items of their own. Afterwards each copied path is compared on both sides
(size, mode and link target; mode and link target for a folder).
"""

from __future__ import annotations

import posixpath
from collections.abc import AsyncIterator, Callable, Sequence

from dockertui.engine.gateway import EngineGateway
from dockertui.fixes.layer import CopyItem

BLOCK = 512
#: Tar members that only describe the member after them (PAX, GNU long names).
_PREFIX_TYPES = frozenset(b"xgLK")
_DIRECTORY_MODE = 1 << 31  # Go's os.ModeDir, as the archive stat header reports it


class CopyMismatch(Exception):
    """A copied path differs between the two containers. One sentence."""


async def _blocks(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The stream regrouped into 512-byte tar blocks."""
    pending = b""
    async for chunk in chunks:
        pending += chunk
        while len(pending) >= BLOCK:
            yield pending[:BLOCK]
            pending = pending[BLOCK:]


def _data_blocks(header: bytes) -> int:
    size_field = header[124:136]
    if size_field[0] & 0x80:  # base-256 for huge sizes
        size = int.from_bytes(size_field[1:], "big")
    else:
        size = int(size_field.strip(b"\0 ") or b"0", 8)
    return (size + BLOCK - 1) // BLOCK


async def first_member(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The tar stream cut after its first member (with the extended headers
    that describe it), then a proper end of archive."""
    blocks = _blocks(chunks)
    async for header in blocks:
        if not header.strip(b"\0"):
            break  # end of archive already
        yield header
        data = _data_blocks(header)
        for _ in range(data):
            yield await anext(blocks)
        if header[156] not in _PREFIX_TYPES:
            break
    yield b"\0" * (2 * BLOCK)


async def copy_items(
    gateway: EngineGateway,
    old_id: str,
    new_id: str,
    items: Sequence[CopyItem],
    say: Callable[[str], None],
) -> None:
    """Copy `items` from `old_id` into `new_id` (created, not started).
    Raises CopyMismatch when a copied path arrived different."""
    for n, item in enumerate(items, 1):
        if n == 1 or n % 50 == 0:
            say(f"Copying the writable layer: {item.path} ({n} of {len(items)}).")
        parent = posixpath.dirname(item.path) or "/"
        async with gateway.get_archive(old_id, item.path) as chunks:
            tar = chunks if item.whole else first_member(chunks)
            await gateway.put_archive(new_id, parent, tar)
    for item in items:
        await _compare(gateway, old_id, new_id, item.path)


async def _compare(gateway: EngineGateway, old_id: str, new_id: str, path: str) -> None:
    before = await gateway.archive_stat(old_id, path)
    after = await gateway.archive_stat(new_id, path)
    if before is None:
        return  # gone from the old container meanwhile: nothing to compare
    if after is None:
        raise CopyMismatch(f"{path} did not arrive in the new container")
    keys = ("mode", "linkTarget") if int(before.get("mode") or 0) & _DIRECTORY_MODE else None
    for key in keys or ("size", "mode", "linkTarget"):
        if before.get(key) != after.get(key):
            raise CopyMismatch(
                f"{path} arrived with {key} {after.get(key)!r} instead of {before.get(key)!r}"
            )

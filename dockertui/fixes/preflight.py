"""Preflight: read what the engine says about a fix's container and refuse
(through the executor's `refuse`, which logs) before anything changes.

The judgements are pure (fixes/refusals.py); this module only gathers the
documents they read: the container now (by id and by name), its image, the
other containers, the users its image knows, its writable layer.
"""

from __future__ import annotations

import asyncio
import io
import socket
import tarfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from dockertui.engine.errors import EngineRefused
from dockertui.engine.gateway import EngineGateway
from dockertui.fixes import refusals
from dockertui.fixes.describe import compose_snippet
from dockertui.fixes.documents import container_name
from dockertui.fixes.layer import LayerSummary, mount_points, summarize
from dockertui.fixes.plan import FixPlan
from dockertui.model import is_lock

#: Seconds the engine may take to size a large writable layer.
SIZE_TIMEOUT = 300.0
#: /etc/passwd and /etc/group are read whole; larger ones are not believed.
_TABLE_LIMIT = 1024 * 1024
Refuse = Callable[..., NoReturn]  # (doc, changes, reason, *, compose=None)


@dataclass(frozen=True)
class Preflight:
    """What preflight found: the container's document now and its layer."""

    doc: dict[str, Any]
    layer: LayerSummary = field(default_factory=LayerSummary)


class PreflightReader:
    def __init__(self, gateway: EngineGateway, *, refuse: Refuse) -> None:
        self.gateway = gateway
        self.refuse = refuse

    async def check(self, fix: FixPlan, *, copy_layer: bool = True) -> Preflight:
        """The container's document now, or a refusal (logged)."""
        planned = fix.container.raw
        subject = planned or {"Id": fix.container.id, "Name": fix.container.name}
        doc = await self.gateway.inspect_container(fix.container.id)
        if doc is None:
            self.refuse(
                subject, fix.changes, f"The container {fix.container.name} no longer exists."
            )
        name = container_name(doc)
        named = await self.gateway.inspect_container(name)
        if named is None or named.get("Id") != doc.get("Id"):
            self.refuse(
                doc, fix.changes, f"{name} now names another container; plan the fix again."
            )
        reason = refusals.changed_since_plan(doc, planned)
        if reason:
            self.refuse(doc, fix.changes, reason)
        reason = refusals.compose_refusal(doc)
        if reason:
            self.refuse(doc, fix.changes, reason, compose=compose_snippet(fix))
        if not fix.recreate:
            reason = refusals.live_refusal(doc, fix.update_body)
            if reason:
                self.refuse(doc, fix.changes, reason)
            return Preflight(doc)
        image, others = await asyncio.gather(
            self.gateway.inspect_image(str(doc.get("Image") or "")), self._others()
        )
        reason = refusals.recreate_refusal(doc, image=image, others=others)
        if not reason and "non-root" in fix.changes:
            reason = await self._user_refusal(doc, fix.options.user)
        if not reason and "localhost-ports" in fix.changes:
            reason = self._address_refusal(fix.options.bind_address)
        layer = await self.layer(doc, fix.document)
        read_only_after = bool((fix.document.get("HostConfig") or {}).get("ReadonlyRootfs"))
        reason = reason or refusals.layer_refusal(
            name, layer, copy=copy_layer, read_only_after=read_only_after
        )
        if reason:
            self.refuse(doc, fix.changes, reason)
        return Preflight(doc, layer)

    async def layer(self, doc: Mapping[str, Any], predicted: Mapping[str, Any]) -> LayerSummary:
        """What the container's writable layer holds, against the new mounts."""
        cid = str(doc.get("Id") or "")
        changes = await self.gateway.container_changes(cid)
        # Sizing walks the whole layer: only worth asking when it holds something.
        sized = (
            await self.gateway.inspect_container(cid, size=True, timeout=SIZE_TIMEOUT)
            if changes
            else {"SizeRw": 0}
        )
        size = (sized or {}).get("SizeRw")
        return summarize(
            changes,
            mount_points(doc),
            mount_points(predicted),
            int(size) if isinstance(size, int) else None,
        )

    async def image_for_create(self, doc: Mapping[str, Any]) -> str:
        """Config.Image when it still names the container's image, else the
        image id (a tag moved since: the re-create keeps the same image)."""
        image_id = str(doc.get("Image") or "")
        named = str((doc.get("Config") or {}).get("Image") or "")
        if named:
            found = await self.gateway.inspect_image(named)
            if found is not None and found.get("Id") == image_id:
                return named
        return image_id

    async def _others(self) -> list[dict[str, Any]]:
        listed = await self.gateway.list_containers()
        gate = asyncio.Semaphore(16)

        async def one(cid: str) -> dict[str, Any] | None:
            async with gate:
                return await self.gateway.inspect_container(cid)

        ids = [str(e["Id"]) for e in listed if "Id" in e and not is_lock(e.get("Labels"))]
        found = await asyncio.gather(*(one(cid) for cid in ids))
        return [d for d in found if d is not None]

    async def _user_refusal(self, doc: Mapping[str, Any], user: str) -> str | None:
        cid = str(doc.get("Id") or "")
        passwd, group = await asyncio.gather(
            self._read_file(cid, "/etc/passwd"), self._read_file(cid, "/etc/group")
        )
        return refusals.user_refusal(container_name(doc), user, passwd, group)

    async def _read_file(self, cid: str, path: str) -> str | None:
        """A small text file of the container (through the archive API), or None."""
        data = b""
        try:
            async with self.gateway.get_archive(cid, path) as chunks:
                async for chunk in chunks:
                    data += chunk
                    if len(data) > _TABLE_LIMIT:
                        return None
        except EngineRefused:
            return None
        try:
            with tarfile.open(fileobj=io.BytesIO(data)) as tar:
                member = next((m for m in tar.getmembers() if m.isfile()), None)
                handle = tar.extractfile(member) if member else None
                return handle.read().decode("utf-8", "replace") if handle else None
        except tarfile.TarError:
            return None

    def _address_refusal(self, address: str) -> str | None:
        """On a local engine, an address no interface of this host has would
        make the new container fail to start once the old one stopped."""
        if self.gateway.endpoint.transport != "unix":
            return None
        address = address.strip("[]")
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        try:
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.bind((address, 0))
        except OSError:
            return f"{address} is not an address of this host, so no port could be published on it."
        return None

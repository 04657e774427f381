"""The Engine API subset dockertui uses, served by aiohttp over the
simulated engine: every path with and without its /v1.xx prefix, answers
and errors ({"message": ...} with 400, 404, 409 or 500) as dockerd gives
them, 304 for a start or stop that changes nothing, and GET /events as a
chunked stream (since, until, filters) that stays open for new events.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from aiohttp import web

from dockertui.demo import archive, documents, facts
from dockertui.demo.engine import DemoEngine, EngineFault
from dockertui.demo.records import Container, Status

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_HEADERS = {
    "Api-Version": facts.API_VERSION,
    "Docker-Experimental": "false",
    "Ostype": "linux",
    "Server": f"Docker/{facts.ENGINE_VERSION} (linux)",
}
_LIST_FILTERS = frozenset(
    {
        "ancestor",
        "before",
        "expose",
        "exited",
        "health",
        "id",
        "isolation",
        "is-task",
        "label",
        "name",
        "network",
        "publish",
        "since",
        "status",
        "volume",
    }
)
_EVENT_FILTERS = frozenset(
    {
        "config",
        "container",
        "daemon",
        "event",
        "image",
        "label",
        "network",
        "node",
        "plugin",
        "scope",
        "secret",
        "service",
        "type",
        "volume",
    }
)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status, headers=_HEADERS)


def _json(doc: Any, status: int = 200) -> web.Response:
    return web.json_response(doc, status=status, headers=_HEADERS)


def _empty(status: int = 204) -> web.Response:
    return web.Response(status=status, headers=_HEADERS)


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in ("1", "true", "yes")


def _filters(request: web.Request, known: frozenset[str]) -> dict[str, list[str]]:
    raw = request.query.get("filters", "")
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise EngineFault(400, f"invalid filter '{raw}'") from None
    if not isinstance(parsed, dict):
        raise EngineFault(400, f"invalid filter '{raw}'")
    found: dict[str, list[str]] = {}
    for key, values in parsed.items():
        if key not in known:
            raise EngineFault(400, f"Invalid filter '{key}'")
        # Both forms the API takes: ["a", "b"] and {"a": true, "b": true}.
        items = list(values) if isinstance(values, list | dict) else [values]
        found[str(key)] = [str(v) for v in items]
    return found


def _time_value(text: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise EngineFault(400, f"invalid timestamp {text!r}") from None


# --- matching ---------------------------------------------------------------------------------


def _label_match(labels: Mapping[str, str], wanted: list[str]) -> bool:
    for item in wanted:
        key, sep, value = item.partition("=")
        if key not in labels or (sep and labels[key] != value):
            return False
    return True


def container_matches(engine: DemoEngine, c: Container, filters: dict[str, list[str]]) -> bool:
    """Whether `c` passes GET /containers/json's filters (every key, any value)."""
    image = engine.images_by_id().get(c.image_id)
    checks: dict[str, Callable[[str], bool]] = {
        "name": lambda v: re.search(v, "/" + c.name) is not None,
        "id": lambda v: c.id.startswith(v),
        "status": lambda v: v == c.status.value,
        "ancestor": lambda v: (
            v in (c.config.get("Image"), c.image_id)
            or (image is not None and v in (image.reference, image.id.removeprefix("sha256:")[:12]))
        ),
        "health": lambda v: v == (c.health if c.has_healthcheck and c.health else "none"),
        "exited": lambda v: c.status == Status.EXITED and str(c.exit_code) == v,
        "network": lambda v: any(v in (a.network,) for a in c.attachments),
        "volume": lambda v: any(
            v in (m.get("Name"), m.get("Source"), m.get("Destination")) for m in documents.mounts(c)
        ),
        "publish": lambda v: any(
            v in (p, p.split("/")[0], b.get("HostPort"))
            for p, bound in (c.host.get("PortBindings") or {}).items()
            for b in bound or []
        ),
        "expose": lambda v: (
            v in (c.config.get("ExposedPorts") or {})
            or f"{v}/tcp" in (c.config.get("ExposedPorts") or {})
        ),
        "is-task": lambda v: v == "false",
        "isolation": lambda v: v == "default",
    }
    for key, values in filters.items():
        if key == "label":
            if not _label_match(c.labels, values):
                return False
            continue
        if key in ("before", "since"):
            try:
                other = engine.find(values[0])
            except EngineFault:
                raise EngineFault(404, f"No such container: {values[0]}") from None
            if (key == "before" and c.created >= other.created) or (
                key == "since" and c.created <= other.created
            ):
                return False
            continue
        check = checks[key]
        if not any(check(v) for v in values):
            return False
    return True


def event_matches(event: Mapping[str, Any], filters: dict[str, list[str]]) -> bool:
    """Whether an event passes GET /events' filters (every key, any value)."""
    actor = event.get("Actor") or {}
    attributes = actor.get("Attributes") or {}
    kind = str(event.get("Type") or "")
    action = str(event.get("Action") or "")
    for key, values in filters.items():
        if key == "type":
            ok = kind in values
        elif key == "event":
            ok = action in values or action.partition(":")[0] in values
        elif key == "container":
            ok = kind == "container" and any(
                v in (actor.get("ID"), attributes.get("name")) or str(actor.get("ID")).startswith(v)
                for v in values
            )
        elif key == "label":
            ok = _label_match(attributes, values)
        elif key == "image":
            ok = attributes.get("image") in values
        elif key == "network":
            ok = kind == "network" and any(
                v in (actor.get("ID"), attributes.get("name")) for v in values
            )
        elif key == "scope":
            ok = "local" in values
        else:
            ok = False
        if not ok:
            return False
    return True


# --- handlers ---------------------------------------------------------------------------------


class DemoAPI:
    """The request handlers over one `DemoEngine`."""

    def __init__(self, engine: DemoEngine) -> None:
        self.engine = engine
        self.streams: set[web.StreamResponse] = set()

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._faults])
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/_ping", self.ping),
            ("HEAD", "/_ping", self.ping),
            ("GET", "/version", self.version),
            ("GET", "/info", self.info),
            ("GET", "/events", self.events),
            ("GET", "/containers/json", self.list_containers),
            ("POST", "/containers/create", self.create),
            ("GET", "/containers/{id}/json", self.inspect),
            ("GET", "/containers/{id}/top", self.top),
            ("GET", "/containers/{id}/changes", self.changes),
            ("POST", "/containers/{id}/start", self.start),
            ("POST", "/containers/{id}/stop", self.stop),
            ("POST", "/containers/{id}/restart", self.restart),
            ("POST", "/containers/{id}/kill", self.kill),
            ("POST", "/containers/{id}/rename", self.rename),
            ("POST", "/containers/{id}/update", self.update),
            ("DELETE", "/containers/{id}", self.remove),
            ("HEAD", "/containers/{id}/archive", self.archive_head),
            ("GET", "/containers/{id}/archive", self.archive_get),
            ("PUT", "/containers/{id}/archive", self.archive_put),
            ("GET", "/exec/{id}/json", self.exec_inspect),
            ("GET", "/images/json", self.list_images),
            ("GET", "/images/{ref:.+}/json", self.inspect_image),
            ("GET", "/networks", self.list_networks),
            ("GET", "/networks/{id}", self.inspect_network),
            ("POST", "/networks/{id}/connect", self.connect),
            ("GET", "/volumes", self.list_volumes),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, handler)
            app.router.add_route(method, "/{version:v[0-9]+\\.[0-9]+}" + path, handler)
        return app

    @web.middleware
    async def _faults(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except EngineFault as fault:
            return _error(fault.status, fault.message)
        except web.HTTPNotFound:
            return _error(404, "page not found")
        except web.HTTPMethodNotAllowed:
            return _error(405, "page not found")
        except (ConnectionResetError, asyncio.CancelledError):
            raise
        except Exception as err:  # the engine's own failure: an answer, never a dropped socket
            return _error(500, f"simulated engine error: {err}")

    async def _body(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        if not raw.strip():
            return {}
        try:
            doc = json.loads(raw)
        except ValueError as err:
            raise EngineFault(400, f"invalid JSON: {err}") from None
        if not isinstance(doc, dict):
            raise EngineFault(400, "invalid JSON: the body is not an object")
        return doc

    # engine ------------------------------------------------------------------------------------

    async def ping(self, request: web.Request) -> web.StreamResponse:
        headers = {**_HEADERS, "Cache-Control": "no-cache, no-store, must-revalidate"}
        return web.Response(text="OK" if request.method == "GET" else "", headers=headers)

    async def version(self, request: web.Request) -> web.StreamResponse:
        return _json(facts.version())

    async def info(self, request: web.Request) -> web.StreamResponse:
        return _json(self.engine.info())

    # containers --------------------------------------------------------------------------------

    async def list_containers(self, request: web.Request) -> web.StreamResponse:
        filters = _filters(request, _LIST_FILTERS)
        everything = _flag(request, "all")
        engine = self.engine
        now = engine.now()
        chosen = [
            c
            for c in sorted(engine.containers.values(), key=lambda c: c.created, reverse=True)
            if (everything or c.running) and container_matches(engine, c, filters)
        ]
        limit = int(request.query.get("limit") or 0)
        if limit > 0:
            chosen = chosen[:limit]
        by_id = engine.images_by_id()
        return _json(
            [documents.list_entry(c, engine.networks, by_id.get(c.image_id), now) for c in chosen]
        )

    async def create(self, request: web.Request) -> web.StreamResponse:
        c = self.engine.create(await self._body(request), request.query.get("name", ""))
        return _json({"Id": c.id, "Warnings": []}, status=201)

    async def inspect(self, request: web.Request) -> web.StreamResponse:
        c = self.engine.find(request.match_info["id"])
        size = self.engine.layer_size(c) if _flag(request, "size") else None
        return _json(documents.inspect(c, self.engine.networks, size=size))

    async def top(self, request: web.Request) -> web.StreamResponse:
        c = self.engine.find(request.match_info["id"])
        return _json(documents.top(c, self.engine.processes(c)))

    async def changes(self, request: web.Request) -> web.StreamResponse:
        c = self.engine.find(request.match_info["id"])
        return _json(self.engine.changes(c) or None)

    async def start(self, request: web.Request) -> web.StreamResponse:
        return _empty(204 if self.engine.start(request.match_info["id"]) else 304)

    async def stop(self, request: web.Request) -> web.StreamResponse:
        return _empty(204 if self.engine.stop(request.match_info["id"]) else 304)

    async def restart(self, request: web.Request) -> web.StreamResponse:
        self.engine.restart(request.match_info["id"])
        return _empty()

    async def kill(self, request: web.Request) -> web.StreamResponse:
        self.engine.kill(request.match_info["id"], request.query.get("signal", "KILL"))
        return _empty()

    async def rename(self, request: web.Request) -> web.StreamResponse:
        self.engine.rename(request.match_info["id"], request.query.get("name", ""))
        return _empty()

    async def update(self, request: web.Request) -> web.StreamResponse:
        warnings = self.engine.update(request.match_info["id"], await self._body(request))
        return _json({"Warnings": warnings})

    async def remove(self, request: web.Request) -> web.StreamResponse:
        self.engine.remove(
            request.match_info["id"], force=_flag(request, "force"), volumes=_flag(request, "v")
        )
        return _empty()

    # archives ----------------------------------------------------------------------------------

    def _stat(self, request: web.Request) -> tuple[Container, str, str]:
        c = self.engine.find(request.match_info["id"])
        path = request.query.get("path", "")
        if not path:
            raise EngineFault(400, "bad parameter: path cannot be empty")
        header = archive.stat_header(self.engine.files(c), path)
        if header is None:
            raise EngineFault(404, f"Could not find the file {path} in container {c.name}")
        return c, path, header

    async def archive_head(self, request: web.Request) -> web.StreamResponse:
        _, _, header = self._stat(request)
        return web.Response(
            headers={
                **_HEADERS,
                "X-Docker-Container-Path-Stat": header,
                "Content-Type": "application/x-tar",
            }
        )

    async def archive_get(self, request: web.Request) -> web.StreamResponse:
        c, path, header = self._stat(request)
        data = archive.tar_of(self.engine.files(c), path) or b""
        return web.Response(
            body=data,
            headers={
                **_HEADERS,
                "X-Docker-Container-Path-Stat": header,
                "Content-Type": "application/x-tar",
            },
        )

    async def archive_put(self, request: web.Request) -> web.StreamResponse:
        c = self.engine.find(request.match_info["id"])
        folder = request.query.get("path", "")
        target = archive.lookup(self.engine.files(c), folder)
        if target is not None and not target.directory:
            raise EngineFault(400, f"extraction point is not a directory: {folder}")
        if c.host.get("ReadonlyRootfs"):
            raise EngineFault(403, "container rootfs is marked read-only")
        archive.extract(c.layer, folder, await request.read())
        return _empty(200)

    # exec, images, networks, volumes -----------------------------------------------------------

    async def exec_inspect(self, request: web.Request) -> web.StreamResponse:
        exec_id = request.match_info["id"]
        session = self.engine.execs.get(exec_id)
        if session is None:
            raise EngineFault(404, f"No such exec instance: {exec_id}")
        return _json(documents.exec_doc(session))

    async def list_images(self, request: web.Request) -> web.StreamResponse:
        return _json([documents.image_entry(i) for i in self.engine.images.values()])

    async def inspect_image(self, request: web.Request) -> web.StreamResponse:
        image = self.engine.image(request.match_info["ref"])
        return _json(documents.image_doc(image))

    async def list_networks(self, request: web.Request) -> web.StreamResponse:
        members = list(self.engine.containers.values())
        return _json([documents.network_doc(n, members) for n in self.engine.networks.values()])

    async def inspect_network(self, request: web.Request) -> web.StreamResponse:
        network = self.engine.network(request.match_info["id"])
        return _json(documents.network_doc(network, list(self.engine.containers.values())))

    async def connect(self, request: web.Request) -> web.StreamResponse:
        network = self.engine.network(request.match_info["id"])
        body = await self._body(request)
        c = self.engine.find(str(body.get("Container") or ""))
        self.engine.connect(c, network, body.get("EndpointConfig") or {})
        return _empty(200)

    async def list_volumes(self, request: web.Request) -> web.StreamResponse:
        volumes = [
            {
                "CreatedAt": facts.timestamp(self.engine.started).replace("Z", "+00:00"),
                "Driver": "local",
                "Labels": labels or None,
                "Mountpoint": f"{facts.ROOT_DIR}/volumes/{name}/_data",
                "Name": name,
                "Options": None,
                "Scope": "local",
            }
            for name, labels in sorted(self.engine.volumes.items())
        ]
        return _json({"Volumes": volumes, "Warnings": None})

    # events ------------------------------------------------------------------------------------

    async def events(self, request: web.Request) -> web.StreamResponse:
        filters = _filters(request, _EVENT_FILTERS)
        engine = self.engine
        now = engine.now()
        since = _time_value(request.query.get("since", ""))
        until = _time_value(request.query.get("until", ""))
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        live = until is None or until > now
        # The past and the subscription in one step: no event is sent twice or lost.
        history = list(engine.events) if since is not None else []
        if live:
            engine.subscribers.append(queue.put_nowait)
        response = web.StreamResponse(headers={**_HEADERS, "Content-Type": "application/json"})
        response.enable_chunked_encoding()
        self.streams.add(response)
        try:
            await response.prepare(request)
            if since is not None:
                for event in history:
                    when = event["timeNano"] / 1e9
                    in_window = when >= since and (until is None or when <= until)
                    if in_window and event_matches(event, filters):
                        await response.write(engine.events_json(event))
            if not live:
                await response.write_eof()
                return response
            while True:
                timeout = None if until is None else max(0.0, until - engine.now())
                try:
                    event = await asyncio.wait_for(queue.get(), timeout)
                except TimeoutError:
                    break
                if until is not None and event["timeNano"] / 1e9 > until:
                    break
                if event_matches(event, filters):
                    await response.write(engine.events_json(event))
            await response.write_eof()
            return response
        finally:
            self.streams.discard(response)
            if live:
                engine.subscribers.remove(queue.put_nowait)


def app_for(engine: DemoEngine) -> web.Application:
    return DemoAPI(engine).app()

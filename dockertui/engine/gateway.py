"""The one engine gateway: every Engine API request dockertui makes.

`EngineGateway` offers the operations the inventory, the watcher and the
fixes need as typed methods, and sends them over one of three transports:

- a unix socket: plain requests (answer read whole) through the lean
  HTTP/1.1 client of `unix_http.py`; streams (events, archives) through an
  aiohttp session opened on first use, so a scan never imports aiohttp;
- tcp, with or without TLS: an aiohttp session with the SSL context the
  endpoint resolver built;
- ssh (and Windows named pipes): aiodocker, which builds those connectors,
  imported only then. Requests go through the session it exposes as
  `Docker.session`, never its private helpers.

Every failure is translated here, once: `EngineError` when the engine cannot
be reached, `EngineRefused` (or `NotFound` / `Conflict`) when it answers
with an error status.

aiohttp is imported without the system's CA bundle for its own default SSL
contexts (`_without_default_ca_file`), which no request here uses.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Iterator, Mapping, Sequence
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from dockertui.engine.endpoint import Endpoint, EndpointError
from dockertui.engine.errors import (
    CONNECT_TIMEOUT,
    EngineError,
    EngineRefused,
    NotFound,
    describe_failure,
    describe_not_an_engine,
    describe_refusal,
    describe_ssh_failure,
    turns_us_away,
)
from dockertui.engine.unix_http import UnixHTTP
from dockertui.model import ClientFacts


@contextlib.contextmanager
def _without_default_ca_file() -> Iterator[None]:
    """Point OpenSSL's CA-file variable (SSL_CERT_FILE) at an empty file for
    the duration of the block, then put it back as it was.

    aiohttp builds two default SSL contexts when it is imported, and each
    loads the system's CA bundle: about 60 ms of every start here, a sixth
    of a scan of 200 containers. dockertui never uses them: a unix socket
    and ssh need no TLS, and tcp gets the context `Endpoint.ssl_context`
    builds (from the context's or DOCKER_CERT_PATH's files, or the system
    store, loaded when it connects, after this block), or none. So they are
    built from an empty file."""
    name = ssl.get_default_verify_paths().openssl_cafile_env
    saved = os.environ.get(name)
    os.environ[name] = os.devnull
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved


def _aiohttp() -> ModuleType:
    """aiohttp, imported on first use (a tenth of a second) and without the CA bundle."""
    with _without_default_ca_file():
        import aiohttp  # in the block, on purpose
    return aiohttp


if TYPE_CHECKING:
    import aiodocker
    import aiohttp

__all__ = ["CONNECT_TIMEOUT", "READ_TIMEOUT", "EngineGateway", "client_facts"]

#: Seconds any later request may take (a stop adds the container's stop timeout).
READ_TIMEOUT = 30.0
#: Archive streams are read and written in pieces of this size.
CHUNK = 64 * 1024
_NEEDS_SSH_EXTRA = (
    "{host} is an ssh endpoint, which needs the ssh extra: pip install 'dockertui[ssh]'."
)
#: Host part of request URLs on a unix socket (the connector ignores it).
_UNIX_BASE = "http://localhost"
# aiodocker logs ssh failures itself; we say them once, in one sentence.
logging.getLogger("aiodocker").addHandler(logging.NullHandler())


def client_facts(endpoint: Endpoint, env: Mapping[str, str]) -> ClientFacts:
    return ClientFacts(
        endpoint=endpoint.host,
        context=endpoint.context,
        name=endpoint.name,
        transport=endpoint.transport,
        tls=endpoint.tls,
        tls_verify=endpoint.tls_verify,
        content_trust=env.get("DOCKER_CONTENT_TRUST", "") == "1",
    )


class EngineGateway:
    """Typed Engine API operations over one endpoint (see the module doc)."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        base: str,
        session: aiohttp.ClientSession | None = None,
        docker: aiodocker.Docker | None = None,
        unix: UnixHTTP | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._session = session  # for a unix socket: made by the first stream
        self._base = base  # scheme and host that request paths are appended to
        self._docker = docker  # ours to close, when aiodocker made the session
        self._unix = unix  # plain requests on a unix socket
        self.api_version = ""  # "v1.41", negotiated by open()
        self.connect_timeout = CONNECT_TIMEOUT

    @classmethod
    async def open(cls, endpoint: Endpoint, *, timeout: float = CONNECT_TIMEOUT) -> EngineGateway:
        """Connect and check that an engine answers GET /version within `timeout` s."""
        gateway = cls._connect(endpoint, timeout)
        gateway.connect_timeout = timeout
        try:
            version = await gateway.get("version", versioned=False, timeout=timeout)
        except EngineRefused as err:
            await gateway.close()
            if endpoint.transport == "ssh":  # the tunnel failed, not the engine
                raise EngineError(describe_ssh_failure(endpoint, err.message)) from None
            if err.from_engine:  # an engine that refuses (an authorization plugin, say)
                raise EngineError(describe_refusal(endpoint, err), refused=True) from None
            raise EngineError(describe_not_an_engine(endpoint, err.status, err.message)) from None
        except BaseException:
            await gateway.close()
            raise
        if not isinstance(version, dict) or not version.get("ApiVersion"):
            await gateway.close()
            raise EngineError(describe_not_an_engine(endpoint, 200)) from None
        gateway.api_version = "v" + str(version["ApiVersion"])
        return gateway

    @classmethod
    def _connect(cls, endpoint: Endpoint, timeout: float) -> EngineGateway:
        """The gateway for `endpoint`; no request is made yet. A unix socket
        gets no SSL context at all; tcp gets the one the endpoint resolver
        built (or none without TLS), never aiohttp's or aiodocker's default,
        which would switch to TLS on its own when DOCKER_TLS_VERIFY is set,
        against what the resolver decided (e.g. for a plain-tcp context)."""
        if endpoint.transport == "unix" and endpoint.socket_path:
            return cls(endpoint, base=_UNIX_BASE, unix=UnixHTTP(endpoint.socket_path))
        aiohttp = _aiohttp()
        limits = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=READ_TIMEOUT)
        if endpoint.transport == "tcp":
            try:
                ssl_context = endpoint.ssl_context()
            except EndpointError as err:
                raise EngineError(str(err), refused=True) from None
            connector = aiohttp.TCPConnector(ssl=ssl_context or False)
            session = aiohttp.ClientSession(connector=connector, timeout=limits)
            return cls(endpoint, base=endpoint.url.rstrip("/"), session=session)
        import aiodocker

        try:
            docker = aiodocker.Docker(url=endpoint.url, timeout=limits)
        except (ImportError, ModuleNotFoundError):
            raise EngineError(_NEEDS_SSH_EXTRA.format(host=endpoint.host)) from None
        except aiodocker.DockerError as err:  # the ssh connector checks what it can up front
            if "asyncssh" in err.message:
                raise EngineError(_NEEDS_SSH_EXTRA.format(host=endpoint.host)) from None
            raise EngineError(describe_ssh_failure(endpoint, err.message)) from None
        except ValueError as err:
            raise EngineError(f"Cannot use the endpoint {endpoint.host}: {err}.") from None
        return cls(endpoint, base=docker.docker_host, session=docker.session, docker=docker)

    def _streams(self) -> aiohttp.ClientSession:
        """The aiohttp session; on a unix socket, made on first use."""
        if self._session is None:
            aiohttp = _aiohttp()
            assert self.endpoint.socket_path is not None
            self._session = aiohttp.ClientSession(
                connector=aiohttp.UnixConnector(path=self.endpoint.socket_path),
                timeout=aiohttp.ClientTimeout(total=None, sock_read=READ_TIMEOUT),
            )
        return self._session

    async def close(self) -> None:
        if self._unix is not None:
            await self._unix.close()
        if self._docker is not None:
            await self._docker.close()
        elif self._session is not None:
            await self._session.close()

    # --- the one place requests are made and failures translated ---------------------------

    def _path(self, path: str, versioned: bool) -> str:
        prefix = f"/{self.api_version}" if versioned and self.api_version else ""
        return f"{prefix}/{quote(path.lstrip('/'), safe='/:@')}"

    @contextlib.contextmanager
    def _translated(self, timeout: float | None) -> Iterator[None]:
        """Turn what any transport raises into EngineError (see errors.py)."""
        try:
            yield
        except TimeoutError:
            waited = timeout if timeout is not None else self.connect_timeout
            raise EngineError(describe_failure(self.endpoint, TimeoutError(), waited)) from None
        except OSError as err:
            refused = turns_us_away(err)
            raise EngineError(describe_failure(self.endpoint, err), refused=refused) from None
        except Exception as err:
            if isinstance(err, _aiohttp().ClientError):
                refused = turns_us_away(err)
                raise EngineError(describe_failure(self.endpoint, err), refused=refused) from None
            raise

    @contextlib.asynccontextmanager
    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        content_type: str = "application/json",
        timeout: float | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """One streamed request through aiohttp; the response stays open
        inside the block. `timeout` bounds the whole exchange (None: no
        bound, for streams); the session bounds only connecting."""
        aiohttp = _aiohttp()
        query = _query(params)
        headers = {"Content-Type": content_type} if data is not None else None
        session_timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self.connect_timeout, sock_read=None
        )
        with self._translated(timeout):
            async with asyncio.timeout(timeout):
                async with self._streams().request(
                    method,
                    self._base + self._path(path, versioned=True),
                    params=query,
                    data=data,
                    headers=headers,
                    timeout=session_timeout,
                ) as response:
                    if response.status >= 400:
                        raw = await response.read()
                        raise _refusal(method, path, response.status, raw)
                    yield response

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        versioned: bool = True,
        timeout: float | None = READ_TIMEOUT,
    ) -> tuple[Mapping[str, str], bytes]:
        """One request whose answer is read whole: its headers and body. A
        JSON `body` is sent as such; an error status raises EngineRefused."""
        payload = json.dumps(body).encode() if body is not None else None
        # A body says what it is; a GET without one needs no header (a
        # request costs a little less, and an inventory makes a thousand).
        headers = {"Content-Type": "application/json"} if payload is not None else None
        query = _query(params)
        with self._translated(timeout):
            async with asyncio.timeout(timeout):
                if self._unix is not None:
                    target = self._path(path, versioned)
                    if query:
                        target += "?" + urlencode(query, quote_via=quote)
                    answer = await self._unix.request(
                        method,
                        target,
                        body=payload,
                        headers=headers,
                        connect_timeout=self.connect_timeout,
                    )
                    status, answer_headers, raw = answer.status, answer.headers, answer.body
                else:
                    aiohttp = _aiohttp()
                    async with self._streams().request(
                        method,
                        self._base + self._path(path, versioned),
                        params=query,
                        data=payload,
                        headers=headers,
                        timeout=aiohttp.ClientTimeout(
                            total=None, sock_connect=self.connect_timeout, sock_read=None
                        ),
                    ) as response:
                        raw = await response.read()
                        status = response.status
                        answer_headers = {k.lower(): v for k, v in response.headers.items()}
        if status >= 400:
            raise _refusal(method, path, status, raw)
        return answer_headers, raw

    async def _json(self, method: str, path: str, **kw: Any) -> Any:
        _, raw = await self._call(method, path, **kw)
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    # --- generic reads (inventory, watcher) ------------------------------------------------

    async def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        versioned: bool = True,
        timeout: float = READ_TIMEOUT,
    ) -> Any:
        """GET a JSON document from the Engine API."""
        return await self._json("GET", path, params=params, versioned=versioned, timeout=timeout)

    @contextlib.asynccontextmanager
    async def stream(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """A long-lived GET (the event stream): no time limit."""
        async with self._request("GET", path, params=params, timeout=None) as response:
            yield response

    async def get_json_lines(
        self, path: str, params: Mapping[str, Any] | None = None, *, timeout: float = READ_TIMEOUT
    ) -> list[Any]:
        """GET a finite stream of JSON documents, one a line, read to its end."""
        found: list[Any] = []
        async with self._request("GET", path, params=params, timeout=timeout) as response:
            async for line in response.content:
                with contextlib.suppress(ValueError):  # a torn or garbled line is not news
                    found.append(json.loads(line))
        return found

    # --- engine -----------------------------------------------------------------------------

    async def info(self) -> dict[str, Any]:
        return dict(await self.get("info") or {})

    async def version(self) -> dict[str, Any]:
        return dict(await self.get("version") or {})

    async def daemon_time(self) -> float:
        """The engine's clock (GET /info SystemTime) as a Unix time."""
        info = await self.info()
        try:
            return datetime.fromisoformat(str(info["SystemTime"])).timestamp()
        except (KeyError, ValueError) as err:
            raise EngineError(
                f"The engine at {self.endpoint.host} did not report its clock ({err})."
            ) from None

    async def container_events(
        self, ref: str, since: float, until: float, actions: Sequence[str]
    ) -> list[dict[str, Any]]:
        """The container's events of the given actions between two daemon times."""
        filters = {"container": [ref], "type": ["container"], "event": list(actions)}
        found = await self.get_json_lines(
            "events",
            {"since": f"{since:.6f}", "until": f"{until:.6f}", "filters": json.dumps(filters)},
            timeout=15.0,
        )
        return [e for e in found if isinstance(e, dict)]

    # --- containers -------------------------------------------------------------------------

    async def inspect_container(
        self, ref: str, *, size: bool = False, timeout: float = READ_TIMEOUT
    ) -> dict[str, Any] | None:
        """GET /containers/{ref}/json (with SizeRw when `size`: slow for a
        large layer, hence `timeout`), None when gone."""
        params = {"size": "1"} if size else None
        try:
            return dict(await self.get(f"containers/{ref}/json", params, timeout=timeout))
        except NotFound:
            return None

    async def list_containers(
        self, *, filters: Mapping[str, Sequence[str]] | None = None
    ) -> list[dict[str, Any]]:
        """GET /containers/json?all=1, optionally filtered (as `docker ps --filter`)."""
        params = {"all": "1", **_filters(filters)}
        return [e for e in await self.get("containers/json", params) or [] if isinstance(e, dict)]

    async def create_container(self, body: Mapping[str, Any], name: str) -> str:
        """POST /containers/create; the new container's id. A taken name is Conflict."""
        answer = await self._json("POST", "containers/create", params={"name": name}, body=body)
        return str(answer["Id"])

    async def update_container(self, ref: str, body: Mapping[str, Any]) -> list[str]:
        """POST /containers/{ref}/update; the engine's warnings."""
        answer = await self._json("POST", f"containers/{ref}/update", body=dict(body))
        warnings = answer.get("Warnings") if isinstance(answer, dict) else None
        return [str(w) for w in warnings or [] if w]

    async def start_container(self, ref: str) -> None:
        await self._json("POST", f"containers/{ref}/start")

    async def stop_container(self, ref: str, *, seconds: int) -> None:
        """POST /containers/{ref}/stop?t=seconds (the engine kills after `seconds`)."""
        await self._json(
            "POST", f"containers/{ref}/stop", params={"t": seconds}, timeout=seconds + READ_TIMEOUT
        )

    async def kill_container(self, ref: str, signal: str = "KILL") -> None:
        await self._json("POST", f"containers/{ref}/kill", params={"signal": signal})

    async def rename_container(self, ref: str, name: str) -> None:
        await self._json("POST", f"containers/{ref}/rename", params={"name": name})

    async def remove_container(self, ref: str, *, volumes: bool = False) -> None:
        """DELETE a stopped container (never forced). dockertui removes only
        containers it made: its never-started lock containers and a lab's
        (`lab down`), with the anonymous volumes their creation made (`volumes`)."""
        await self._json("DELETE", f"containers/{ref}", params={"v": volumes, "force": False})

    async def container_changes(self, ref: str) -> list[dict[str, Any]]:
        """GET /containers/{ref}/changes: the writable layer's {Path, Kind} entries."""
        return [e for e in await self.get(f"containers/{ref}/changes") or [] if isinstance(e, dict)]

    async def top(self, ref: str) -> Any:
        return await self.get(f"containers/{ref}/top")

    async def exec_inspect(self, exec_id: str) -> dict[str, Any] | None:
        try:
            return dict(await self.get(f"exec/{exec_id}/json"))
        except NotFound:
            return None

    # --- archives (the writable layer) ------------------------------------------------------

    async def archive_stat(self, ref: str, path: str) -> dict[str, Any] | None:
        """HEAD /containers/{ref}/archive: the path's stat (name, size, mode,
        mtime, linkTarget), or None when it does not exist."""
        try:
            headers, _ = await self._call(
                "HEAD", f"containers/{ref}/archive", params={"path": path}
            )
        except NotFound:
            return None
        header = headers.get("x-docker-container-path-stat", "")
        try:
            return dict(json.loads(base64.b64decode(header)))
        except ValueError:
            return None

    @contextlib.asynccontextmanager
    async def get_archive(self, ref: str, path: str) -> AsyncIterator[AsyncIterator[bytes]]:
        """GET /containers/{ref}/archive: a tar of `path`, as an async iterator
        of chunks (streamed, never held whole)."""
        async with self._request(
            "GET", f"containers/{ref}/archive", params={"path": path}, timeout=None
        ) as response:
            yield response.content.iter_chunked(CHUNK)

    async def put_archive(self, ref: str, path: str, tar: AsyncIterable[bytes]) -> None:
        """PUT /containers/{ref}/archive: extract the tar stream into `path`
        (owners and modes as in the tar)."""
        async with self._request(
            "PUT",
            f"containers/{ref}/archive",
            params={"path": path},
            data=tar,
            content_type="application/x-tar",
        ) as response:
            await response.read()

    # --- images and networks ----------------------------------------------------------------

    async def inspect_image(self, ref: str) -> dict[str, Any] | None:
        if not ref:
            return None
        try:
            return dict(await self.get(f"images/{ref}/json"))
        except NotFound:
            return None

    async def list_images(self) -> list[dict[str, Any]]:
        return [e for e in await self.get("images/json") or [] if isinstance(e, dict)]

    async def inspect_network(self, ref: str) -> dict[str, Any] | None:
        try:
            return dict(await self.get(f"networks/{ref}"))
        except NotFound:
            return None

    async def connect_network(
        self, network: str, container: str, endpoint_config: Mapping[str, Any]
    ) -> None:
        await self._json(
            "POST",
            f"networks/{network}/connect",
            body={"Container": container, "EndpointConfig": dict(endpoint_config)},
        )

    async def list_networks(
        self, *, filters: Mapping[str, Sequence[str]] | None = None
    ) -> list[dict[str, Any]]:
        """GET /networks, optionally filtered (label=, name=, ...)."""
        found = await self.get("networks", _filters(filters))
        return [e for e in found or [] if isinstance(e, dict)]

    async def create_network(self, body: Mapping[str, Any]) -> str:
        """POST /networks/create (with CheckDuplicate: a taken name is Conflict); its id."""
        answer = await self._json(
            "POST", "networks/create", body={"CheckDuplicate": True, **dict(body)}
        )
        return str(answer["Id"])

    async def remove_network(self, ref: str) -> None:
        await self._json("DELETE", f"networks/{ref}")

    async def list_volumes(
        self, *, filters: Mapping[str, Sequence[str]] | None = None
    ) -> list[dict[str, Any]]:
        """GET /volumes, optionally filtered: the Volumes list of the answer."""
        answer = await self.get("volumes", _filters(filters))
        volumes = answer.get("Volumes") if isinstance(answer, dict) else None
        return [e for e in volumes or [] if isinstance(e, dict)]

    async def create_volume(self, body: Mapping[str, Any]) -> None:
        """POST /volumes/create (an existing name is taken as it is, as the engine does)."""
        await self._json("POST", "volumes/create", body=dict(body))

    async def remove_volume(self, name: str) -> None:
        """DELETE /volumes/{name} (never forced: a volume in use is Conflict)."""
        await self._json("DELETE", f"volumes/{name}")

    # --- swarm: a manager answers these; any other engine refuses (503) ------------------

    async def list_services(self) -> list[dict[str, Any]]:
        """GET /services: every service's spec (no secret or config values in it)."""
        return [e for e in await self.get("services") or [] if isinstance(e, dict)]

    async def list_nodes(self) -> list[dict[str, Any]]:
        """GET /nodes: the swarm's nodes, their roles and reachability."""
        return [e for e in await self.get("nodes") or [] if isinstance(e, dict)]


def _filters(filters: Mapping[str, Sequence[str]] | None) -> dict[str, str]:
    """The `filters` query parameter the engine reads ({} for none)."""
    return {"filters": json.dumps({k: list(v) for k, v in filters.items()})} if filters else {}


def _query(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The query parameters as strings (booleans as 1 and 0), without the Nones."""
    if not params:
        return None
    return {
        k: ("1" if v else "0") if isinstance(v, bool) else str(v)
        for k, v in params.items()
        if v is not None
    }


def _refusal(method: str, path: str, status: int, raw: bytes) -> EngineRefused:
    """The error for an error status, with its text, and whether it came as
    an Engine API error ({"message": "..."}) rather than an empty, plain or
    HTML body."""
    text = raw.decode("utf-8", "replace")
    message, from_engine = text, False
    with contextlib.suppress(ValueError, AttributeError):
        said = json.loads(text).get("message")
        if isinstance(said, str) and said.strip():
            message, from_engine = said, True
    return EngineRefused.of(
        status, message, request=f"{method} /{path.lstrip('/')}", from_engine=from_engine
    )

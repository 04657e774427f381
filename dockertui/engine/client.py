"""One aiodocker client per endpoint, and the translation of connection
failures into one clear sentence."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import ssl
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiodocker
import aiohttp

from dockertui.engine.endpoint import Endpoint, EndpointError
from dockertui.engine.errors import EngineError
from dockertui.model import ClientFacts

#: Seconds to connect and get the first answer (GET /version).
CONNECT_TIMEOUT = 5.0
_NEEDS_SSH_EXTRA = (
    "{host} is an ssh endpoint, which needs the ssh extra: pip install 'dockertui[ssh]'."
)
# aiodocker logs ssh failures itself; we say them once, in one sentence.
logging.getLogger("aiodocker").addHandler(logging.NullHandler())
#: Seconds any later request may take.
READ_TIMEOUT = 30.0


def client_facts(endpoint: Endpoint, env: Mapping[str, str]) -> ClientFacts:
    return ClientFacts(
        endpoint=endpoint.host,
        context=endpoint.context,
        transport=endpoint.transport,
        tls=endpoint.tls,
        tls_verify=endpoint.tls_verify,
        content_trust=env.get("DOCKER_CONTENT_TRUST", "") == "1",
    )


class EngineClient:
    """The few Engine API calls dockertui makes, over one aiodocker session.

    Every call raises EngineError (cannot reach the engine) or
    aiodocker.DockerError (the engine answered with an error status)."""

    def __init__(
        self,
        endpoint: Endpoint,
        docker: aiodocker.Docker,
        connector: aiohttp.BaseConnector | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.docker = docker
        self._connector = connector  # ours to close when we made it

    @classmethod
    async def open(cls, endpoint: Endpoint, *, timeout: float = CONNECT_TIMEOUT) -> EngineClient:
        """Connect and check that an engine answers GET /version within `timeout` s."""
        try:
            ssl_context = endpoint.ssl_context()
        except EndpointError as err:
            raise EngineError(str(err)) from None
        limits = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=READ_TIMEOUT)
        # For tcp we hand aiodocker its connector: left alone, it would switch
        # to TLS on its own when DOCKER_TLS_VERIFY is set, against what the
        # endpoint resolver decided (e.g. for a plain-tcp context).
        connector = (
            aiohttp.TCPConnector(ssl=ssl_context or False) if endpoint.transport == "tcp" else None
        )
        try:
            docker = aiodocker.Docker(url=endpoint.url, connector=connector, timeout=limits)
        except (ImportError, ModuleNotFoundError):
            raise EngineError(_NEEDS_SSH_EXTRA.format(host=endpoint.host)) from None
        except aiodocker.DockerError as err:  # the ssh connector checks what it can up front
            if "asyncssh" in err.message:
                raise EngineError(_NEEDS_SSH_EXTRA.format(host=endpoint.host)) from None
            raise EngineError(describe_ssh_failure(endpoint, err.message)) from None
        except ValueError as err:
            raise EngineError(f"Cannot use the endpoint {endpoint.host}: {err}.") from None
        client = cls(endpoint, docker, connector)
        try:
            await client.get("version", versioned=False, timeout=timeout)
        except aiodocker.DockerError as err:
            await client.close()
            if endpoint.transport == "ssh":  # the tunnel failed, not the engine
                raise EngineError(describe_ssh_failure(endpoint, err.message)) from None
            raise
        except BaseException:
            await client.close()
            raise
        return client

    async def close(self) -> None:
        await self.docker.close()
        if self._connector is not None:
            await self._connector.close()

    @contextlib.asynccontextmanager
    async def _translated(self, timeout: float | None) -> AsyncIterator[None]:
        """Run a request within `timeout` seconds (None: no limit), turning
        "cannot reach the engine" into EngineError; the engine's own error
        answers stay aiodocker.DockerError."""
        try:
            async with asyncio.timeout(timeout):
                yield
        except aiodocker.DockerError as err:
            if err.status == 900:
                raise EngineError(describe_failure(self.endpoint, err.__context__)) from None
            raise
        except TimeoutError:
            raise EngineError(describe_failure(self.endpoint, TimeoutError(), timeout)) from None
        except aiohttp.ClientError as err:
            raise EngineError(describe_failure(self.endpoint, err)) from None

    async def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        versioned: bool = True,
        timeout: float = READ_TIMEOUT,
    ) -> Any:
        """GET a JSON document from the Engine API."""
        async with self._translated(timeout):
            return await self.docker._query_json(
                path, params=dict(params or {}), versioned_api=versioned
            )

    @contextlib.asynccontextmanager
    async def stream(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """A long-lived GET (the event stream): no read timeout."""
        forever = aiohttp.ClientTimeout(total=None, sock_read=None)
        async with (
            self._translated(None),
            self.docker._query(path, params=dict(params or {}), timeout=forever) as resp,
        ):
            yield resp

    async def post(
        self,
        path: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        *,
        timeout: float = READ_TIMEOUT,
    ) -> Any:
        """POST to the Engine API (fixes and tests): a JSON body, query
        parameters, and `timeout` seconds for the answer (a stop waits for
        the container's stop timeout)."""
        async with self._translated(timeout):
            return await self.docker._query_json(
                path, method="POST", data=body, params=dict(params or {})
            )

    async def get_json_lines(
        self, path: str, params: Mapping[str, Any] | None = None, *, timeout: float = READ_TIMEOUT
    ) -> list[Any]:
        """GET a finite stream of JSON documents, one a line (e.g. /events
        with `until` in the past), read to its end."""
        found: list[Any] = []
        async with self._translated(timeout), self.stream(path, params) as resp:
            async for line in resp.content:
                if line.strip():
                    found.append(json.loads(line))
        return found


def describe_ssh_failure(endpoint: Endpoint, message: str) -> str:
    """One sentence on why the ssh tunnel to the engine could not be opened."""
    if "known_hosts" in message or "host key" in message.lower():
        return (
            f"The ssh host key of {endpoint.host} is not in ~/.ssh/known_hosts; connect once "
            "with ssh to check and accept it, then try again."
        )
    return f"Cannot open the ssh connection to {endpoint.host}: {message.rstrip('.')}."


def describe_failure(
    endpoint: Endpoint, cause: BaseException | None, timeout: float = CONNECT_TIMEOUT
) -> str:
    """One sentence on why the engine at `endpoint` cannot be reached."""
    where = endpoint.host
    os_error = getattr(cause, "os_error", None) or (cause if isinstance(cause, OSError) else None)
    if isinstance(cause, aiohttp.ClientConnectorCertificateError | ssl.SSLCertVerificationError):
        return (
            f"The TLS certificate of the engine at {where} could not be verified; check that "
            "DOCKER_CERT_PATH (or the context) holds the CA that signed it."
        )
    if isinstance(cause, aiohttp.ClientSSLError | ssl.SSLError):
        return (
            f"The TLS handshake with {where} failed ({cause}); check the client certificate "
            "and key, and that the engine expects TLS."
        )
    if isinstance(cause, TimeoutError | asyncio.TimeoutError):
        return (
            f"The engine at {where} did not answer within {timeout:g} seconds; check "
            "that it listens there and that no firewall drops the traffic."
        )
    path = endpoint.socket_path
    code = getattr(os_error, "errno", None)
    if path and code == errno.ENOENT:
        return (
            f"There is no Docker socket at {path}: the Docker daemon is not running or "
            "listens elsewhere; start it (systemctl start docker) or set DOCKER_HOST or --host."
        )
    if path and code in (errno.EACCES, errno.EPERM):
        return (
            f"Permission denied on {path}: run dockertui as root or as a member of the docker "
            "group (which is root-equivalent), or use a rootless engine."
        )
    if code == errno.ECONNREFUSED:
        if path:
            return (
                f"Nothing answers on {path}: the Docker daemon is not running; start it "
                "(systemctl start docker) and try again."
            )
        return (
            f"The engine at {where} refused the connection: nothing listens on that port; "
            "check the address and that dockerd is started with that -H."
        )
    if isinstance(cause, aiohttp.ServerDisconnectedError):
        return (
            f"The engine at {where} closed the connection without answering; if it expects "
            "TLS, set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH."
        )
    reason = str(os_error or cause or "no reason given").strip() or type(cause).__name__
    return f"Cannot reach the Docker engine at {where}: {reason}."

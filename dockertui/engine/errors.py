"""Errors a user can meet when talking to an engine, each one clear sentence.

Two kinds, raised by the engine gateway and nothing else:

- `EngineError`: the engine cannot be reached (no socket, refused, TLS,
  timeout, ssh); `str(err)` names the cause and what to do.
- `EngineRefused`: the engine answered with an error status; `status` and
  `message` are what it said. `NotFound` (404) and `Conflict` (409) are the
  two statuses callers decide on. `describe_refusal` turns one into the
  sentence a command prints.

aiohttp (and Rich, for `printable`) are imported only when a failure is
described, so that importing this module (every command does) costs nothing.
"""

from __future__ import annotations

import asyncio
import errno
import ssl
from http import HTTPStatus

from dockertui.engine.endpoint import Endpoint

#: Seconds to connect and get the first answer (GET /version).
CONNECT_TIMEOUT = 5.0


class EngineError(Exception):
    """The engine cannot be reached. `str(err)` is one sentence that names the
    cause and what to do; the CLI prints it and exits 2. `refused`: something
    answered and turned us away (TLS, permissions, an authorization plugin),
    which waiting will not mend, unlike an engine that is down or slow."""

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


#: What OpenSSL calls the alerts of a server that refuses the client's certificate.
_CLIENT_REFUSED = ("BAD_CERTIFICATE", "UNKNOWN_CA", "CERTIFICATE_REQUIRED", "CERTIFICATE_UNKNOWN")


def _ssl_error(cause: BaseException | None) -> ssl.SSLError | None:
    """The TLS failure behind `cause`, however aiohttp wrapped it (its
    ClientOSError re-raises the SSLError's arguments, the error as its cause)."""
    seen = 0
    while cause is not None and seen < 5:
        if isinstance(cause, ssl.SSLError):
            return cause
        found = getattr(cause, "os_error", None)
        cause = found if isinstance(found, BaseException) else cause.__cause__ or cause.__context__
        seen += 1
    return None


def _client_turned_away(err: ssl.SSLError) -> bool:
    reason = str(getattr(err, "reason", "") or err).upper()
    return any(alert in reason for alert in _CLIENT_REFUSED)


def turns_us_away(cause: BaseException | None) -> bool:
    """A TLS failure or a permission error: the engine (or its socket) is there
    and refuses this client."""
    import aiohttp

    if isinstance(cause, aiohttp.ClientSSLError | ssl.SSLError) or _ssl_error(cause):
        return True
    os_error = getattr(cause, "os_error", None) or (cause if isinstance(cause, OSError) else None)
    return getattr(os_error, "errno", None) in (errno.EACCES, errno.EPERM)


class EngineRefused(Exception):
    """The engine answered a request with an error status."""

    def __init__(
        self, status: int, message: str, *, request: str = "", from_engine: bool = True
    ) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message.strip().rstrip(".") or f"HTTP status {status}"
        #: "GET /containers/json": what was refused ("" when not known).
        self.request = request
        #: The answer was an Engine API error ({"message": ...}), not an empty
        #: or HTML body: whatever answered speaks the Engine API.
        self.from_engine = from_engine and bool(message.strip())

    @staticmethod
    def of(
        status: int, message: str, *, request: str = "", from_engine: bool = True
    ) -> EngineRefused:
        """The most specific error for `status`. Podman answers a taken
        container name with 500 "that name is already in use": a conflict too."""
        if status == 500 and "already in use" in message.lower():
            return Conflict(status, message, request=request, from_engine=from_engine)
        kind = {404: NotFound, 409: Conflict}.get(status, EngineRefused)
        return kind(status, message, request=request, from_engine=from_engine)

    @property
    def transient(self) -> bool:
        """Worth retrying: the engine was busy with the container (restarting
        it, stopping it, updating a task that just exited) or is overloaded,
        rather than refusing the request itself."""
        if self.status in (502, 503, 504):
            return True
        text = self.message.lower()
        busy = ("restarting", "in progress", "not running", "stopped container", "cannot update")
        return self.status in (409, 500) and any(word in text for word in busy)


class NotFound(EngineRefused):
    """404: no such container, image, network or path."""


class Conflict(EngineRefused):
    """409: a name in use, a container in a state that refuses the request."""


def http_status(status: int) -> str:
    """ "HTTP 404 Not Found"; just the number for a status HTTP does not name."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def describe_not_an_engine(endpoint: Endpoint, status: int, body: str = "") -> str:
    """One sentence for a first request (GET /version) that got no Engine API
    answer: an error status without an Engine API error, or a success that
    does not carry an API version. `body`: the answer's text, when known."""
    if status == 400 and "HTTPS server" in body:  # Go's answer to plain HTTP on a TLS port
        return (
            f"The engine at {endpoint.host} expects TLS and was spoken to in plain HTTP; "
            "set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (or use a context with TLS files) "
            "instead of --insecure."
        )
    answer = http_status(status) if status >= 400 else "something that is not an Engine API reply"
    return (
        f"The server at {endpoint.host} answered GET /version with {answer}; it may not be "
        "a Docker engine, so check --host, DOCKER_HOST or the context."
    )


def describe_refusal(endpoint: Endpoint, err: EngineRefused) -> str:
    """One sentence for a request the engine refused: which request, the
    status, and the engine's own message (or that there was none)."""
    from dockertui.text import printable  # imports Rich: only when there is something to say

    what = err.request or "a request"
    if not err.from_engine:
        return (
            f"The server at {endpoint.host} answered {what} with {http_status(err.status)} and no "
            "Engine API error message; the endpoint may not be a Docker engine, so check "
            "--host, DOCKER_HOST or the context."
        )
    return (
        f"The engine at {endpoint.host} refused {what} ({http_status(err.status)}): "
        f"{printable(err.message)}."
    )


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
    import aiohttp

    from dockertui.engine.unix_http import Disconnected, NotHTTP

    where = endpoint.host
    os_error = getattr(cause, "os_error", None) or (cause if isinstance(cause, OSError) else None)
    tls = _ssl_error(cause) or cause
    if isinstance(tls, aiohttp.ClientConnectorCertificateError | ssl.SSLCertVerificationError):
        return (
            f"The TLS certificate of the engine at {where} could not be verified; check that "
            "DOCKER_CERT_PATH (or the context) holds the CA that signed it."
        )
    if isinstance(tls, ssl.SSLError) and _client_turned_away(tls):
        return (
            f"The engine at {where} does not accept this client's TLS certificate; use a "
            "client certificate signed by the CA the daemon trusts (its --tlscacert), in "
            "DOCKER_CERT_PATH or the context."
        )
    if isinstance(tls, aiohttp.ClientSSLError | ssl.SSLError):
        reason = getattr(tls, "reason", None) or type(tls).__name__
        return (
            f"The TLS handshake with {where} failed ({reason}); check the client certificate "
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
    if isinstance(cause, NotHTTP):
        return (
            f"The server at {where} does not answer in HTTP; it may not be a Docker engine, "
            "so check --host, DOCKER_HOST or the context."
        )
    if isinstance(cause, Disconnected):  # only on a unix socket
        return (
            f"The server on {path or where} closed the connection before it answered in "
            "full; check that it is a Docker engine, and that it is not restarting."
        )
    if isinstance(cause, aiohttp.ServerDisconnectedError):
        return (
            f"The engine at {where} closed the connection without answering; if it expects "
            "TLS, set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH."
        )
    reason = str(os_error or cause or "no reason given").strip() or type(cause).__name__
    return f"Cannot reach the Docker engine at {where}: {reason}."

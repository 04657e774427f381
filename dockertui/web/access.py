"""Who may use a served console, decided without any I/O: the token (in the
query once, then a cookie), the origin of a websocket, and what listening on
an address exposes. The server in `server.py` asks these questions of every
request."""

from __future__ import annotations

import enum
import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

#: secrets.token_urlsafe(32): 32 random bytes, 43 URL-safe characters.
TOKEN_BYTES = 32
#: The addresses that reach every interface of this host.
EVERY_INTERFACE = ("0.0.0.0", "::", "")


class Pass(enum.Enum):
    """How a request proved it holds the token, or that it does not."""

    REFUSED = "refused"
    QUERY = "query"  # ?token=...: the answer sets the cookie
    COOKIE = "cookie"


@dataclass(frozen=True)
class Access:
    """The one secret of a served console and the cookie that carries it.

    The cookie is named after the port: cookies are kept per host, not per
    port, and two consoles served on one host must not overwrite each
    other's."""

    port: int
    token: str = field(default_factory=lambda: secrets.token_urlsafe(TOKEN_BYTES), repr=False)

    @property
    def cookie(self) -> str:
        return f"dockertui-{self.port}"

    def judge(self, query_token: str | None, cookie_token: str | None) -> Pass:
        """A request passes with the right token in its query or its cookie;
        both compared in constant time."""
        if query_token is not None and _same(query_token, self.token):
            return Pass.QUERY
        if cookie_token is not None and _same(cookie_token, self.token):
            return Pass.COOKIE
        return Pass.REFUSED

    def start_url(self, host: str) -> str:
        """The URL to open: the token in its query, once."""
        return f"http://{url_host(host)}:{self.port}/?token={self.token}"


def _same(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode())


def same_origin(origin: str | None, host: str) -> bool:
    """Whether a websocket's Origin header names the page this server gave
    (http://<the Host it was asked for>). Browsers always send one; a client
    that sends none is no page of another site."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    return parts.scheme == "http" and parts.netloc.lower() == host.lower()


def is_loopback(host: str) -> bool:
    """Whether listening on `host` reaches this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_host(host: str) -> str:
    """`host` as it goes in a URL: IPv6 in brackets; an address meaning every
    interface as 127.0.0.1, which reaches it from this machine."""
    if host in EVERY_INTERFACE:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def exposure_warning(host: str) -> str | None:
    """What to say when the console listens beyond this machine."""
    if is_loopback(host):
        return None
    where = "every interface" if host in EVERY_INTERFACE else host
    return (
        f"Warning: serving on {where} exposes the console to the network: whoever gets the "
        "URL with its token controls it, with the engine's power, and the traffic is plain "
        "HTTP that anyone on the path can read."
    )

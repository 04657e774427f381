"""A lean HTTP/1.1 client for the engine's unix socket: one request, one
whole answer.

The engine gateway sends its plain requests on a unix socket through this
client (a method, a path, maybe a JSON body; the answer read whole), and
keeps aiohttp for streams (events, archives), tcp and TLS. An inventory of
a thousand containers is a thousand small GETs: aiohttp spends about twice
the CPU this client does on each, and importing it is a tenth of a second of
every scan, which on a unix socket now never pays it.

Connections are kept alive and reused, at most `limit` open at once. A
reused connection the engine closed meanwhile is noticed before use when it
can be (end of stream already seen), and otherwise a GET or HEAD that got no
byte of answer on it is sent once more on a new connection; any other
method is never sent twice.

Failures are `OSError`s: what connecting raises (no socket, permission,
refused), `Disconnected` when the engine closes the connection before a
whole answer, and `NotHTTP` when what answers does not speak HTTP/1.x.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Answer", "Disconnected", "NotHTTP", "UnixHTTP"]

#: Connections open at once; requests beyond it wait for one to be free.
LIMIT = 32
#: Bytes of a status line and headers; an answer with more is not the engine's.
HEADER_LIMIT = 256 * 1024
_IDEMPOTENT = frozenset({"GET", "HEAD"})


class Disconnected(ConnectionError):
    """The engine closed the connection before a whole answer."""


class NotHTTP(OSError):
    """What answered on the socket does not speak HTTP/1.x."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # names in lower case
    body: bytes


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @property
    def usable(self) -> bool:
        return not (self.reader.at_eof() or self.writer.is_closing())

    def close(self) -> None:
        self.writer.close()


class UnixHTTP:
    """HTTP/1.1 requests over the unix socket at `path` (see the module doc)."""

    def __init__(self, path: str, *, limit: int = LIMIT) -> None:
        self.path = path
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(limit)
        self._closed = False

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    async def request(
        self,
        method: str,
        target: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        connect_timeout: float,
    ) -> Answer:
        """Send one request (`target`: path and query) and read its whole answer."""
        head = _head(method, target, body, headers)
        async with self._slots:
            connection = self._reusable()
            if connection is not None and method in _IDEMPOTENT:
                try:
                    return await self._exchange(connection, head, body, method)
                except _Unanswered:
                    pass  # closed by the engine while idle: once more, on a new connection
            elif connection is not None:
                connection.close()  # a request that must not be sent twice gets a fresh one
            connection = await self._connect(connect_timeout)
            try:
                return await self._exchange(connection, head, body, method)
            except _Unanswered:
                raise Disconnected("the engine closed the connection without answering") from None

    def _reusable(self) -> _Connection | None:
        while self._idle:
            connection = self._idle.pop()
            if connection.usable:
                return connection
            connection.close()
        return None

    async def _connect(self, timeout: float) -> _Connection:
        reader, writer = await asyncio.wait_for(
            asyncio.open_unix_connection(self.path, limit=HEADER_LIMIT), timeout
        )
        return _Connection(reader, writer)

    async def _exchange(
        self, connection: _Connection, head: bytes, body: bytes | None, method: str
    ) -> Answer:
        """One request and answer on `connection`, which goes back to the idle
        list when the answer leaves it reusable and is closed otherwise."""
        keep = False
        try:
            try:
                connection.writer.write(head + body if body else head)
                await connection.writer.drain()
            except ConnectionError:
                raise _Unanswered from None
            answer, keep = await _read_answer(connection.reader, method)
            return answer
        finally:
            if keep and not self._closed:
                self._idle.append(connection)
            else:
                connection.close()


class _Unanswered(Exception):
    """The connection ended before the first byte of an answer."""


def _head(method: str, target: str, body: bytes | None, headers: Mapping[str, str] | None) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: localhost"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body is not None or method not in _IDEMPOTENT:
        lines.append(f"Content-Length: {len(body or b'')}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _read_answer(reader: asyncio.StreamReader, method: str) -> tuple[Answer, bool]:
    """The answer, and whether the connection can carry another request."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as err:
        if not err.partial:
            raise _Unanswered from None
        if not err.partial.startswith(b"HTTP/"[: len(err.partial)]):
            raise NotHTTP("what answers on the socket does not speak HTTP") from None
        raise Disconnected("the engine closed the connection in the middle of an answer") from None
    except asyncio.LimitOverrunError:
        raise NotHTTP("the answer's headers never end") from None
    except ConnectionResetError:
        raise _Unanswered from None
    status, headers = _parse_head(raw)
    keep = headers.get("connection", "").lower() != "close"
    try:
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = await _read_chunked(reader)
        elif "content-length" in headers:
            try:
                length = int(headers["content-length"])
            except ValueError:
                raise NotHTTP("the answer has a Content-Length that is not a number") from None
            body = await reader.readexactly(length)
        else:
            body = await reader.read()
            keep = False
    except asyncio.IncompleteReadError:
        raise Disconnected("the engine closed the connection in the middle of an answer") from None
    return Answer(status, headers, body), keep


def _parse_head(raw: bytes) -> tuple[int, dict[str, str]]:
    text = raw.decode("latin-1")
    status_line, _, rest = text.partition("\r\n")
    version, _, tail = status_line.partition(" ")
    code = tail[:3]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise NotHTTP("what answers on the socket does not speak HTTP")
    headers: dict[str, str] = {}
    for line in rest.split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return int(code), headers


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise NotHTTP("the answer's chunked body is malformed") from None
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)

"""The lean HTTP/1.1 client the gateway uses on a unix socket
(dockertui/engine/unix_http.py): against servers written byte by byte here,
for what dockerd never does on purpose (closing an idle connection, a
half answer, something that is not HTTP), and against the real engine.

Raw servers, not aiohttp's: the point is the bytes on the wire."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.errors import NotFound
from dockertui.engine.gateway import EngineGateway
from dockertui.engine.unix_http import Disconnected, NotHTTP, UnixHTTP
from tests import harness
from tests.integration.integration_support import run_cli
from tests.integration.test_scan_faults import one_sentence
from tests.unit.test_startup import loaded_after, tops

#: What a connection handler gets: the reader, the writer, and this
#: connection's number (1, 2, ...).
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> tuple[str, bytes] | None:
    """The request line and body of the next request, None at end of stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode().split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return lines[0], body


def answer(body: bytes, *, status: str = "200 OK", extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


async def serve(path: Path, handler: Handler) -> asyncio.AbstractServer:
    count = 0

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal count
        count += 1
        try:
            await handler(reader, writer, count)
        finally:
            writer.close()

    return await asyncio.start_unix_server(on_connect, str(path))


async def test_requests_share_a_few_kept_alive_connections(short_tmp: Path) -> None:
    """A hundred GETs at once over a client limited to four connections: every
    answer matches its request, and no more than four connections open."""
    path = short_tmp / "echo.sock"
    connections: set[int] = set()

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        connections.add(n)
        while (request := await read_request(reader)) is not None:
            target = request[0].split()[1]
            writer.write(answer(json.dumps({"target": target}).encode()))
            await writer.drain()

    server = await serve(path, echo)
    client = UnixHTTP(str(path), limit=4)
    try:
        answers = await asyncio.gather(
            *(client.request("GET", f"/item/{i}", connect_timeout=5) for i in range(100))
        )
    finally:
        await client.close()
        server.close()
    assert [json.loads(a.body)["target"] for a in answers] == [f"/item/{i}" for i in range(100)]
    assert 1 <= len(connections) <= 4


async def test_bodies_chunked_with_trailers_and_to_the_end_of_the_stream(short_tmp: Path) -> None:
    path = short_tmp / "bodies.sock"

    async def bodies(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        request = await read_request(reader)
        assert request is not None
        if "chunked" in request[0]:
            writer.write(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5;name=x\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"
            )
        else:  # no length: the body ends with the connection
            writer.write(b"HTTP/1.0 200 OK\r\n\r\nuntil the end")
        await writer.drain()

    server = await serve(path, bodies)
    client = UnixHTTP(str(path))
    try:
        chunked = await client.request("GET", "/chunked", connect_timeout=5)
        to_end = await client.request("GET", "/plain", connect_timeout=5)
    finally:
        await client.close()
        server.close()
    assert chunked.body == b"hello world"
    assert to_end.body == b"until the end"


async def test_a_get_on_a_connection_closed_meanwhile_is_sent_again(short_tmp: Path) -> None:
    """The server answers one request per connection, then closes it without
    saying so (no Connection: close), as a server whose idle timeout struck
    does. The next GET goes out again on a new connection and succeeds."""
    path = short_tmp / "one-shot.sock"
    seen: list[tuple[int, str]] = []

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        request = await read_request(reader)
        if request is None:
            return
        seen.append((n, request[0]))
        writer.write(answer(b'{"n": %d}' % n))
        await writer.drain()
        # Read the next request, if one comes on this connection, and drop it.
        await read_request(reader)

    server = await serve(path, once)
    client = UnixHTTP(str(path))
    try:
        first = await client.request("GET", "/a", connect_timeout=5)
        second = await client.request("GET", "/b", connect_timeout=5)
    finally:
        await client.close()
        server.close()
    assert json.loads(first.body) == {"n": 1}
    assert json.loads(second.body)["n"] > 1  # on a new connection
    assert [r for _, r in seen] == ["GET /a HTTP/1.1", "GET /b HTTP/1.1"]


async def test_a_post_is_never_sent_on_a_connection_that_waited(short_tmp: Path) -> None:
    """A POST (stop, rename, create) must not risk being sent twice: it takes
    a fresh connection, and reaches the engine exactly once."""
    path = short_tmp / "posts.sock"
    seen: list[tuple[int, str, bytes]] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while (request := await read_request(reader)) is not None:
            seen.append((n, request[0], request[1]))
            writer.write(answer(b"{}"))
            await writer.drain()

    server = await serve(path, record)
    client = UnixHTTP(str(path))
    try:
        await client.request("GET", "/version", connect_timeout=5)
        await client.request(
            "POST", "/containers/x/rename?name=y", body=b'{"a": 1}', connect_timeout=5
        )
    finally:
        await client.close()
        server.close()
    assert [(n, line) for n, line, _ in seen] == [
        (1, "GET /version HTTP/1.1"),
        (2, "POST /containers/x/rename?name=y HTTP/1.1"),
    ]
    assert seen[1][2] == b'{"a": 1}'


async def test_half_an_answer_and_no_http_at_all(short_tmp: Path) -> None:
    path = short_tmp / "broken.sock"

    async def broken(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        request = await read_request(reader)
        assert request is not None
        if "/half" in request[0]:
            writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"cut')
        else:
            writer.write(b"SSH-2.0-OpenSSH_9.2\r\nInvalid SSH identification string.\r\n")
        await writer.drain()

    server = await serve(path, broken)
    client = UnixHTTP(str(path))
    try:
        with pytest.raises(Disconnected):
            await client.request("GET", "/half", connect_timeout=5)
        with pytest.raises(NotHTTP):
            await client.request("GET", "/ssh", connect_timeout=5)
    finally:
        await client.close()
        server.close()


@pytest.mark.parametrize("kind", ["ssh", "half"])
def test_the_cli_says_what_answered_in_one_sentence(short_tmp: Path, kind: str) -> None:
    """`dockertui scan` against a socket that speaks another protocol, or
    that hangs up halfway through /version: one sentence, exit 2."""
    import socket
    import threading

    path = short_tmp / f"{kind}.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(4)

    def reply() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                if kind == "ssh":
                    conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\nProtocol mismatch.\r\n")
                else:
                    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{"Api')

    thread = threading.Thread(target=reply, daemon=True)
    thread.start()
    try:
        result = run_cli(["scan", "-H", f"unix://{path}"])
    finally:
        listener.close()
    if kind == "ssh":
        one_sentence(result, "does not answer in HTTP", "may not be a Docker engine")
    else:
        one_sentence(result, f"The server on {path} closed the connection", "answered in full")


async def test_the_real_engine_through_the_gateway(containers: harness.Containers) -> None:
    """Version negotiation, an inspect and a list, a refusal with the
    engine's own message, a HEAD (archive stat) and a POST with a JSON body
    (update), over the lean client against dockerd itself."""
    made = containers.create("lean-http", command=["sleep", "60"])
    gateway = await EngineGateway.open(resolve_endpoint(host=harness.BASE_URL))
    try:
        assert gateway.api_version.startswith("v1.")
        doc = await gateway.inspect_container(made)
        assert doc is not None and doc["Id"].startswith(made)
        assert await gateway.inspect_container("dtui-no-such-container-at-all") is None
        listed = await gateway.list_containers(filters={"id": [doc["Id"]]})
        assert [e["Id"] for e in listed] == [doc["Id"]]
        with pytest.raises(NotFound) as refused:
            await gateway.start_container("dtui-no-such-container-at-all")
        assert "dtui-no-such-container-at-all" in refused.value.message
        stat = await gateway.archive_stat(made, "/bin")
        assert stat is not None and stat["name"] == "bin"
        assert await gateway.archive_stat(made, "/no/such/path") is None
        await gateway.update_container(made, {"PidsLimit": 77})
        updated = await gateway.inspect_container(made)
        assert updated is not None and updated["HostConfig"]["PidsLimit"] == 77
    finally:
        await gateway.close()


def test_a_scan_on_the_unix_socket_never_loads_aiohttp() -> None:
    """The whole JSON scan of the real engine, in this interpreter: every
    request went through the lean client, and aiohttp stayed unloaded."""
    harness.ensure_dockerd()
    code = (
        "import sys, io, contextlib\n"
        "sys.argv = ['dockertui', 'scan', '--format', 'json', '-H', "
        f"{harness.BASE_URL!r}, '--filter', 'label=dtui-startup-none']\n"
        "from dockertui.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n        main()\n    except SystemExit as done:\n"
        "        assert not done.code, done.code\n"
        "assert '\"schema\"' in out.getvalue()\n"
    )
    loaded = tops(loaded_after(code))
    assert "dockertui.engine" in loaded  # it did talk to the engine
    assert "aiohttp" not in loaded


async def test_a_failed_request_leaves_no_other_request_running(short_tmp: Path) -> None:
    """/info fails at once while the container list is still on its way:
    collect() raises the failure, and by then it has cancelled and waited
    for the list, so no task outlives the call (asyncio.run used to report
    such a task with a traceback on the way out of a failed scan)."""
    from dockertui.engine.errors import EngineRefused
    from dockertui.engine.inventory import collect

    path = short_tmp / "slow-list.sock"
    version = json.dumps({"ApiVersion": "1.41", "Version": "20.10.24"}).encode()

    async def engine(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while (request := await read_request(reader)) is not None:
            target = request[0].split()[1]
            if target.endswith("/version"):
                writer.write(answer(version))
            elif "/containers/json" in target:
                await asyncio.sleep(5)  # the list is slow
                writer.write(answer(b"[]"))
            else:
                writer.write(answer(b'{"message": "broken"}', status="500 Internal Server Error"))
            await writer.drain()

    server = await serve(path, engine)
    serving: set[asyncio.Task[object]] = set()
    gateway = await EngineGateway.open(resolve_endpoint(host=f"unix://{path}"))
    try:
        with pytest.raises(EngineRefused):
            await collect(gateway)
        others = asyncio.all_tasks() - {asyncio.current_task()}
        serving = {t for t in others if "on_connect" in t.get_coro().__qualname__}
        assert serving  # the slow list is still being served...
        assert not [t for t in others - serving if not t.done()]  # ...but nobody waits for it
    finally:
        await gateway.close()
        server.close()
        for task in serving:
            task.cancel()

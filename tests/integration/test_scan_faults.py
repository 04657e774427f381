"""Faults a user meets (issue item 6): each one ends `dockertui scan` with one
sentence naming the cause and what to do, exit code 2 and no traceback. Plus
the in-process races: a container removed between list and inspect (or
between inspect and its process list) is skipped, and a mangled inspect
document never crashes a check.

Every server started here binds 127.0.0.1 (or a unix socket in a temporary
folder) and is closed when its test ends."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from integration_support import MODULE_LABEL, run_cli, text
from rich.console import Console

from dockertui.audit import audit_fleet
from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.gateway import EngineGateway, client_facts
from dockertui.engine.inventory import collect
from dockertui.engine.kernel_facts import FleetRead
from dockertui.report import json_report, table

import harness

NOBODY = 65534
DROP_DAC = "-dac_override,-dac_read_search"


def one_sentence(result: subprocess.CompletedProcess[bytes], *pieces: str) -> str:
    """Assert the error contract and return the sentence."""
    out, err = text(result.stdout), text(result.stderr)
    assert "Traceback" not in out + err
    assert result.returncode == 2, err
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, lines
    sentence = lines[0]
    assert sentence.startswith("dockertui: ")
    assert sentence.rstrip().endswith(".")
    for piece in pieces:
        assert piece in sentence
    return sentence


# --- servers that never behave like an engine ----------------------------------------------


class Listener:
    """A socket that accepts connections and then does nothing (or only the
    TLS handshake): an endpoint that does not answer."""

    def __init__(self, sock: socket.socket, tls: ssl.SSLContext | None = None) -> None:
        self.sock = sock
        self.port: int = sock.getsockname()[1]
        self.tls = tls
        self.accepted: list[socket.socket] = []
        self.handshakes = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            self.accepted.append(conn)
            if self.tls is not None:
                conn.settimeout(5)
                try:
                    wrapped = self.tls.wrap_socket(conn, server_side=True)
                    self.accepted.append(wrapped)
                except (OSError, ssl.SSLError):
                    pass  # the client rejected our certificate, as it should
                self.handshakes += 1

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(timeout=5)
        for conn in self.accepted:
            conn.close()


@contextlib.contextmanager
def tcp_listener(tls: ssl.SSLContext | None = None) -> Iterator[Listener]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    server = Listener(sock, tls)
    try:
        yield server
    finally:
        server.close()


def self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate and its key, made with openssl."""
    cert, key = folder / f"{name}.pem", folder / f"{name}-key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            f"/CN={name}",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


# --- the daemon is not running ---------------------------------------------------------------


def test_no_socket_file(short_tmp: Path) -> None:
    path = short_tmp / "nothing.sock"
    result = run_cli(["scan", "-H", f"unix://{path}"])
    sentence = one_sentence(result, f"no Docker socket at {path}", "not running")
    assert "systemctl start docker" in sentence


def test_socket_file_without_listener(short_tmp: Path) -> None:
    path = short_tmp / "dead.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.close()  # the file stays; nothing listens
    assert path.is_socket()
    result = run_cli(["scan", "-H", f"unix://{path}"])
    one_sentence(result, f"Nothing answers on {path}", "not running")


def test_docker_host_without_listener(short_tmp: Path) -> None:
    """The same through DOCKER_HOST instead of --host."""
    path = short_tmp / "dead.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.close()
    result = run_cli(["scan", "--format", "json"], env={"DOCKER_HOST": f"unix://{path}"})
    one_sentence(result, f"Nothing answers on {path}")


# --- permission denied on the socket ------------------------------------------------------


def test_socket_permission_denied(short_tmp: Path) -> None:
    """Root bypasses file permissions, so the scan runs without
    CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH: then the socket's mode applies."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("setpriv (util-linux) is missing; it is part of every Debian install")
    folder = short_tmp / "engine"
    folder.mkdir()
    os.chown(folder, NOBODY, NOBODY)
    folder.chmod(0o755)
    path = folder / "docker.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.listen(1)
    try:
        os.chown(path, NOBODY, NOBODY)
        path.chmod(0o600)
        prefix = [setpriv, f"--inh-caps={DROP_DAC}", f"--bounding-set={DROP_DAC}"]
        result = run_cli(["scan", "-H", f"unix://{path}"], prefix=prefix)
    finally:
        sock.close()
    sentence = one_sentence(result, f"Permission denied on {path}")
    assert "docker group" in sentence


# --- a server that answers, but is not a Docker engine ----------------------------------------

#: /version as an engine answers it (the part the client reads).
VERSION_DOC = {"ApiVersion": "1.41", "Version": "20.10.24"}


@contextlib.contextmanager
def http_server(path: Path, answer: Any) -> Iterator[list[str]]:
    """A tiny aiohttp server on the unix socket `path`, in a thread of its
    own; `answer(request)` returns each response. Yields the requests seen
    ("GET /version", ...)."""
    from aiohttp import web

    seen: list[str] = []
    ready = threading.Event()
    loop = asyncio.new_event_loop()
    runner: web.AppRunner | None = None

    async def handle(request: web.Request) -> web.StreamResponse:
        seen.append(f"{request.method} {request.path}")
        return answer(request)

    async def start() -> None:
        nonlocal runner
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.UnixSite(runner, str(path)).start()
        ready.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()))
    thread.start()
    try:
        assert ready.wait(10), "the test server did not start"
        yield seen
    finally:
        if runner is not None:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def _empty(status: int) -> Any:
    from aiohttp import web

    return lambda request: web.Response(status=status, body=b"")


def test_server_answering_404_with_an_empty_body(short_tmp: Path) -> None:
    path = short_tmp / "not-docker.sock"
    with http_server(path, _empty(404)) as seen:
        result = run_cli(["scan", "-H", f"unix://{path}"])
    assert seen == ["GET /version"]
    sentence = one_sentence(
        result, "GET /version", "HTTP 404 Not Found", "may not be a Docker engine"
    )
    assert "refused a request" not in sentence
    assert ": ." not in sentence


@pytest.mark.parametrize("status", [404, 500, 403])
def test_server_failing_after_version_with_empty_bodies(short_tmp: Path, status: int) -> None:
    """/version looks like an engine's, every other request gets an empty
    error: the sentence names the request and the status, says there was no
    Engine API message, and that this may not be a Docker engine."""
    from aiohttp import web

    def answer(request: web.Request) -> web.Response:
        if request.path == "/version":
            return web.json_response(VERSION_DOC)
        return web.Response(status=status, body=b"")

    path = short_tmp / "half-docker.sock"
    with http_server(path, answer) as seen:
        result = run_cli(["scan", "--format", "json", "-H", f"unix://{path}"])
    assert seen[0] == "GET /version"
    assert len(seen) > 1  # it got as far as the inventory
    sentence = one_sentence(
        result, "answered GET /", f"HTTP {status} ", "may not be a Docker engine"
    )
    assert "no Engine API error message" in sentence


def test_fix_against_a_server_failing_after_version_says_the_same(short_tmp: Path) -> None:
    """`dockertui fix` words a refused request as `scan` does: the request,
    the status, and that the endpoint may not be a Docker engine (a 404
    would mean the container is not there)."""
    from aiohttp import web

    def answer(request: web.Request) -> web.Response:
        if request.path == "/version":
            return web.json_response(VERSION_DOC)
        return web.Response(status=500, body=b"")

    path = short_tmp / "half-docker-fix.sock"
    with http_server(path, answer):
        result = run_cli(
            ["fix", "web", "--plan", "no-new-privileges", "--yes", "-H", f"unix://{path}"]
        )
    sentence = one_sentence(result, "HTTP 500 ", "may not be a Docker engine")
    assert "refused a request" not in sentence


def test_server_answering_html_is_not_quoted(short_tmp: Path) -> None:
    from aiohttp import web

    page = "<html><body><h1>404 Not Found</h1></body></html>"
    path = short_tmp / "web.sock"
    with http_server(path, lambda r: web.Response(status=404, text=page, content_type="text/html")):
        result = run_cli(["scan", "-H", f"unix://{path}"])
    sentence = one_sentence(result, "HTTP 404 Not Found", "may not be a Docker engine")
    assert "<html>" not in sentence


def test_server_whose_version_is_not_an_engines(short_tmp: Path) -> None:
    """200 for everything, but /version carries no API version."""
    from aiohttp import web

    path = short_tmp / "ok-everything.sock"
    with http_server(path, lambda r: web.json_response({"status": "ok"})) as seen:
        result = run_cli(["scan", "-H", f"unix://{path}"])
    assert seen == ["GET /version"]
    one_sentence(result, "GET /version", "not an Engine API reply", "may not be a Docker engine")


def test_engine_error_message_is_quoted_with_its_request() -> None:
    """A real refusal (a filter naming a container that does not exist) names
    the request and quotes the engine's own message."""
    result = run_cli(["scan", "-H", harness.BASE_URL, "--filter", "before=dtui-no-such-container"])
    sentence = one_sentence(result, "refused GET /containers/json (HTTP ", "dtui-no-such-container")
    assert "may not be a Docker engine" not in sentence


# --- endpoint resolution --------------------------------------------------------------------


@pytest.mark.parametrize("how", ["--context", "DOCKER_CONTEXT"])
def test_unknown_context(tmp_path: Path, how: str) -> None:
    config = tmp_path / "docker-config"
    config.mkdir()
    env = {"DOCKER_CONFIG": str(config)}
    if how == "--context":
        result = run_cli(["scan", "--context", "nope"], env=env)
    else:
        result = run_cli(["scan"], env={**env, "DOCKER_CONTEXT": "nope"})
    sentence = one_sentence(result, "context 'nope'", f"from {how}", "not found")
    assert "docker context ls" in sentence


def test_tls_ca_missing(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    with tcp_listener() as server:
        env = {
            "DOCKER_HOST": f"tcp://127.0.0.1:{server.port}",
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": str(certs),
        }
        result = run_cli(["scan"], env=env)
        assert server.accepted == []  # refused before connecting
    one_sentence(result, f"{certs / 'ca.pem'} is missing", "DOCKER_CERT_PATH")


def test_tls_client_key_missing(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    ca, _ = self_signed(certs, "ca")
    ca.rename(certs / "ca.pem")
    (certs / "cert.pem").write_bytes((certs / "ca.pem").read_bytes())
    env = {
        "DOCKER_HOST": "tcp://127.0.0.1:2376",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(certs),
    }
    result = run_cli(["scan"], env=env)
    one_sentence(result, "client key", f"{certs / 'key.pem'} is missing")


# --- tcp endpoints --------------------------------------------------------------------------


def test_tcp_endpoint_that_never_answers() -> None:
    with tcp_listener() as server:
        started = time.monotonic()
        result = run_cli(
            ["scan", "--insecure", "-H", f"tcp://127.0.0.1:{server.port}", "--timeout", "1"]
        )
        elapsed = time.monotonic() - started
        assert len(server.accepted) >= 1  # it did connect, then waited
    one_sentence(result, f"tcp://127.0.0.1:{server.port}", "did not answer within 1 second")
    assert elapsed < 15


def test_tcp_endpoint_refused() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_cli(["scan", "--insecure", "-H", f"tcp://127.0.0.1:{port}", "--timeout", "2"])
    one_sentence(result, f"tcp://127.0.0.1:{port}", "refused the connection")


def test_tls_certificate_does_not_verify(tmp_path: Path) -> None:
    server_dir, client_dir = tmp_path / "server", tmp_path / "client"
    server_dir.mkdir()
    client_dir.mkdir()
    cert, key = self_signed(server_dir, "localhost")
    other_ca, _ = self_signed(client_dir, "another-ca")
    other_ca.rename(client_dir / "ca.pem")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    with tcp_listener(tls) as server:
        env = {
            "DOCKER_HOST": f"tcp://127.0.0.1:{server.port}",
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": str(client_dir),
        }
        result = run_cli(["scan", "--timeout", "5"], env=env)
        assert len(server.accepted) >= 1
    one_sentence(result, "TLS certificate", "could not be verified", "DOCKER_CERT_PATH")


# --- races and odd documents, in-process ----------------------------------------------------


@pytest.fixture
def race_tag() -> str:
    return uuid.uuid4().hex[:12]


async def open_client() -> EngineGateway:
    return await EngineGateway.open(resolve_endpoint(host=harness.BASE_URL))


async def test_container_removed_between_list_and_inspect(
    containers: harness.Containers, docker_api: docker.APIClient, race_tag: str
) -> None:
    labels = {MODULE_LABEL: race_tag}
    keep = containers.create("race-keep", labels=labels)
    gone = containers.create("race-gone", labels=labels)
    client = await open_client()
    real_get = client.get
    removed: list[str] = []

    async def get(path: str, params: Any = None, **kw: Any) -> Any:
        if path == f"containers/{gone}/json" and not removed:
            await asyncio.to_thread(docker_api.remove_container, gone, force=True, v=True)
            removed.append(gone)
        return await real_get(path, params, **kw)

    client.get = get  # type: ignore[method-assign]
    try:
        inventory = await collect(client, filters={"label": [f"{MODULE_LABEL}={race_tag}"]})
    finally:
        await client.close()
    assert removed == [gone]
    assert [c.id for c in inventory.containers] == [keep]
    assert inventory.skipped == (gone,)
    fleet = audit_fleet(
        inventory.engine,
        client_facts(client.endpoint, {}),
        inventory.containers,
        inventory.skipped,
    )
    assert [r.container.id for r in fleet.containers] == [keep]
    assert fleet.skipped == (gone,)
    out = io.StringIO()
    table.render(fleet, Console(file=out, width=80, color_system=None))
    assert "(1 removed during the scan)" in out.getvalue()


async def test_container_removed_before_its_process_list(
    containers: harness.Containers,
    docker_api: docker.APIClient,
    race_tag: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Take the path a remote engine takes: no local /proc, so GET /top.
    monkeypatch.setattr("dockertui.engine.inventory.read_fleet", lambda ids, **_: FleetRead())
    cid = containers.create("race-top", image=harness.SSHD_IMAGE, labels={MODULE_LABEL: race_tag})
    client = await open_client()
    real_get = client.get

    async def get(path: str, params: Any = None, **kw: Any) -> Any:
        if path == f"containers/{cid}/top":
            await asyncio.to_thread(docker_api.remove_container, cid, force=True, v=True)
        return await real_get(path, params, **kw)

    client.get = get  # type: ignore[method-assign]
    try:
        inventory = await collect(client, filters={"label": [f"{MODULE_LABEL}={race_tag}"]})
    finally:
        await client.close()
    # Inspected while it existed: reported, without a process list.
    assert [c.id for c in inventory.containers] == [cid]
    assert inventory.containers[0].processes is None
    fleet = audit_fleet(inventory.engine, client_facts(client.endpoint, {}), inventory.containers)
    checks = {f.check: f for f in fleet.containers[0].findings}
    # Without its process list, sshd is judged from the configured command,
    # and the finding says so.
    assert "process list was not read" in checks["sshd-running"].detail
    assert "root-user" in checks


async def test_each_container_is_handed_over_complete(
    containers: harness.Containers, race_tag: str
) -> None:
    """collect calls on_container once per container, as soon as it is
    complete: a running one with its process list (from /proc here), a
    created one without; the scan audits them as they come."""
    labels = {MODULE_LABEL: race_tag}
    sshd = containers.create("ready-sshd", image=harness.SSHD_IMAGE, labels=labels)
    idle = containers.create("ready-idle", labels=labels, start=False)
    seen: list[tuple[str, tuple[str, ...] | None, str]] = []
    client = await open_client()
    try:
        inventory = await collect(
            client,
            filters={"label": [f"{MODULE_LABEL}={race_tag}"]},
            on_container=lambda c, engine: seen.append((c.id, c.processes, engine.version)),
        )
    finally:
        await client.close()
    assert sorted(cid for cid, _, _ in seen) == sorted([sshd, idle])
    by_id = {cid: processes for cid, processes, _ in seen}
    assert by_id[sshd] == ("/usr/sbin/sshd -D",)
    assert by_id[idle] is None
    assert {version for _, _, version in seen} == {inventory.engine.version}
    assert {c.id: c.processes for c in inventory.containers} == by_id


def _mangle(doc: dict[str, Any]) -> dict[str, Any]:
    """An inspect document with missing, null and wrongly typed fields."""
    bad = dict(doc)
    bad["HostConfig"] = {
        "Privileged": "yes",
        "CapAdd": "SYS_ADMIN",
        "CapDrop": None,
        "SecurityOpt": [None, 3, "seccomp=unconfined"],
        "PortBindings": {"80/tcp": "0.0.0.0"},
        "RestartPolicy": None,
        "Memory": "lots",
        "PidsLimit": True,
        "Ulimits": "none",
        "Devices": [None, "x"],
        "MaskedPaths": None,
    }
    bad["Config"] = {"User": 0, "Env": ["NO_EQUALS", None, "API_TOKEN="], "Healthcheck": []}
    bad["Mounts"] = [None, {"Type": "bind"}, "oops"]
    bad["State"] = []
    bad.pop("NetworkSettings", None)
    bad["Name"] = None
    return bad


async def test_mangled_inspect_documents_never_crash_a_check(
    containers: harness.Containers, race_tag: str
) -> None:
    cid = containers.create("mangled", labels={MODULE_LABEL: race_tag})
    client = await open_client()
    real_get = client.get

    async def get(path: str, params: Any = None, **kw: Any) -> Any:
        answer = await real_get(path, params, **kw)
        if path == f"containers/{cid}/json":
            return _mangle(answer)
        return answer

    client.get = get  # type: ignore[method-assign]
    try:
        inventory = await collect(client, filters={"label": [f"{MODULE_LABEL}={race_tag}"]})
    finally:
        await client.close()
    fleet = audit_fleet(inventory.engine, client_facts(client.endpoint, {}), inventory.containers)
    (report,) = fleet.containers
    assert report.container.id == cid
    assert report.container.name == ""
    assert report.container.state == "unknown"
    checks = {f.check: f for f in report.findings}
    assert "seccomp-disabled" in checks  # the one readable option still counts
    assert "privileged" not in checks  # "yes" is not true
    assert "secrets-in-env" not in checks  # empty values are not secrets
    rendered = json_report.render(fleet)
    assert cid in rendered
    out = io.StringIO()
    table.render(fleet, Console(file=out, width=80, color_system=None))
    assert "unknown" in out.getvalue()

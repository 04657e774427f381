"""`dockertui serve` on the real engine: the console in a real headless
Chromium (the fleet shown, keys reaching the console, read-only unless
--allow-fixes), and what is refused without the token, beyond
--max-sessions, and when it cannot listen. Everything talks to 127.0.0.1
only; the server runs as a subprocess, as a user starts it."""

from __future__ import annotations

import asyncio
import http.client
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from browser_support import Browser, browser

import harness

pytestmark = pytest.mark.engine

WAIT_SECONDS = 45.0


@dataclass
class Served:
    """A running `dockertui serve`: its process, the URL it printed, and
    what it writes afterwards (read all along, so no pipe ever fills)."""

    process: subprocess.Popen[str]
    url: str
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    readers: list[threading.Thread] = field(default_factory=list)

    def __post_init__(self) -> None:
        for stream, lines in (
            (self.process.stdout, self.stdout),
            (self.process.stderr, self.stderr),
        ):
            reader = threading.Thread(target=lines.extend, args=(stream,), daemon=True)
            reader.start()
            self.readers.append(reader)

    def output(self) -> str:
        """Everything it wrote after the URL, once it has exited."""
        for reader in self.readers:
            reader.join(30)
        return "".join(self.stdout + self.stderr)

    @property
    def base(self) -> str:
        parts = urlsplit(self.url)
        return f"http://{parts.netloc}"

    @property
    def netloc(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def token(self) -> str:
        return self.url.split("token=", 1)[1]

    @property
    def cookie(self) -> str:
        return f"dockertui-{urlsplit(self.url).port}"

    def sessions(self) -> list[int]:
        """The pids of the console processes the server runs now."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_serve(*args: str, env: dict[str, str] | None = None) -> Served:
    process = subprocess.Popen(
        [sys.executable, "-m", "dockertui", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or harness.env_without_docker(),
    )
    assert process.stdout is not None and process.stderr is not None
    for line in process.stdout:
        if line.startswith("Open http://"):
            return Served(process, line.split()[1])
    process.wait(10)
    raise AssertionError(f"dockertui serve printed no URL: {process.stderr.read()}")


Serve = Callable[..., Served]
ENTER, ESCAPE = "\ue007", "\ue00c"  # WebDriver's keys
#: The filter box's placeholder, shown while it is open and empty.
PLACEHOLDER = "words matching name"
#: The help screen's line for the fix key.
FIX_KEY = re.compile(r"\bf\s+Fix\b")


@pytest.fixture
def serve(docker_api: object) -> Iterator[Serve]:
    """start(*args) -> Served; every server started is stopped afterwards."""
    started: list[Served] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Served:
        served = start_serve(*args, env=env)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()


def get(
    served: Served, path: str, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(served.netloc, timeout=30)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def upgrade(served: Served, path: str, headers: dict[str, str] | None = None) -> int:
    """The status of a websocket handshake on `path`, sent by hand."""
    handshake = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        **(headers or {}),
    }
    connection = http.client.HTTPConnection(served.netloc, timeout=30)
    connection.request("GET", path, headers=handshake)
    status = connection.getresponse().status
    connection.close()
    return status


# -- the console in the browser ---------------------------------------------------


def test_the_browser_shows_the_fleet_read_only_and_keys_reach_the_console(
    serve: Serve, containers: harness.Containers, tmp_path: Path
) -> None:
    containers.create("browsed")
    containers.create("hidden")
    shown, hidden = containers.name("browsed"), containers.name("hidden")
    prefix = shown.removesuffix("browsed")  # this test session's containers only
    served = serve()
    with browser(tmp_path / "profile") as window:
        window.open(served.url)
        screen = window.wait_for(lambda text: "containers + engine" in text, "the live console")
        assert "read-only" in screen.splitlines()[0]
        assert "token=" not in window.url  # the cookie carries it from now on
        footer = screen.strip().splitlines()[-1]
        assert "Filter" in footer and "Fix" not in footer, footer
        # keys reach the console: / opens the filter, what is typed narrows the table
        filter_on(window, prefix)
        window.wait_for(lambda text: shown in text and hidden in text, "both containers")
        window.press(ESCAPE)  # clears the filter and closes its box
        window.wait_for(lambda text: not filter_box(text), "the filter closed")
        filter_on(window, "browsed")
        window.wait_for(lambda text: shown in text and hidden not in text, "the filtered table")
        window.press("?")
        help_text = window.wait_for(lambda text: "Hide stopped" in text, "the help screen")
        assert not FIX_KEY.search(help_text), help_text  # no fix action in a read-only console


def test_browser_sessions_may_fix_only_with_allow_fixes_on_the_engine_named(
    serve: Serve, tmp_path: Path
) -> None:
    # DOCKER_HOST names no engine: the sessions reach one only through -H
    env = {**harness.env_without_docker(), "DOCKER_HOST": f"unix://{tmp_path}/none.sock"}
    served = serve("-H", harness.BASE_URL, "--allow-fixes", env=env)
    with browser(tmp_path / "profile") as window:
        window.open(served.url)
        screen = window.wait_for(lambda text: "containers + engine" in text, "the live console")
        assert harness.BASE_URL in screen.splitlines()[0]
        assert "read-only" not in screen.splitlines()[0]
        assert "Fix" in screen.strip().splitlines()[-1]
        window.press("?")
        help_text = window.wait_for(lambda text: "Hide stopped" in text, "the help screen")
        assert FIX_KEY.search(help_text), help_text


def filter_on(window: Browser, words: str) -> None:
    """/ , the words once the box is open (keys typed at once would reach
    the table before the box takes the focus), then Enter, which gives the
    keys back to the table (its footer again)."""
    window.press("/")
    window.wait_for(lambda text: PLACEHOLDER in text, "the filter box")
    window.press(words)
    window.wait_for(lambda text: any(words in line for line in filter_box(text)), "the words")
    window.press(ENTER)
    window.wait_for(lambda text: "Quit" in text.strip().splitlines()[-1], "the table's keys")


def filter_box(text: str) -> list[str]:
    """The filter box's line (its left edge is ▊), if it is open."""
    return [line for line in text.splitlines() if line.startswith("▊ ")]


# -- what is refused --------------------------------------------------------------


def test_every_request_without_the_token_is_refused(serve: Serve) -> None:
    served = serve()
    for path in ("/", "/static/js/textual.js", "/favicon.ico", "/nothing-here"):
        assert get(served, path).status == 403, path
    assert get(served, "/?token=wrong").status == 403
    assert get(served, "/?token=" + served.token[:-1]).status == 403
    assert get(served, "/", {"Cookie": f"{served.cookie}=wrong"}).status == 403
    # the websocket directly, without the cookie (or with a wrong one)
    assert upgrade(served, "/ws") == 403
    assert upgrade(served, "/ws?width=80&height=24") == 403
    assert upgrade(served, "/ws", {"Cookie": f"{served.cookie}=wrong"}) == 403
    assert upgrade(served, "/ws?token=wrong") == 403


def test_the_token_once_then_its_cookie_opens_the_console(serve: Serve) -> None:
    served = serve()
    page = get(served, "/?token=" + served.token)
    assert page.status == 200
    set_cookie = page.getheader("Set-Cookie") or ""
    assert set_cookie.startswith(f"{served.cookie}={served.token};")
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
    assert "frame-ancestors 'none'" in (page.getheader("Content-Security-Policy") or "")
    cookie = {"Cookie": f"{served.cookie}={served.token}"}
    assert get(served, "/", cookie).status == 200
    assert get(served, "/static/js/textual.js", cookie).status == 200
    # the cookie is good only from the console's own page
    evil = {**cookie, "Origin": "http://evil.example"}
    assert upgrade(served, "/ws", evil) == 403
    own = {**cookie, "Origin": served.base}
    assert upgrade(served, "/ws", own) == 101


def test_sessions_beyond_max_sessions_are_refused_clearly(serve: Serve) -> None:
    served = serve("--max-sessions", "1")

    async def check() -> None:
        ws_url = f"ws://{served.netloc}/ws?token={served.token}"
        page_url = f"{served.base}/?token={served.token}"
        async with aiohttp.ClientSession() as client:
            first = await client.ws_connect(ws_url)
            message = await first.receive(timeout=WAIT_SECONDS)
            assert message.type == aiohttp.WSMsgType.BINARY  # the console draws
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(ws_url)
            assert refused.value.status == 503
            deadline = time.monotonic() + WAIT_SECONDS
            while not any("Refused a browser session: all 1" in line for line in served.stdout):
                assert time.monotonic() < deadline, "the operator was not told of the refusal"
                await asyncio.sleep(0.1)
            async with client.get(page_url) as page:
                assert page.status == 503
                text = await page.text()
                assert "all 1 browser sessions" in text and "--max-sessions" in text
            await first.close()
            deadline = time.monotonic() + WAIT_SECONDS
            while True:  # the slot is free once the first console has ended
                async with client.get(page_url) as page:
                    if page.status == 200:
                        break
                assert time.monotonic() < deadline, "the first session's slot never came back"
            second = await client.ws_connect(ws_url)
            assert (await second.receive(timeout=WAIT_SECONDS)).type == aiohttp.WSMsgType.BINARY
            await second.close()

    asyncio.run(check())


def test_ctrl_c_stops_the_server_and_ends_every_console(serve: Serve) -> None:
    served = serve()

    async def run() -> list[int]:
        ws_url = f"ws://{served.netloc}/ws?token={served.token}"
        async with aiohttp.ClientSession() as client:
            sessions = [await client.ws_connect(ws_url) for _ in range(2)]
            for session in sessions:
                await session.receive(timeout=WAIT_SECONDS)
            consoles = served.sessions()
            assert len(consoles) == 2
            served.process.send_signal(signal.SIGINT)
            for session in sessions:  # the server closes them
                while not session.closed:
                    await session.receive(timeout=WAIT_SECONDS)
            return consoles

    consoles = asyncio.run(run())
    assert served.process.wait(30) == 0
    assert "Traceback" not in served.output()
    for pid in consoles:
        assert not Path(f"/proc/{pid}").exists(), f"console {pid} outlived the server"


# -- one sentence when it cannot serve --------------------------------------------


def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dockertui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=harness.env_without_docker(),
    )


def one_sentence(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("dockertui: "), result.stderr
    return lines[-1]


def test_a_port_in_use_is_one_sentence(docker_api: object) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        error = one_sentence(run_serve("serve", "--port", str(port)))
    assert f"Port {port} on 127.0.0.1 is already in use" in error and "--port" in error


def test_an_address_beyond_this_machine_warns_and_a_foreign_one_fails(docker_api: object) -> None:
    # 192.0.2.1 (TEST-NET-1) is no address of this machine: the warning, then no listener
    result = run_serve("serve", "--host", "192.0.2.1", "--port", "0")
    error = one_sentence(result)
    assert "192.0.2.1 is not an address of this machine" in error
    assert "Warning: serving on 192.0.2.1 exposes the console" in result.stderr
    error = one_sentence(run_serve("serve", "--host", "tcp://127.0.0.1:2375"))
    assert "--host is the address to listen on" in error and "-H URL" in error


def test_an_unreachable_engine_is_one_sentence_before_anything_listens(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sock"
    result = run_serve("serve", "-H", f"unix://{missing}", "--port", "0")
    error = one_sentence(result)
    assert str(missing) in error
    assert "Open http" not in result.stdout

"""Serve a console in the browser: textual-serve's page and process protocol,
behind the token of `access.py`, one console process per browser session and
at most `max_sessions` of them at a time.

textual-serve has no authentication and starts a process for every visitor;
the console it starts holds the power of the Docker socket. So nothing here
answers a request without the token, the page is served by this module (no
request leaves for another site, no framing, the token leaves the address
bar), and each session's process runs from an argv, without a shell, in a
process group of its own that is killed when the session or the server ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import html
import json
import os
import shlex
import signal
import socket
from collections.abc import Awaitable, Callable, Sequence
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Any

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from dockertui.web.access import EVERY_INTERFACE, Access, Pass, same_origin

#: How long a session (or the page) waits for a slot before it is refused: a
#: reload closes its old session a moment after it asks for the new one.
SLOT_GRACE_SECONDS = 3.0
#: How long a console has to quit when asked before its process group is killed.
QUIT_SECONDS = 3.0
STATIC = Path(str(files("textual_serve"))) / "static"
PAGE = Template((Path(__file__).parent / "page.html").read_text(encoding="utf-8"))
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
NO_TOKEN = (
    "403 Forbidden: this console answers only the URL with the token that "
    "`dockertui serve` printed when it started."
)
OTHER_ORIGIN = "403 Forbidden: the console's websocket answers only its own page."


class ServeError(Exception):
    """The console cannot be served; the message is one sentence."""


class SessionProcess(AppService):
    """textual-serve's app service, started from an argv rather than a shell
    command line, in a new session (its own process group) so that ending it
    ends whatever the console started too."""

    def __init__(self, argv: Sequence[str], **kwargs: Any) -> None:
        super().__init__(shlex.join(argv), **kwargs)
        self.argv = tuple(argv)
        self.process: asyncio.subprocess.Process | None = None

    async def _open_app_process(
        self, width: int = 80, height: int = 24
    ) -> asyncio.subprocess.Process:
        pipe = asyncio.subprocess.PIPE
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=pipe,
            stdout=pipe,
            stderr=pipe,
            env=self._build_environment(width=width, height=height),
            start_new_session=True,
        )
        self._process = self.process
        self._stdin = self.process.stdin
        return self.process

    async def run(self) -> None:
        """textual-serve's relay of the console's output, then the websocket
        closed: a console that exits (or fails to start) ends its session."""
        try:
            await super().run()
        finally:
            with contextlib.suppress(ConnectionError):
                await self.remote_close()

    async def end(self) -> None:
        """Ask the console to quit; kill its process group if it has not
        within QUIT_SECONDS (or never started to read)."""
        with contextlib.suppress(TimeoutError, ConnectionError):
            await asyncio.wait_for(self.stop(), QUIT_SECONDS)
        self.kill()
        if self.process is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.process.wait(), QUIT_SECONDS)

    def kill(self) -> None:
        """Kill the console's process group unless the console has exited."""
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)


def _bounded(value: object, default: int, low: int, high: int) -> int:
    """A size from the browser (query text or JSON), kept within low..high."""
    if not isinstance(value, int | str):
        return default
    try:
        return min(max(int(value), low), high)
    except ValueError:
        return default


async def _no_icon(request: web.Request) -> web.Response:
    return web.Response(status=204)


def _text(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=message + "\n", headers=HEADERS)


class ConsoleServer:
    """The aiohttp application: `/` (the page), `/ws` (one console session
    per websocket) and `/static` (textual-serve's script, stylesheet and
    fonts), every one behind the token."""

    def __init__(
        self,
        argv: Sequence[str],
        access: Access,
        *,
        max_sessions: int,
        title: str,
        say: Callable[[str], None] = print,
    ) -> None:
        """`say` tells the operator what a browser cannot be told: a
        session refused for want of a slot."""
        self.argv = tuple(argv)
        self.say = say
        self.access = access
        self.max_sessions = max_sessions
        self.title = title
        self.sessions: dict[SessionProcess, web.WebSocketResponse] = {}
        self.stopping = False
        self._taken = 0
        self._slots = asyncio.Condition()
        self._downloads = DownloadManager()

    @property
    def no_slot(self) -> str:
        """Why a page or a session is refused when no slot was free."""
        if self.stopping:
            return "503 Service Unavailable: this console's server is stopping."
        return (
            f"503 Service Unavailable: all {self.max_sessions} browser sessions of this console "
            f"are in use (--max-sessions {self.max_sessions}); close one and reload."
        )

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        app.add_routes(
            [
                web.get("/", self._page),
                web.get("/ws", self._session),
                web.get("/favicon.ico", _no_icon),
                web.static("/static", STATIC, show_index=False, follow_symlinks=False),
            ]
        )
        return app

    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        verdict = self.access.judge(
            request.query.get("token"), request.cookies.get(self.access.cookie)
        )
        if verdict is Pass.REFUSED:
            return _text(403, NO_TOKEN)
        response = await handler(request)
        if not response.prepared:  # a websocket has sent its headers by now
            response.headers.update(HEADERS)
            if verdict is Pass.QUERY:
                response.set_cookie(
                    self.access.cookie,
                    self.access.token,
                    httponly=True,
                    samesite="Strict",
                    path="/",
                )
        return response

    async def _page(self, request: web.Request) -> web.StreamResponse:
        if not await self._wait_for_slot(take=False):
            return _text(503, self.no_slot)
        websocket = f"ws://{request.host}/ws"
        page = PAGE.substitute(
            title=html.escape(self.title),
            websocket_url=html.escape(websocket),
            font_size=_bounded(request.query.get("fontsize"), 16, 8, 48),
        )
        policy = (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            f"connect-src 'self' {websocket}; frame-ancestors 'none'; base-uri 'none'; "
            "form-action 'none'"
        )
        return web.Response(
            text=page, content_type="text/html", headers={"Content-Security-Policy": policy}
        )

    async def _session(self, request: web.Request) -> web.StreamResponse:
        if not same_origin(request.headers.get("Origin"), request.host):
            return _text(403, OTHER_ORIGIN)
        if not await self._wait_for_slot(take=True):
            if not self.stopping:
                self.say(f"Refused a browser session: {self.no_slot.partition(': ')[2]}")
            return _text(503, self.no_slot)
        try:
            websocket = web.WebSocketResponse(heartbeat=15)
            await websocket.prepare(request)
            if self.stopping:
                await websocket.close(code=1001, message=b"the server is stopping")
                return websocket
            service = SessionProcess(
                self.argv,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self._downloads,
            )
            self.sessions[service] = websocket
            try:
                await service.start(
                    _bounded(request.query.get("width"), 80, 20, 500),
                    _bounded(request.query.get("height"), 24, 10, 200),
                )
                await _relay(websocket, service)
            finally:
                await service.end()
                del self.sessions[service]
                await websocket.close()
            return websocket
        finally:
            await self._give_slot()

    async def _wait_for_slot(self, *, take: bool) -> bool:
        async with self._slots:
            try:
                await asyncio.wait_for(
                    self._slots.wait_for(lambda: self.stopping or self._taken < self.max_sessions),
                    SLOT_GRACE_SECONDS,
                )
            except TimeoutError:
                return False
            if self.stopping:
                return False
            self._taken += take
            return True

    async def _give_slot(self) -> None:
        async with self._slots:
            self._taken -= 1
            self._slots.notify_all()

    async def close_sessions(self) -> None:
        """Take no new session and end every one: close its websocket (its
        handler then ends the console) and kill what is left."""
        async with self._slots:
            self.stopping = True
            self._slots.notify_all()
        for websocket in list(self.sessions.values()):
            await websocket.close(code=1001, message=b"the server is stopping")
        await asyncio.gather(*(service.end() for service in list(self.sessions)))


async def _relay(websocket: web.WebSocketResponse, service: AppService) -> None:
    """The browser's messages to the console, as textual-serve's own server
    relays them; anything else (not JSON, unknown) is ignored."""
    async for message in websocket:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            kind, *rest = json.loads(message.data)
        except (ValueError, TypeError):
            continue
        data = rest[0] if rest else None
        if kind == "stdin" and isinstance(data, str):
            await service.send_bytes(data.encode("utf-8"))
        elif kind == "resize" and isinstance(data, dict):
            await service.set_terminal_size(
                _bounded(data.get("width"), 80, 20, 500), _bounded(data.get("height"), 24, 10, 200)
            )
        elif kind == "ping":
            await websocket.send_json(["pong", data])
        elif kind == "blur":
            await service.blur()
        elif kind == "focus":
            await service.focus()


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or ServeError in one sentence."""
    where = host or "0.0.0.0"
    try:
        family, *_, address = socket.getaddrinfo(
            where, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as err:
        reason = getattr(err, "strerror", None) or err
        raise ServeError(
            f"Cannot listen on {where!r}: it is not a known address or name ({reason})."
        ) from None
    try:
        return socket.create_server(address, family=family)
    except OSError as err:
        raise ServeError(_bind_failure(where, port, err)) from None


def _bind_failure(host: str, port: int, err: OSError) -> str:
    if err.errno == errno.EADDRINUSE:
        return f"Port {port} on {host} is already in use; choose another with --port (0 takes any free port)."
    if err.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine, so nothing can listen on it; see --host."
    if err.errno == errno.EACCES:
        return f"Listening on port {port} needs privileges; choose a port above 1023 with --port."
    return f"Cannot listen on {host} port {port}: {err.strerror or err}."


def serve_console(
    argv: Sequence[str],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    max_sessions: int = 4,
    title: str = "dockertui",
    about: str | None = None,
    print_line: Callable[[str], None] | None = None,
) -> None:
    """Serve the console that `argv` starts (one process per browser session)
    until SIGINT or SIGTERM; print the URL with the token once listening.
    Raises ServeError (one sentence) when it cannot listen."""
    say = print_line or _say
    sock = listen(host, port)
    server = ConsoleServer(
        argv, Access(port=sock.getsockname()[1]), max_sessions=max_sessions, title=title, say=say
    )
    asyncio.run(_serve(server, sock, host, about, say))


def _say(line: str) -> None:
    print(line, flush=True)  # at once, also when stdout is a pipe


async def _serve(
    server: ConsoleServer,
    sock: socket.socket,
    host: str,
    about: str | None,
    print_line: Callable[[str], None],
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(server.application(), handle_signals=False, access_log=None)
    await runner.setup()
    try:
        await web.SockSite(runner, sock, shutdown_timeout=QUIT_SECONDS).start()
        if about:
            print_line(about)
        print_line(f"Open {server.access.start_url(host)}")
        if host in EVERY_INTERFACE:  # the room's machines reach it by this host's name
            print_line(f"From another machine: {server.access.start_url(socket.gethostname())}")
        print_line("Ctrl-C stops the server and every session.")
        await stop.wait()
    finally:
        await server.close_sessions()
        await runner.cleanup()
        for service in server.sessions:  # a handler cut short by the cleanup
            service.kill()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(signum)

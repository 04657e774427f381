"""Run the simulated engine: on a private unix socket in a fresh temporary
folder (mode 0700, removed on exit), with its activity, either in the
caller's event loop (`demo_engine`, an async context manager) or on a
thread of its own (`start_demo_engine`, for a caller that runs its own
loop, such as the console).

    socket_path, stop = start_demo_engine(speed=1.0)
    try:
        ...  # e.g. Endpoint(host=f"unix://{socket_path}", ...)
    finally:
        stop()

    async with demo_engine(speed=0) as socket_path:
        ...

Speed scales the activity (1: a beat every ten seconds or so; 0: frozen,
for screenshots and tests). Reactions to what a client does (a container
that crashes after a fix, a health check's first answer) happen at any
speed.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import glob
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from aiohttp import web

from dockertui.demo.activity import run_health_checks, run_timeline
from dockertui.demo.engine import DemoEngine
from dockertui.demo.server import DemoAPI

SOCKET_NAME = "docker.sock"
#: Each demo engine's folder is named so, in the system's temporary folder.
FOLDER_PREFIX = "dockertui-demo-"
#: A folder with no socket this old is a demo that died before serving.
STALE_SECONDS = 60.0
#: Seconds a stop waits for open event streams before it closes them.
SHUTDOWN_SECONDS = 0.5


@dataclass
class RunningDemo:
    """A serving demo engine: its socket, its state, and how to stop it."""

    socket_path: str
    engine: DemoEngine
    _runner: web.AppRunner
    _folder: str
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._runner.cleanup()
        shutil.rmtree(self._folder, ignore_errors=True)


def sweep_stale_folders(under: str | None = None) -> list[str]:
    """Remove the folders of demo engines that died without cleaning up (a
    SIGKILL, a power cut): ours, and with a socket nobody listens on any
    more. A folder whose socket still answers, or that another user owns,
    is left alone. Returns the folders removed."""
    removed: list[str] = []
    for folder in glob.glob(os.path.join(under or tempfile.gettempdir(), FOLDER_PREFIX + "*")):
        try:
            made = os.stat(folder)
        except OSError:
            continue
        if made.st_uid != os.getuid():
            continue
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(os.path.join(folder, SOCKET_NAME))
        except FileNotFoundError:
            # No socket: gone, or a demo starting this very moment; only an old one is stale.
            if time.time() - made.st_mtime > STALE_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        except ConnectionRefusedError:
            shutil.rmtree(folder, ignore_errors=True)  # a socket nobody listens on
            removed.append(folder)
        except OSError:
            pass  # cannot tell: leave it
        finally:
            probe.close()
    return removed


async def open_demo_engine(speed: float = 1.0) -> RunningDemo:
    """Serve a new demo engine in the running loop; close() stops it and removes its folder."""
    sweep_stale_folders()
    loop = asyncio.get_running_loop()
    engine = DemoEngine(speed=speed, later=lambda delay, action: loop.call_later(delay, action))
    folder = tempfile.mkdtemp(prefix=FOLDER_PREFIX)  # mode 0700: only we may connect
    os.chmod(folder, 0o700)
    path = os.path.join(folder, SOCKET_NAME)
    # handler_cancellation: an event stream whose client went away ends at once.
    runner = web.AppRunner(
        DemoAPI(engine).app(),
        access_log=None,
        shutdown_timeout=SHUTDOWN_SECONDS,
        handler_cancellation=True,
    )
    try:
        await runner.setup()
        await web.UnixSite(runner, path).start()
    except BaseException:
        await runner.cleanup()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    engine.resume()
    demo = RunningDemo(path, engine, runner, folder)
    demo._tasks = [
        asyncio.create_task(run_timeline(engine), name="demo-timeline"),
        asyncio.create_task(run_health_checks(engine), name="demo-health"),
    ]
    return demo


@contextlib.asynccontextmanager
async def demo_engine(speed: float = 1.0) -> AsyncIterator[str]:
    """Serve a demo engine in the running loop for the block; yields its socket path."""
    demo = await open_demo_engine(speed)
    try:
        yield demo.socket_path
    finally:
        await demo.close()


def start_demo_engine(speed: float = 1.0) -> tuple[str, Callable[[], None]]:
    """Start a demo engine on a thread of its own; returns its socket path
    and a function that stops it and removes its folder (also called at
    exit, should the caller not get to it). Raises what starting it raised."""
    ready = threading.Event()
    started: dict[str, object] = {}
    loop = asyncio.new_event_loop()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            started["demo"] = loop.run_until_complete(open_demo_engine(speed))
        except BaseException as err:  # handed to the caller
            started["error"] = err
            ready.set()
            loop.close()
            return
        ready.set()
        loop.run_forever()
        demo = started["demo"]
        assert isinstance(demo, RunningDemo)
        loop.run_until_complete(demo.close())
        loop.close()

    thread = threading.Thread(target=serve, name="dockertui-demo-engine", daemon=True)
    thread.start()
    ready.wait()
    error = started.get("error")
    if isinstance(error, BaseException):
        raise error
    demo = started["demo"]
    assert isinstance(demo, RunningDemo)
    stopped = threading.Event()

    def stop() -> None:
        if stopped.is_set():
            return
        stopped.set()
        # Always: `ready` is set just before run_forever, and a stop in that
        # gap must still end the loop (a stop queued early runs once it starts).
        with contextlib.suppress(RuntimeError):  # the loop already ended and closed
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        shutil.rmtree(demo._folder, ignore_errors=True)

    atexit.register(stop)
    return demo.socket_path, stop

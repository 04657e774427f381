#!/usr/bin/env python3
"""Benchmark the live console under a sustained event rate on a real engine.
Prints figures; asserts nothing.

The real `dockertui` console runs in a pseudo-terminal (160x48, as
bench/console.py does), connected to the real engine; the figure is the CPU
time of that process (user + system, from /proc/<pid>/stat) over a window,
as a share of one core. While it runs, this script follows the engine's own
event stream to count how many events the console had to take.

idle         no engine events at all (target < 0.5 % of a core);
healthchecks N containers running a 1 s health check: about 3 events per
             container per second (exec_create, exec_start, exec_die), 30/s
             with the default 10 (target < 5 %);
restarts     containers restarted in a loop at a target rate (30/s by
             default), each restart about 6 engine events (target < 15 %).
             The figure says which rate the engine really sustained.

Every figure comes with the engine's event rate and its number of
containers: the engine may be shared, and other clients' events cost the
console too. `--against DIR` runs a second console from another source tree
in the same windows, so a before/after sees the same load.

  python bench/events.py [--containers 10] [--seconds 20] [--restarts 30]
                         [--against DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import docker
import docker.errors
from console import Terminal

import harness

LABEL = "dockertui.bench.events"


class EventCounter:
    """Counts the engine's events (all types) on a stream of its own."""

    def __init__(self) -> None:
        self.count = 0
        self._api = docker.APIClient(base_url=harness.BASE_URL, version="auto", timeout=None)
        self._stream = self._api.events(since=int(time.time()))
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with contextlib.suppress(Exception):
            for raw in self._stream:
                if raw.strip():
                    self.count += 1

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._stream.close()


def make(api: docker.APIClient, n: int, name: str, healthcheck: bool) -> list[str]:
    ids = []
    for i in range(n):
        health = {"test": ["CMD-SHELL", "true"], "interval": 1_000_000_000} if healthcheck else None
        cid = api.create_container(
            harness.IMAGE,
            name=f"dtui-bench-{name}-{i}",
            labels={LABEL: "1"},
            healthcheck=health,
            host_config=api.create_host_config(),
        )["Id"]
        api.start(cid)
        ids.append(cid)
    return ids


def remove_all(api: docker.APIClient) -> None:
    for _ in range(5):  # a container caught mid-restart refuses once or twice
        left = api.containers(all=True, filters={"label": LABEL})
        if not left:
            return
        for entry in left:
            with contextlib.suppress(docker.errors.APIError):
                api.remove_container(entry["Id"], force=True, v=True)
        time.sleep(0.5)


class Console:
    """The real `dockertui` console in a pseudo-terminal (160x48), from this
    tree or (`source`) from another one, e.g. an export of an older commit."""

    def __init__(self, label: str, source: Path | None = None) -> None:
        self.label = label
        if source is None:
            self.term = Terminal()
        else:
            self.term = Terminal.__new__(Terminal)
            pid, fd = pty.fork()
            if pid == 0:  # child: the same command, the other tree's package
                os.environ["TERM"] = "xterm-256color"
                os.environ["PYTHONPATH"] = str(source)
                os.chdir(source)  # `-m` puts the working folder first on the path
                os.execvp(
                    sys.executable, [sys.executable, "-m", "dockertui", "-H", harness.BASE_URL]
                )
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
            self.term.pid, self.term.fd = pid, fd

    def cpu(self) -> float:
        return self.term.cpu_seconds()


def drain(consoles: list[Console], seconds: float) -> None:
    """Read what every console writes, for `seconds`."""
    fds = {c.term.fd: c for c in consoles}
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        ready, _, _ = select.select(list(fds), [], [], left)
        for fd in ready:
            with contextlib.suppress(OSError):
                os.read(fd, 65536)


def settle(consoles: list[Console], at_least: float, most: float = 90.0) -> None:
    """Let the consoles finish starting: at least `at_least` seconds, then
    until one second uses under a fifth of a core each (a big fleet takes long)."""
    drain(consoles, at_least)
    end = time.monotonic() + most
    while time.monotonic() < end:
        before = [c.cpu() for c in consoles]
        drain(consoles, 1.0)
        if all(c.cpu() - b < 0.2 for c, b in zip(consoles, before, strict=True)):
            return


def measure(
    consoles: list[Console],
    seconds: float,
    load: Callable[[threading.Event], float] | None = None,
) -> tuple[list[float], float, int, float]:
    """(CPU seconds of each console, wall seconds, engine events, load
    figure) over one window, the same for every console."""
    stop = threading.Event()
    figure: list[float] = []
    worker = None
    if load is not None:
        worker = threading.Thread(target=lambda: figure.append(load(stop)))
        worker.start()
        drain(consoles, 2.0)  # let the rate settle before measuring
    counter = EventCounter()
    cpu0, wall0 = [c.cpu() for c in consoles], time.monotonic()
    drain(consoles, seconds)
    cpu = [c.cpu() - c0 for c, c0 in zip(consoles, cpu0, strict=True)]
    wall = time.monotonic() - wall0
    events = counter.count
    counter.close()
    stop.set()
    if worker is not None:
        worker.join()
    return cpu, wall, events, (figure[0] if figure else 0.0)


def window(
    api: docker.APIClient,
    args: argparse.Namespace,
    what: str,
    target: float,
    load: Callable[[threading.Event], float] | None = None,
) -> None:
    """Start the console(s), let them settle, measure one window, report."""
    consoles = [Console("console")]
    if args.against is not None:
        consoles = [Console("this tree"), Console(str(args.against), args.against)]
    try:
        settle(consoles, args.warmup)
        cpu, wall, events, rate = measure(consoles, args.seconds, load)
    finally:
        for c in consoles:
            c.term.close()
    fleet = len(api.containers(all=True))
    shares = ", ".join(
        f"{c.label} {t:.2f} s CPU = {100 * t / wall:.2f} % of one core"
        for c, t in zip(consoles, cpu, strict=True)
    )
    sustained = f", {rate:.1f} restarts/s sustained of {args.restarts:g}/s asked" if load else ""
    print(
        f"{what}: {events / wall:.1f} engine events/s over {wall:.0f} s{sustained}; {shares}"
        f" (target < {target:g} %; {fleet} containers on the engine)"
    )


def restart_loop(api: docker.APIClient, ids: list[str], rate: float) -> Callable[..., float]:
    """A load that restarts `ids` round robin at `rate` per second (as far as
    the engine keeps up); returns the rate it sustained."""

    def run(stop: threading.Event) -> float:
        done = 0
        start = time.monotonic()
        lock = threading.Lock()

        def one(cid: str) -> None:
            nonlocal done
            with contextlib.suppress(docker.errors.APIError):
                api.restart(cid, timeout=0)
                with lock:
                    done += 1

        with ThreadPoolExecutor(max_workers=len(ids)) as pool:
            for k in _ticks(rate, stop):
                pool.submit(one, ids[k % len(ids)])
        return done / (time.monotonic() - start)

    return run


def _ticks(rate: float, stop: threading.Event) -> Iterator[int]:
    k, start = 0, time.monotonic()
    while not stop.is_set():
        wait = start + k / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        yield k
        k += 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--containers", type=int, default=10, help="with a 1 s health check")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each window")
    parser.add_argument("--restarts", type=float, default=30.0, help="target restarts per second")
    parser.add_argument("--restarted", type=int, default=40, help="containers restarted in turn")
    parser.add_argument(
        "--warmup", type=float, default=8.0, help="seconds from launch to the first window"
    )
    parser.add_argument(
        "--against",
        type=Path,
        help="a second source tree (e.g. `git archive <rev> | tar -x -C DIR`) whose console "
        "runs side by side under the same load, for a before/after on a shared engine",
    )
    parser.add_argument("--only", choices=("idle", "health", "restart"), action="append")
    args = parser.parse_args()
    only = set(args.only or ("idle", "health", "restart"))

    harness.ensure_dockerd()
    api = harness.api_client()
    harness.ensure_images(api)
    remove_all(api)
    try:
        if "idle" in only:
            make(api, args.containers, "idle", healthcheck=False)
            window(api, args, "idle", 0.5)
            remove_all(api)
        if "health" in only:
            make(api, args.containers, "health", healthcheck=True)
            window(api, args, f"{args.containers} x 1 s health checks", 5.0)
            remove_all(api)
        if "restart" in only:
            ids = make(api, args.restarted, "restart", healthcheck=False)
            window(api, args, "restarts", 15.0, restart_loop(api, ids, args.restarts))
    finally:
        remove_all(api)
    return 0


if __name__ == "__main__":
    sys.exit(main())

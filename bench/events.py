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

  python bench/events.py [--containers 10] [--seconds 20] [--restarts 30]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
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
    for entry in api.containers(all=True, filters={"label": LABEL}):
        with contextlib.suppress(docker.errors.NotFound):
            api.remove_container(entry["Id"], force=True, v=True)


def settle(term: Terminal, at_least: float, most: float = 90.0) -> None:
    """Let the console finish starting: at least `at_least` seconds, then
    until one second uses under a fifth of a core (a big fleet takes long)."""
    term.drain(at_least)
    end = time.monotonic() + most
    while time.monotonic() < end:
        cpu = term.cpu_seconds()
        term.drain(1.0)
        if term.cpu_seconds() - cpu < 0.2:
            return


def measure(
    term: Terminal, seconds: float, load: Callable[[threading.Event], None] | None = None
) -> tuple[float, float, int, float]:
    """(CPU seconds, wall seconds, engine events, load figure) over one window."""
    stop = threading.Event()
    figure: list[float] = []
    worker = None
    if load is not None:
        worker = threading.Thread(target=lambda: figure.append(load(stop) or 0.0))  # type: ignore[func-returns-value]
        worker.start()
        term.drain(2.0)  # let the rate settle before measuring
    counter = EventCounter()
    cpu0, wall0 = term.cpu_seconds(), time.monotonic()
    term.drain(seconds)
    cpu, wall = term.cpu_seconds() - cpu0, time.monotonic() - wall0
    events = counter.count
    counter.close()
    stop.set()
    if worker is not None:
        worker.join()
    return cpu, wall, events, (figure[0] if figure else 0.0)


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


def report(
    api: docker.APIClient, what: str, cpu: float, wall: float, events: int, target: float
) -> None:
    share = 100 * cpu / wall
    fleet = len(api.containers(all=True))
    print(
        f"{what}: {events / wall:.1f} engine events/s, console {cpu:.2f} s CPU in {wall:.0f} s"
        f" = {share:.2f} % of one core (target < {target:g} %; {fleet} containers on the engine)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--containers", type=int, default=10, help="with a 1 s health check")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each window")
    parser.add_argument("--restarts", type=float, default=30.0, help="target restarts per second")
    parser.add_argument("--restarted", type=int, default=12, help="containers restarted in turn")
    parser.add_argument(
        "--warmup", type=float, default=8.0, help="seconds from launch to the first window"
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
            term = Terminal()
            settle(term, args.warmup)  # start-up and first paint
            cpu, wall, events, _ = measure(term, args.seconds)
            term.close()
            report(api, "idle", cpu, wall, events, 0.5)
            remove_all(api)

        if "health" in only:
            make(api, args.containers, "health", healthcheck=True)
            term = Terminal()
            settle(term, args.warmup)
            cpu, wall, events, _ = measure(term, args.seconds)
            term.close()
            report(api, f"{args.containers} x 1 s health checks", cpu, wall, events, 5.0)
            remove_all(api)

        if "restart" in only:
            ids = make(api, args.restarted, "restart", healthcheck=False)
            term = Terminal()
            settle(term, args.warmup)
            load = restart_loop(api, ids, args.restarts)
            cpu, wall, events, rate = measure(term, args.seconds, load)
            term.close()
            report(
                api,
                f"restarts ({rate:.1f}/s sustained of {args.restarts:g}/s asked)",
                cpu,
                wall,
                events,
                15.0,
            )
    finally:
        remove_all(api)
    return 0


if __name__ == "__main__":
    sys.exit(main())

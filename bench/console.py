#!/usr/bin/env python3
"""Benchmark the live console on a real engine. Prints figures; asserts nothing.

cold start  time from starting a new Python process to a complete table
            (every bench container has a row), for N running containers
            (default 200; target < 1.0 s): interpreter, imports (Textual,
            the console, the engine layer), the reachability check the
            command makes, the first inventory and the first paint, in a
            headless app of 160x48;
launch      time from creating the app (everything already imported) to a
            complete table, for N running and M created (default 1,000)
            containers, next to `dockertui scan --format json` on the same
            containers;
idle CPU    CPU used by the real `dockertui` process in a pseudo-terminal
            (160x48) over 30 s with no engine events (target < 1 % of a core);
event->row  from a container's `start` event (engine timestamp) to its row
            showing "running" (target p95 < 250 ms);
key->paint  from writing a cursor-down key to the pseudo-terminal to the first
            repaint bytes, with 1,000 rows shown (target p95 < 50 ms).

  python bench/console.py [--running 200] [--created 1000] [--idle 30]

Every `dockertui` here runs this checkout (`python -m dockertui`, the
repository first on the path).
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's dockertui
import contextlib

from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.watch import Watcher
from dockertui.model.container import Container
from dockertui.ui.app import DockerTUI, FleetSource

import harness
from scan import LABEL, checkout_env, create_fleet, remove_fleet, scan_command

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
#: Cold start to a complete table at 200 running containers, seconds.
COLD_TARGET = 1.0

#: The child of `cold_start`: what `dockertui` does before its console runs
#: (resolve the endpoint, check it answers), then the console, headless.
#: Prints the CLOCK_MONOTONIC time at which the table was complete.
COLD_CHILD = """
import asyncio, sys, time
from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.gateway import EngineGateway
endpoint = resolve_endpoint(host=sys.argv[1])
async def reachable():
    client = await EngineGateway.open(endpoint)
    await client.close()
asyncio.run(reachable())
from dockertui.engine.watch import Watcher
from dockertui.ui.app import DockerTUI
label, expected = sys.argv[2], int(sys.argv[3])
async def main():
    app = DockerTUI(Watcher(endpoint))
    async with app.run_test(size=(160, 48)) as pilot:
        while True:
            rows = sum(1 for r in app.state.reports.values() if label in r.container.labels)
            if rows >= expected and len(app._rows) >= expected:
                print(time.monotonic())
                return
            await pilot.pause(0.01)
asyncio.run(main())
"""


def cold_start(expected: int) -> float:
    """Seconds from starting a Python process to a complete table (see COLD_CHILD)."""
    argv = [sys.executable, "-c", COLD_CHILD, harness.BASE_URL, LABEL, str(expected)]
    start = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, check=True, env=checkout_env())
    return float(done.stdout.strip().splitlines()[-1]) - start


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main_engine() -> FleetSource:
    return Watcher(resolve_endpoint(host=harness.BASE_URL))


async def launch_to_table(
    expected: int, source: Callable[[], FleetSource] = main_engine, label: str = LABEL
) -> float:
    """Seconds from creating the app (on the source `source()` makes) until
    every bench container (`label`) has a row."""
    start = time.perf_counter()
    app = DockerTUI(source())
    async with app.run_test(size=(160, 48)) as pilot:
        while True:
            rows = sum(1 for r in app.state.reports.values() if label in r.container.labels)
            if rows >= expected and len(app._rows) >= expected:
                return time.perf_counter() - start
            await pilot.pause(0.01)


def scan_seconds() -> float:
    cmd, env = scan_command()
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True, env=env)
    return time.perf_counter() - start


class RowClock:
    """When the console's rows showed what the engine said. Wraps the app's
    table refresh (the row of a container shows facts, by default its state:
    wall time, once per container and fact) and its state's apply (a container event: the
    engine's own timestamp, once per container and action). Fleet updates
    (engine.fleet_watch.FromEngine) are read through to the engine's update.
    The rows of the containers being timed (`forget`) are read at every
    refresh, not only when named as changed: a refresh that rebuilds the
    whole table (an engine's full snapshot) names none."""

    def __init__(
        self, app: DockerTUI, facts: Callable[[Container], Iterable[str]] = lambda c: (c.state,)
    ) -> None:
        self.shown: dict[tuple[str, str], float] = {}  # (container id, fact) -> wall time
        self.events: dict[tuple[str, str], float] = {}  # (container id, action) -> engine time
        self.timed: set[str] = set()  # container ids
        refresh, apply = app._refresh_table, app.state.apply

        def spy(changed: set[str]) -> None:
            refresh(changed)
            now = time.time()
            keys = set(changed)
            if self.timed:
                keys.update(k for k, r in app.state.reports.items() if r.container.id in self.timed)
            for key in keys:
                report = app.state.reports.get(key)
                if report is not None and key in app._rows:
                    for fact in facts(report.container):
                        self.shown.setdefault((report.container.id, fact), now)

        def applied(update):  # type: ignore[no-untyped-def]
            event = getattr(update, "update", update)  # FromEngine(engine, update)
            if type(event).__name__ == "EngineEvent" and event.type == "container":
                self.events.setdefault((event.actor_id, event.action), event.time)
            return apply(update)

        app._refresh_table = spy  # type: ignore[method-assign]
        app.state.apply = applied  # type: ignore[method-assign]

    def forget(self, cid: str) -> None:
        """Drop what was seen of `cid`, to time its next change."""
        self.timed.add(cid)
        for seen in (self.shown, self.events):
            for key in [k for k in seen if k[0] == cid]:
                del seen[key]

    def latency(self, cid: str, action: str, fact: str) -> float | None:
        """Seconds from `cid`'s `action` event to its row showing `fact`, once both were seen."""
        if (cid, action) in self.events and (cid, fact) in self.shown:
            return self.shown[cid, fact] - self.events[cid, action]
        return None

    async def wait(
        self, pilot, cid: str, action: str, fact: str, most: float = 5.0
    ) -> float | None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + most
        while (seen := self.latency(cid, action, fact)) is None and time.monotonic() < deadline:
            await pilot.pause(0.005)
        return seen


async def event_to_row(api, count: int) -> list[float]:
    """Latency from each container's start event to its row saying running."""
    app = DockerTUI(Watcher(resolve_endpoint(host=harness.BASE_URL)))
    clock = RowClock(app)
    latencies = []
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(1.0)
        for i in range(count):
            cid = api.create_container(
                harness.IMAGE, name=f"dtui-bench-ev-{i}", labels={LABEL: "1"}
            )["Id"]
            clock.forget(cid)
            api.start(cid)
            seen = await clock.wait(pilot, cid, "start", "running")
            if seen is not None:
                latencies.append(seen)
            await pilot.pause(0.05)
    return latencies


class Terminal:
    """`dockertui` in a pseudo-terminal, its output drained as it comes."""

    def __init__(
        self, cols: int = 160, rows: int = 48, hosts: tuple[str, ...] = (harness.BASE_URL,)
    ) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child: this checkout's dockertui, watching `hosts`
            os.environ.clear()
            os.environ.update(checkout_env(), TERM="xterm-256color")
            argv = [sys.executable, "-m", "dockertui", *(a for h in hosts for a in ("-H", h))]
            os.execv(sys.executable, argv)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def drain(self, seconds: float) -> int:
        got, end = 0, time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    got += len(os.read(self.fd, 65536))
                except OSError:  # EIO: the program exited and closed the terminal
                    break
        return got

    def memory(self) -> tuple[int, int]:
        """(resident, peak resident) bytes of the process: VmRSS and VmHWM."""
        kib = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                kib[key] = int(value.split()[0])
        return kib["VmRSS"] * 1024, kib["VmHWM"] * 1024

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def key_to_paint(self, key: bytes) -> float:
        self.drain(0.15)  # let earlier output settle
        start = time.perf_counter()
        os.write(self.fd, key)
        select.select([self.fd], [], [], 2.0)
        elapsed = time.perf_counter() - start
        return elapsed

    def close(self) -> None:
        os.write(self.fd, b"q")
        self.drain(0.5)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--running", type=int, default=200)
    parser.add_argument("--created", type=int, default=1000)
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle CPU sampling")
    parser.add_argument("--events", type=int, default=40, help="containers started for event->row")
    parser.add_argument("--keys", type=int, default=60, help="keypresses for key->paint")
    args = parser.parse_args()

    harness.ensure_dockerd()
    api = harness.api_client()
    harness.ensure_images(api)
    remove_fleet(api)
    try:
        create_fleet(api, args.running, args.running)
        cold_start(args.running)  # once, so that byte-code caches exist
        t_cold = statistics.median(cold_start(args.running) for _ in range(3))
        verdict = "meets" if t_cold < COLD_TARGET else "MISSES"
        print(
            f"{args.running} running: cold start->complete table {t_cold:.2f} s "
            f"(median of 3; target < {COLD_TARGET:.1f} s at 200: {verdict})"
        )
        t_app = asyncio.run(launch_to_table(args.running))
        t_scan = scan_seconds()
        print(
            f"{args.running} running: console launch->complete table {t_app:.2f} s, dockertui scan {t_scan:.2f} s"
        )

        term = Terminal()
        term.drain(5.0)  # start-up and first paint
        cpu0, wall0 = term.cpu_seconds(), time.monotonic()
        term.drain(args.idle)
        cpu = term.cpu_seconds() - cpu0
        wall = time.monotonic() - wall0
        term.close()
        print(
            f"idle console: {cpu:.2f} s CPU in {wall:.0f} s = {100 * cpu / wall:.2f} % of one core"
        )
        remove_fleet(api)

        create_fleet(api, args.created, 0)
        t_app = asyncio.run(launch_to_table(args.created))
        t_scan = scan_seconds()
        print(
            f"{args.created} created: console launch->complete table {t_app:.2f} s, dockertui scan {t_scan:.2f} s"
        )

        term = Terminal()
        term.drain(8.0)
        samples = [term.key_to_paint(b"\x1b[B") for _ in range(args.keys)]
        term.close()
        print(
            f"key->paint with {args.created} rows: p50 {1000 * statistics.median(samples):.0f} ms, "
            f"p95 {1000 * pct(samples, 0.95):.0f} ms (n={len(samples)})"
        )
        remove_fleet(api)

        latencies = asyncio.run(event_to_row(api, args.events))
        print(
            f"event->row: p50 {1000 * statistics.median(latencies):.0f} ms, "
            f"p95 {1000 * pct(latencies, 0.95):.0f} ms (n={len(latencies)})"
        )
    finally:
        remove_fleet(api)
    return 0


if __name__ == "__main__":
    sys.exit(main())

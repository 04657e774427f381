#!/usr/bin/env python3
"""Benchmark a fleet of four engines on this machine. Prints figures; asserts nothing.

Starts three private dockerd instances beside the main engine (each with
its own socket, data-root, exec-root, pid file and bridge, `--iptables=false`:
tests/private_engine.py's PrivateDockerd, so nothing of the main engine's
iptables or docker0 changes), loads the test images into them
(`docker save | docker load`), and makes N containers on each of the four
(default 200, the mix of bench/scan.py; R of them running, default 50,
without a network; the rest only created). Then, in one run:

scan         `dockertui scan -H a -H b -H c -H d --format json` against each
             engine's own `dockertui scan -H x --format json`, in turn, in
             the same rounds (median of several, each after a second's
             rest); the combined time against the slowest single engine
             (target: within 1.3x) and against the four one after another;
launch       the console's launch (the app created, everything imported) to
             a complete table over the four engines (App.run_test on a
             FleetWatcher, as bench/console.py on one engine);
event->row   on the three healthy engines, from the engine's timestamp of
             a container's start, update (`docker update` of its memory
             limit) or die (`docker stop -t 0`) event to its row showing
             running, the new limit or exited, while the fourth engine is
             stopped and started again (target p95 < 250 ms); by phase of the
             fourth engine, with how late the console's loop ran and its
             longest steps;
memory       the resident memory of the real `dockertui -H a -H b -H c -H d`
             in a pseudo-terminal (160x48) once its table is loaded and it
             is idle (target < 250 MB at 800 containers).

Everything it made goes when it ends, also on Ctrl-C or an error: the
bench containers (a label of their own on the main engine), the three
dockerd processes, their folders and bridges. Every `dockertui` here runs
this checkout.

  python bench/fleet.py [-n 200] [--running 50] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's dockertui

import docker
from console import RowClock, Terminal, launch_to_table, pct
from private_engine import PrivateDockerd

from dockertui.engine.endpoint import resolve_endpoint
from dockertui.model.container import Container
from dockertui.ui.app import DockerTUI, FleetSource

import harness
from scan import child_cpu, create_fleet, remove_fleet, scan_command, timed

#: On every engine, main included: the bench's containers and nothing else.
LABEL = "dockertui.bench.fleet"
PREFIX = "dtui-fleet"
#: The 20.10 CLI (the newer one refuses some flags against API 1.41).
DOCKER = "/usr/bin/docker"
#: Private engines started beside the main one.
EXTRA_ENGINES = 3

COMBINED_TARGET = 1.3  # combined scan / slowest single engine
EVENT_TARGET = 0.250  # event->row p95, seconds
RSS_TARGET = 250 * 2**20  # bytes, at 800 containers


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait while the block runs (the clean-up must finish)."""
    before = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def interruptible() -> None:
    """Ctrl-C and SIGTERM raise KeyboardInterrupt wherever the bench is, the
    console's event loop included, and the clean-up runs. (asyncio.run's own
    Ctrl-C only cancels its task, which the console may outlive; and the
    console, headless here, would take SIGTERM as its own `q`.)"""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupted)
    DockerTUI._catch_termination = lambda self: None  # type: ignore[method-assign]


@contextlib.contextmanager
def private_engines(count: int) -> Iterator[list[PrivateDockerd]]:
    """`count` private dockerd instances, running; stopped and removed afterwards."""
    made: list[PrivateDockerd] = []
    try:
        for _ in range(count):
            engine = PrivateDockerd()
            made.append(engine)
            engine.start()
        yield made
    finally:
        with shielded():
            for engine in made:
                engine.close()


def load_images(engines: list[PrivateDockerd]) -> None:
    """The test images, as the main engine has them, into each private engine."""
    with tempfile.TemporaryDirectory(prefix="dtui-fleet-") as folder:
        archive = Path(folder) / "images.tar"
        images = (harness.IMAGE, harness.TOOLS_IMAGE)
        subprocess.run([DOCKER, "save", "-o", str(archive), *images], check=True)
        for engine in engines:
            subprocess.run(
                [DOCKER, "-H", engine.base_url, "load", "-q", "-i", str(archive)],
                check=True,
                capture_output=True,
            )


def scanned(doc: dict[str, Any]) -> tuple[int, int]:
    """(engines, containers) a `scan --format json` document reports."""
    if "engines" in doc:
        return len(doc["engines"]), sum(len(e.get("containers", [])) for e in doc["engines"])
    return 1, doc["summary"]["containers"]


def measure_scans(hosts: list[str], rounds: int, settle: float) -> None:
    """Each engine's scan and the combined scan, in turn for the rounds; print."""
    jobs = {host: scan_command((host,), LABEL) for host in hosts}
    combined = "all"
    jobs[combined] = scan_command(tuple(hosts), LABEL)
    read = len(hosts)
    for key, (cmd, env) in jobs.items():  # once each: byte-code caches, and the counts
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
        doc = json.loads(out)
        engines, containers = scanned(doc)
        if key == combined:
            read = engines
            print(f"scan: the combined scan reports {engines} engine(s), {containers} containers")
        for failed in doc.get("failed", []):
            print(f"  NOTE: {key}: an engine failed: {failed}")
    samples: dict[str, list[float]] = {key: [] for key in jobs}
    cpu: dict[str, list[float]] = {key: [] for key in jobs}
    for _ in range(rounds):
        for key, (cmd, env) in jobs.items():
            time.sleep(settle)  # every engine idle again, as a user's scan finds them
            before = child_cpu()
            samples[key].append(
                timed(partial(subprocess.run, cmd, capture_output=True, check=True, env=env))
            )
            cpu[key].append(child_cpu() - before)
    med = {key: statistics.median(values) for key, values in samples.items()}
    cpu_med = {key: statistics.median(values) for key, values in cpu.items()}
    for host in hosts:
        print(f"  scan {host:<44} {med[host] * 1000:6.0f} ms  (CPU {cpu_med[host] * 1000:.0f} ms)")
    singles = [med[h] for h in hosts]
    slowest, one_by_one = max(singles), sum(singles)
    t_all = med[combined]
    ratio = t_all / slowest
    print(
        f"  scan of the four at once                         {t_all * 1000:6.0f} ms  "
        f"(CPU {cpu_med[combined] * 1000:.0f} ms)"
    )
    print(f"  the four one after another (sum)                 {one_by_one * 1000:6.0f} ms")
    print(
        f"  the combined scan's own CPU time is {cpu_med[combined] / slowest:.2f}x the slowest "
        f"single engine's wall time: nearly a floor for the ratio, the scan's work being "
        f"one Python thread's"
    )
    verdict = "meets" if ratio <= COMBINED_TARGET else "MISSES"
    if read < len(hosts):
        verdict = f"NOT MEASURED: this checkout's scan read {read} of {len(hosts)} engines"
    print(
        f"ratio combined / slowest single engine: {ratio:.2f}  target <= {COMBINED_TARGET}: "
        f"{verdict};  combined / one after another: {t_all / one_by_one:.2f}  "
        f"(median of {rounds} rounds)"
    )


def fleet_source(hosts: list[str]) -> Callable[[], FleetSource]:
    """What makes the console's source over `hosts` (engine.fleet_watch)."""

    def make() -> FleetSource:
        from dockertui.engine.fleet_watch import FleetWatcher

        return FleetWatcher([resolve_endpoint(host=h) for h in hosts])  # type: ignore[return-value]

    return make


def measure_launch(hosts: list[str], expected: int, rounds: int) -> None:
    source = fleet_source(hosts)
    times = [
        asyncio.run(asyncio.wait_for(launch_to_table(expected, source, LABEL), 180))
        for _ in range(rounds)
    ]
    print(
        f"launch: console launch->complete table over {len(hosts)} engines, {expected} "
        f"containers: {statistics.median(times):.2f} s (median of {rounds}; "
        f"{', '.join(f'{t:.2f}' for t in times)})"
    )


def make_probes(api: docker.APIClient, count: int) -> list[str]:
    """Containers, only created and without a network, that event->row starts and kills."""
    return [
        api.create_container(
            harness.IMAGE,
            name=f"{PREFIX}-probe-{i}",
            labels={LABEL: "probe"},
            host_config=api.create_host_config(network_mode="none"),
        )["Id"]
        for i in range(count)
    ]


class EngineCycle(threading.Thread):
    """Stops one engine and starts it again, `cycles` times, after `up`
    seconds each time and with `down` seconds of it being gone; `phase`
    says where it is: before, stopping (dockerd stops its running
    containers first), down, starting (until its API answers), reconnecting
    (until the console, `live()`, has it live again), after."""

    PHASES = ("before", "stopping", "down", "starting", "reconnecting", "after")

    def __init__(self, engine: PrivateDockerd, cycles: int, up: float, down: float) -> None:
        super().__init__(daemon=True)
        self.engine, self.cycles, self.up, self.down = engine, cycles, up, down
        self.live: Callable[[], bool] = lambda: True
        self.phase = "before"
        self.stop_seconds: list[float] = []
        self.back_seconds: list[float] = []  # from its start to the console's live again
        self.error: BaseException | None = None
        self._halted = threading.Event()

    def run(self) -> None:
        try:
            for _ in range(self.cycles):
                if self._halted.wait(self.up):
                    return
                self.phase = "stopping"
                self.stop_seconds.append(timed(self.engine.stop))
                self.phase = "down"
                if self._halted.wait(self.down):
                    return
                self.phase = "starting"
                start = time.monotonic()
                self.engine.start()
                self.phase = "reconnecting"
                while not self.live():
                    if self._halted.wait(0.01):
                        return
                self.back_seconds.append(time.monotonic() - start)
                self.phase = "after"
            self._halted.wait(self.up)
        except BaseException as err:  # said in the figures, and the bench cleans up
            self.error = err

    def halt(self) -> None:
        """End the cycle early and wait for it (a stop or start under way finishes)."""
        self._halted.set()
        if self.is_alive():
            self.join()


class Stalls:
    """The console's longest steps on its event loop: applying one update
    (auditing what it brings) and one refresh (header, events, table), in
    wall time and in the CPU time of the loop's thread (on a busy machine
    the first can be many times the second)."""

    def __init__(self, app: DockerTUI) -> None:
        self.steps: list[tuple[float, float, str]] = []  # (wall, CPU seconds, what)
        apply, refresh = app.state.apply, app._refresh

        def timed_apply(update):  # type: ignore[no-untyped-def]
            inner = getattr(update, "update", update)
            what = type(inner).__name__
            if what == "Connected":
                what += f" ({len(inner.containers)} containers)"
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return apply(update)
            finally:
                self.steps.append((time.perf_counter() - wall, time.thread_time() - cpu, what))

        def timed_refresh() -> None:
            rows, changed = app._rows, len(app._changed)  # (before the refresh)
            wall, cpu = time.perf_counter(), time.thread_time()
            refresh()
            # Cleared (an engine's snapshot) or a new list: the table was filled again.
            rebuilt = not rows or app._rows is not rows
            what = f"refresh that {'rebuilt the table' if rebuilt else f'updated {changed} rows'}"
            self.steps.append((time.perf_counter() - wall, time.thread_time() - cpu, what))

        app.state.apply = timed_apply  # type: ignore[method-assign]
        app._refresh = timed_refresh  # type: ignore[method-assign]

    def worst(self, count: int = 4) -> str:
        """The kinds of step of longest wall time: how many, their median CPU
        time, and the longest one."""
        kinds: dict[str, list[tuple[float, float, str]]] = {}
        for step in self.steps:
            what = step[2]
            kind = "refresh that updated rows" if what.startswith("refresh that updated") else what
            kinds.setdefault(kind, []).append(step)
        ranked = sorted(kinds.items(), key=lambda item: -max(item[1])[0])[:count]
        parts = []
        for kind, steps in ranked:
            wall, cpu, what = max(steps)
            detail = f", {what.removeprefix('refresh that ')}" if what != kind else ""
            parts.append(
                f"{kind} x{len(steps)}: CPU median "
                f"{1000 * statistics.median(c for _, c, _ in steps):.0f} ms, longest "
                f"{1000 * wall:.0f} ms (CPU {1000 * cpu:.0f} ms{detail})"
            )
        return "; ".join(parts)


def changes(
    probes: list[list[tuple[docker.APIClient, str]]],
) -> Iterator[tuple[Callable[[str], object], str, str, str]]:
    """(call, container, event, what its row then shows), endlessly: each
    engine's next probe started, the engines in turn, then each one's memory
    limit changed (`docker update`), then each stopped, so that an engine sees
    one change at a time and a second or more after its previous one, as a
    person's `docker start` meets a quiet engine."""
    megabytes = 64
    while True:
        for row in zip(*probes, strict=True):  # one probe of each engine
            megabytes = 96 if megabytes == 64 else 64
            for api, cid in row:
                yield api.start, cid, "start", "running"
            for api, cid in row:
                limit = partial(update_memory, api, megabytes=megabytes)
                yield limit, cid, "update", f"memory {megabytes * 2**20}"
            for api, cid in row:
                yield partial(api.stop, timeout=0), cid, "die", "exited"


def update_memory(api: docker.APIClient, cid: str, megabytes: int) -> None:
    api.update_container(cid, mem_limit=f"{megabytes}m", memswap_limit=-1)


def shown_facts(container: Container) -> tuple[str, ...]:
    """What event->row waits for in a row: the state, the memory limit."""
    return container.state, f"memory {container.memory}"


async def events_while_one_down(
    hosts: list[str],
    expected: int,
    probes: list[list[tuple[docker.APIClient, str]]],
    cycle: EngineCycle,
) -> tuple[list[tuple[str, str, float]], list[tuple[str, float]], str]:
    """(phase of the cycling engine, event, seconds) for each start and kill
    of a probe on a healthy engine, from the engine's event to the row
    showing running or exited, for as long as `cycle` runs; and (phase,
    seconds) the console's event loop was late on each 10 ms sleep; and its
    longest steps (Stalls)."""
    app = DockerTUI(fleet_source(hosts)())
    clock = RowClock(app, shown_facts)
    stalls = Stalls(app)
    samples: list[tuple[str, str, float]] = []
    async with app.run_test(size=(160, 48)) as pilot:
        deadline = time.monotonic() + 180
        while sum(1 for r in app.state.reports.values() if LABEL in r.container.labels) < expected:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the console never showed the {expected} bench containers")
            await pilot.pause(0.05)
        await pilot.pause(1.0)
        cycling = app.state.engines[cycle.engine.base_url.partition("://")[2]]
        cycle.live = lambda: cycling.connected
        lags: list[tuple[str, float]] = []

        async def loop_lag() -> None:  # how long the console's loop was kept from running
            while True:
                before = time.monotonic()
                await asyncio.sleep(0.01)
                lags.append((cycle.phase, time.monotonic() - before - 0.01))

        lag = asyncio.create_task(loop_lag())
        cycle.start()
        for act, cid, action, fact in changes(probes):
            if not cycle.is_alive():
                break
            phase = cycle.phase
            clock.forget(cid)
            await asyncio.to_thread(act, cid)  # the console's loop runs on meanwhile
            seen = await clock.wait(pilot, cid, action, fact)
            samples.append((phase, action, seen if seen is not None else float("inf")))
            await pilot.pause(0.3)
        lag.cancel()
    return samples, lags, stalls.worst()


def report_events(
    samples: list[tuple[str, str, float]],
    lags: list[tuple[str, float]],
    stalls: str,
    cycle: EngineCycle,
    healthy: int,
) -> None:
    def line(what: str, values: list[float]) -> str:
        if not values:
            return f"  {what}: no samples"
        lost = sum(1 for v in values if v == float("inf"))
        shown = f", {lost} never shown within 5 s" if lost else ""
        return (
            f"  {what}: p50 {1000 * statistics.median(values):.0f} ms, "
            f"p95 {1000 * pct(values, 0.95):.0f} ms (n={len(values)}{shown})"
        )

    every = [v for _, _, v in samples]
    p95 = pct(every, 0.95) if every else float("inf")
    print(
        f"event->row on the {healthy} healthy engines while the fourth is stopped and "
        f"started {cycle.cycles} times (its stop took "
        f"{', '.join(f'{t:.1f}' for t in cycle.stop_seconds)} s; from its start to live "
        f"in the console {', '.join(f'{t:.1f}' for t in cycle.back_seconds)} s):"
    )
    print(
        line("all", every)
        + f"  target p95 < {EVENT_TARGET * 1000:.0f} ms: "
        + ("meets" if p95 < EVENT_TARGET else "MISSES")
    )
    for phase in cycle.PHASES:
        late = [v for p, v in lags if p == phase]
        blocked = f"; the console's loop late by up to {1000 * max(late):.0f} ms" if late else ""
        print(line(f"  {phase}", [v for p, _, v in samples if p == phase]) + blocked)
    print(f"  the console's longest steps: {stalls}")
    print(line("start -> running", [v for _, a, v in samples if a == "start"]))
    print(line("update -> its memory limit", [v for _, a, v in samples if a == "update"]))
    print(line("die -> exited", [v for _, a, v in samples if a == "die"]))
    if cycle.error is not None:
        print(f"  NOTE: the engine cycle failed: {cycle.error}")


def measure_memory(
    hosts: list[str], apis: list[docker.APIClient], settle: float = 5.0, most: float = 90.0
) -> None:
    """The real console over `hosts` in a pseudo-terminal: its memory once idle."""
    term = Terminal(hosts=tuple(hosts))
    try:
        term.drain(settle)  # start-up, the first inventories, the first paint
        quiet, end = False, time.monotonic() + most
        while not quiet and time.monotonic() < end:
            before = term.cpu_seconds()
            term.drain(1.0)
            quiet = term.cpu_seconds() - before < 0.05
        rss, peak = term.memory()
    finally:
        term.close()
    verdict = "meets" if rss < RSS_TARGET else "MISSES"
    shown = sum(len(api.containers(all=True)) for api in apis)  # other clients' too
    print(
        f"memory: dockertui over {len(hosts)} engines ({shown} containers), "
        f"idle{'' if quiet else ' (NOT settled)'}: "
        f"RSS {rss / 2**20:.0f} MB (peak {peak / 2**20:.0f} MB)  "
        f"target < {RSS_TARGET / 2**20:.0f} MB: {verdict}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=200, help="containers on each engine (200)")
    parser.add_argument("--running", type=int, default=50, help="of them running (50)")
    parser.add_argument("--rounds", type=int, default=5, help="scan rounds, median reported")
    parser.add_argument("--settle", type=float, default=1.0, help="rest before each scan, s")
    parser.add_argument("--launches", type=int, default=3, help="console launches, median")
    parser.add_argument("--probes", type=int, default=3, help="event->row containers per engine")
    parser.add_argument("--cycles", type=int, default=2, help="times the fourth engine goes down")
    parser.add_argument("--down", type=float, default=5.0, help="seconds it stays down")
    parser.add_argument("--up", type=float, default=6.0, help="seconds before and after")
    parser.add_argument("--only", choices=("scan", "launch", "events", "memory"), action="append")
    args = parser.parse_args()
    interruptible()
    only = set(args.only or ("scan", "launch", "events", "memory"))

    harness.ensure_dockerd()
    main_api = harness.api_client()
    harness.ensure_images(main_api)
    remove_fleet(main_api, LABEL)  # a killed run's leftovers
    try:
        with private_engines(EXTRA_ENGINES) as extra:
            t0 = time.perf_counter()
            load_images(extra)
            apis = [main_api, *(e.api(timeout=120) for e in extra)]
            hosts = [harness.BASE_URL, *(e.base_url for e in extra)]
            # The healthy engines' probes are part of their N.
            healthy = apis[:-1]
            for api in apis:
                n = args.n - args.probes if api in healthy else args.n
                create_fleet(api, n, args.running, label=LABEL, prefix=PREFIX, isolated=True)
            probes = [[(api, cid) for cid in make_probes(api, args.probes)] for api in healthy]
            made = time.perf_counter() - t0
            running = sum(len(api.containers(filters={"label": LABEL})) for api in apis)
            print(
                f"engines: the main one and {EXTRA_ENGINES} private dockerd; "
                f"{args.n} containers on each, {args.n * len(apis)} in all, {running} running "
                f"({args.running} per engine, no network); made in {made:.0f} s"
            )
            print(
                f"machine: {os.cpu_count()} CPUs, "
                f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB, "
                f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
                f"dockerd {main_api.version()['Version']}"
            )
            total = args.n * len(apis)
            if "scan" in only:
                measure_scans(hosts, args.rounds, args.settle)
            if "launch" in only:
                measure_launch(hosts, total, args.launches)
            if "memory" in only:
                measure_memory(hosts, apis)
            if "events" in only:  # last: the fourth engine's running containers stop
                cycle = EngineCycle(extra[-1], args.cycles, up=args.up, down=args.down)
                try:
                    found = asyncio.run(events_while_one_down(hosts, total, probes, cycle))
                finally:
                    cycle.halt()  # before the engines go, never while it starts one
                report_events(*found, cycle, len(healthy))
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"load average at the end (1, 5, 15 min): {load}")
    finally:
        with shielded():
            remove_fleet(main_api, LABEL)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted: everything the bench made is removed", file=sys.stderr)
        sys.exit(130)

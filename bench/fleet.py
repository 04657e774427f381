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
event->row   on the three healthy engines, from a container's start or die
             event (the engine's timestamp) to its row showing running or
             exited, while the fourth engine is stopped and started again
             (target p95 < 250 ms);
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
import contextlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's dockertui

from private_engine import PrivateDockerd

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


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM cleans up as Ctrl-C does


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
        engines, containers = scanned(json.loads(out))
        if key == combined:
            read = engines
            print(f"scan: the combined scan reports {engines} engine(s), {containers} containers")
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
    verdict = "meets" if ratio <= COMBINED_TARGET else "MISSES"
    if read < len(hosts):
        verdict = f"NOT MEASURED: this checkout's scan read {read} of {len(hosts)} engines"
    print(
        f"ratio combined / slowest single engine: {ratio:.2f}  target <= {COMBINED_TARGET}: "
        f"{verdict};  combined / one after another: {t_all / one_by_one:.2f}  "
        f"(median of {rounds} rounds)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=200, help="containers on each engine (200)")
    parser.add_argument("--running", type=int, default=50, help="of them running (50)")
    parser.add_argument("--rounds", type=int, default=5, help="scan rounds, median reported")
    parser.add_argument("--settle", type=float, default=1.0, help="rest before each scan, s")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _terminated)

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
            for api in apis:
                create_fleet(api, args.n, args.running, label=LABEL, prefix=PREFIX, isolated=True)
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
            measure_scans(hosts, args.rounds, args.settle)
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

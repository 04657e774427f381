#!/usr/bin/env python3
"""Benchmark `dockertui scan` against the Engine API floor on a real engine.

Creates N labelled containers with mixed configurations (R of them
running, the rest only created; one in five a web server listening on a
port), then in one run measures:

  floor       list (all=1) + concurrent inspect of the same containers with
              plain aiohttp over the unix socket: what any scanner must pay;
  floor+top   the same plus GET /top for the running ones (what the sshd
              check reads);
  dockertui   `dockertui scan --format json` end to end as a subprocess
              (interpreter start-up, imports, endpoint, scan, audit, JSON),
              with and without --no-processes (which skips /top);

prints the median of several rounds (taken in turn, so that whatever else
the machine does weighs on the floor and the scan alike, each after a
second's rest: dockerd spends CPU for a while after a thousand inspects,
and on a two-core host that otherwise lands on the next measurement), the scan's CPU
time, the ratios and the target next to each figure, and removes
everything it made. The scan runs this checkout's
code (`python -m dockertui` with the repository first on the path), not
whatever `dockertui` is installed. Targets (wall time of the subprocess):
200 containers with 160 running < 0.4 s, 1,000 created containers < 0.8 s.
GET /top costs the engine about 16 ms per running container (dockerd runs
ps for each); on the engine's own host dockertui reads /proc instead, so
the floor without /top is the one to beat.

    python bench/scan.py                      # 200 containers, 160 running
    python bench/scan.py -n 1000 --running 0  # or: -n 1000 --created
    python bench/scan.py --baseline REV       # also REV's scan, in the same rounds

With --baseline, the scan of another revision (checked out into a temporary
git worktree, removed afterwards) runs in the same rounds and the ratio of
this checkout's scan to it is printed: e.g. the cost of the in-effect facts
(target: under 1.15 against the revision before them, 200 running).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
import docker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import harness  # noqa: E402

LABEL = "dockertui.bench"
CONCURRENCY = 16

#: (containers, running): wall-time target of `dockertui scan --format json`, seconds.
TARGETS = {(200, 160): 0.4, (1000, 0): 0.8}

#: Mixed configurations, cycled over the containers.
SHAPES: list[dict] = [
    {},
    {"host": {"cap_add": ["NET_ADMIN"]}},
    {"host": {"binds": ["/var/run/docker.sock:/var/run/docker.sock:ro"]}},
    {"host": {"port_bindings": {8080: ("127.0.0.1", None)}}, "ports": [8080]},
    {"user": "1000:1000", "host": {"cap_drop": ["ALL"], "read_only": True, "mem_limit": "64m"}},
    {"host": {"security_opt": ["seccomp=unconfined"]}},
    {"environment": ["API_TOKEN=bench-not-a-secret"]},
    {"host": {"restart_policy": {"Name": "unless-stopped"}, "pids_limit": 100}},
    # Servers: their sockets are what the in-effect pass asks the kernel for.
    {"image": harness.TOOLS_IMAGE, "command": ["httpd", "-f", "-p", "0.0.0.0:8080"]},
    {
        "image": harness.TOOLS_IMAGE,
        "command": ["httpd", "-f", "-p", "0.0.0.0:80"],
        "host": {"cap_drop": ["ALL"], "cap_add": ["NET_BIND_SERVICE"]},
    },
]


def create_fleet(
    api: docker.APIClient,
    n: int,
    running: int,
    *,
    label: str = LABEL,
    prefix: str = "dtui-bench",
    isolated: bool = False,
) -> list[str]:
    """N containers, the first `running` of them started, the rest only
    created. `isolated`: the running ones without a network (`none`, so no
    published port either), as on engines that share one small host."""

    def make(i: int) -> str:
        shape = SHAPES[i % len(SHAPES)]
        host_args = dict(shape.get("host", {}))
        extra = {k: v for k, v in shape.items() if k not in ("host", "image")}
        if isolated and i < running:
            host_args.pop("port_bindings", None)
            extra.pop("ports", None)
            host_args["network_mode"] = "none"
        cid = api.create_container(
            shape.get("image", harness.IMAGE),
            name=f"{prefix}-{i:04d}",
            labels={label: "1"},
            host_config=api.create_host_config(**host_args),
            **extra,
        )["Id"]
        if i < running:
            api.start(cid)
        return cid

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(make, range(n)))


def remove_fleet(api: docker.APIClient, label: str = LABEL) -> None:
    ids = [c["Id"] for c in api.containers(all=True, filters={"label": label})]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda cid: api.remove_container(cid, force=True, v=True), ids))


async def floor(top: bool) -> int:
    """List + concurrent inspect (and /top for running ones) with plain aiohttp."""
    connector = aiohttp.UnixConnector(path=harness.SOCKET)
    async with aiohttp.ClientSession(connector=connector) as session:
        base = "http://docker/v1.41"
        params = {"all": "1", "filters": json.dumps({"label": [LABEL]})}
        async with session.get(f"{base}/containers/json", params=params) as resp:
            listed = await resp.json()
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(entry: dict) -> None:
            async with gate:
                async with session.get(f"{base}/containers/{entry['Id']}/json") as resp:
                    await resp.read()
                if top and entry.get("State") == "running":
                    async with session.get(f"{base}/containers/{entry['Id']}/top") as resp:
                        await resp.read()

        await asyncio.gather(*(one(e) for e in listed))
        return len(listed)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def child_cpu() -> float:
    """User + system CPU seconds of every child process waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def checkout_env(root: Path = ROOT) -> dict[str, str]:
    """The environment for running a checkout's dockertui as an installed
    package runs: the repository first on the path, and byte-code caches
    written and used (PYTHONDONTWRITEBYTECODE would compile every changed
    module on every start, which no installed copy does)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH")) if p)
    return env


@contextlib.contextmanager
def worktree(rev: str | None) -> Iterator[Path | None]:
    """`rev` checked out in a temporary git worktree for the block, or None."""
    if rev is None:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="dockertui-baseline-"))
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), rev],
        check=True,
        capture_output=True,
    )
    try:
        yield folder
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)],
            check=False,
            capture_output=True,
        )


def scan_command(
    hosts: tuple[str, ...] = (harness.BASE_URL,), label: str = LABEL
) -> tuple[list[str], dict[str, str]]:
    """`dockertui scan --format json` on the bench containers of `hosts`
    (every one at once), run from this checkout."""
    cmd = [sys.executable, "-m", "dockertui", *(a for h in hosts for a in ("-H", h))]
    return [*cmd, "scan", "--format", "json", "--filter", f"label={label}"], checkout_env()


def verdict(value: float, target: float | None) -> str:
    if target is None:
        return "(no target for this fleet)"
    return f"target < {target:.1f} s: {'meets' if value < target else 'MISSES'}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=200, help="containers to create (default 200)")
    parser.add_argument(
        "--running", type=int, default=None, help="containers started (default 80 %% of -n)"
    )
    parser.add_argument("--created", action="store_true", help="start none (same as --running 0)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds, median reported")
    parser.add_argument(
        "--settle",
        type=float,
        default=1.0,
        help="seconds of rest before each measurement (default 1; 0 measures back to back)",
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="also time the scan of this git revision, in the same rounds",
    )
    args = parser.parse_args()
    wanted_running = (
        0 if args.created else args.n * 4 // 5 if args.running is None else args.running
    )
    target = TARGETS.get((args.n, wanted_running))

    harness.ensure_dockerd()
    api = harness.api_client()
    harness.ensure_images(api)
    remove_fleet(api)
    cmd, env = scan_command()
    with worktree(args.baseline) as base:
        return measure(args, api, cmd, env, target, wanted_running, base)


def measure(args, api, cmd, env, target, wanted_running: int, base: Path | None) -> int:
    """Create the fleet, time every job in turn for the rounds, print, clean up."""
    base_env = checkout_env(base) if base else None
    try:
        t0 = time.perf_counter()
        create_fleet(api, args.n, wanted_running)
        made = time.perf_counter() - t0
        running = len(api.containers(filters={"label": LABEL}))
        print(f"containers: {args.n} ({running} running), created in {made:.1f} s")
        print(
            f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
            f"Python {platform.python_version()}, engine API 1.41 on {harness.SOCKET}"
        )

        counted = asyncio.run(floor(top=False))
        assert counted == args.n, f"floor saw {counted} containers, expected {args.n}"
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
        scanned = json.loads(out)["summary"]["containers"]
        assert scanned == args.n, f"dockertui scanned {scanned} containers, expected {args.n}"

        def run(argv: list[str], environ: dict[str, str] | None = None) -> float:
            """Wall seconds of one run; its CPU seconds go to `cpu`."""
            before = child_cpu()
            wall = timed(
                lambda: subprocess.run(argv, capture_output=True, check=True, env=environ or env)
            )
            key = (*argv, "baseline") if environ else tuple(argv)
            cpu.setdefault(key, []).append(child_cpu() - before)
            return wall

        jobs = [
            ("floor", lambda: timed(lambda: asyncio.run(floor(top=False)))),
            ("top", lambda: timed(lambda: asyncio.run(floor(top=True)))),
            ("scan", lambda: run(cmd)),
            ("fast", lambda: run(fast)),
            ("start", lambda: run(version)),
        ]
        if base_env is not None:
            jobs.append(("baseline", lambda: run(cmd, base_env)))

        # Round-robin, so that whatever else the machine does weighs on the
        # floor and on the scan alike.
        samples: dict[str, list[float]] = {}
        cpu: dict[tuple[str, ...], list[float]] = {}
        fast = [*cmd, "--no-processes"]
        version = [*cmd[: cmd.index("scan")], "--version"]
        for _ in range(args.rounds):
            for key, fn in jobs:
                time.sleep(args.settle)  # the engine idle again, as a user's scan finds it
                samples.setdefault(key, []).append(fn())
        med = {key: statistics.median(values) for key, values in samples.items()}
        t_floor, t_top, t_scan, t_fast, t_start = (
            med[k] for k in ("floor", "top", "scan", "fast", "start")
        )
        cpu_scan = statistics.median(cpu[tuple(cmd)])
        cpu_fast = statistics.median(cpu[tuple(fast)])
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"load average after the rounds (1, 5, 15 min): {load}")
        print(f"floor (list + inspect, aiohttp):        {t_floor * 1000:7.0f} ms")
        print(f"floor + /top for running containers:    {t_top * 1000:7.0f} ms")
        print(
            f"dockertui scan --format json:           {t_scan * 1000:7.0f} ms  "
            f"(CPU {cpu_scan * 1000:.0f} ms)  {verdict(t_scan, target)}"
        )
        print(
            f"dockertui scan ... --no-processes:      {t_fast * 1000:7.0f} ms  "
            f"(CPU {cpu_fast * 1000:.0f} ms)  {verdict(t_fast, target)}"
        )
        print(f"  of which start-up (dockertui --version): {t_start * 1000:4.0f} ms")
        print(f"ratio scan / (floor + top):             {t_scan / t_top:7.2f}")
        print(f"ratio scan --no-processes / floor:      {t_fast / t_floor:7.2f}")
        if base_env is not None:
            t_base = med["baseline"]
            cpu_base = statistics.median(cpu[(*cmd, "baseline")])
            ratio = t_base and t_scan / t_base
            print(
                f"scan of {args.baseline}:{' ' * max(1, 31 - len(args.baseline))}"
                f"{t_base * 1000:7.0f} ms  (CPU {cpu_base * 1000:.0f} ms)"
            )
            print(
                f"ratio scan / scan of {args.baseline}: {ratio:.2f}  "
                f"(CPU {cpu_scan / cpu_base:.2f})  target < 1.15: "
                f"{'meets' if ratio < 1.15 else 'MISSES'}"
            )
    finally:
        remove_fleet(api)
    return 0


if __name__ == "__main__":
    sys.exit(main())

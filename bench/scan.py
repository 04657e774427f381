#!/usr/bin/env python3
"""Benchmark `dockertui scan` against the Engine API floor on a real engine.

Creates N labelled containers with mixed configurations (most running, or
all merely created with --created), then in one run measures:

  floor       list (all=1) + concurrent inspect of the same containers with
              plain aiohttp over the unix socket: what any scanner must pay;
  floor+top   the same plus GET /top for the running ones (what the sshd
              check reads);
  dockertui   `dockertui scan --format json` end to end as a subprocess
              (interpreter start-up, imports, endpoint, scan, audit, JSON),
              with and without --no-processes (which skips /top);

prints the median of several rounds and the ratios, and removes everything
it made. Targets on a 2-core machine: 200 running containers < 1.0 s,
1,000 created containers < 2.0 s. GET /top costs the engine about 16 ms per
running container (dockerd runs ps for each), so floor+top is the fair
floor for the default scan.

    python bench/scan.py                 # 200 containers, most running
    python bench/scan.py -n 1000 --created
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
import docker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import harness

LABEL = "dockertui.bench"
CONCURRENCY = 16

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
]


def create_fleet(api: docker.APIClient, n: int, running_share: float) -> list[str]:
    run_every = (
        0
        if running_share <= 0
        else max(1, round(1 / (1 - running_share)))
        if running_share < 1
        else 0
    )

    def make(i: int) -> str:
        shape = SHAPES[i % len(SHAPES)]
        host = api.create_host_config(**shape.get("host", {}))
        extra = {k: v for k, v in shape.items() if k != "host"}
        cid = api.create_container(
            harness.IMAGE,
            name=f"dtui-bench-{i:04d}",
            labels={LABEL: "1"},
            host_config=host,
            **extra,
        )["Id"]
        stopped = running_share <= 0 or (run_every and i % run_every == 0)
        if not stopped:
            api.start(cid)
        return cid

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(make, range(n)))


def remove_fleet(api: docker.APIClient) -> None:
    ids = [c["Id"] for c in api.containers(all=True, filters={"label": LABEL})]
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


def timed(fn, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=200, help="containers to create (default 200)")
    parser.add_argument("--created", action="store_true", help="create only, start none")
    parser.add_argument(
        "--running-share", type=float, default=0.8, help="share started (default 0.8)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds, median reported")
    args = parser.parse_args()

    harness.ensure_dockerd()
    api = harness.api_client()
    harness.ensure_images(api)
    remove_fleet(api)
    exe = shutil.which("dockertui") or sys.executable
    cmd = [exe] if exe.endswith("dockertui") else [exe, "-m", "dockertui"]
    cmd += ["scan", "--format", "json", "--filter", f"label={LABEL}"]
    try:
        t0 = time.perf_counter()
        create_fleet(api, args.n, 0.0 if args.created else args.running_share)
        made = time.perf_counter() - t0
        running = len(api.containers(filters={"label": LABEL}))
        print(f"containers: {args.n} ({running} running), created in {made:.1f} s")

        counted = asyncio.run(floor(top=False))
        assert counted == args.n, f"floor saw {counted} containers, expected {args.n}"
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        scanned = json.loads(out)["summary"]["containers"]
        assert scanned == args.n, f"dockertui scanned {scanned} containers, expected {args.n}"

        t_floor = timed(lambda: asyncio.run(floor(top=False)), args.rounds)
        t_top = timed(lambda: asyncio.run(floor(top=True)), args.rounds)
        t_scan = timed(lambda: subprocess.run(cmd, capture_output=True, check=True), args.rounds)
        fast = [*cmd, "--no-processes"]
        t_fast = timed(lambda: subprocess.run(fast, capture_output=True, check=True), args.rounds)
        t_start = timed(
            lambda: subprocess.run(
                [*cmd[: cmd.index("scan")], "--version"], capture_output=True, check=True
            ),
            args.rounds,
        )
        print(f"floor (list + inspect, aiohttp):        {t_floor * 1000:7.0f} ms")
        print(f"floor + /top for running containers:    {t_top * 1000:7.0f} ms")
        print(f"dockertui scan --format json:           {t_scan * 1000:7.0f} ms")
        print(f"dockertui scan ... --no-processes:      {t_fast * 1000:7.0f} ms")
        print(f"  of which start-up (dockertui --version): {t_start * 1000:4.0f} ms")
        print(f"ratio scan / (floor + top):             {t_scan / t_top:7.2f}")
        print(f"ratio scan --no-processes / floor:      {t_fast / t_floor:7.2f}")
        target = 2.0 if args.created else 1.0
        for label, value in (("scan", t_scan), ("scan --no-processes", t_fast)):
            verdict = "meets" if value < target else "misses"
            print(f"target < {target:.1f} s, {label}: {verdict} ({value:.2f} s)")
    finally:
        remove_fleet(api)
    return 0


if __name__ == "__main__":
    sys.exit(main())

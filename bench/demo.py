#!/usr/bin/env python3
"""Benchmark `dockertui demo`. Prints figures; asserts nothing. Needs no engine.

cold start  time from starting a new Python process to a complete table of
            the simulated fleet (every one of its containers has a row), in
            a headless app of 160x48: interpreter, imports, the demo engine
            started on its thread, the console's first inventory and paint
            (target < 1.5 s on a 2-core machine), as `dockertui demo` does it;
pty paint   time from starting `python -m dockertui demo --speed 0` in an
            80x24 pseudo-terminal to the first screen that shows the header's
            notice and the rows down to ci-runner (the fifth, the last grade F);
memory      the resident set of a process that runs only the demo engine
            (Python, aiohttp and the engine, after answering a full scan),
            next to the same process before the engine starts, and the
            Python heap the engine's state holds (tracemalloc).

  python bench/demo.py [--runs 5]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
for key in [k for k in ENV if k.startswith("DOCKER_")]:
    del ENV[key]
TARGET = 1.5

COLD_CHILD = """
import asyncio, sys, time
from pathlib import Path
from dockertui.cli.demo import NOTICE
from dockertui.demo.fleet import FLEET
from dockertui.demo.run import start_demo_engine
from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.watch import Watcher
from dockertui.fixes.session import EngineFixer
from dockertui.fixes.state import State
from dockertui.ui.app import DockerTUI
socket_path, stop = start_demo_engine(0)
endpoint = resolve_endpoint(host=f"unix://{socket_path}", env={})
async def main():
    fixer = EngineFixer(endpoint, State(Path(socket_path).parent / "state"))
    app = DockerTUI(Watcher(endpoint), fixer=fixer, notice=NOTICE)
    async with app.run_test(size=(160, 48)) as pilot:
        while len(app._rows) < len(FLEET):
            await pilot.pause(0.01)
        print(time.monotonic())
asyncio.run(main())
stop()
"""

MEMORY_CHILD = """
import asyncio, json, subprocess, sys, tracemalloc
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
import aiohttp.web  # what serving needs anyway
import dockertui.demo.run as run
before = rss()
tracemalloc.start()
from dockertui.demo.engine import DemoEngine
engine = DemoEngine(speed=0)
heap = tracemalloc.get_traced_memory()[0]
tracemalloc.stop()
del engine  # measured; the one that serves is made by start_demo_engine
socket_path, stop = run.start_demo_engine(1.0)
subprocess.run([sys.executable, "-m", "dockertui", "scan", "-H", f"unix://{socket_path}",
                "--format", "json"], capture_output=True, check=True)
after = rss()
stop()
print(json.dumps({"before_kb": before, "after_kb": after, "engine_heap": heap}))
"""

CSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def cold_start() -> float:
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", COLD_CHILD], capture_output=True, text=True, check=True, env=ENV
    )
    return float(done.stdout.strip().splitlines()[-1]) - start


def pty_paint(wanted: tuple[bytes, ...]) -> float:
    start = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        os.execve(
            sys.executable,
            [sys.executable, "-m", "dockertui", "demo", "--speed", "0"],
            {**ENV, "TERM": "xterm-256color", "DOCKER_HOST": "unix:///nonexistent/docker.sock"},
        )
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    out = bytearray()
    seen = float("nan")
    try:
        while time.monotonic() - start < 60:
            ready, _, _ = select.select([fd], [], [], 0.02)
            if ready:
                out.extend(os.read(fd, 65536))
                text = CSI.sub(b"", bytes(out))
                if all(w in text for w in wanted):
                    seen = time.monotonic() - start
                    break
        os.write(fd, b"q")
        end = time.monotonic() + 10
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    if not os.read(fd, 65536):
                        break
                except OSError:
                    break
    finally:
        os.waitpid(pid, 0)
        os.close(fd)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cold_start()  # warm the file cache and the bytecode, as a second start would be
    colds = [cold_start() for _ in range(args.runs)]
    print(
        f"demo cold start -> complete table (21 rows, 160x48, headless): median "
        f"{statistics.median(colds):.2f} s, min {min(colds):.2f} s, max {max(colds):.2f} s "
        f"over {args.runs} runs (target < {TARGET} s)"
    )
    paints = [pty_paint((b"SIMULATED ENGINE", b"ci-runner")) for _ in range(args.runs)]
    print(
        f"`dockertui demo` in an 80x24 pty -> notice and fleet on screen: median "
        f"{statistics.median(paints):.2f} s, min {min(paints):.2f} s, max {max(paints):.2f} s"
    )
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD], capture_output=True, text=True, check=True, env=ENV
    )
    mem = json.loads(done.stdout)
    print(
        f"demo engine memory: process RSS {mem['after_kb'] / 1024:.1f} MiB serving (after a "
        f"full scan), {mem['before_kb'] / 1024:.1f} MiB before it started (Python + aiohttp); "
        f"the engine's state: {mem['engine_heap'] / 1024:.0f} KiB of Python heap"
    )


if __name__ == "__main__":
    main()

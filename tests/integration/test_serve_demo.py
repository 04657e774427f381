"""`dockertui demo --serve`: the simulated console in a real headless
Chromium, with no engine at all. Each browser session runs a demo engine of
its own, and its header says it is a simulation."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from browser_support import browser

import harness


def test_the_demo_is_served_to_the_browser_as_a_simulation(tmp_path: Path) -> None:
    env = harness.env_without_docker()
    env["DOCKER_HOST"] = f"unix://{tmp_path}/no-engine.sock"  # nothing real to reach
    process = subprocess.Popen(
        [sys.executable, "-m", "dockertui", "demo", "--serve", "--port", "0", "--speed", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        url = next(line.split()[1] for line in process.stdout if line.startswith("Open http://"))
        with browser(tmp_path / "profile") as window:
            window.open(url)
            screen = window.wait_for(lambda text: "containers + engine" in text, "the demo")
            assert "SIMULATED ENGINE" in screen.splitlines()[0]
            assert "monitoring-agent" in screen  # the teaching fleet's privileged agent
            assert "Fix" in screen.strip().splitlines()[-1]  # nothing real can change
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == 0

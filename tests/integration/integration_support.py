"""Plain helpers shared by the integration tests (fixtures live in conftest.py):
run `dockertui` as a subprocess, make containers with a raw host config, find
free ports."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import harness

#: Generous: a scan of ~50 containers takes a few seconds here.
SCAN_TIMEOUT = 120
#: Every error the CLI reports is one line starting with this.
ERROR_PREFIX = "dockertui: "
#: The label whose value is unique to one test module.
MODULE_LABEL = "dockertui.itest.module"


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ without DOCKER_* (the scan must not pick up the caller's
    engine settings) and without colour or width overrides, plus `extra`."""
    env = harness.env_without_docker()
    for key in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS"):
        env.pop(key, None)
    env.update(extra or {})
    return env


def run_cli(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    prefix: Sequence[str] = (),
    timeout: float = SCAN_TIMEOUT,
    entry: Sequence[str] = ("-m", "dockertui"),
) -> subprocess.CompletedProcess[bytes]:
    """`[prefix...] python -m dockertui ARGS` (or another `entry` script);
    stdout and stderr as bytes."""
    return subprocess.run(
        [*prefix, sys.executable, *entry, *args],
        env=cli_env(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def scan(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """`dockertui scan --host unix:///var/run/docker.sock ARGS`."""
    return run_cli(["scan", "--host", harness.BASE_URL, *args], env=env)


def create_raw(
    made: harness.Containers,
    name: str,
    *,
    host: dict[str, Any] | None = None,
    raw_host: dict[str, Any] | None = None,
    image: str = harness.IMAGE,
    start: bool = True,
    labels: dict[str, str] | None = None,
    **config: Any,
) -> str:
    """Like `harness.Containers.create`, but the keys in `raw_host` are added to
    the HostConfig as given, so fields docker-py does not know (MaskedPaths,
    ReadonlyPaths) reach the engine. The container is removed by `made`."""
    api = made.api
    body = dict(api.create_host_config(**(host or {})))
    body.update(raw_host or {})
    created = api.create_container(
        image,
        name=made.name(name),
        labels={harness.LABEL: made.session, "dockertui.test.case": name, **(labels or {})},
        host_config=body,
        **config,
    )
    cid = created["Id"]
    made.ids.append(cid)
    if start:
        api.start(cid)
    return cid


def free_tcp_port(low: int | None = None, high: int = 1024) -> int:
    """A TCP port nothing listens on at 127.0.0.1 now: any (the kernel picks)
    when `low` is None, else the highest free one in [low, high)."""
    if low is None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]
    for port in range(high - 1, low - 1, -1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free TCP port in [{low}, {high}) on 127.0.0.1")


def text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def error_lines(result: subprocess.CompletedProcess[bytes]) -> list[str]:
    return [line for line in text(result.stderr).splitlines() if line.strip()]


def run_cli_pty(
    args: Sequence[str], *, env: Mapping[str, str] | None = None, timeout: float = SCAN_TIMEOUT
) -> tuple[int, bytes]:
    """`python -m dockertui ARGS` with stdout and stderr on a pseudo-terminal,
    as a user at a terminal sees it: (exit code, everything it printed)."""
    import os
    import pty
    import select
    import time

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dockertui", *args],
        env=cli_env(env),
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    out = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
    return code, bytes(out)


def make_hardened(made: harness.Containers, name: str, network: str, labels: dict[str, str]) -> str:
    """The hardened container of the issue: non-root, cap-drop ALL,
    no-new-privileges, read-only root with a tmpfs, memory/cpu/pids limits, a
    port on 127.0.0.1 only (a high one), a health check, a user network."""
    return create_raw(
        made,
        name,
        host={
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "read_only": True,
            "tmpfs": {"/tmp": "rw,size=8m"},
            "mem_limit": "64m",
            "memswap_limit": "64m",
            "nano_cpus": 500_000_000,
            "pids_limit": 64,
            "port_bindings": {"8080/tcp": ("127.0.0.1", free_tcp_port())},
            "network_mode": network,
        },
        user="1000:1000",
        ports=[8080],
        healthcheck={"test": ["CMD", "true"], "interval": 30_000_000_000},
        labels=labels,
    )

"""A single-node swarm on a private dockerd, for the Swarm tests and for
scripts/capture_swarm_fixtures.py. Never on the machine's main engine.

The private dockerd (tests/private_engine.py) runs in a network namespace of
its own, so `docker swarm init` (which makes the ingress network and its
iptables rules) touches nothing the main engine uses. The swarm listens
and advertises on 127.0.0.1 inside that namespace. The test image comes
from the main engine by `docker save | docker load`; the services are made
with the docker CLI, as a user would."""

from __future__ import annotations

import contextlib
import subprocess
import time

from private_engine import PrivateDockerd

import harness

#: The 20.10 CLI (API 1.41), as the engine is.
DOCKER = "/usr/bin/docker"
RISKY = "dtui-risky"
HARDENED = "dtui-hardened"
PLAIN_OVERLAY = "dtui-plain-overlay"
ENCRYPTED_OVERLAY = "dtui-encrypted-overlay"
SECRET = "dtui-db-password"
CONFIG = "dtui-app-config"


def docker(engine: PrivateDockerd, *args: str, stdin: bytes | None = None) -> str:
    done = subprocess.run(
        [DOCKER, "-H", engine.base_url, *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)}: {done.stderr.decode(errors='replace')}")
    return done.stdout.decode()


def service_args(engine: PrivateDockerd) -> dict[str, list[str]]:
    """The `docker service create` arguments of each test service. The risky
    one mounts the private engine's own socket (never the main engine's) at
    the usual path."""
    return {
        RISKY: [
            "--cap-add", "SYS_ADMIN",
            "--mount", f"type=bind,source={engine.socket},target=/var/run/docker.sock",
            "--publish", "published=8080,target=80",
            "--secret", SECRET,
            "--config", CONFIG,
            "--network", PLAIN_OVERLAY,
            "--env", "API_TOKEN=fixture-not-a-secret",
            "--label", "owner=ops",
        ],
        HARDENED: [
            "--mode", "global",
            "--cap-drop", "ALL",
            "--user", "65534:65534",
            "--read-only",
            "--publish", "published=9090,target=90,mode=host",
            "--limit-memory", "64m",
            "--limit-cpu", "0.5",
            "--limit-pids", "100",
            "--network", ENCRYPTED_OVERLAY,
            "--init",
            "--health-cmd", "true",
            "--restart-max-attempts", "3",
        ],
    }  # fmt: skip


def start_swarm() -> PrivateDockerd:
    """A private dockerd in its own network namespace, a swarm manager with
    the two test services. The caller `close()`s it."""
    engine = PrivateDockerd(extra_args=("--iptables=true",), netns=True)
    try:
        engine.start()
        # The namespace's loopback is down until raised: the swarm listens on it.
        subprocess.run(["ip", "-n", engine.netns, "link", "set", "lo", "up"], check=True)
        docker(
            engine, "swarm", "init", "--advertise-addr", "127.0.0.1",
            "--listen-addr", "127.0.0.1:2377",
        )  # fmt: skip
        image = subprocess.run(
            [DOCKER, "-H", harness.BASE_URL, "save", harness.TOOLS_IMAGE],
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout
        docker(engine, "load", stdin=image)
        docker(engine, "secret", "create", SECRET, "-", stdin=b"fixture-not-a-secret\n")
        docker(engine, "config", "create", CONFIG, "-", stdin=b"listen 80\n")
        docker(engine, "network", "create", "-d", "overlay", PLAIN_OVERLAY)
        docker(
            engine, "network", "create", "-d", "overlay", "--opt", "encrypted", ENCRYPTED_OVERLAY
        )
        for name, args in service_args(engine).items():
            docker(engine, "service", "create", "--detach", "--quiet", "--name", name,
                   *args, harness.TOOLS_IMAGE)  # fmt: skip
    except BaseException:
        engine.close()
        raise
    return engine


def wait_for_task(engine: PrivateDockerd, service: str, wait: float = 60.0) -> None:
    """Until one task of `service` runs (its container exists on this node)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        states = docker(engine, "service", "ps", service, "--format", "{{.CurrentState}}")
        if any(line.startswith("Running") for line in states.splitlines()):
            return
        time.sleep(0.5)
    raise RuntimeError(f"no task of {service} runs: {states}")


def leave(engine: PrivateDockerd) -> None:
    """Leave the swarm and stop the engine (its data-root goes with it)."""
    with contextlib.suppress(RuntimeError):  # stopped already
        docker(engine, "swarm", "leave", "--force")
    engine.close()

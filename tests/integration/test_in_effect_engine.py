"""In-effect facts on the real engine: what `dockertui scan` reports for
running containers equals what the kernel shows, read independently here
(through the engine's exec API, or this test's own look at /proc), and the
judgements built on it (a root service that drops its user, the real
exposure behind a published port, a host-network listener)."""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from integration_support import MODULE_LABEL, free_tcp_port, run_cli, scan

from dockertui.demo.run import start_demo_engine
from dockertui.engine.kernel_facts import read_fleet
from dockertui.engine.sock_diag import listening
from dockertui.model.kernel import Protocol
from dockertui.model.proc_text import listeners

import harness

TAG = uuid.uuid4().hex[:12]


def wait_listening(api: docker.APIClient, cid: str, port: int) -> None:
    """Until a process of the container holds a listening socket on `port`
    (read from its /proc/<pid>/net/tcp, never by connecting to it)."""
    pid = api.inspect_container(cid)["State"]["Pid"]
    wanted = f":{port:04X} "
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/net/tcp") as table:
            if any(wanted in line and " 0A " in line for line in table):
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port} in {cid[:12]}")


@pytest.fixture(scope="module")
def fleet(docker_api: docker.APIClient) -> Iterator[dict[str, Any]]:
    made = harness.Containers(docker_api)
    labels = {MODULE_LABEL: TAG}
    host_port = free_tcp_port()
    host_net_port = free_tcp_port()
    ids = {
        "bind-only": made.create(
            "ie-bind-only",
            image=harness.TOOLS_IMAGE,
            command=["httpd", "-f", "-p", "0.0.0.0:80"],
            ports=[80],
            host={
                "cap_drop": ["ALL"],
                "cap_add": ["NET_BIND_SERVICE"],
                "security_opt": ["no-new-privileges"],
                "port_bindings": {80: ("127.0.0.1", host_port)},
            },
            labels=labels,
        ),
        "drops": made.create(
            "ie-drops",
            image=harness.TOOLS_IMAGE,
            command=["su", "-s", "/bin/sh", "nobody", "-c", "exec sleep 100000"],
            host={"mem_limit": "64m", "pids_limit": 40},
            labels=labels,
        ),
        "host-net": made.create(
            "ie-host-net",
            image=harness.TOOLS_IMAGE,
            command=["httpd", "-f", "-p", f"0.0.0.0:{host_net_port}"],
            host={"network_mode": "host"},
            labels=labels,
        ),
        "created": made.create("ie-created", start=False, labels=labels),
    }
    wait_listening(docker_api, ids["bind-only"], 80)
    wait_listening(docker_api, ids["host-net"], host_net_port)
    done = scan("--format", "json", "--filter", f"label={MODULE_LABEL}={TAG}")
    assert done.returncode in (0, 1), done.stderr.decode()
    report = json.loads(done.stdout)
    by_id = {c["id"]: c for c in report["containers"]}
    yield {
        "ids": ids,
        "report": report,
        "by_case": {case: by_id[cid] for case, cid in ids.items()},
        "host_port": host_port,
        "host_net_port": host_net_port,
    }
    made.cleanup()


def findings(entry: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for f in entry["findings"] if f["check"] == check]


def layers(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {x["layer"]: x for x in entry["in_effect"]["layers"]}


def test_every_running_container_is_verified_with_no_extra_flag(fleet: dict[str, Any]) -> None:
    for case in ("bind-only", "drops", "host-net"):
        effect = fleet["by_case"][case]["in_effect"]
        assert effect["verifiable"] is True, (case, effect["reason"])
        assert effect["pid1"]["command"]


def test_the_kernel_holds_exactly_the_configured_capabilities(
    docker_api: docker.APIClient, fleet: dict[str, Any]
) -> None:
    entry = fleet["by_case"]["bind-only"]
    effect = entry["in_effect"]
    truth = harness.effective_caps_of_pid1(docker_api, fleet["ids"]["bind-only"])
    assert truth == {"NET_BIND_SERVICE"}
    assert set(effect["capabilities"]["effective"]) == truth
    assert set(effect["capabilities"]["bounding"]) == truth
    assert effect["no_new_privileges"] is True
    found = layers(entry)
    for layer in ("capabilities", "no-new-privileges", "seccomp", "user namespace"):
        assert found[layer]["verdict"] == "verified", found[layer]
    assert findings(entry, "kernel-differs") == []


def test_a_root_service_that_drops_to_nobody_is_lowered_with_evidence(
    fleet: dict[str, Any],
) -> None:
    entry = fleet["by_case"]["drops"]
    (root,) = findings(entry, "root-user")
    assert root["severity"] == "low"
    assert "drops to UID 65534 at start, verified" in root["detail"]
    assert "PID 1 (sleep 100000) runs as 65534:65534" in root["detail"]
    effect = entry["in_effect"]
    assert effect["pid1"]["uid"] == 65534 and effect["pid1"]["host_uid"] == 65534
    assert effect["capabilities"]["effective"] == []  # a setuid to non-root clears them
    user = layers(entry)["user"]
    assert (user["verdict"], user["looser"]) == ("differs", False)
    assert effect["limits"]["memory_bytes"] == 64 << 20 and effect["limits"]["pids"] == 40
    assert layers(entry)["memory limit"]["verdict"] == "verified"
    # The PID 1 the report names is the container's, as the engine says.
    assert os.path.exists(f"/proc/{effect['pid1']['pid']}")


def test_a_server_on_every_address_behind_a_loopback_port(fleet: dict[str, Any]) -> None:
    entry = fleet["by_case"]["bind-only"]
    listening = entry["in_effect"]["listening"]
    assert {"protocol": "tcp", "address": "0.0.0.0", "port": 80} in listening
    (published,) = findings(entry, "port-published")
    port = fleet["host_port"]
    assert (
        f"127.0.0.1:{port}->80/tcp (inside it listens on 0.0.0.0:80/tcp, verified"
        in (published["detail"])
    )
    assert "reach it directly on bridge 172." in published["detail"]
    assert findings(entry, "port-all-interfaces") == []


def test_a_host_network_listener_with_nothing_published(fleet: dict[str, Any]) -> None:
    entry = fleet["by_case"]["host-net"]
    port = fleet["host_net_port"]
    (hit,) = findings(entry, "host-network-listening")
    assert hit["severity"] == "medium"
    assert hit["detail"].startswith(f"Listens on 0.0.0.0:{port}/tcp in the host's network")
    assert "open on every host interface (" in hit["detail"]
    assert "docker0 172.17.0.1" in hit["detail"]  # this host's bridge address, read from /proc


def test_a_container_that_is_not_running_is_not_verifiable(fleet: dict[str, Any]) -> None:
    effect = fleet["by_case"]["created"]["in_effect"]
    assert effect["verifiable"] is False
    assert effect["reason"] == "the container is not running"
    assert effect["layers"] == [] and effect["pid1"] is None


def test_the_simulated_engine_is_not_verifiable() -> None:
    """A unix socket whose containers have no processes on this host (the
    demo engine; a socket forwarded from another host looks the same):
    nothing is guessed from this host's /proc."""
    socket, stop = start_demo_engine(0)
    try:
        done = run_cli(["scan", "-H", f"unix://{socket}", "--format", "json"])
    finally:
        stop()
    assert done.returncode in (0, 1), done.stderr.decode()
    report = json.loads(done.stdout)
    running = [c for c in report["containers"] if c["state"] == "running"]
    assert running
    for entry in running:
        effect = entry["in_effect"]
        assert effect["verifiable"] is False
        assert effect["reason"].startswith("its processes are not visible from here")
        assert findings(entry, "kernel-differs") == []
    assert not [c for c in report["containers"] if findings(c, "host-network-listening")]


@pytest.mark.parametrize("case", ["bind-only", "host-net"])
def test_netlink_and_proc_tables_agree(
    docker_api: docker.APIClient, fleet: dict[str, Any], case: str
) -> None:
    """The listening sockets asked through sock_diag inside the container's
    network namespace are the ones its /proc/<pid>/net tables list."""
    pid = docker_api.inspect_container(fleet["ids"][case])["State"]["Pid"]
    asked = listening(Path(f"/proc/{pid}/ns/net"))
    assert asked is not None, "root may enter the namespace here"
    tables = []
    for name, protocol in (("tcp", Protocol.TCP), ("tcp6", Protocol.TCP),
                           ("udp", Protocol.UDP), ("udp6", Protocol.UDP)):  # fmt: skip
        tables += listeners(Path(f"/proc/{pid}/net/{name}").read_text(), protocol)
    assert set(asked) == set(tables)
    assert any(s.port in (80, fleet["host_net_port"]) for s in asked)


def test_a_paused_container_is_verified_from_its_frozen_processes(
    docker_api: docker.APIClient,
) -> None:
    made = harness.Containers(docker_api)
    tag = uuid.uuid4().hex[:12]
    try:
        cid = made.create("ie-paused", image=harness.TOOLS_IMAGE, labels={MODULE_LABEL: tag},
                          host={"mem_limit": "32m"})  # fmt: skip
        docker_api.pause(cid)
        done = scan("--format", "json", "--filter", f"label={MODULE_LABEL}={tag}")
        (entry,) = json.loads(done.stdout)["containers"]
        assert entry["state"] == "paused"
        effect = entry["in_effect"]
        assert effect["verifiable"] is True, effect["reason"]
        assert effect["limits"]["memory_bytes"] == 32 << 20
    finally:
        with contextlib.suppress(docker.errors.APIError):
            docker_api.unpause(cid)
        made.cleanup()


def test_without_root_nothing_is_half_known(
    docker_api: docker.APIClient, fleet: dict[str, Any]
) -> None:
    """Run as nobody, the reader may see a root container's status but not
    its namespaces or open files: the container is "no permission", never a
    partial view that would say "nothing listens" of a listening server."""
    cid = fleet["ids"]["bind-only"]
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.setgid(65534)
            os.setuid(65534)
            found = read_fleet([cid]).facts.get(cid)
            os.write(write, str(getattr(found, "name", found)).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read) as answer:
        assert answer.read() == "NO_PERMISSION"


def test_a_secret_in_a_command_line_never_leaves_the_process(
    docker_api: docker.APIClient,
) -> None:
    """An entrypoint that passes a secret on its command line (the shell
    stays PID 1, with the secret in its argv): the JSON shows it masked."""
    made = harness.Containers(docker_api)
    tag = uuid.uuid4().hex[:12]
    secret = f"s3cr3t-{tag}"
    try:
        made.create(
            "ie-secret", image=harness.TOOLS_IMAGE, labels={MODULE_LABEL: tag},
            environment=[f"DB_PASSWORD={secret}"],
            command=["sh", "-c", 'sleep 100000; echo "$0"', f"--password={secret}"],
        )  # fmt: skip
        done = scan("--format", "json", "--filter", f"label={MODULE_LABEL}={tag}")
        (entry,) = json.loads(done.stdout)["containers"]
        effect = entry["in_effect"]
        assert effect["verifiable"], effect["reason"]
        assert effect["pid1"]["command"] == 'sh -c sleep 100000; echo "$0" --password=***'
        assert secret not in done.stdout.decode()  # nowhere in the report
    finally:
        made.cleanup()

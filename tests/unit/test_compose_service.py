"""The compose renderings: the complete service of a container that compose
does not manage (fixes.compose_service), the delta for one it does, and the
YAML they are written in. Fed with captured inspect documents."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from dockertui.fixes.compose_service import DataMap, compose_externals, compose_service, to_yaml
from dockertui.fixes.describe import compose_snippet
from dockertui.fixes.plan import plan
from dockertui.model import Container, EngineInfo

from run_captures import complete_running_facts

Build = Callable[..., Container]
Load = Callable[[str], dict[str, Any]]
COMPOSE_LABELS = {
    ("Config", "Labels", "com.docker.compose.project"): "shop",
    ("Config", "Labels", "com.docker.compose.service"): "web",
}


def test_complete_service_of_a_running_container(container: Build, load_inspect: Load) -> None:
    doc = load_inspect("run/complete-running")
    nets = doc["NetworkSettings"]["Networks"]
    net1, net2, bind, named, anon, anon_mount, port = complete_running_facts(doc)
    service = compose_service(container("run/complete-running"))
    assert service == {
        "image": "dockertui-test/busybox:1",
        "container_name": "dtui-fixture-fid-running",
        "entrypoint": ["/bin/sleep"],
        "command": ["100000"],
        "user": "1000:1000",
        "working_dir": "/tmp",
        "hostname": "fidelity-host",
        "domainname": "fidelity.test",
        "labels": doc["Config"]["Labels"],
        "environment": ["FIDELITY_PLAIN", "FIDELITY_SPACES", "FIDELITY_MULTILINE"],
        "tty": True,
        "stdin_open": True,
        "init": True,
        "stop_signal": "SIGUSR1",
        "stop_grace_period": "7s",
        "volumes": [
            bind,
            named,
            f"{anon}:/anon",
            {"type": "tmpfs", "target": "/scratch", "tmpfs": {"size": 2 * 1024**2}},
            {
                "type": "volume",
                "source": "dtui-fixture-fid-nocopy",
                "target": "/nocopy",
                "volume": {"nocopy": True},
            },
            {"type": "volume", "source": anon_mount, "target": "/anon-mount"},
        ],
        "volumes_from": ["container:dtui-fixture-fid-peer:ro"],
        "tmpfs": ["/run:rw,size=1m,mode=1777"],
        "networks": {
            net1: {
                "aliases": ["fid-alias-a", "fid-alias-b"],
                "ipv4_address": nets[net1]["IPAMConfig"]["IPv4Address"],
            },
            net2: {
                "aliases": ["fid-alias-c"],
                "ipv4_address": nets[net2]["IPAMConfig"]["IPv4Address"],
                "ipv6_address": nets[net2]["IPAMConfig"]["IPv6Address"],
            },
        },
        "mac_address": "02:42:0a:fd:00:99",
        "external_links": ["dtui-fixture-fid-peer:db"],
        "dns": ["192.0.2.53"],
        "dns_search": ["fidelity.test"],
        "dns_opt": ["ndots:2"],
        "extra_hosts": ["fidelity-db.test:192.0.2.10"],
        "ports": [f"127.0.0.1:{port}:8080/tcp"],
        "expose": ["5353/udp", "9090/tcp"],
        "cap_add": ["NET_ADMIN"],
        "cap_drop": ["MKNOD"],
        "security_opt": ["no-new-privileges:true"],
        "read_only": True,
        "group_add": ["4242"],
        "ipc": "shareable",
        "cgroup": "private",
        "devices": ["/dev/null:/dev/xnull:rwm"],
        "device_cgroup_rules": ["c 1:3 mr"],
        "mem_limit": "64m",
        "memswap_limit": "96m",
        "mem_reservation": "32m",
        "mem_swappiness": 10,
        "oom_kill_disable": True,
        "oom_score_adj": 100,
        "cpus": "0.5",
        "cpu_shares": 512,
        "cpuset": "0",
        "pids_limit": 100,
        "ulimits": {"nofile": {"soft": 1024, "hard": 2048}},
        "shm_size": "128m",
        "sysctls": {"net.ipv4.ip_unprivileged_port_start": "0"},
        "healthcheck": {
            "test": ["CMD-SHELL", "true"],
            "interval": "30s",
            "timeout": "5s",
            "start_period": "2s",
            "retries": 4,
        },
        "logging": {"driver": "json-file", "options": {"max-file": "2", "max-size": "1m"}},
        "restart": "on-failure:3",
    }
    assert compose_externals(container("run/complete-running")) == {
        "volumes": {
            v: {"external": True}
            for v in ("dtui-fixture-fid-named", anon, "dtui-fixture-fid-nocopy", anon_mount)
        },
        "networks": {net1: {"external": True}, net2: {"external": True}},
    }


def test_complete_service_of_a_container_that_cannot_start(container: Build) -> None:
    service = compose_service(container("run/complete-created"))
    # compose keeps what `docker run` cannot: the two-word entrypoint, the exec-form test
    assert service["entrypoint"] == ["/bin/sh", "-c"] and service["command"] == ["sleep 5"]
    assert service["healthcheck"] == {"test": ["CMD", "sh", "-c", "exit 0"], "retries": 2}
    assert service["privileged"] is True and service["cap_add"] == ["ALL"]
    assert {k: service[k] for k in ("pid", "uts", "ipc", "userns_mode")} == dict.fromkeys(
        ("pid", "uts", "ipc", "userns_mode"), "host"
    )
    assert service["network_mode"] == "bridge" and "networks" not in service
    assert service["logging"] == {"driver": "none"}
    assert "hostname" not in service and "restart" not in service


def test_environment_values_never_reach_the_service(container: Build, load_inspect: Load) -> None:
    values = [e.partition("=")[2] for e in load_inspect("run/complete-running")["Config"]["Env"]]
    c = container("run/complete-running")
    text = to_yaml({"services": DataMap({c.name: compose_service(c)})})
    assert values and not any(v in text for v in values)


def test_yaml_quotes_every_scalar_and_data_key() -> None:
    hostile = "x: y\n- z # $(id)"
    text = to_yaml(
        {"services": DataMap({hostile: {"labels": DataMap({hostile: hostile}), "ports": []}})}
    )
    assert text.splitlines() == [
        "services:",
        f"  {json.dumps(hostile)}:",
        "    labels:",
        f"      {json.dumps(hostile)}: {json.dumps(hostile)}",
        "    ports: []",
    ]


@pytest.mark.parametrize("case", ["run/complete-running", "run/complete-created", "hardened"])
def test_yaml_reads_back_as_the_same_document(container: Build, case: str) -> None:
    yaml = pytest.importorskip("yaml")
    c = container(case)
    document = {"services": DataMap({c.name: compose_service(c)}), **compose_externals(c)}
    assert yaml.safe_load(to_yaml(document)) == json.loads(json.dumps(document))


def test_snippet_for_compose_is_the_delta_only(
    edited: Callable[..., dict[str, Any]], engine_info: EngineInfo
) -> None:
    fix = plan(edited("host-pid", COMPOSE_LABELS), ["host-namespaces"], engine_info)
    assert compose_snippet(fix).splitlines() == ["services:", '  "web":', "    pid: null"]


def test_snippet_without_compose_is_the_complete_service(
    load_inspect: Load, engine_info: EngineInfo
) -> None:
    fix = plan(load_inspect("host-pid"), ["host-namespaces"], engine_info)
    snippet = compose_snippet(fix)
    assert snippet.startswith(
        'services:\n  "dtui-fixture-host-pid":\n    image: "dockertui-test/busybox:1"'
    )
    assert '      - "/bin/sleep"' in snippet and 'network_mode: "bridge"' in snippet
    assert snippet.endswith("    pid: null")  # what the fix clears stays visible

"""The scan JSON's `in_effect` object (docs/in-effect.md), built from
captured inspect documents given a hand-built kernel view: the same keys
whether or not the kernel was read, the ids as the container and the host
see them, capability masks as names, and every key documented."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dockertui.audit import audit_fleet
from dockertui.model import ClientFacts, Container, EngineInfo
from dockertui.model.kernel import (
    CgroupLimits,
    IdMap,
    IdRange,
    InEffect,
    Listener,
    ProcessView,
    Protocol,
    SeccompMode,
    Unverifiable,
)
from dockertui.report import json_report
from dockertui.report.in_effect_json import in_effect_dict

DOC = Path(__file__).resolve().parent.parent.parent / "docs" / "in-effect.md"
#: Docker's default bounding set as /proc/<pid>/status showed it on the
#: capture host (CHOWN ... SETFCAP, 14 capabilities).
DEFAULT_BOUNDING = 0xA80425FB
CHOWN, NET_BIND_SERVICE = 1 << 0, 1 << 10
IDENTITY = IdMap((IdRange(0, 0, 4294967295),))
REMAPPED = IdMap((IdRange(0, 100000, 65536),))


def process(pid: int, euid: int, **kw: Any) -> ProcessView:
    values: dict[str, Any] = {
        "pid": pid,
        "command": "sleep 1000",
        "uid": euid,
        "euid": euid,
        "gid": euid,
        "egid": euid,
        "cap_eff": 0,
        "cap_prm": 0,
        "cap_bnd": DEFAULT_BOUNDING,
        "cap_amb": 0,
        "no_new_privs": False,
        "seccomp": SeccompMode.FILTER,
        "seccomp_filters": 1,
        "ns_pid": 1,
    }
    return ProcessView(**{**values, **kw})


def kernel(*processes: ProcessView, ids: IdMap = IDENTITY, **kw: Any) -> InEffect:
    values: dict[str, Any] = {
        "pid1": processes[0],
        "processes": processes,
        "uid_map": ids,
        "gid_map": ids,
        "mac_label": None,
        "limits": CgroupLimits(version=2, memory=None, pids=None, cpu_quota=None),
        "listeners": (),
        "host_namespaces": frozenset({"cgroup", "user"}),
    }
    return InEffect(**{**values, **kw})


@pytest.fixture
def plain(container: Callable[..., Container]) -> Container:
    """`docker run -d` defaults: root, Docker's capabilities, no limits."""
    return container("plain")


def test_a_container_not_read_has_every_key_and_the_reason(
    plain: Container, engine_info: EngineInfo
) -> None:
    read = in_effect_dict(replace(plain, kernel=kernel(process(4242, 0))), engine_info)
    for why in Unverifiable:
        shown = in_effect_dict(replace(plain, kernel=why), engine_info)
        assert list(shown) == list(read)  # a stable shape: the same keys, in the same order
        assert shown["verifiable"] is False and shown["differs"] is False
        assert shown["reason"] == why.value and shown["reason"]
        assert shown["layers"] == [] and shown["processes"] == [] and shown["listening"] == []
        assert shown["pid1"] is None and shown["capabilities"] is None
    assert read["verifiable"] is True and read["reason"] == ""


def test_a_root_config_that_drops_to_nobody_differs_on_the_user_only(
    plain: Container, engine_info: EngineInfo
) -> None:
    found = in_effect_dict(replace(plain, kernel=kernel(process(4242, 65534))), engine_info)
    verdicts = {x["layer"]: x["verdict"] for x in found["layers"]}
    assert verdicts.pop("user") == "differs"
    assert set(verdicts.values()) == {"verified"}, verdicts
    (user,) = [x for x in found["layers"] if x["layer"] == "user"]
    assert user["looser"] is False  # stricter than configured: not a risk
    assert "65534" in user["in_effect"] and "root" in user["configured"]
    assert found["differs"] is True
    assert found["pid1"]["uid"] == found["pid1"]["host_uid"] == 65534
    assert found["capabilities"]["effective"] == []
    assert len(found["capabilities"]["bounding"]) == 14
    assert {"CHOWN", "SETFCAP", "NET_RAW"} <= set(found["capabilities"]["bounding"])


def test_the_same_config_run_as_root_is_verified_everywhere(
    plain: Container, engine_info: EngineInfo
) -> None:
    pid1 = process(4242, 0, cap_eff=DEFAULT_BOUNDING, cap_prm=DEFAULT_BOUNDING)
    found = in_effect_dict(replace(plain, kernel=kernel(pid1)), engine_info)
    assert {x["verdict"] for x in found["layers"]} == {"verified"}
    assert {x["looser"] for x in found["layers"]} == {False}
    assert found["differs"] is False
    assert found["capabilities"]["effective"] == found["capabilities"]["bounding"]


def test_ids_inside_and_on_the_host_under_a_user_namespace(
    plain: Container, engine_info: EngineInfo
) -> None:
    pid1 = process(4242, 165534, uid=100000, ns_pid=1)
    shell = process(4300, 100000, command="sh -c id", ns_pid=7)
    found = in_effect_dict(replace(plain, kernel=kernel(pid1, shell, ids=REMAPPED)), engine_info)
    assert found["pid1"] == {
        "pid": 4242,
        "ns_pid": 1,
        "command": "sleep 1000",
        "uid": 65534,
        "gid": 65534,
        "host_uid": 165534,
        "host_gid": 165534,
        "real_host_uid": 100000,
        "real_host_gid": 165534,
    }
    assert [(p["pid"], p["uid"], p["root"]) for p in found["processes"]] == [
        (4242, 65534, False),
        (4300, 0, True),
    ]
    assert found["processes"][1]["command"] == "sh -c id"
    assert found["user_namespace"] == {
        "remapped": True,
        "host_uid_of_root": 100000,
        "uid_map": [[0, 100000, 65536]],
        "gid_map": [[0, 100000, 65536]],
    }


def test_kernel_facts_as_plain_values(plain: Container, engine_info: EngineInfo) -> None:
    pid1 = process(
        4242,
        0,
        cap_eff=CHOWN | NET_BIND_SERVICE,
        cap_prm=CHOWN | NET_BIND_SERVICE,
        cap_amb=NET_BIND_SERVICE,
        no_new_privs=True,
        seccomp=SeccompMode.DISABLED,
        seccomp_filters=0,
    )
    k = kernel(
        pid1,
        mac_label="docker-default (enforce)",
        limits=CgroupLimits(version=1, memory=64 << 20, pids=100, cpu_quota=50_000),
        listeners=(Listener(Protocol.TCP, "0.0.0.0", 80), Listener(Protocol.UDP, "::1", 53)),
        host_namespaces=frozenset({"user", "net", "cgroup"}),
    )
    found = in_effect_dict(replace(plain, kernel=k), engine_info)
    assert found["capabilities"] == {
        "effective": ["CHOWN", "NET_BIND_SERVICE"],
        "permitted": ["CHOWN", "NET_BIND_SERVICE"],
        "bounding": found["capabilities"]["bounding"],
        "ambient": ["NET_BIND_SERVICE"],
    }
    assert found["no_new_privileges"] is True
    assert found["seccomp"] == {"mode": "disabled", "filters": 0}
    assert found["mac_label"] == "docker-default (enforce)"
    assert found["limits"] == {
        "cgroup_version": 1,
        "memory_bytes": 64 << 20,
        "pids": 100,
        "cpus": 0.5,
    }
    assert found["listening"] == [
        {"protocol": "tcp", "address": "0.0.0.0", "port": 80},
        {"protocol": "udp", "address": "::1", "port": 53},
    ]
    assert found["host_namespaces"] == ["cgroup", "net", "user"]
    # Configured without seccomp off, limits or host network: the kernel
    # holding it to less is a looser difference, to more a stricter one.
    looser = {x["layer"]: x["looser"] for x in found["layers"] if x["verdict"] == "differs"}
    assert looser["seccomp"] is True
    assert looser["host namespaces"] is True
    assert looser["memory limit"] is False


def test_unreadable_limits_and_unreported_flags_are_null(
    plain: Container, engine_info: EngineInfo
) -> None:
    pid1 = process(4242, 0, no_new_privs=None, seccomp=None, seccomp_filters=None, ns_pid=None)
    found = in_effect_dict(replace(plain, kernel=kernel(pid1, limits=None)), engine_info)
    assert found["limits"] is None and found["no_new_privileges"] is None
    assert found["seccomp"] == {"mode": None, "filters": None}
    assert found["pid1"]["ns_pid"] is None
    # A layer the kernel does not report is left out, never guessed.
    layers = [x["layer"] for x in found["layers"]]
    assert "seccomp" not in layers and "no-new-privileges" not in layers
    assert "memory limit" not in layers and "user" in layers


def test_every_container_of_the_report_carries_it(
    plain: Container, engine_info: EngineInfo
) -> None:
    made = [
        replace(plain, id="a" * 64, name="read", kernel=kernel(process(4242, 65534))),
        replace(plain, id="b" * 64, name="stopped", kernel=Unverifiable.NOT_RUNNING),
    ]
    client = ClientFacts(endpoint="unix:///var/run/docker.sock", context="default")
    doc = json.loads(json_report.render(audit_fleet(engine_info, client, made)))
    shown = {c["name"]: c["in_effect"] for c in doc["containers"]}
    assert shown["read"]["verifiable"] is True and shown["read"]["differs"] is True
    assert shown["stopped"] == in_effect_dict(made[1], engine_info)
    assert shown["stopped"]["reason"] == "the container is not running"


def _keys(doc: Any, path: str = "") -> Iterator[str]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield key
            yield from _keys(value, f"{path}.{key}")
    elif isinstance(doc, list):
        for item in doc:
            yield from _keys(item, path)


def test_every_key_is_documented(plain: Container, engine_info: EngineInfo) -> None:
    k = kernel(
        process(4242, 0),
        process(4300, 1000, ns_pid=7),
        listeners=(Listener(Protocol.TCP, "0.0.0.0", 80),),
    )
    found = in_effect_dict(replace(plain, kernel=k), engine_info)
    text = DOC.read_text(encoding="utf-8")
    missing = sorted({key for key in _keys(found) if f"`{key}`" not in text})
    assert missing == [], f"docs/in-effect.md does not describe {missing}"

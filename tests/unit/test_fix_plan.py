"""The pure fix planner: each change on captured inspect documents, the live
update body, the predicted grade, and the describe helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dockertui.audit import capabilities as caps
from dockertui.fixes.describe import compose_snippet, diff, diff_text, docker_run
from dockertui.fixes.plan import CHANGES, Options, plan, resolve, suggest
from dockertui.model import EngineInfo

Load = Callable[[str], dict[str, Any]]


def checks(report: Any) -> set[str]:
    return {f.check for f in report.findings}


def test_every_change_is_named_and_unknown_names_are_refused() -> None:
    assert resolve(["limits", "drop-caps", "user"]) == ("drop-caps", "non-root", "limits")
    with pytest.raises(ValueError, match="Unknown plan nope"):
        resolve(["nope"])
    assert {c.name for c in CHANGES.values() if c.live} == {"limits", "restart-policy"}


def test_hardening_preset_drops_the_list_and_the_dangerous_adds(
    load_inspect: Load, engine_info: EngineInfo
) -> None:
    p = plan(load_inspect("cap-sys-admin"), ["drop-caps"], engine_info)
    host = p.document["HostConfig"]
    assert set(host["CapDrop"]) == set(caps.HARDENING_DROP)
    assert host["CapAdd"] is None  # SYS_ADMIN is on the hardening list
    assert "SYS_ADMIN" not in p.after.effective_capabilities
    assert {"cap-dangerous", "cap-added", "cap-not-dropped"} <= set(p.cleared)
    assert p.recreate and p.update_body == {}
    assert p.before.grade == "F" and p.after.grade in ("A", "B")


def test_strict_preset_keeps_only_the_chosen_capabilities(
    load_inspect: Load, engine_info: EngineInfo
) -> None:
    options = Options(cap_preset="strict", keep_caps=("cap_net_bind_service",))
    p = plan(load_inspect("plain"), ["drop-caps"], engine_info, options)
    assert p.document["HostConfig"]["CapDrop"] == ["ALL"]
    assert p.document["HostConfig"]["CapAdd"] == ["NET_BIND_SERVICE"]
    assert p.after.effective_capabilities == {"NET_BIND_SERVICE"}


def test_custom_pick_keeps_only_what_was_held(load_inspect: Load, engine_info: EngineInfo) -> None:
    options = Options(cap_preset="custom", keep_caps=("CHOWN", "SYS_MODULE"))
    p = plan(load_inspect("plain"), ["drop-caps"], engine_info, options)
    assert p.after.effective_capabilities == {"CHOWN"}  # SYS_MODULE was never held


def test_live_changes_fill_the_update_body_with_memory_swap(
    load_inspect: Load, engine_info: EngineInfo
) -> None:
    p = plan(load_inspect("plain"), ["limits", "restart-policy"], engine_info)
    assert not p.recreate
    assert p.update_body == {
        "Memory": 512 * 1024 * 1024,
        "MemorySwap": 512 * 1024 * 1024,
        "NanoCpus": 1_000_000_000,
        "PidsLimit": 256,
        "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 5},
    }
    assert {"memory-unlimited", "cpu-unlimited", "pids-unlimited"} <= set(p.cleared)


def test_limits_keep_what_is_already_set(load_inspect: Load, engine_info: EngineInfo) -> None:
    p = plan(load_inspect("cpu-shares-only"), ["limits"], engine_info)
    assert "Memory" not in p.update_body and "NanoCpus" not in p.update_body
    assert p.update_body == {"PidsLimit": 256}


def test_each_change_reports_what_it_clears_alone(
    load_inspect: Load, engine_info: EngineInfo
) -> None:
    doc = load_inspect("ports-all-interfaces")
    p = plan(doc, ["no-new-privileges", "localhost-ports"], engine_info)
    effects = {e.change: e for e in p.effects}
    assert effects["no-new-privileges"].clears == ("no-new-privileges",)
    assert effects["localhost-ports"].clears == ("port-all-interfaces",)
    assert p.after.score > effects["localhost-ports"].score_after > p.before.score
    ports = p.document["HostConfig"]["PortBindings"]
    assert all(b["HostIp"] == "127.0.0.1" for entries in ports.values() for b in entries)
    assert doc["HostConfig"]["PortBindings"] != ports  # the input is not modified


def test_privileged_and_namespaces_and_user(load_inspect: Load, engine_info: EngineInfo) -> None:
    p = plan(load_inspect("privileged"), ["unprivileged", "default-seccomp"], engine_info)
    assert "privileged" in p.cleared and "seccomp-disabled" in p.cleared
    p = plan(load_inspect("host-pid"), ["host-namespaces"], engine_info)
    assert p.document["HostConfig"]["PidMode"] == ""
    assert "host-pid" in p.cleared
    p = plan(load_inspect("plain"), ["non-root"], engine_info, Options(user="4242:4242"))
    assert p.document["Config"]["User"] == "4242:4242"
    assert "root-user" in p.cleared


def test_read_only_adds_tmpfs(load_inspect: Load, engine_info: EngineInfo) -> None:
    p = plan(load_inspect("plain"), ["read-only"], engine_info, Options(tmpfs=("/tmp", "/run")))
    host = p.document["HostConfig"]
    assert host["ReadonlyRootfs"] is True
    assert set(host["Tmpfs"]) == {"/tmp", "/run"}
    assert "rootfs-writable" in p.cleared


def test_suggest_names_the_changes_that_help(load_inspect: Load, engine_info: EngineInfo) -> None:
    from dockertui.audit import audit_container
    from dockertui.model import container_from_inspect

    report = audit_container(container_from_inspect(load_inspect("privileged")), engine_info)
    wanted = suggest(report)
    assert "unprivileged" in wanted and "limits" in wanted
    assert "default-seccomp" not in wanted  # seccomp is off only because of --privileged
    unconfined = audit_container(
        container_from_inspect(load_inspect("seccomp-unconfined")), engine_info
    )
    assert "default-seccomp" in suggest(unconfined)
    hardened = audit_container(container_from_inspect(load_inspect("hardened")), engine_info)
    assert "unprivileged" not in suggest(hardened) and "limits" not in suggest(hardened)


def test_describe_diff_command_and_compose(load_inspect: Load, engine_info: EngineInfo) -> None:
    p = plan(load_inspect("secrets"), ["no-new-privileges", "limits"], engine_info)
    fields = {row[0] for row in diff(p)}
    assert {"security_opt", "memory", "memory_swap", "pids_limit"} <= fields
    assert "+ memory: 512m" in diff_text(p)
    command = docker_run(p)
    assert "--security-opt no-new-privileges:true" in command and "--memory 512m" in command
    snippet = compose_snippet(p)
    assert 'mem_limit: "512m"' in snippet and "no-new-privileges:true" in snippet
    # secrets never reach any of it
    for text in (diff_text(p), command, snippet):
        assert "fixture-not-a-secret" not in text and "MIIfake" not in text


def test_compose_ports_use_the_docker_run_short_syntax(
    load_inspect: Load, engine_info: EngineInfo
) -> None:
    # ports-ipv6-any publishes 8080/tcp on "::": compose needs the brackets too
    p = plan(
        load_inspect("ports-ipv6-any"),
        ["localhost-ports"],
        engine_info,
        Options(bind_address="::1"),
    )
    snippet = compose_snippet(p)
    assert '- "[::1]:18084:8080/tcp"' in snippet
    assert "-p '[::1]:18084:8080/tcp'" in docker_run(p)


def test_compose_snippet_names_every_namespace_it_leaves(
    load_inspect: Load, engine_info: EngineInfo
) -> None:
    for case, key in (("host-uts", "uts"), ("host-userns", "userns_mode"), ("host-pid", "pid")):
        p = plan(load_inspect(case), ["host-namespaces"], engine_info)
        assert f"    {key}: null" in compose_snippet(p), case

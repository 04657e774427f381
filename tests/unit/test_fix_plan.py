"""The pure fix planner: each change on captured inspect documents, the live
update body, the predicted grade, and the describe helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from dockertui.audit import capabilities as caps
from dockertui.fixes.describe import compose_snippet, diff, diff_text, docker_run
from dockertui.fixes.plan import CHANGES, CapPreset, Options, PlanError, plan, resolve, suggest
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


def test_custom_pick_keeps_only_what_is_held(load_inspect: Load, engine_info: EngineInfo) -> None:
    options = Options(cap_preset=CapPreset.CUSTOM, keep_caps=("CHOWN", "NET_BIND_SERVICE"))
    p = plan(load_inspect("plain"), ["drop-caps"], engine_info, options)
    assert p.after.effective_capabilities == {"CHOWN", "NET_BIND_SERVICE"}
    # a capability it does not hold cannot be "kept": refused, not silently dropped
    held_not = Options(cap_preset=CapPreset.CUSTOM, keep_caps=("CHOWN", "SYS_MODULE"))
    with pytest.raises(PlanError, match=r"does not hold SYS_MODULE: a fix keeps capabilities"):
        plan(load_inspect("plain"), ["drop-caps"], engine_info, held_not)


def test_live_changes_fill_the_update_body_with_memory_swap(
    load_inspect: Load, engine_info: EngineInfo
) -> None:
    options = Options(memory=512 * 1024**2, nano_cpus=10**9, pids_limit=256)
    p = plan(load_inspect("plain"), ["limits", "restart-policy"], engine_info, options)
    assert not p.recreate
    assert p.update_body == {
        "Memory": 512 * 1024 * 1024,
        "MemorySwap": 512 * 1024 * 1024,
        "NanoCpus": 1_000_000_000,
        "PidsLimit": 256,
        "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 5},
    }
    assert {"memory-unlimited", "cpu-unlimited", "pids-unlimited"} <= set(p.cleared)


def test_limits_set_exactly_what_was_asked(load_inspect: Load, engine_info: EngineInfo) -> None:
    p = plan(load_inspect("plain"), ["limits"], engine_info, Options(memory=64 * 1024**2))
    assert p.update_body == {"Memory": 64 * 1024**2, "MemorySwap": 64 * 1024**2}
    # an explicit value replaces the one a limited container has
    doc = load_inspect("hardened")
    assert doc["HostConfig"]["PidsLimit"] == 64
    p = plan(doc, ["limits"], engine_info, Options(pids_limit=100))
    assert p.update_body == {"PidsLimit": 100}
    # the value it already has: nothing to send
    assert plan(doc, ["limits"], engine_info, Options(pids_limit=64)).update_body == {}
    with pytest.raises(PlanError, match="Say which limits"):
        plan(doc, ["limits"], engine_info)


def test_limits_the_engine_would_refuse_are_refused_first(
    load_inspect: Load, engine_info: EngineInfo
) -> None:
    from dataclasses import replace

    doc = load_inspect("plain")
    four = replace(engine_info, cpus=4)
    with pytest.raises(PlanError, match="reports 4 CPUs"):
        plan(doc, ["limits"], four, Options(nano_cpus=1000 * 10**9))
    plan(doc, ["limits"], four, Options(nano_cpus=4 * 10**9))  # all of them is fine
    with pytest.raises(PlanError, match="at least 6m"):
        plan(doc, ["limits"], four, Options(memory=5 * 1024**2))
    for pids in (0, 5_000_000):
        with pytest.raises(PlanError, match="between 1 and 4194304"):
            plan(doc, ["limits"], four, Options(pids_limit=pids))
    with pytest.raises(PlanError, match="above the memory the engine's host has"):
        plan(doc, ["limits"], four, Options(memory=10**30))
    with pytest.raises(PlanError, match=r"host has \(24105m\)"):
        plan(doc, ["limits"], four, Options(memory=engine_info.memory_total + 1))


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
    p = plan(
        load_inspect("secrets"), ["no-new-privileges", "limits"], engine_info,
        Options(memory=512 * 1024**2, pids_limit=256),
    )  # fmt: skip
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


@pytest.mark.parametrize(
    ("options", "names", "message"),
    [
        (Options(cap_preset=CapPreset.STRICT, keep_caps=("NET_ADMN",)), ["drop-caps"], "did you mean NET_ADMIN"),
        (Options(cap_preset=CapPreset.STRICT, keep_caps=("NOPE",)), ["drop-caps"], "'NOPE' is not a Linux capability; name one as capabilities(7) does"),
        (Options(cap_preset=CapPreset.STRICT, keep_caps=("ALL",)), ["drop-caps"], "ALL is not a capability"),
        (Options(keep_caps=("CHOWN",)), ["drop-caps"], "not hardening"),
        (Options(user="root"), ["non-root"], "other than root"),
        (Options(user="0:0"), ["non-root"], "other than root"),
        (Options(user="4294967296"), ["non-root"], "out of range"),
        (Options(user="a b"), ["non-root"], "is not NAME or UID"),
        (Options(tmpfs=("tmp",)), ["read-only"], "absolute"),
        (Options(tmpfs=("/tmp/../etc",)), ["read-only"], "absolute"),
        (Options(tmpfs=("/tmp:rw,sise=1m",)), ["read-only"], "'sise=1m' is not a tmpfs mount option"),
        (Options(tmpfs=("/tmp:size=lots",)), ["read-only"], "does not have a valid value"),
        (Options(tmpfs=("/tmp", "/tmp:size=1m")), ["read-only"], "already mounted"),
        (Options(bind_address="0.0.0.0"), ["localhost-ports"], "every interface"),
        (Options(bind_address="::ffff:0.0.0.0"), ["localhost-ports"], "every interface"),
        (Options(bind_address="[::]"), ["localhost-ports"], "every interface"),
        (Options(tmpfs=("/proc",)), ["read-only"], "kernel's own file system"),
        (Options(tmpfs=("/sys/fs",)), ["read-only"], "kernel's own file system"),
        (Options(tmpfs=("/etc/hosts",)), ["read-only"], "already mounted"),
        (Options(tmpfs=("/dev",)), ["read-only"], "already mounted"),
        (Options(tmpfs=("//tmp",)), ["read-only"], "absolute"),
        (Options(user="1000:0"), ["non-root"], "Group 0"),
        (Options(restart_retries=0), ["restart-policy"], "between 1 and 1000"),
        (Options(bind_address="localhost"), ["localhost-ports"], "not an IP address"),
    ],
)  # fmt: skip
def test_every_value_is_checked_before_anything_runs(
    load_inspect: Load, engine_info: EngineInfo, options: Options, names: list[str], message: str
) -> None:
    with pytest.raises(PlanError, match=re.escape(message)):
        plan(load_inspect("plain"), names, engine_info, options)


def test_tmpfs_takes_its_options(load_inspect: Load, engine_info: EngineInfo) -> None:
    options = Options(tmpfs=("/tmp:rw,size=1m", "/run"))
    host = plan(load_inspect("plain"), ["read-only"], engine_info, options).document["HostConfig"]
    assert host["Tmpfs"] == {"/tmp": "rw,size=1m", "/run": "rw,noexec,nosuid"}


def test_a_tmpfs_over_a_volume_is_refused(load_inspect: Load, engine_info: EngineInfo) -> None:
    doc = load_inspect("named-and-anon-volumes")
    taken = doc["Mounts"][0]["Destination"]
    with pytest.raises(PlanError, match="already mounted"):
        plan(doc, ["read-only"], engine_info, Options(tmpfs=(taken,)))


def test_localhost_ports_rebinds_publish_all(
    edited: Callable[..., dict[str, Any]], engine_info: EngineInfo
) -> None:
    """-P ports become explicit bindings on the chosen address, on the host
    port they have now; the scan and a second dry run then agree."""
    doc = edited(
        "plain",
        {
            ("HostConfig", "PublishAllPorts"): True,
            ("Config", "ExposedPorts"): {"8080/tcp": {}, "53/udp": {}},
            ("NetworkSettings", "Ports"): {
                "8080/tcp": [{"HostIp": "0.0.0.0", "HostPort": "49153"}, {"HostIp": "::", "HostPort": "49153"}],
                "53/udp": [{"HostIp": "0.0.0.0", "HostPort": "49154"}],
            },
        },
    )  # fmt: skip
    p = plan(doc, ["localhost-ports"], engine_info)
    host = p.document["HostConfig"]
    assert host["PublishAllPorts"] is False
    assert host["PortBindings"] == {
        "8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "49153"}],
        "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "49154"}],
    }
    assert "port-all-interfaces" in checks(p.before) and "port-all-interfaces" in p.cleared
    again = plan(p.document, ["localhost-ports"], engine_info)
    assert diff(again) == [] and "port-all-interfaces" not in checks(again.before)


def test_leaving_the_host_drops_what_the_engine_added_for_it(
    edited: Callable[..., dict[str, Any]], engine_info: EngineInfo
) -> None:
    """A host-network container carries the host's hostname, and a
    privileged or host-PID one the engine's label=disable: neither is the
    container's own once it leaves the host."""
    doc = edited(
        "host-pid",
        {
            ("HostConfig", "NetworkMode"): "host",
            ("Config", "Hostname"): "the-host",
            ("HostConfig", "SecurityOpt"): ["label=disable"],
        },
    )
    p = plan(doc, ["host-namespaces"], engine_info)
    assert "Hostname" not in p.document["Config"]
    assert p.document["HostConfig"]["SecurityOpt"] == []
    kept = edited("plain", {("HostConfig", "SecurityOpt"): ["label=disable"]})
    assert plan(kept, ["no-new-privileges"], engine_info).document["HostConfig"]["SecurityOpt"] == [
        "label=disable",
        "no-new-privileges:true",
    ]  # set on purpose: stays

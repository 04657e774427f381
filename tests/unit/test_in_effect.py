"""The in-effect facts from captured /proc files (tests/fixtures/proc, made by
scripts/capture_proc_fixtures.py from real running containers), the parsers
on malformed copies of them, and the configured-against-in-effect judgement."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from proc_captures import PROC_FIXTURES, captured_host, captured_kernel

from dockertui.audit.in_effect import Comparison, Layer, Verdict, cap_names, compare, differs
from dockertui.audit.ports import exposures, listening_behind
from dockertui.audit.secrets import mask
from dockertui.engine.kernel_facts import read_container, read_fleet
from dockertui.model import Container, EngineInfo
from dockertui.model.kernel import (
    Firewall,
    InEffect,
    ProcessView,
    Protocol,
    SeccompMode,
    Unverifiable,
)
from dockertui.model.proc_text import (
    cgroup_paths,
    host_interfaces,
    id_map,
    limits_v1,
    limits_v2,
    listeners,
    process_from_status,
    ufw_enabled,
)

MANIFEST = json.loads((PROC_FIXTURES / "manifest.json").read_text())


def pid_folder(case: str, index: int = 0) -> Path:
    return PROC_FIXTURES / case / "proc" / str(MANIFEST[case]["pids"][index])


def kernel(case: str) -> InEffect:
    found = captured_kernel(case)
    assert isinstance(found, InEffect), found
    return found


# --- parsers on the captured files -------------------------------------------------------


def test_status_of_a_process_that_dropped_to_nobody() -> None:
    text = (pid_folder("drops-to-nobody") / "status").read_text()
    p = process_from_status(1, "sleep", text)
    assert (p.uid, p.euid, p.gid, p.egid) == (65534, 65534, 65534, 65534)
    assert p.cap_eff == 0 and p.cap_prm == 0  # setuid to non-root clears them
    assert cap_names(p.cap_bnd) >= {"CHOWN", "NET_RAW"}  # the bounding set stays
    assert p.seccomp is SeccompMode.FILTER and p.no_new_privs is False
    assert p.ns_pid == 1


def test_status_cut_short_is_refused() -> None:
    text = (pid_folder("drops-to-nobody") / "status").read_text()
    cut = text[: text.index("CapEff")]  # a read that stopped halfway
    with pytest.raises(ValueError, match="CapEff"):
        process_from_status(1, "sleep", cut)
    with pytest.raises(ValueError):
        process_from_status(1, "x", text.replace("Uid:\t65534", "Uid:\tnobody"))


def test_capabilities_of_cap_drop_all_add_bind() -> None:
    p = kernel("bind-only-nnp").pid1
    assert cap_names(p.cap_eff) == cap_names(p.cap_bnd) == {"NET_BIND_SERVICE"}
    assert p.no_new_privs is True


def test_id_maps() -> None:
    m = id_map((pid_folder("drops-to-nobody") / "uid_map").read_text())
    assert m.identity and m.to_host(0) == 0
    remapped = id_map("         0     100000      65536\n")
    assert not remapped.identity
    assert remapped.to_host(0) == 100000 and remapped.to_container(165535) == 65535
    assert remapped.to_container(99999) is None
    for bad in ("", "0 0\n", "0 x 1\n"):
        with pytest.raises(ValueError):
            id_map(bad)


def test_listening_sockets_of_the_captured_web_server() -> None:
    table = (pid_folder("bind-only-nnp") / "net" / "tcp").read_text()
    found = listeners(table, Protocol.TCP)
    assert [(s.address, s.port) for s in found] == [("0.0.0.0", 80)]
    # a truncated last line is skipped, a foreign file refused
    assert listeners(table + "   9: 0100007F:1F90", Protocol.TCP) == found
    with pytest.raises(ValueError):
        listeners("garbage\n", Protocol.TCP)


def test_ipv6_addresses_in_socket_tables() -> None:
    header = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    any6 = "   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0\n"
    loop6 = "   1: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4243 1 0 100 0 0 10 0\n"
    found = listeners(header + any6 + loop6, Protocol.TCP)
    assert [(s.address, s.port, s.all_interfaces, s.loopback) for s in found] == [
        ("::", 8080, True, False),
        ("::1", 80, False, True),
    ]


def test_cgroup_paths_and_limits() -> None:
    v1 = cgroup_paths((pid_folder("drops-to-nobody") / "cgroup").read_text())
    assert v1["memory"].startswith("/docker/") and v1[""] == v1["memory"]
    assert cgroup_paths("0::/system.slice/docker-abc.scope\n") == {
        "": "/system.slice/docker-abc.scope"
    }
    assert kernel("drops-to-nobody").limits == limits_v1(
        "67108864\n", "50\n", "50000\n", "100000\n"
    )
    unlimited = kernel("bind-only-nnp").limits
    assert unlimited is not None and (unlimited.memory, unlimited.pids, unlimited.cpus) == (
        None,
        None,
        None,
    )
    v2 = limits_v2("max\n", "max\n", "max 100000\n")
    assert (v2.version, v2.memory, v2.pids, v2.cpu_quota) == (2, None, None, None)
    assert limits_v2("1073741824\n", "100\n", "150000 100000\n").cpus == 1.5
    with pytest.raises(ValueError):
        limits_v2("lots\n", "max", "max 100000")


def test_host_interfaces_from_the_capture_host() -> None:
    host = captured_host()
    by_name = {(i.name, i.address) for i in host.interfaces}
    assert {("lo", "127.0.0.1"), ("docker0", "172.17.0.1"), ("eth0", "192.0.2.2")} <= by_name
    assert all(not i.loopback for i in host.reachable)
    assert [i.address for i in host.reached_by("0.0.0.0") if ":" in i.address] == []
    assert host.cap_last_cap == 40
    assert host_interfaces("", "", "") == ()


def test_ufw_conf() -> None:
    assert ufw_enabled("# comment\nENABLED=yes\n")
    assert not ufw_enabled("ENABLED=no\n")
    assert not ufw_enabled("")


# --- the reader on broken trees -----------------------------------------------------------


def copy_case(tmp_path: Path, case: str) -> tuple[Path, list[int]]:
    dest = tmp_path / case
    shutil.copytree(PROC_FIXTURES / case, dest, symlinks=True)
    return dest, MANIFEST[case]["pids"]


def host_ns() -> dict[str, str]:
    return {p.name: os.readlink(p) for p in (PROC_FIXTURES / "host" / "self" / "ns").iterdir()}


def test_a_process_that_vanished(tmp_path: Path) -> None:
    folder, pids = copy_case(tmp_path, "drops-to-nobody")
    shutil.rmtree(folder / "proc" / str(pids[0]))
    found = read_container(pids, proc=folder / "proc", cgroup=folder / "cgroup", host_ns=host_ns())
    assert found is Unverifiable.VANISHED


def test_a_truncated_status_leaves_the_others(tmp_path: Path) -> None:
    folder, pids = copy_case(tmp_path, "root-with-exec")
    status = folder / "proc" / str(pids[1]) / "status"
    status.write_text(status.read_text()[:200])
    found = read_container(pids, proc=folder / "proc", cgroup=folder / "cgroup", host_ns=host_ns())
    assert isinstance(found, InEffect)
    assert [p.pid for p in found.processes] == pids[:1]


def test_a_truncated_uid_map_is_not_guessed(tmp_path: Path) -> None:
    folder, pids = copy_case(tmp_path, "drops-to-nobody")
    (folder / "proc" / str(pids[0]) / "uid_map").write_text("         0     ")
    found = read_container(pids, proc=folder / "proc", cgroup=folder / "cgroup", host_ns=host_ns())
    assert found is Unverifiable.VANISHED


def test_missing_cgroup_files_mean_no_limits_known(tmp_path: Path) -> None:
    folder, pids = copy_case(tmp_path, "drops-to-nobody")
    shutil.rmtree(folder / "cgroup")
    found = read_container(pids, proc=folder / "proc", cgroup=folder / "cgroup", host_ns=host_ns())
    assert isinstance(found, InEffect) and found.limits is None


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand the files to another user")
def test_no_permission(tmp_path: Path) -> None:
    """The reader run as nobody on a tree only root may read."""
    folder, pids = copy_case(tmp_path, "drops-to-nobody")
    for path in (folder / "proc").rglob("status"):
        path.chmod(0o600)
    tmp_path.chmod(0o755)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the reader, as nobody
        try:
            os.setgid(65534)
            os.setuid(65534)
            found = read_container(
                pids, proc=folder / "proc", cgroup=folder / "cgroup", host_ns=host_ns()
            )
            os.write(write, found.name.encode() if isinstance(found, Unverifiable) else b"read")
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read) as answer:
        assert answer.read() == "NO_PERMISSION"


def test_a_tree_without_the_containers_processes(tmp_path: Path) -> None:
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "cgroup").write_text("0::/user.slice\n")
    assert read_fleet(["a" * 64], proc=tmp_path).facts == {}


# --- configured against in effect ---------------------------------------------------------


def verdicts(c: Container, engine: EngineInfo) -> dict[Layer, Verdict]:
    return {x.layer: x.verdict for x in compare(c, engine)}


def test_everything_verified_for_the_hardened_web_server(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    c = container("proc/bind-only-nnp")
    found = verdicts(c, engine_info)
    assert set(found.values()) == {Verdict.VERIFIED}
    assert {Layer.CAPABILITIES, Layer.NO_NEW_PRIVILEGES, Layer.SECCOMP, Layer.MEMORY} <= set(found)
    assert not differs(c, engine_info)


def test_the_user_layer_shows_the_drop(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    c = container("proc/drops-to-nobody")
    user = next(x for x in compare(c, engine_info) if x.layer is Layer.USER)
    assert (user.configured, user.in_effect, user.verdict, user.looser) == (
        "root (not set)",
        "PID 1 runs as UID 65534",
        Verdict.DIFFERS,
        False,
    )


def test_a_stricter_kernel_is_a_note_not_a_risk(
    container: Callable[..., Container], engine_info: EngineInfo, audit: Callable[..., object]
) -> None:
    # Edited copy: the document no longer asks for no-new-privileges; the
    # captured kernel still has it (as a daemon-wide default would).
    c = container("proc/bind-only-nnp", {"HostConfig.SecurityOpt": []})
    nnp = next(x for x in compare(c, engine_info) if x.layer is Layer.NO_NEW_PRIVILEGES)
    assert (nnp.configured, nnp.in_effect, nnp.verdict, nnp.looser) == (
        "off",
        "on",
        Verdict.DIFFERS,
        False,
    )
    report = audit(c, engine_info)
    (finding,) = [f for f in report.findings if f.check == "kernel-differs"]  # type: ignore[attr-defined]
    assert finding.severity.value == "info"
    assert "configured off, in effect on" in finding.detail


def test_not_verifiable_is_said_once_per_layer_with_the_reason(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    c = replace(container("plain"), kernel=Unverifiable.REMOTE)
    found = compare(c, engine_info)
    assert {x.verdict for x in found} == {Verdict.NOT_VERIFIABLE}
    assert found[0].in_effect == "not verifiable here: the engine is not on this host"


def test_what_listens_behind_a_loopback_port(container: Callable[..., Container]) -> None:
    c = container("proc/bind-only-nnp")
    (port,) = exposures(c)
    assert port.loopback
    behind = listening_behind(port, c)
    assert behind is not None and [s.describe() for s in behind] == ["0.0.0.0:80/tcp"]
    assert listening_behind(port, replace(c, kernel=Unverifiable.NOT_RUNNING)) is None


def test_published_port_detail_joins_the_listener(
    container: Callable[..., Container], engine_info: EngineInfo, audit: Callable[..., object]
) -> None:
    c = container("proc/bind-only-nnp")
    report = audit(c, replace(engine_info, host=captured_host()))
    (published,) = [f for f in report.findings if f.check == "port-published"]  # type: ignore[attr-defined]
    assert "(inside it listens on 0.0.0.0:80/tcp, verified: beyond 127.0.0.1" in published.detail
    assert "bridge 172.17." in published.detail


def test_a_port_on_every_interface_names_them_and_the_firewall_it_bypasses(
    container: Callable[..., Container], engine_info: EngineInfo, audit: Callable[..., object]
) -> None:
    c = container("ports-all-interfaces")
    host = replace(captured_host(), firewalls=(Firewall.UFW,))
    report = audit(c, replace(engine_info, host=host))
    hits = [f for f in report.findings if f.check == "port-all-interfaces"]  # type: ignore[attr-defined]
    assert hits
    for hit in hits:
        assert " of the host: cni-podman0 10.88.0.1, docker0 172.17.0.1, eth0 192.0.2.2" in (
            hit.detail
        )
        assert hit.detail.endswith(
            "ufw is active on this host, and Docker's published ports go around its rules "
            "(they are forwarded before them)."
        )
    # Without the host's view (a remote engine) neither is claimed.
    plain = [f for f in audit(c, engine_info).findings if f.check == "port-all-interfaces"]  # type: ignore[attr-defined]
    assert all("of the host" not in f.detail and "ufw" not in f.detail for f in plain)


def test_the_reports_user_stays_the_configured_one(
    container: Callable[..., Container], audit: Callable[..., object]
) -> None:
    """The JSON's `user` is stable: the kernel's UID lives under in_effect."""
    report = audit(container("proc/drops-to-nobody"))
    assert report.user == "root"  # type: ignore[attr-defined]


def test_a_container_that_is_not_running_is_never_verifiable(
    container: Callable[..., Container],
) -> None:
    assert container("exited").kernel is Unverifiable.NOT_RUNNING
    assert container("plain").kernel is Unverifiable.NOT_READ  # running: /proc decides


def test_a_numeric_user_is_held_to_its_number(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    # Edited copies: the captured kernel shows PID 1 as 65534 (nobody).
    def user(configured: str) -> tuple[Verdict, bool]:
        c = container("proc/drops-to-nobody", {"Config.User": configured})
        x = next(x for x in compare(c, engine_info) if x.layer is Layer.USER)
        return x.verdict, x.looser

    assert user("65534:65534") == (Verdict.VERIFIED, False)
    assert user("nobody") == (Verdict.VERIFIED, False)  # a name: not root is all we know
    assert user("1000") == (Verdict.DIFFERS, False)  # another user, but not root


# --- review cases: directions, other processes, modes ------------------------------------


def layer(c: Container, engine: EngineInfo, which: Layer) -> Comparison:
    return next(x for x in compare(c, engine) if x.layer is which)


def with_processes(c: Container, *extra: ProcessView) -> Container:
    k = c.kernel
    assert isinstance(k, InEffect)
    return replace(c, kernel=replace(k, processes=(*k.processes, *extra)))


def test_a_capability_the_configuration_drops_is_looser_even_with_others_missing(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    # Edited copy: the document drops CHOWN and adds SYS_ADMIN; the captured
    # kernel holds CHOWN and not SYS_ADMIN. Neither set contains the other.
    c = container(
        "proc/drops-to-nobody",
        {"HostConfig.CapDrop": ["CHOWN"], "HostConfig.CapAdd": ["SYS_ADMIN"]},
    )
    caps_layer = layer(c, engine_info, Layer.CAPABILITIES)
    assert (caps_layer.verdict, caps_layer.looser) == (Verdict.DIFFERS, True)


def test_a_privileged_exec_beside_pid_1_is_looser_and_named(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    c = container("proc/bind-only-nnp")
    k = c.kernel
    assert isinstance(k, InEffect)
    shell = replace(
        k.pid1, pid=999999, command="sh", cap_bnd=(1 << 41) - 1, cap_eff=(1 << 41) - 1,
        seccomp=SeccompMode.DISABLED, no_new_privs=False, ns_pid=7,
    )  # fmt: skip
    c = with_processes(c, shell)
    caps_layer = layer(c, engine_info, Layer.CAPABILITIES)
    assert caps_layer.looser and "process 'sh' can use" in caps_layer.in_effect
    assert "SYS_ADMIN" in caps_layer.in_effect
    seccomp = layer(c, engine_info, Layer.SECCOMP)
    assert seccomp.looser and seccomp.in_effect.endswith("; no filter for process 'sh'")
    nnp = layer(c, engine_info, Layer.NO_NEW_PRIVILEGES)
    assert nnp.looser and nnp.in_effect == "on; off for process 'sh'"
    assert differs(c, engine_info)


def test_apparmor_in_complain_mode_enforces_nothing(
    container: Callable[..., Container], make_engine: Callable[..., EngineInfo]
) -> None:
    # Edited copies: an AppArmor host (the capture host has none).
    engine = make_engine(security_options=["name=apparmor"])
    base = container("proc/bind-only-nnp", {"AppArmorProfile": "docker-default"})
    k = base.kernel
    assert isinstance(k, InEffect)

    def mac(label: str) -> tuple[Verdict, bool]:
        x = layer(replace(base, kernel=replace(k, mac_label=label)), engine, Layer.MAC)
        return x.verdict, x.looser

    assert mac("docker-default (enforce)") == (Verdict.VERIFIED, False)
    assert mac("docker-default (complain)") == (Verdict.DIFFERS, True)
    assert mac("unconfined") == (Verdict.DIFFERS, True)


def test_a_joined_network_namespace_is_not_called_the_hosts(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    # Edited copy: the host-network listener's kernel view, its document
    # joining another container's network (which is the host's).
    c = container("proc/host-network-listener", {"HostConfig.NetworkMode": "container:abc"})
    x = layer(c, engine_info, Layer.NAMESPACES)
    assert (x.verdict, x.looser) == (Verdict.VERIFIED, False)
    assert "joins another container's net" in x.configured


def test_a_drop_that_keeps_capabilities_is_not_lowered(
    container: Callable[..., Container], audit: Callable[..., object]
) -> None:
    c = container("proc/drops-to-nobody")
    k = c.kernel
    assert isinstance(k, InEffect)
    kept = replace(k.pid1, cap_eff=1 << 21, cap_amb=1 << 21)  # SYS_ADMIN, ambient
    c = replace(c, kernel=replace(k, pid1=kept, processes=(kept,)))
    (root,) = [f for f in audit(c).findings if f.check == "root-user"]  # type: ignore[attr-defined]
    assert root.severity.value == "medium"
    assert "keeps capabilities" in root.detail


def test_no_firewall_note_where_docker_sets_no_rules_of_its_own(
    container: Callable[..., Container], make_engine: Callable[..., EngineInfo],
    audit: Callable[..., object],
) -> None:  # fmt: skip
    host = replace(captured_host(), firewalls=(Firewall.UFW,))
    rootless = replace(make_engine(security_options=["name=rootless"]), host=host)
    c = container("ports-all-interfaces")
    hits = [f for f in audit(c, rootless).findings if f.check == "port-all-interfaces"]  # type: ignore[attr-defined]
    assert hits and all("ufw" not in f.detail for f in hits)


def test_secrets_are_masked_in_command_lines(container: Callable[..., Container]) -> None:
    c = container("secrets")  # captured with fake values (DB_PASSWORD=fixture-not-a-secret, ...)
    value = next(v.value for v in c.env if v.name == "DB_PASSWORD")
    line = f"redis-server --requirepass {value} --port 6379 --api-key=abc123 -v"
    shown = mask(line, c)
    assert value not in shown and "abc123" not in shown
    assert shown == "redis-server --requirepass *** --port 6379 --api-key=*** -v"
    assert mask("sleep 100000", c) == "sleep 100000"

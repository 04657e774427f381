"""Every check, by behaviour: for each check id one case where it fires and
one where it does not (pass or not applicable), each finding's fix command in
the vocabulary of its fix kind, and every severity a check is seen to report
declared in its metadata (what `dockertui checks`, docs/checks.md and the
SARIF rules show).

Cases come from the captured fixtures; where the capture machine cannot
produce the case (AppArmor/SELinux/userns daemons) the engine is an edited
copy of the captured /info, named in the `engine` column and explained in
ENGINE_EDITS."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from proc_captures import captured_host

from dockertui.audit import CHECKS, Finding, FixKind, Severity, audit_exec
from dockertui.model import ClientFacts, Container, EngineInfo, exec_from_inspect
from dockertui.model.swarm import with_listing

C, H, M, L, INF = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)


#: What a fix command looks like for each fix kind: the panel labels it
#: ("live:", "re-create with:", "daemon.json:", "client:").
_IMAGE_REF = re.compile(r"^[\w./:-]+@sha256:")


def assert_command_fits_its_kind(f: Finding) -> None:
    command, kind = f.fix.command, f.fix.kind
    if not command:
        assert kind is not FixKind.UPDATE, f"{f.check}: a live fix with no command"
        return
    fits = {
        FixKind.UPDATE: command.startswith(("docker update ", "docker network ")),
        FixKind.RECREATE: command.startswith(("-", "remove ")) or bool(_IMAGE_REF.match(command)),
        FixKind.DAEMON: "daemon.json" in command,
        FixKind.CLIENT: command.startswith("export "),
        FixKind.SWARM: command.startswith(("docker swarm ", "docker node ", "docker network ")),
        FixKind.IMAGE: True,
        FixKind.MANUAL: True,
        FixKind.NONE: False,
    }[kind]
    assert fits, f"{f.check}: {kind.value} fix with command {command!r}"


def test_every_check_is_described() -> None:
    for check in CHECKS.values():
        assert check.title and check.why and check.fix_summary, check.id
        assert check.fn is not None
        assert check.severity in check.severities


# --- container checks: one firing and one clean case each ---------------------------------

#: Engine variants, all edited copies of the captured /info: the capture host
#: runs dockerd with seccomp only (no AppArmor, no SELinux, no userns-remap).
ENGINE_EDITS: dict[str, dict[str, Any]] = {
    "captured": {},
    "apparmor": {"security_options": ["name=apparmor"]},  # an AppArmor host (Ubuntu)
    "selinux": {"security_options": ["name=selinux"]},  # an SELinux host (Fedora/RHEL)
    "userns": {"security_options": ["name=userns"]},  # "userns-remap": "default"
}


@dataclass(frozen=True)
class Fires:
    check: str
    case: str
    severity: Severity
    detail: str  # the exact detail of the (worst) finding, or a fragment with `fragment`
    engine: str = "captured"
    edits: dict[str, Any] = field(default_factory=dict)
    top: str | None = None
    fragment: bool = False


FIRES = [
    Fires(
        "privileged",
        "privileged",
        C,
        "HostConfig.Privileged is true: all capabilities, all host devices, no seccomp "
        "filter, no AppArmor profile. It is not running yet, but will start with these powers.",
    ),
    Fires("cap-added", "cap-net-admin-ptrace", M, "--cap-add NET_ADMIN, SYS_PTRACE"),
    Fires(
        "cap-dangerous",
        "cap-sys-admin",
        C,
        "SYS_ADMIN: mount file systems, use namespaces and much more: the usual road out "
        "of a container",
    ),
    Fires(
        "cap-not-dropped",
        "plain",
        L,
        "Still holds the default capabilities AUDIT_WRITE, MKNOD, NET_RAW, SETFCAP, SETPCAP.",
    ),
    Fires(
        "seccomp-disabled",
        "seccomp-unconfined",
        H,
        "--security-opt seccomp=unconfined turns syscall filtering off.",
    ),
    Fires(
        "apparmor-disabled",
        "apparmor-unconfined",
        M,
        "AppArmor is on in the daemon but this container runs unconfined.",
        engine="apparmor",
    ),
    Fires(
        "selinux-disabled",
        "label-disable",
        M,
        "--security-opt label=disable turns SELinux labelling off.",
        engine="selinux",
    ),
    Fires(
        "no-new-privileges",
        "nnp-false",
        M,
        "--security-opt no-new-privileges=false switches it off explicitly.",
    ),
    Fires("root-user", "user-root-explicit", M, "User is root (UID 0 on the host too)."),
    # Captured running with its /proc files: it starts as root and su's to nobody.
    Fires(
        "root-user",
        "proc/drops-to-nobody",
        L,
        "User is not set, so root, but it drops to UID 65534 at start, verified: PID 1 "
        "(sleep 100000) runs as 65534:65534. Without no-new-privileges a setuid program in "
        "the image could take root back.",
    ),
    # Configured as 1000:1000; a root process runs in it through docker exec -u 0.
    Fires(
        "root-user",
        "proc/root-with-exec",
        M,
        "User is 1000:1000, but process 'sleep 100001' runs as UID 0 (verified).",
    ),
    # Edited copy: the document promises --cap-drop ALL, the captured kernel
    # shows the default bounding set (as a tampered or stale document would).
    Fires(
        "kernel-differs",
        "proc/drops-to-nobody",
        H,
        "capabilities: configured none, in effect bounding set AUDIT_WRITE, CHOWN, "
        "DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, NET_RAW, SETFCAP, "
        "SETGID, SETPCAP, SETUID, SYS_CHROOT; PID 1 holds none (the kernel enforces less "
        "than configured).",
        edits={"HostConfig.CapDrop": ["ALL"]},
    ),
    Fires(
        "host-network-listening",
        "proc/host-network-listener",
        M,
        "Listens on 0.0.0.0:18099/tcp in the host's network (verified), with no port "
        "published: open on every host interface (cni-podman0 10.88.0.1, docker0 "
        "172.17.0.1, eth0 192.0.2.2).",
    ),
    Fires(
        "host-network",
        "host-network",
        H,
        "--network=host: every port it opens listens on every host interface.",
    ),
    Fires("host-pid", "host-pid", H, "--pid=host: sees and can signal every host process."),
    Fires("host-ipc", "host-ipc", H, "--ipc=host: host shared memory is readable and writable."),
    Fires("host-uts", "host-uts", M, "--uts=host: can rename the host."),
    Fires(
        "host-userns",
        "host-userns",
        M,
        "--userns=host bypasses the daemon's user remapping.",
        engine="userns",
    ),
    Fires(
        "docker-socket", "docker-socket", C, "Mounts /var/run/docker.sock -> /var/run/docker.sock."
    ),
    Fires("sensitive-mount", "sensitive-mounts", H, "Host / is mounted read-write at /hostroot."),
    Fires(
        "mount-propagation",
        "mount-propagation",
        M,
        "/tmp/dtui-fixture-shared -> /shared uses rshared propagation.",
    ),
    Fires(
        "host-devices",
        "devices",
        M,
        "Devices: /dev/null->/dev/xnull (rwm), cgroup rule 'c 1:3 mr'.",
    ),
    Fires("rootfs-writable", "plain", L, "ReadonlyRootfs is false."),
    Fires(
        "memory-unlimited", "limits-none-restart-always", M, "HostConfig.Memory is 0 (unlimited)."
    ),
    Fires("cpu-unlimited", "plain", L, "CpuShares, NanoCpus and CpuQuota are all 0."),
    # The daemon stores --pids-limit -1 as null: the capture shows PidsLimit null.
    Fires("pids-unlimited", "pids-limit-minus-one", M, "PidsLimit is unset (unlimited)."),
    Fires("restart-policy", "restart-unless-stopped", L, "Restart policy is unless-stopped."),
    Fires(
        "port-all-interfaces",
        "ports-ipv6-any",
        M,
        "[::]:18084->8080/tcp listens on all interfaces.",
    ),
    Fires("port-privileged", "port-privileged", L, "Host port 80 (127.0.0.1:80->80/tcp)."),
    Fires("port-published", "hardened", INF, "Published: 127.0.0.1:18081->8080/tcp."),
    Fires("default-bridge", "plain", INF, "Attached to the default bridge."),
    Fires("cgroup-parent", "cgroup-parent", M, "--cgroup-parent /dtui-fixture"),
    Fires("ulimit-default", "plain", INF, "No --ulimit is set."),
    Fires("healthcheck-missing", "healthcheck-none", L, "The health check is disabled (NONE)."),
    Fires(
        "sshd-running",
        "sshd",
        M,
        "An sshd process is running, seen in its process list: ",
        top="sshd",
        fragment=True,
    ),
    Fires(
        "secrets-in-env",
        "secrets",
        H,
        "Holds secret values in API_TOKEN, DB_PASSWORD, TLS_KEY (values not shown).",
    ),
    Fires("image-latest", "image-latest", L, "dockertui-test/busybox uses no tag, so latest."),
    Fires(
        "masked-paths-off", "masked-paths-off", H, "MaskedPaths is empty (systempaths=unconfined)."
    ),
]


@dataclass(frozen=True)
class Clean:
    check: str
    case: str
    outcome: str  # "pass" (ran, found nothing) or "n/a" (did not apply)
    engine: str = "captured"
    edits: dict[str, Any] = field(default_factory=dict)
    top: str | None = None


CLEAN = [
    Clean("privileged", "plain", "pass"),
    Clean("cap-added", "cap-drop-hardening", "pass"),
    Clean("cap-dangerous", "plain", "pass"),
    Clean("cap-not-dropped", "hardened", "pass"),
    Clean("cap-not-dropped", "cap-drop-hardening", "pass"),
    Clean("seccomp-disabled", "plain", "pass"),
    # The capture daemon has no AppArmor: the check does not apply there.
    Clean("apparmor-disabled", "apparmor-unconfined", "n/a"),
    # Edited copy: how a running container looks on an AppArmor host.
    Clean(
        "apparmor-disabled",
        "plain",
        "pass",
        engine="apparmor",
        edits={"AppArmorProfile": "docker-default"},
    ),
    Clean("selinux-disabled", "label-disable", "n/a"),
    # Edited copy: the label an SELinux host gives a running container.
    Clean(
        "selinux-disabled",
        "plain",
        "pass",
        engine="selinux",
        edits={"ProcessLabel": "system_u:system_r:container_t:s0:c123,c456"},
    ),
    Clean("no-new-privileges", "hardened", "pass"),
    Clean("root-user", "hardened", "pass"),
    Clean("root-user", "user-named", "pass"),
    # Agreement is not a pass: it earns no points a stopped copy could not.
    Clean("kernel-differs", "proc/bind-only-nnp", "n/a"),
    Clean("kernel-differs", "plain", "n/a"),  # its /proc was not read
    Clean("host-network-listening", "host-network", "n/a"),  # its /proc was not read
    Clean("host-network-listening", "proc/bind-only-nnp", "n/a"),  # its own network
    # Edited copy: the same kernel view on the host's network, listening on nothing.
    Clean(
        "host-network-listening",
        "proc/drops-to-nobody",
        "n/a",
        edits={"HostConfig.NetworkMode": "host"},
    ),
    Clean("host-network", "plain", "pass"),
    Clean("host-pid", "plain", "pass"),
    Clean("host-ipc", "plain", "pass"),
    Clean("host-uts", "plain", "pass"),
    Clean("host-userns", "plain", "pass"),
    Clean("docker-socket", "named-and-anon-volumes", "pass"),
    Clean("sensitive-mount", "named-and-anon-volumes", "pass"),
    Clean("mount-propagation", "sensitive-mounts", "pass"),  # rprivate and rslave only
    Clean("host-devices", "plain", "pass"),
    Clean("rootfs-writable", "hardened", "pass"),
    Clean("memory-unlimited", "cpu-shares-only", "pass"),
    Clean("cpu-unlimited", "cpu-shares-only", "pass"),
    Clean("cpu-unlimited", "hardened", "pass"),
    Clean("pids-unlimited", "hardened", "pass"),
    Clean("restart-policy", "hardened", "pass"),
    Clean("restart-policy", "plain", "pass"),
    Clean("port-all-interfaces", "port-privileged", "pass"),
    Clean("port-all-interfaces", "hardened", "pass"),
    Clean("port-privileged", "hardened", "pass"),
    Clean("port-published", "plain", "pass"),
    Clean("default-bridge", "hardened", "pass"),
    Clean("default-bridge", "host-network", "n/a"),
    Clean("cgroup-parent", "plain", "pass"),
    Clean("ulimit-default", "ulimits", "pass"),
    Clean("healthcheck-missing", "healthy", "pass"),
    Clean("healthcheck-missing", "hardened", "pass"),
    Clean("sshd-running", "plain", "pass", top="plain"),
    Clean("sshd-running", "plain", "pass"),  # processes not read: its command is sleep
    Clean("secrets-in-env", "plain", "pass"),
    Clean("image-latest", "plain", "pass"),
    Clean("masked-paths-off", "plain", "pass"),
    Clean("masked-paths-off", "privileged", "n/a"),
]


def test_every_container_check_has_a_firing_and_a_clean_case() -> None:
    container_ids = {cid for cid, check in CHECKS.items() if check.scope == "container"}
    assert {f.check for f in FIRES} == container_ids
    assert {c.check for c in CLEAN} == container_ids


def _outcome(outcome: Any) -> str:
    """A check returns None (not applicable), an empty sequence (pass) or hits."""
    if outcome is None:
        return "n/a"
    return "pass" if len(outcome) == 0 else f"{len(outcome)} hit(s)"


def _build(
    container: Callable[..., Container],
    make_engine: Callable[..., EngineInfo],
    top_processes: Callable[[str], tuple[str, ...]],
    case: str,
    edits: dict[str, Any],
    engine: str,
    top: str | None,
) -> tuple[Container, EngineInfo]:
    processes = top_processes(top) if top else None
    made = make_engine(**ENGINE_EDITS[engine])
    if case.startswith("proc/"):  # captured with its /proc files: the host is known
        made = replace(made, host=captured_host())
    return container(case, edits, processes=processes), made


@pytest.mark.parametrize("row", FIRES, ids=lambda r: f"{r.check}@{r.case}")
def test_check_fires(
    row: Fires,
    container: Callable[..., Container],
    make_engine: Callable[..., EngineInfo],
    top_processes: Callable[[str], tuple[str, ...]],
    audit: Callable[..., Any],
) -> None:
    c, engine = _build(
        container, make_engine, top_processes, row.case, row.edits, row.engine, row.top
    )
    report = audit(c, engine)
    found = [f for f in report.findings if f.check == row.check]
    assert found, f"{row.check} did not fire on {row.case}"
    worst = found[0]  # findings are sorted worst first
    assert worst.severity is row.severity
    if row.fragment:
        assert row.detail in worst.detail
    else:
        assert worst.detail == row.detail
    check = CHECKS[row.check]
    assert (worst.cis, worst.fix.kind, worst.why) == (check.cis, check.fix_kind, check.why)
    for f in found:
        assert f.severity in check.severities
        assert_command_fits_its_kind(f)


@pytest.mark.parametrize("row", CLEAN, ids=lambda r: f"{r.check}@{r.case}-{r.outcome}")
def test_check_does_not_fire(
    row: Clean,
    container: Callable[..., Container],
    make_engine: Callable[..., EngineInfo],
    top_processes: Callable[[str], tuple[str, ...]],
    audit: Callable[..., Any],
) -> None:
    c, engine = _build(
        container, make_engine, top_processes, row.case, row.edits, row.engine, row.top
    )
    check = CHECKS[row.check]
    assert check.fn is not None
    assert _outcome(check.fn(c, engine)) == row.outcome
    assert row.check not in {f.check for f in audit(c, engine).findings}


# --- engine checks ------------------------------------------------------------------------


@dataclass(frozen=True)
class EngineCase:
    check: str
    severity: Severity | None  # None: must not fire
    detail: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    version: dict[str, Any] = field(default_factory=dict)
    bridge: dict[Any, Any] | None = field(default_factory=dict)
    security_options: tuple[str, ...] = ()
    client: ClientFacts = field(default_factory=ClientFacts)
    outcome: str = "pass"  # for severity None: "pass" or "n/a"
    listed: bool = False  # with the swarm's captured /nodes and overlay /networks


ICC = ("Options", "com.docker.network.bridge.enable_icc")
RECENT = {  # edited copy of /version: current upstream builds, no distro suffix
    "Version": "27.3.1",
    "Components.0.Version": "27.3.1",
    "Components.1.Version": "1.7.27",
    "Components.1.Details.GitCommit": "05044ec0a9a75232cad458027ca83437aae3f4da",
    "Components.2.Version": "1.2.8",
    "Components.2.Details.GitCommit": "v1.2.8-0-g3f2b6d1",
}

_SWARM_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "swarm"


def _swarm() -> dict[str, Any]:
    """/info's Swarm from a single-node swarm manager (tests/fixtures/swarm), a
    fresh copy each time: a case's edits change it in place."""
    swarm: dict[str, Any] = json.loads((_SWARM_DIR / "info.json").read_text())["Swarm"]
    return swarm


DAY_NS = 86400 * 10**9

ENGINE_CASES = [
    # Captured engine: every value below is what the capture daemon reported.
    EngineCase(
        "icc-enabled", M, "The bridge network has com.docker.network.bridge.enable_icc=true."
    ),
    EngineCase("icc-enabled", None, bridge={ICC: "false"}),  # edited: "icc": false
    EngineCase("icc-enabled", None, bridge=None, outcome="n/a"),  # bridge not readable
    EngineCase(
        "userns-disabled", M, "SecurityOptions lists neither name=userns nor name=rootless."
    ),
    EngineCase("userns-disabled", None, security_options=("name=userns",)),  # edited: remap on
    EngineCase("rootful-daemon", INF, "SecurityOptions has no name=rootless."),
    EngineCase("rootful-daemon", None, security_options=("name=rootless",)),  # edited: rootless
    EngineCase("live-restore-off", L, "LiveRestoreEnabled is false."),
    EngineCase("live-restore-off", None, info={"LiveRestoreEnabled": True}),  # edited
    EngineCase("nnp-daemon-off", L, "SecurityOptions has no name=no-new-privileges."),
    # edited: dockerd --no-new-privileges
    EngineCase("nnp-daemon-off", None, security_options=("name=no-new-privileges",)),
    EngineCase("seccomp-daemon", None),  # captured: name=seccomp,profile=default
    # edited: a kernel without seccomp (the daemon then omits the option)
    EngineCase(
        "seccomp-daemon", H, "SecurityOptions has no name=seccomp.", info={"SecurityOptions": []}
    ),
    EngineCase("insecure-registry", None),  # captured: only 127.0.0.0/8
    # edited: "insecure-registries": ["10.0.0.0/8"]
    EngineCase(
        "insecure-registry",
        M,
        "Insecure: 10.0.0.0/8.",
        info={"RegistryConfig.InsecureRegistryCIDRs": ["127.0.0.0/8", "10.0.0.0/8"]},
    ),
    EngineCase("tcp-without-tls", None),  # captured over the unix socket
    # TLS/tcp client facts cannot be captured here: built by hand.
    EngineCase(
        "tcp-without-tls",
        C,
        "This client reaches tcp://10.0.0.5:2375 in plain text.",
        client=ClientFacts(endpoint="tcp://10.0.0.5:2375", transport="tcp"),
    ),
    EngineCase("tls-verify-off", None),
    EngineCase(
        "tls-verify-off",
        H,
        "TLS to tcp://10.0.0.5:2376 does not verify the server (context prod).",
        client=ClientFacts(
            endpoint="tcp://10.0.0.5:2376", context="prod", transport="tcp", tls=True
        ),
    ),
    EngineCase("authz-plugin-missing", L, "Plugins.Authorization is empty."),
    # edited: "authorization-plugins": ["authz-broker"]
    EngineCase("authz-plugin-missing", None, info={"Plugins.Authorization": ["authz-broker"]}),
    EngineCase("log-local-only", INF, "LoggingDriver is json-file."),
    EngineCase("log-local-only", None, info={"LoggingDriver": "syslog"}),  # edited
    EngineCase("debug-logging", None),
    EngineCase("debug-logging", L, "Debug is true.", info={"Debug": True}),  # edited: -D
    EngineCase("experimental", None),
    # edited: /version of a daemon started with --experimental
    EngineCase("experimental", L, "Experimental is true.", version={"Experimental": True}),
    EngineCase("content-trust-off", L, "DOCKER_CONTENT_TRUST is not 1."),
    EngineCase("content-trust-off", None, client=ClientFacts(content_trust=True)),
    # edited: an old, upstream (non-distribution) Docker 18.09.1 with runc 1.0.0-rc6
    EngineCase(
        "engine-outdated",
        H,
        "Engine 18.09.1 is older than 18.09.2 (CVE-2019-5736): a container could "
        "overwrite the host's runc binary and run as root on the host (advisories checked "
        "as of 2026-11-28).",
        version={
            "Version": "18.09.1",
            "Components.0.Version": "18.09.1",
            "Components.2.Version": "1.0.0-rc6",
            "Components.2.Details.GitCommit": "09c8266bf2fcf9519a651b04ae54c967b9ab86ed",
        },
    ),
    EngineCase("engine-outdated", None, version=RECENT),
    EngineCase("daemon-warnings", None),  # captured: Warnings null
    # edited: the warning dockerd gives on hosts without swap accounting
    EngineCase(
        "daemon-warnings",
        L,
        "WARNING: No swap limit support",
        info={"Warnings": ["WARNING: No swap limit support"]},
    ),
    EngineCase("swarm-active", None),
    # edited: docker swarm init
    EngineCase(
        "swarm-active",
        INF,
        "Swarm LocalNodeState is active.",
        info={"Swarm.LocalNodeState": "active"},
    ),
    # A swarm manager: tests/fixtures/swarm (one node, one manager, defaults but
    # for the services and networks the capture script made).
    EngineCase("swarm-managers", None, info={"Swarm": _swarm()}),  # 1 of 1: the minimum
    EngineCase("swarm-managers", None, outcome="n/a"),  # in no swarm
    EngineCase(
        "swarm-managers",
        M,
        "2 managers: an even count; 1 would tolerate as many failures.",
        info={"Swarm": _swarm(), "Swarm.Managers": 2, "Swarm.Nodes": 4},  # edited
    ),
    EngineCase(
        "swarm-managers",
        INF,
        "One manager for 3 nodes: if it is lost, so is control of the swarm (fine where no "
        "fault tolerance is needed).",
        info={"Swarm": _swarm(), "Swarm.Nodes": 3},  # edited: two workers joined
    ),
    EngineCase(
        "swarm-autolock-off",
        L,
        "Spec.EncryptionConfig.AutoLockManagers is false.",
        info={"Swarm": _swarm()},
    ),
    EngineCase(  # edited: docker swarm update --autolock=true
        "swarm-autolock-off",
        None,
        info={"Swarm": _swarm(), "Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers": True},
    ),
    EngineCase(  # a worker does not see the cluster's settings
        "swarm-autolock-off",
        None,
        info={"Swarm": _swarm(), "Swarm.ControlAvailable": False},
        outcome="n/a",
    ),
    EngineCase("swarm-node-cert-expiry", None, info={"Swarm": _swarm()}),  # the default 90 days
    EngineCase(  # edited: docker swarm update --cert-expiry 8760h
        "swarm-node-cert-expiry",
        L,
        "Spec.CAConfig.NodeCertExpiry is 365 days.",
        info={"Swarm": _swarm(), "Swarm.Cluster.Spec.CAConfig.NodeCertExpiry": 365 * DAY_NS},
    ),
    EngineCase(
        "swarm-ca-not-rotated",
        INF,
        "The root CA was issued 2026-12-02 and is valid until 2046-11-27 (7300 days).",
        info={"Swarm": _swarm()},
    ),
    EngineCase(  # edited: docker swarm ca --rotate under way
        "swarm-ca-not-rotated",
        None,
        info={"Swarm": _swarm(), "Swarm.Cluster.RootRotationInProgress": True},
    ),
    EngineCase(
        "overlay-unencrypted",
        M,
        "dtui-plain-overlay is not encrypted.",
        info={"Swarm": _swarm()},
        listed=True,
    ),
    # Only /info read: the networks are not known, so not judged.
    EngineCase("overlay-unencrypted", None, info={"Swarm": _swarm()}, outcome="n/a"),
    EngineCase("stopped-sprawl", None),  # captured: 7 of 47 stopped
    EngineCase(
        "stopped-sprawl",
        INF,
        "25 of 60 containers are stopped.",
        info={"Containers": 60, "ContainersStopped": 25},
    ),
]


def test_every_engine_check_has_a_firing_and_a_clean_case() -> None:
    engine_ids = {cid for cid, check in CHECKS.items() if check.scope == "engine"}
    assert {e.check for e in ENGINE_CASES if e.severity} == engine_ids
    assert {e.check for e in ENGINE_CASES if e.severity is None} == engine_ids


@pytest.mark.parametrize(
    "row",
    ENGINE_CASES,
    ids=lambda r: f"{r.check}-{'fires' if r.severity else r.outcome}",
)
def test_engine_check(
    row: EngineCase,
    make_engine: Callable[..., EngineInfo],
    engine_findings: Callable[..., list[Any]],
) -> None:
    engine = make_engine(
        info=row.info,
        version=row.version,
        bridge=row.bridge,
        security_options=row.security_options,
    )
    if row.listed:
        assert engine.swarm is not None
        listing = [
            json.loads((_SWARM_DIR / f).read_text()) for f in ("nodes.json", "networks.json")
        ]
        engine = replace(engine, swarm=with_listing(engine.swarm, *listing))
    found = [f for f in engine_findings(engine, row.client) if f.check == row.check]
    if row.severity is None:
        assert found == []
        check = CHECKS[row.check]
        assert check.fn is not None
        assert _outcome(check.fn(engine, row.client)) == row.outcome
        return
    assert found, f"{row.check} did not fire"
    assert found[0].severity is row.severity
    assert found[0].detail == row.detail
    check = CHECKS[row.check]
    assert found[0].cis == check.cis  # the kind may be the hit's own: see below
    for f in found:
        assert f.severity in check.severities
        assert_command_fits_its_kind(f)


# --- exec checks --------------------------------------------------------------------------


def _exec_doc(container_id: str, *, user: str, privileged: bool) -> dict[str, Any]:
    """An exec session cannot be captured by the fixture script (it only
    inspects containers): this is the shape GET /exec/{id}/json returns on
    Docker 20.10, built by hand for the captured container's id."""
    return {
        "CanRemove": False,
        "ContainerID": container_id,
        "DetachKeys": "",
        "ExitCode": None,
        "ID": "d0c4f1b3a8e2e2f0b6c7b7a1e3f7d5c9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5",
        "OpenStderr": True,
        "OpenStdin": True,
        "OpenStdout": True,
        "Pid": 4242,
        "ProcessConfig": {
            "arguments": ["-c", "id"],
            "entrypoint": "sh",
            "privileged": privileged,
            "tty": True,
            "user": user,
        },
        "Running": True,
    }


@pytest.mark.parametrize(
    ("case", "user", "privileged", "expected"),
    [
        ("hardened", "1000", True, {"exec-privileged": (H, "Privileged exec: sh -c id")}),
        ("hardened", "", False, {}),
        ("plain", "1000", False, {}),
        (
            "hardened",
            "root",
            False,
            {"exec-root": (M, "Exec as root: sh -c id")},
        ),
        (
            "plain",
            "",
            False,
            {"exec-root": (M, "Exec as root (the container's user): sh -c id")},
        ),
        (
            "plain",
            "0",
            True,
            {
                "exec-privileged": (H, "Privileged exec: sh -c id"),
                "exec-root": (M, "Exec as 0: sh -c id"),
            },
        ),
    ],
)
def test_exec_checks(
    case: str,
    user: str,
    privileged: bool,
    expected: dict[str, tuple[Severity, str]],
    container: Callable[..., Container],
) -> None:
    c = container(case)
    session = exec_from_inspect(_exec_doc(c.id, user=user, privileged=privileged))
    assert session.container_id == c.id
    found = {f.check: (f.severity, f.detail) for f in audit_exec(session, c)}
    assert found == expected


def test_exec_root_is_low_where_root_is_remapped(
    container: Callable[..., Container], make_engine: Callable[..., EngineInfo]
) -> None:
    # Edited copy of /info: a userns-remap daemon, where root in the exec is
    # an unprivileged user on the host, as exec-root's reason says.
    c = container("plain")
    session = exec_from_inspect(_exec_doc(c.id, user="", privileged=False))
    (rootful,) = audit_exec(session, c, make_engine())
    (remapped,) = audit_exec(session, c, make_engine(security_options=["name=userns"]))
    assert (rootful.severity, remapped.severity) == (Severity.MEDIUM, Severity.LOW)
    assert remapped.detail == (
        "Exec as root (the container's user), remapped to an unprivileged host user: sh -c id"
    )

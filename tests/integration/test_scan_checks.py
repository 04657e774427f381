"""One real container per misconfiguration in docs/checks.md that this machine can
create, scanned once with `dockertui scan --format json`, each asserting the
finding it must produce (check id and severity) and no unrelated serious one.

Privileged, --cap-add ALL and rshared propagation cannot start here (no
CAP_SYS_RESOURCE in the bounding set; / is a private mount): those are created
only, which the product must handle anyway. Everything else runs."""

from __future__ import annotations

import contextlib
import json
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest
from integration_support import (
    MODULE_LABEL,
    create_raw,
    free_tcp_port,
    make_hardened,
    scan,
    text,
)

from dockertui.audit.capabilities import DOCKER_DEFAULT

import harness

LATEST = "dockertui-test/busybox:latest"
UNTAGGED = "dockertui-test/busybox"
FAKE_SECRETS = {"DB_PASSWORD": "itest-not-a-secret", "API_TOKEN": "itest-fake-token-value"}
CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass
class Ctx:
    """Values only known when the module runs."""

    tmp: Path
    low_port: int  # a free host port below 1024
    pair_port: int  # another one, for the running and created pair
    network: str
    cgroup_parent: str


HostArg = dict[str, Any] | Callable[[Ctx], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    name: str
    #: (check id, severity) pairs that must be in the container's findings.
    expect: tuple[tuple[str, str], ...] = ()
    #: Check ids that must not be reported.
    absent: tuple[str, ...] = ()
    #: check id -> a piece of text its finding's detail must contain.
    detail: dict[str, str] = field(default_factory=dict)
    host: HostArg = field(default_factory=dict)
    raw_host: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    image: str = harness.IMAGE
    start: bool = True
    state: str = "running"
    after: str = ""  # "wait" (let it exit) or "pause"


#: What every busybox container without hardening reports: they run as root
#: without limits, no-new-privileges or health check, on the default bridge.
BASELINE = (
    ("root-user", "medium"),
    ("no-new-privileges", "medium"),
    ("memory-unlimited", "medium"),
    ("pids-unlimited", "medium"),
    ("cpu-unlimited", "low"),
    ("rootfs-writable", "low"),
    ("cap-not-dropped", "low"),
    ("healthcheck-missing", "low"),
    ("ulimit-default", "info"),
)


def _port(ip: str, port: int | None = None) -> dict[str, Any]:
    binding = (ip,) if port is None else (ip, port)
    return {"port_bindings": {"80/tcp": binding}}


CASES: tuple[Case, ...] = (
    Case(
        "plain",
        expect=(*BASELINE, ("default-bridge", "info")),
        absent=(
            "privileged",
            "cap-added",
            "cap-dangerous",
            "seccomp-disabled",
            "host-network",
            "host-pid",
            "host-ipc",
            "host-uts",
            "host-userns",
            "docker-socket",
            "sensitive-mount",
            "mount-propagation",
            "host-devices",
            "restart-policy",
            "port-all-interfaces",
            "port-privileged",
            "port-published",
            "cgroup-parent",
            "sshd-running",
            "secrets-in-env",
            "image-latest",
            "masked-paths-off",
        ),
        detail={
            "root-user": "not set, so root",
            "healthcheck-missing": "Neither image nor container",
            "no-new-privileges": "Neither the container nor the daemon",
        },
    ),
    Case(
        "privileged",
        host={"privileged": True},
        start=False,
        state="created",
        expect=(
            ("privileged", "critical"),
            ("cap-dangerous", "critical"),
            ("seccomp-disabled", "high"),
        ),
        absent=("masked-paths-off",),
        detail={"privileged": "not running yet", "cap-dangerous": "privileged"},
    ),
    Case(
        "cap-add-all",
        host={"cap_add": ["ALL"]},
        start=False,
        state="created",
        expect=(("cap-dangerous", "critical"), ("cap-added", "medium")),
        absent=("privileged", "seccomp-disabled"),
        detail={"cap-dangerous": "--cap-add ALL", "cap-added": "ALL"},
    ),
    Case(
        "cap-sys-admin",
        host={"cap_add": ["SYS_ADMIN"]},
        expect=(("cap-added", "medium"), ("cap-dangerous", "critical")),
        absent=("privileged",),
        detail={"cap-added": "SYS_ADMIN", "cap-dangerous": "SYS_ADMIN"},
    ),
    Case(
        "cap-net-admin",
        host={"cap_add": ["NET_ADMIN"]},
        expect=(("cap-added", "medium"), ("cap-dangerous", "high")),
        detail={"cap-dangerous": "NET_ADMIN"},
    ),
    Case(
        "cap-sys-ptrace",
        host={"cap_add": ["CAP_SYS_PTRACE"]},
        expect=(("cap-added", "medium"), ("cap-dangerous", "high")),
        detail={"cap-dangerous": "SYS_PTRACE"},
    ),
    Case(
        "seccomp-unconfined",
        host={"security_opt": ["seccomp=unconfined"]},
        expect=(("seccomp-disabled", "high"),),
        detail={"seccomp-disabled": "seccomp=unconfined"},
    ),
    Case(
        "nnp-false",
        host={"security_opt": ["no-new-privileges=false"]},
        expect=(("no-new-privileges", "medium"),),
        detail={"no-new-privileges": "explicitly"},
    ),
    Case(
        "host-network",
        host={"network_mode": "host"},
        expect=(("host-network", "high"), ("port-published", "info")),
        absent=("default-bridge",),
        detail={"port-published": "Host networking"},
    ),
    Case("host-pid", host={"pid_mode": "host"}, expect=(("host-pid", "high"),)),
    Case("host-ipc", host={"ipc_mode": "host"}, expect=(("host-ipc", "high"),)),
    Case("host-uts", host={"uts_mode": "host"}, expect=(("host-uts", "medium"),)),
    # The daemon here has no userns remap: host-userns is info, and root-user
    # stays medium.
    Case(
        "userns-host",
        host={"userns_mode": "host"},
        expect=(("host-userns", "info"), ("root-user", "medium")),
        detail={"host-userns": "does not remap"},
    ),
    Case(
        "docker-sock-rw",
        host={"binds": ["/var/run/docker.sock:/var/run/docker.sock"]},
        expect=(("docker-socket", "critical"),),
        absent=("sensitive-mount",),
        detail={"docker-socket": "/var/run/docker.sock -> /var/run/docker.sock."},
    ),
    Case(
        "docker-sock-ro",
        host={"binds": ["/var/run/docker.sock:/run/engine/docker.sock:ro"]},
        expect=(("docker-socket", "critical"),),
        absent=("sensitive-mount",),
        detail={"docker-socket": "read-only, which does not stop API calls"},
    ),
    Case(
        "mount-etc-ro",
        host={"binds": ["/etc:/host-etc:ro"]},
        expect=(("sensitive-mount", "medium"),),
        detail={"sensitive-mount": "Host /etc is mounted read-only at /host-etc"},
    ),
    Case(
        "mount-root-rw",
        host={"binds": ["/:/host"]},
        expect=(("sensitive-mount", "high"),),
        detail={"sensitive-mount": "Host / is mounted read-write at /host"},
    ),
    Case(
        "propagation-rshared",
        host=lambda ctx: {"binds": [f"{ctx.tmp}:/shared:rshared"]},
        start=False,
        state="created",
        expect=(("mount-propagation", "medium"),),
        absent=("sensitive-mount",),
        detail={"mount-propagation": "rshared"},
    ),
    Case(
        "devices",
        host={"devices": ["/dev/zero:/dev/itest-zero:r"]},
        expect=(("host-devices", "medium"),),
        detail={"host-devices": "/dev/zero->/dev/itest-zero (r)"},
    ),
    Case(
        "restart-always",
        host={"restart_policy": {"Name": "always"}},
        expect=(("restart-policy", "low"),),
        detail={"restart-policy": "always"},
    ),
    Case(
        "restart-unless-stopped",
        host={"restart_policy": {"Name": "unless-stopped"}},
        expect=(("restart-policy", "low"),),
        detail={"restart-policy": "unless-stopped"},
    ),
    Case(
        "restart-on-failure-0",
        host={"restart_policy": {"Name": "on-failure", "MaximumRetryCount": 0}},
        expect=(("restart-policy", "low"),),
        detail={"restart-policy": "unlimited"},
    ),
    Case(
        "restart-on-failure-10",
        host={"restart_policy": {"Name": "on-failure", "MaximumRetryCount": 10}},
        expect=(("restart-policy", "low"),),
        detail={"restart-policy": "10 retries"},
    ),
    Case(
        "restart-on-failure-3",
        host={"restart_policy": {"Name": "on-failure", "MaximumRetryCount": 3}},
        absent=("restart-policy",),
    ),
    Case(
        "port-any-v4",
        host=_port("0.0.0.0"),
        config={"ports": [80]},
        expect=(("port-all-interfaces", "medium"), ("port-published", "info")),
        absent=("port-privileged",),
        detail={"port-all-interfaces": "0.0.0.0:"},
    ),
    Case(
        "port-any-v6",
        host=_port("::"),
        config={"ports": [80]},
        expect=(("port-all-interfaces", "medium"), ("port-published", "info")),
        detail={"port-all-interfaces": "[::]:"},
    ),
    Case(
        "port-privileged",
        host=lambda ctx: _port("127.0.0.1", ctx.low_port),
        config={"ports": [80]},
        expect=(("port-privileged", "low"), ("port-published", "info")),
        absent=("port-all-interfaces",),
    ),
    Case(
        "created-with-ports",
        host=_port("0.0.0.0", None),
        config={"ports": [80]},
        start=False,
        state="created",
        expect=(("port-all-interfaces", "medium"), ("port-published", "info")),
        detail={"port-all-interfaces": "0.0.0.0:(random)->80/tcp"},
    ),
    Case(
        "cgroup-parent",
        host=lambda ctx: {"cgroup_parent": ctx.cgroup_parent},
        expect=(("cgroup-parent", "medium"),),
    ),
    Case(
        "ulimits",
        host={"ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 1024}]},
        absent=("ulimit-default",),
    ),
    Case(
        "health-none",
        config={"healthcheck": {"test": ["NONE"]}},
        expect=(("healthcheck-missing", "low"),),
        detail={"healthcheck-missing": "disabled (NONE)"},
    ),
    Case(
        "health-ok",
        config={"healthcheck": {"test": ["CMD", "true"]}},
        absent=("healthcheck-missing",),
    ),
    Case(
        "sshd",
        image=harness.SSHD_IMAGE,
        expect=(("sshd-running", "medium"),),
    ),
    Case(
        "secrets-env",
        config={
            "environment": [
                *(f"{k}={v}" for k, v in FAKE_SECRETS.items()),
                "GPG_KEY=itest-gpg-not-a-secret",
                "DB_PASSWORD_FILE=/run/secrets/db",
                "EMPTY_SECRET=",
            ]
        },
        expect=(("secrets-in-env", "high"),),
        detail={"secrets-in-env": "API_TOKEN, DB_PASSWORD (values not shown)"},
    ),
    Case(
        "image-latest",
        image=LATEST,
        expect=(("image-latest", "low"),),
        detail={"image-latest": "the latest tag"},
    ),
    Case(
        "image-untagged",
        image=UNTAGGED,
        expect=(("image-latest", "low"),),
        detail={"image-latest": "no tag"},
    ),
    # `--security-opt systempaths=unconfined`, as the docker CLI sends it.
    Case(
        "masked-paths-off",
        raw_host={"MaskedPaths": [], "ReadonlyPaths": []},
        expect=(("masked-paths-off", "high"),),
    ),
    Case(
        "exited",
        config={"command": ["true"]},
        after="wait",
        state="exited",
        expect=BASELINE,
        absent=("sshd-running",),
    ),
    Case("paused", after="pause", state="paused", expect=BASELINE),
    # Never started, configured to run sshd: judged from Entrypoint + Cmd.
    Case(
        "sshd-created",
        image=harness.SSHD_IMAGE,
        start=False,
        state="created",
        expect=(("sshd-running", "medium"),),
        detail={"sshd-running": "judged from the configured command"},
    ),
    # One container twice, running and never started, published on every
    # interface with no address: the running one is bound on 0.0.0.0 and [::].
    Case(
        "pair-running",
        host=lambda ctx: {"port_bindings": {"80/tcp": ctx.pair_port}},
        config={"ports": [80]},
        expect=(("port-all-interfaces", "medium"), ("port-privileged", "low")),
    ),
    Case(
        "pair-created",
        host=lambda ctx: {"port_bindings": {"80/tcp": ctx.pair_port}},
        config={"ports": [80]},
        start=False,
        state="created",
        expect=(("port-all-interfaces", "medium"), ("port-privileged", "low")),
    ),
)
BY_NAME = {case.name: case for case in CASES}
assert len(BY_NAME) == len(CASES), "case names must be unique"

HARDENED = "hardened"


def _make(made: harness.Containers, case: Case, ctx: Ctx, labels: dict[str, str]) -> str:
    host = case.host(ctx) if callable(case.host) else dict(case.host)
    cid = create_raw(
        made,
        case.name,
        host=host,
        raw_host=case.raw_host,
        image=case.image,
        start=case.start,
        labels=labels,
        **case.config,
    )
    if case.after == "wait":
        made.api.wait(cid, timeout=30)
    elif case.after == "pause":
        made.api.pause(cid)
    return cid


def _remove_cgroup_parent(name: str) -> None:
    """Docker leaves the --cgroup-parent folders behind (cgroupfs driver)."""
    for controller in CGROUP_ROOT.glob("*"):
        with contextlib.suppress(OSError):
            (controller / name.strip("/")).rmdir()


@dataclass(frozen=True)
class Scanned:
    result: subprocess.CompletedProcess[bytes]
    report: dict[str, Any]
    prefix: str  # container names are prefix + case name

    def container(self, case: str) -> dict[str, Any]:
        wanted = self.prefix + case
        found = [c for c in self.report["containers"] if c["name"] == wanted]
        assert len(found) == 1, f"{wanted} not in the report exactly once"
        return found[0]


@pytest.fixture(scope="module")
def scanned(
    docker_api: docker.APIClient,
    module_containers: harness.Containers,
    module_tag: str,
    user_network: str,
) -> Iterator[Scanned]:
    made = module_containers
    tagged_here = False
    try:
        docker_api.inspect_image(LATEST)
    except docker.errors.ImageNotFound:
        docker_api.tag(harness.IMAGE, UNTAGGED, "latest")
        tagged_here = True
    cgroup_parent = f"/dtui-itest-{module_tag}"
    labels = {MODULE_LABEL: module_tag}
    with tempfile.TemporaryDirectory(prefix="dtui-shared-") as tmp:
        ctx = Ctx(
            tmp=Path(tmp),
            low_port=free_tcp_port(900, 1024),
            pair_port=free_tcp_port(800, 900),
            network=user_network,
            cgroup_parent=cgroup_parent,
        )
        try:
            for case in CASES:
                _make(made, case, ctx, labels)
            make_hardened(made, HARDENED, ctx.network, labels)
            result = scan("--format", "json", "--filter", f"label={MODULE_LABEL}={module_tag}")
            try:
                report = json.loads(result.stdout)
            except json.JSONDecodeError:
                pytest.fail(
                    f"scan exited {result.returncode} without JSON: {text(result.stderr)}",
                    pytrace=False,
                )
            yield Scanned(result, report, made.name(""))
        finally:
            made.cleanup()
            _remove_cgroup_parent(cgroup_parent)
            if tagged_here:
                docker_api.remove_image(LATEST)


def test_scan_succeeds_and_lists_exactly_this_module(scanned: Scanned) -> None:
    assert scanned.result.returncode == 0, text(scanned.result.stderr)
    assert scanned.result.stderr == b""
    names = sorted(c["name"] for c in scanned.report["containers"])
    assert names == sorted(scanned.prefix + n for n in [*BY_NAME, HARDENED])
    assert scanned.report["summary"]["containers"] == len(CASES) + 1


@pytest.mark.parametrize("name", list(BY_NAME))
def test_expected_findings(scanned: Scanned, name: str) -> None:
    case = BY_NAME[name]
    container = scanned.container(name)
    assert container["state"] == case.state
    found: dict[str, list[dict[str, Any]]] = {}
    for finding in container["findings"]:
        found.setdefault(finding["check"], []).append(finding)
    for check, severity in case.expect:
        assert check in found, f"{name}: no {check} finding; got {sorted(found)}"
        severities = {f["severity"] for f in found[check]}
        assert severity in severities, f"{name}: {check} is {severities}, expected {severity}"
    for check, piece in case.detail.items():
        details = [f["detail"] for f in found[check]]
        assert any(piece in d for d in details), f"{name}: {piece!r} not in {details}"
    for check in case.absent:
        assert check not in found, f"{name}: unexpected {check}: {found.get(check)}"
    # Nothing serious that the case did not ask for: no false positives.
    expected = {check for check, _ in case.expect}
    serious = {f["check"] for f in container["findings"] if f["severity"] in ("critical", "high")}
    assert serious <= expected, f"{name}: unexpected serious findings {serious - expected}"


def test_plain_container_facts(scanned: Scanned) -> None:
    plain = scanned.container("plain")
    assert plain["user"] == "root"
    assert plain["image"] == harness.IMAGE
    assert plain["effective_capabilities"] == sorted(DOCKER_DEFAULT)
    assert plain["grade"] in ("B", "C", "D", "F")
    assert len(plain["id"]) == 64


def test_privileged_grades_f_with_every_capability(scanned: Scanned) -> None:
    privileged = scanned.container("privileged")
    assert privileged["grade"] == "F"
    assert len(privileged["effective_capabilities"]) > 35
    assert "SYS_ADMIN" in privileged["effective_capabilities"]
    assert scanned.container("cap-add-all")["grade"] == "F"


def test_added_capability_is_effective(scanned: Scanned) -> None:
    caps = scanned.container("cap-sys-admin")["effective_capabilities"]
    assert caps == sorted(DOCKER_DEFAULT | {"SYS_ADMIN"})
    assert scanned.container("cap-sys-admin")["grade"] == "F"
    assert scanned.container("cap-net-admin")["grade"] in ("C", "D", "F")


def test_secret_values_never_reach_the_report(scanned: Scanned) -> None:
    out = scanned.result.stdout + scanned.result.stderr
    for value in FAKE_SECRETS.values():
        assert value.encode() not in out
    detail = next(
        f["detail"]
        for f in scanned.container("secrets-env")["findings"]
        if f["check"] == "secrets-in-env"
    )
    assert "GPG_KEY" not in detail
    assert "EMPTY_SECRET" not in detail
    assert "DB_PASSWORD_FILE" not in detail


def test_hardened_container_grades_a(scanned: Scanned) -> None:
    hardened = scanned.container(HARDENED)
    assert hardened["state"] == "running"
    assert hardened["user"] == "1000:1000"
    assert hardened["effective_capabilities"] == []
    assert hardened["grade"] == "A"
    assert hardened["score"] >= 90
    above_low = [f for f in hardened["findings"] if f["severity"] not in ("low", "info")]
    assert above_low == []
    checks = {f["check"] for f in hardened["findings"]}
    assert "default-bridge" not in checks
    assert "port-all-interfaces" not in checks
    published = [f["detail"] for f in hardened["findings"] if f["check"] == "port-published"]
    assert len(published) == 1
    assert "127.0.0.1:" in published[0]
    assert "->8080/tcp" in published[0]


def test_worst_container_first(scanned: Scanned) -> None:
    grades = [c["grade"] for c in scanned.report["containers"]]
    assert grades[0] == "F"
    first = scanned.report["containers"][0]
    assert any(f["severity"] == "critical" for f in first["findings"])
    assert scanned.report["containers"][-1]["grade"] == "A"


def test_summary_counts_every_finding(scanned: Scanned) -> None:
    """The scan is filtered (by this module's label) without --include-engine:
    the summary counts the selected containers' findings, as --fail-on
    judges them; the engine's findings are reported but not counted."""
    report = scanned.report
    assert report["engine_findings"], "the engine here has findings that must not count"
    counts: dict[str, int] = dict.fromkeys(("critical", "high", "medium", "low", "info"), 0)
    for container in report["containers"]:
        for finding in container["findings"]:
            counts[finding["severity"]] += 1
    assert report["summary"]["by_severity"] == counts
    assert counts["critical"] >= 5  # privileged, cap-add ALL, SYS_ADMIN, two sockets


def test_a_running_and_a_created_copy_score_the_same(scanned: Scanned) -> None:
    running, created = scanned.container("pair-running"), scanned.container("pair-created")
    assert (running["state"], created["state"]) == ("running", "created")

    def outcomes(c: dict[str, Any]) -> list[tuple[str, str]]:
        return sorted((f["check"], f["severity"]) for f in c["findings"])

    assert outcomes(running) == outcomes(created)
    assert (running["score"], running["grade"]) == (created["score"], created["grade"])
    for c in (running, created):
        ports = [
            f for f in c["findings"] if f["check"] in ("port-all-interfaces", "port-privileged")
        ]
        assert len(ports) == 2, ports  # one exposure each, whatever the address families

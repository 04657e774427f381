"""AppArmor, SELinux, seccomp, no-new-privileges and masked paths.

The capture daemon has neither AppArmor nor SELinux: every AppArmor/SELinux
daemon below is an edited copy of the captured /info (SecurityOptions), and
the containers' AppArmorProfile/ProcessLabel are edited to what such a daemon
writes (docker-default; container_t labels)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dockertui.audit import Severity
from dockertui.model import Container, EngineInfo

SELINUX_LABEL = "system_u:system_r:container_t:s0:c123,c456"


@pytest.fixture
def apparmor_engine(make_engine: Callable[..., EngineInfo]) -> EngineInfo:
    return make_engine(security_options=["name=apparmor"])


@pytest.fixture
def selinux_engine(make_engine: Callable[..., EngineInfo]) -> EngineInfo:
    return make_engine(security_options=["name=selinux"])


# --- AppArmor -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "edits", "fires"),
    [
        # running, the engine wrote the profile it applied
        ("plain", {"AppArmorProfile": "docker-default"}, False),
        ("plain", {"AppArmorProfile": "my-nginx"}, False),
        ("plain", {"AppArmorProfile": "unconfined"}, True),
        ("plain", {"AppArmorProfile": ""}, True),  # running with no profile at all
        # --security-opt apparmor=unconfined (captured, AppArmorProfile still "")
        ("apparmor-unconfined", {}, True),
        ("apparmor-unconfined", {"AppArmorProfile": "unconfined"}, True),
        # privileged containers run unconfined whatever the profile says
        ("plain", {"AppArmorProfile": "docker-default", "HostConfig.Privileged": True}, True),
        ("privileged", {}, True),
        # never started: the engine picks docker-default at start
        ("ports-created", {}, False),
        ("user-named", {}, False),
        # never started but asked to run unconfined
        ("ports-created", {"HostConfig.SecurityOpt": ["apparmor=unconfined"]}, True),
        ("ports-created", {"HostConfig.SecurityOpt": ["apparmor:unconfined"]}, True),
        # exited: the profile is chosen again at the next start
        ("exited", {"AppArmorProfile": ""}, False),
    ],
)
def test_apparmor_on_an_apparmor_host(
    case: str,
    edits: dict[str, Any],
    fires: bool,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
    apparmor_engine: EngineInfo,
) -> None:
    c = container(case, edits)
    found = findings_of(audit(c, apparmor_engine), "apparmor-disabled")
    assert [f.severity for f in found] == ([Severity.MEDIUM] if fires else [])
    for f in found:  # it says whether it saw the profile or read the configuration
        verb = "runs" if c.running else "will start"
        assert f.detail.startswith(f"AppArmor is on in the daemon but this container {verb} ")
        assert ("judged from its configuration" in f.detail) is (not c.running)
        assert ("because it is privileged" in f.detail) is c.privileged


def test_apparmor_not_applicable_without_apparmor(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
    engine_info: EngineInfo,
) -> None:
    assert not engine_info.has_option("apparmor")
    for case in ("apparmor-unconfined", "privileged", "plain"):
        assert findings_of(audit(container(case)), "apparmor-disabled") == []


# --- SELinux ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "edits", "detail"),
    [
        ("plain", {"ProcessLabel": SELINUX_LABEL}, None),
        ("ports-created", {"ProcessLabel": SELINUX_LABEL}, None),
        (
            "label-disable",
            {"ProcessLabel": ""},
            "--security-opt label=disable turns SELinux labelling off.",
        ),
        (
            "plain",
            {"ProcessLabel": SELINUX_LABEL, "HostConfig.SecurityOpt": ["label:disable"]},
            "--security-opt label=disable turns SELinux labelling off.",
        ),
        # The engine itself adds label=disable to privileged containers (as
        # captured); without it, privileged still means unconfined.
        ("privileged", {}, "--security-opt label=disable turns SELinux labelling off."),
        (
            "privileged",
            {"ProcessLabel": SELINUX_LABEL, "HostConfig.SecurityOpt": None},
            "Privileged containers run without SELinux confinement.",
        ),
        ("plain", {"ProcessLabel": ""}, "The container runs with no SELinux process label."),
        # The engine labels a container when it creates it, so a created or
        # exited container without a label will run without one too.
        (
            "ports-created",
            {"ProcessLabel": ""},
            "The container runs with no SELinux process label.",
        ),
        ("exited", {"ProcessLabel": ""}, "The container runs with no SELinux process label."),
        # a custom type is still a label
        (
            "plain",
            {
                "ProcessLabel": SELINUX_LABEL,
                "HostConfig.SecurityOpt": ["label=type:svirt_apache_t"],
            },
            None,
        ),
    ],
)
def test_selinux_on_an_selinux_host(
    case: str,
    edits: dict[str, Any],
    detail: str | None,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
    selinux_engine: EngineInfo,
) -> None:
    found = findings_of(audit(container(case, edits), selinux_engine), "selinux-disabled")
    assert [(f.severity, f.detail) for f in found] == (
        [(Severity.MEDIUM, detail)] if detail else []
    )


def test_selinux_not_applicable_without_selinux(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    assert findings_of(audit(container("label-disable")), "selinux-disabled") == []


# --- seccomp ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("security_opt", "severity", "detail"),
    [
        (
            ["seccomp=unconfined"],
            Severity.HIGH,
            "--security-opt seccomp=unconfined turns syscall filtering off.",
        ),
        (
            ["seccomp:unconfined"],
            Severity.HIGH,
            "--security-opt seccomp=unconfined turns syscall filtering off.",
        ),
        (
            ["SECCOMP=Unconfined"],
            Severity.HIGH,
            "--security-opt seccomp=unconfined turns syscall filtering off.",
        ),
        (
            ["seccomp=/etc/docker/seccomp/strict.json"],
            Severity.INFO,
            "Runs under a custom seccomp profile; review that it still blocks what the default "
            "profile blocks.",
        ),
        (["no-new-privileges", "label=disable"], None, None),
        ([], None, None),
    ],
)
def test_seccomp_security_opt(
    security_opt: list[str],
    severity: Severity | None,
    detail: str | None,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    c = container("seccomp-unconfined", {"HostConfig.SecurityOpt": security_opt})
    found = findings_of(audit(c), "seccomp-disabled")
    assert [(f.severity, f.detail) for f in found] == ([(severity, detail)] if severity else [])


def test_seccomp_custom_fixture_is_info(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    (finding,) = findings_of(audit(container("seccomp-custom")), "seccomp-disabled")
    assert finding.severity is Severity.INFO
    assert finding.title == "Uses a custom seccomp profile"
    assert "SCMP_ACT_ALLOW" not in finding.detail  # the inline profile is not dumped


def test_privileged_runs_without_seccomp(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    (finding,) = findings_of(audit(container("privileged")), "seccomp-disabled")
    assert (finding.severity, finding.detail) == (
        Severity.HIGH,
        "Privileged containers run without any seccomp filter.",
    )


# --- no-new-privileges --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("security_opt", "daemon_nnp", "detail"),
    [
        (["no-new-privileges"], False, None),
        (["no-new-privileges=true"], False, None),
        (["no-new-privileges:true"], False, None),
        (["no-new-privileges=1"], False, None),
        ([], True, None),  # the daemon default covers it
        ([], False, "Neither the container nor the daemon sets no-new-privileges."),
        (
            ["seccomp=unconfined"],
            False,
            "Neither the container nor the daemon sets no-new-privileges.",
        ),
        (
            ["no-new-privileges=false"],
            False,
            "--security-opt no-new-privileges=false switches it off explicitly.",
        ),
        (
            ["no-new-privileges:false"],
            False,
            "--security-opt no-new-privileges=false switches it off explicitly.",
        ),
        # The container's explicit false overrides the daemon default (moby
        # sets the daemon value first, then applies the container's option).
        (
            ["no-new-privileges=false"],
            True,
            "--security-opt no-new-privileges=false switches it off explicitly.",
        ),
    ],
)
def test_no_new_privileges(
    security_opt: list[str],
    daemon_nnp: bool,
    detail: str | None,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
    make_engine: Callable[..., EngineInfo],
) -> None:
    # Edited: the daemon with "no-new-privileges": true lists the option.
    engine = make_engine(security_options=["name=no-new-privileges"] if daemon_nnp else [])
    c = container("nnp-false", {"HostConfig.SecurityOpt": security_opt})
    found = findings_of(audit(c, engine), "no-new-privileges")
    assert [(f.severity, f.detail) for f in found] == (
        [(Severity.MEDIUM, detail)] if detail else []
    )


# --- masked paths -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edits", "fires"),
    [
        ({}, True),  # captured: MaskedPaths []
        ({"HostConfig.MaskedPaths": None}, False),  # null: the engine default applies
        ({"HostConfig.MaskedPaths": ["/proc/kcore"]}, False),
        # Sent straight to the API without the CLI's translation
        (
            {"HostConfig.MaskedPaths": None, "HostConfig.SecurityOpt": ["systempaths=unconfined"]},
            True,
        ),
    ],
)
def test_masked_paths(
    edits: dict[str, Any],
    fires: bool,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    found = findings_of(audit(container("masked-paths-off", edits)), "masked-paths-off")
    assert [(f.severity, f.detail) for f in found] == (
        [(Severity.HIGH, "MaskedPaths is empty (systempaths=unconfined).")] if fires else []
    )


def test_masked_paths_default_is_none_and_empty_is_empty(
    container: Callable[..., Container],
) -> None:
    assert container("masked-paths-off").masked_paths == ()
    assert container("plain").masked_paths is not None
    assert "/proc/kcore" in container("plain").masked_paths
    assert container("plain", {"HostConfig.MaskedPaths": None}).masked_paths is None

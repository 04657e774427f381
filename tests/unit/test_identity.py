"""Who a container runs as: the effective-user rule, root under user
namespaces and rootless engines, and --userns=host."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dockertui.audit import Severity
from dockertui.audit.identity import effective_user, is_root, root_is_remapped
from dockertui.model import Container, EngineInfo


@pytest.mark.parametrize(
    ("user", "root"),
    [
        ("", True),
        ("0", True),
        ("root", True),
        ("0:1000", True),
        ("root:root", True),
        ("0:0", True),
        (" root ", True),
        ("1000", False),
        ("nobody", False),
        ("1000:0", False),
        ("1000:1000", False),
        ("rooter", False),
        ("10", False),
    ],
)
def test_is_root(user: str, root: bool) -> None:
    assert is_root(user) is root


@pytest.mark.parametrize(
    ("case", "user", "shown"),
    [
        ("plain", "", "root"),
        ("user-root-explicit", "root", "root"),
        ("user-numeric-root-group", "0:1000", "0:1000"),
        ("user-named", "nobody", "nobody"),
        ("hardened", "1000:1000", "1000:1000"),
    ],
)
def test_fixture_users(
    case: str,
    user: str,
    shown: str,
    container: Callable[..., Container],
    audit: Callable[..., Any],
) -> None:
    c = container(case)
    assert c.user == user
    assert effective_user(c) == shown
    assert audit(c).user == shown


@pytest.mark.parametrize(
    ("case", "detail"),
    [
        ("plain", "User is not set, so root (UID 0 on the host too)."),
        ("user-root-explicit", "User is root (UID 0 on the host too)."),
        ("user-numeric-root-group", "User is 0:1000 (UID 0 on the host too)."),
    ],
)
def test_root_user_fires_on_captured_root_containers(
    case: str,
    detail: str,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    (finding,) = findings_of(audit(container(case)), "root-user")
    assert (finding.severity, finding.detail) == (Severity.MEDIUM, detail)
    assert finding.fix.command == "--user 1000:1000"


@pytest.mark.parametrize("user", ["1000", "nobody", "1000:0"])
def test_root_user_passes_for_non_root(
    user: str,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    # Edited copy of `plain` with Config.User set (only `nobody` was captured,
    # as created-only: the busybox image has no /etc/passwd).
    assert findings_of(audit(container("plain", {"Config.User": user})), "root-user") == []


def test_root_under_userns_remap_is_low(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
    make_engine: Callable[..., EngineInfo],
) -> None:
    # Edited copy of /info: a daemon with "userns-remap": "default" (the capture
    # daemon has none).
    engine = make_engine(security_options=["name=userns"])
    c = container("user-root-explicit")
    assert root_is_remapped(c, engine)
    (finding,) = findings_of(audit(c, engine), "root-user")
    assert finding.severity is Severity.LOW
    assert finding.detail == (
        "User is root, but user-namespace remapping maps it to an unprivileged user on the host."
    )


def test_userns_host_under_userns_remap_is_root_again(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
    make_engine: Callable[..., EngineInfo],
) -> None:
    # `host-userns` (captured, UsernsMode host) on an edited userns-remap daemon.
    engine = make_engine(security_options=["name=userns"])
    c = container("host-userns")
    assert c.userns_mode == "host"
    assert not root_is_remapped(c, engine)
    report = audit(c, engine)
    (root,) = findings_of(report, "root-user")
    assert (root.severity, root.detail) == (
        Severity.MEDIUM,
        "User is not set, so root (UID 0 on the host too).",
    )
    (userns,) = findings_of(report, "host-userns")
    assert (userns.severity, userns.detail) == (
        Severity.MEDIUM,
        "--userns=host bypasses the daemon's user remapping.",
    )


def test_root_under_rootless_engine_is_low(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
    make_engine: Callable[..., EngineInfo],
) -> None:
    # Edited copy of /info: the SecurityOptions a rootless dockerd reports.
    engine = make_engine(
        info={"SecurityOptions": ["name=seccomp,profile=default", "name=rootless", "name=cgroupns"]}
    )
    assert engine.rootless and not engine.userns
    (finding,) = findings_of(audit(container("plain"), engine), "root-user")
    assert finding.severity is Severity.LOW
    assert finding.detail == (
        "User is not set, so root, but a rootless engine maps it to an unprivileged user on "
        "the host."
    )
    # Even with --userns=host, a rootless engine never gives out host root.
    c = container("host-userns")
    assert root_is_remapped(c, engine)
    (finding,) = findings_of(audit(c, engine), "root-user")
    assert finding.severity is Severity.LOW


def test_host_userns_without_remap_is_info(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    report = audit(container("host-userns"))
    (finding,) = findings_of(report, "host-userns")
    assert finding.severity is Severity.INFO
    assert finding.detail == (
        "--userns=host is set, but the daemon does not remap users, so it changes nothing."
    )
    # Info never counts against a container: a check whose only finding is
    # info still counts as passed, so the score equals plain's
    # (21 passed, sshd-running from the configured command among them;
    # 4 medium + 4 low failed: 42/50 -> 84).
    plain = audit(container("plain"))
    assert (plain.passed, plain.score) == (21, 84)
    assert (report.passed, report.score) == (21, 84)


def test_userns_option_parsing(make_engine: Callable[..., EngineInfo]) -> None:
    # Edited copies of /info SecurityOptions, one option per entry as dockerd sends them.
    engine = make_engine(
        info={
            "SecurityOptions": [
                "name=apparmor",
                "name=seccomp,profile=/etc/docker/seccomp.json",
                "name=userns",
                "name=selinux",
            ]
        }
    )
    assert engine.userns and not engine.rootless
    assert engine.has_option("apparmor") and engine.has_option("selinux")
    assert engine.option("seccomp", "profile") == "/etc/docker/seccomp.json"
    assert not engine.has_option("no-new-privileges")

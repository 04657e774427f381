"""Podman through its Docker-compatible API.

tests/fixtures/podman holds what Debian's Podman 4.3.1 answered (captured by
scripts/capture_podman_fixtures.py). Podman 4.3 reports CapAdd/CapDrop
against the OCI default set (Docker's 14 capabilities) without CAP_
prefixes; newer Podman compares against its own default set and keeps the
prefixes. That newer shape is an edited copy of the captured plain document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dockertui.audit import Severity
from dockertui.audit import capabilities as caps
from dockertui.model import Container, EngineInfo

PODMAN_11 = caps.DOCKER_DEFAULT - {"AUDIT_WRITE", "MKNOD", "NET_RAW"}


def test_podman_engine_is_detected(podman_engine: EngineInfo) -> None:
    assert podman_engine.podman and podman_engine.flavor == "podman"
    assert podman_engine.version == "4.3.1"
    assert podman_engine.components["Podman Engine"] == "4.3.1"
    assert podman_engine.icc is None  # no /networks/bridge on Podman


def test_podman_engine_findings(
    podman_engine: EngineInfo, engine_findings: Callable[..., list[Any]]
) -> None:
    found = engine_findings(podman_engine)
    checks = {f.check for f in found}
    assert "icc-enabled" not in checks  # not applicable without a Docker bridge
    outdated = [f for f in found if f.check == "engine-outdated"]
    # Podman's own version is never compared with Docker Engine releases ...
    assert not any(f.detail.startswith(("Engine ", "Podman")) for f in outdated)
    # ... its runc is, and Debian's build is lowered to info.
    assert outdated and all(
        f.detail.startswith("runc 1.1.5+ds1 may be patched: it is older than") for f in outdated
    )
    assert {f.severity for f in outdated} == {Severity.INFO}


@pytest.mark.parametrize(
    ("case", "effective"),
    [
        ("podman/plain", PODMAN_11),
        ("podman/sshd", PODMAN_11),
        ("podman/drop-all-add-bind", {"NET_BIND_SERVICE"}),
        # run with --cap-add SYS_ADMIN,NET_RAW --cap-drop CHOWN
        ("podman/cap-add-sys-admin-net-raw", (PODMAN_11 - {"CHOWN"}) | {"NET_RAW", "SYS_ADMIN"}),
        ("podman/privileged", caps.ALL),
    ],
)
def test_podman_effective_capabilities(
    case: str,
    effective: frozenset[str],
    container: Callable[..., Container],
    audit: Callable[..., Any],
    podman_engine: EngineInfo,
) -> None:
    assert audit(container(case), podman_engine).effective_capabilities == frozenset(effective)


def test_podman_plain(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
    podman_engine: EngineInfo,
) -> None:
    report = audit(container("podman/plain"), podman_engine)
    (kept,) = findings_of(report, "cap-not-dropped")
    assert kept.detail == "Still holds the default capabilities SETFCAP, SETPCAP."
    assert findings_of(report, "cap-added") == []
    assert findings_of(report, "cap-dangerous") == []
    assert findings_of(report, "default-bridge") == []  # Podman's network is "podman"
    # sshd-running answers from the configured command too: one more pass
    assert (report.score, report.grade) == (84, "B")


def test_podman_cap_add(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
    podman_engine: EngineInfo,
) -> None:
    report = audit(container("podman/cap-add-sys-admin-net-raw"), podman_engine)
    (dangerous,) = findings_of(report, "cap-dangerous")
    assert (dangerous.severity, dangerous.detail.split(":")[0]) == (Severity.CRITICAL, "SYS_ADMIN")
    (added,) = findings_of(report, "cap-added")
    assert added.detail == "--cap-add SYS_ADMIN"  # NET_RAW is within Docker's default 14
    assert report.grade == "F"


def test_podman_drop_all_passes_cap_not_dropped(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
    podman_engine: EngineInfo,
) -> None:
    # Podman never says ALL: it lists every default capability it dropped.
    c = container("podman/drop-all-add-bind")
    assert "ALL" not in c.cap_drop
    assert findings_of(audit(c, podman_engine), "cap-not-dropped") == []


def test_podman_privileged(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
    podman_engine: EngineInfo,
) -> None:
    report = audit(container("podman/privileged"), podman_engine)
    assert report.grade == "F"
    (finding,) = findings_of(report, "privileged")
    assert finding.severity is Severity.CRITICAL


def test_podman_sshd_with_its_top(
    container: Callable[..., Container],
    top_processes: Callable[[str], tuple[str, ...]],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
    podman_engine: EngineInfo,
) -> None:
    # Podman's /top has one title "PID USER COMMAND" and one string per row.
    assert top_processes("podman/sshd") == ("/usr/sbin/sshd -D",)
    c = container("podman/sshd", processes=top_processes("podman/sshd"))
    (finding,) = findings_of(audit(c, podman_engine), "sshd-running")
    assert (finding.severity, finding.detail) == (
        Severity.MEDIUM,
        "An sshd process is running, seen in its process list: /usr/sbin/sshd -D",
    )

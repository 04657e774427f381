"""The effective capability set and the capability checks that read it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dockertui.audit import Severity
from dockertui.audit import capabilities as caps
from dockertui.model import Container

DOCKER_14 = frozenset(
    {
        "CHOWN",
        "DAC_OVERRIDE",
        "FSETID",
        "FOWNER",
        "MKNOD",
        "NET_RAW",
        "SETGID",
        "SETUID",
        "SETFCAP",
        "SETPCAP",
        "NET_BIND_SERVICE",
        "SYS_CHROOT",
        "KILL",
        "AUDIT_WRITE",
    }
)
PODMAN_11 = DOCKER_14 - {"AUDIT_WRITE", "MKNOD", "NET_RAW"}


def test_docker_default_set_is_the_fourteen_capabilities() -> None:
    assert caps.DOCKER_DEFAULT == DOCKER_14
    assert len(caps.DOCKER_DEFAULT) == 14


def test_every_named_capability_is_known() -> None:
    assert DOCKER_14 <= caps.ALL
    assert set(caps.DANGEROUS) <= caps.ALL
    assert set(caps.HARDENING_DROP) <= caps.ALL
    assert len(caps.ALL) == 41  # capabilities(7) up to CHECKPOINT_RESTORE


@pytest.mark.parametrize(
    ("cap_add", "cap_drop", "privileged", "expected"),
    [
        pytest.param([], [], False, DOCKER_14, id="docker-default"),
        pytest.param((), (), False, DOCKER_14, id="empty-tuples"),
        pytest.param(["SYS_ADMIN"], [], False, DOCKER_14 | {"SYS_ADMIN"}, id="add-one"),
        pytest.param([], ["NET_RAW", "MKNOD"], False, DOCKER_14 - {"NET_RAW", "MKNOD"}),
        pytest.param(
            ["NET_BIND_SERVICE", "CHOWN"],
            ["ALL"],
            False,
            {"NET_BIND_SERVICE", "CHOWN"},
            id="drop-all-then-add",
        ),
        pytest.param([], ["ALL"], False, frozenset(), id="drop-all"),
        pytest.param(["ALL"], [], False, caps.ALL, id="add-all"),
        pytest.param(
            ["ALL"],
            ["SYS_ADMIN", "SYS_MODULE"],
            False,
            caps.ALL - {"SYS_ADMIN", "SYS_MODULE"},
            id="add-all-minus-drops",
        ),
        # default - ALL + ALL, and moby: ALL in CapAdd wins, minus
        # the named drops, and "ALL" names no single capability.
        pytest.param(["ALL"], ["ALL"], False, caps.ALL, id="add-all-drop-all"),
        # default - SYS_ADMIN + SYS_ADMIN: adds are applied after drops.
        pytest.param(["SYS_ADMIN"], ["SYS_ADMIN"], False, DOCKER_14 | {"SYS_ADMIN"}, id="add-wins"),
        # moby's TweakCapabilities: a privileged container gets every capability
        # whatever CapDrop says.
        pytest.param([], ["ALL"], True, caps.ALL, id="privileged-ignores-drop-all"),
        pytest.param([], ["SYS_ADMIN"], True, caps.ALL, id="privileged-ignores-drops"),
        pytest.param(
            ["cap_sys_time"],
            ["CAP_NET_RAW"],
            False,
            (DOCKER_14 - {"NET_RAW"}) | {"SYS_TIME"},
            id="prefixed-lowercase",
        ),
        pytest.param(
            ["Cap_Net_Admin", " sys_ptrace "],
            ["cap_all"],
            False,
            {"NET_ADMIN", "SYS_PTRACE"},
            id="mixed-case-prefix-and-spaces",
        ),
        pytest.param(["", "  "], [""], False, DOCKER_14, id="blank-names-ignored"),
        # Podman 4.3 (captured, tests/fixtures/podman; checked against CapEff in
        # tests/integration/test_effective_caps.py) reports against Docker's 14:
        # a default container "drops" AUDIT_WRITE, MKNOD and NET_RAW, and
        # --cap-add NET_RAW only removes NET_RAW from that list. The same rule
        # as Docker's gives the kernel's answer.
        pytest.param(
            [], ["AUDIT_WRITE", "MKNOD", "NET_RAW"], False, PODMAN_11, id="podman4-default"
        ),
        pytest.param(
            ["SYS_ADMIN"],
            ["AUDIT_WRITE", "CHOWN", "MKNOD"],
            False,
            (PODMAN_11 - {"CHOWN"}) | {"NET_RAW", "SYS_ADMIN"},
            id="podman4-add-net-raw-back",
        ),
        pytest.param([], ["NET_RAW"], True, caps.ALL, id="podman-privileged"),
    ],
)
def test_effective(cap_add: Any, cap_drop: Any, privileged: bool, expected: frozenset[str]) -> None:
    got = caps.effective(cap_add, cap_drop, privileged=privileged)
    assert got == frozenset(expected)


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("CAP_SYS_ADMIN", "SYS_ADMIN"),
        ("cap_sys_admin", "SYS_ADMIN"),
        ("sys_admin", "SYS_ADMIN"),
        (" Sys_Admin ", "SYS_ADMIN"),
        ("all", "ALL"),
        ("CAP_ALL", "ALL"),
    ],
)
def test_normalize(given: str, normal: str) -> None:
    assert caps.normalize(given) == normal


def test_explain() -> None:
    assert caps.explain("cap_sys_module") == (
        "load kernel modules, which is full control of the host kernel"
    )
    assert caps.explain("ALL").startswith("every capability")
    assert caps.explain("CAP_MADE_UP") == "a capability this version of dockertui does not know"


def test_report_effective_capabilities_from_fixtures(
    container: Callable[..., Container], audit: Callable[..., Any]
) -> None:
    assert audit(container("plain")).effective_capabilities == DOCKER_14
    assert audit(container("hardened")).effective_capabilities == frozenset()
    assert audit(container("privileged")).effective_capabilities == caps.ALL
    assert audit(container("cap-add-all")).effective_capabilities == caps.ALL
    assert audit(container("cap-prefixed")).effective_capabilities == (
        (DOCKER_14 - {"NET_RAW"}) | {"SYS_TIME"}
    )
    assert audit(container("cap-drop-hardening")).effective_capabilities == (
        DOCKER_14 - set(caps.HARDENING_DROP)
    )


def test_cap_dangerous_lists_each_capability_with_what_it_allows(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    (finding,) = findings_of(audit(container("cap-net-admin-ptrace")), "cap-dangerous")
    assert finding.severity is Severity.HIGH
    assert finding.detail == (
        "SYS_PTRACE: trace and inject code into other processes (the host's, with host PID); "
        "NET_ADMIN: reconfigure networking: interfaces, routes, firewall rules, sniffing "
        "(with host networking, the host's own)"
    )
    assert finding.fix.command == "--cap-drop SYS_PTRACE --cap-drop NET_ADMIN"


@pytest.mark.parametrize(
    ("case", "detail"),
    [
        (
            "cap-add-all",
            "Holds every capability (--cap-add ALL): every capability: the container can do "
            "almost anything root on the host can.",
        ),
        (
            "privileged",
            "Holds every capability (privileged): every capability: the container can do "
            "almost anything root on the host can.",
        ),
    ],
)
def test_cap_dangerous_all_is_critical(
    case: str,
    detail: str,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    (finding,) = findings_of(audit(container(case)), "cap-dangerous")
    assert finding.severity is Severity.CRITICAL
    assert finding.detail == detail


@pytest.mark.parametrize(
    ("cap", "severity"),
    [
        ("SYS_MODULE", Severity.CRITICAL),
        ("SYS_ADMIN", Severity.CRITICAL),
        ("SYS_RAWIO", Severity.HIGH),
        ("DAC_READ_SEARCH", Severity.HIGH),
        ("SYS_BOOT", Severity.HIGH),
        ("MAC_ADMIN", Severity.HIGH),
        ("MAC_OVERRIDE", Severity.HIGH),
        ("BPF", Severity.HIGH),
        ("PERFMON", Severity.HIGH),
        ("SYS_TIME", Severity.HIGH),
    ],
)
def test_cap_dangerous_severity_per_capability(
    cap: str,
    severity: Severity,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    # Edited copy of `cap-sys-admin` with another capability added (the capture
    # host's bounding set would refuse some of them at start).
    c = container("cap-sys-admin", {"HostConfig.CapAdd": [f"CAP_{cap.lower()}"]})
    (finding,) = findings_of(audit(c), "cap-dangerous")
    assert finding.severity is severity
    assert finding.detail == f"{cap}: {caps.CAPABILITIES[cap]}"


def test_cap_dangerous_add_all_minus_admin_lists_the_rest(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    c = container("cap-add-all", {"HostConfig.CapDrop": ["SYS_ADMIN", "SYS_MODULE"]})
    (finding,) = findings_of(audit(c), "cap-dangerous")
    assert finding.severity is Severity.HIGH
    named = [part.split(":")[0] for part in finding.detail.split("; ")]
    assert named == [n for n in caps.DANGEROUS if n not in ("SYS_ADMIN", "SYS_MODULE")]


def test_cap_dangerous_counts_adds_after_drops(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    # Dropped and added: CapAdd is applied after CapDrop, so it is still held.
    c = container("cap-sys-admin", {"HostConfig.CapDrop": ["SYS_ADMIN"]})
    (finding,) = findings_of(audit(c), "cap-dangerous")
    assert finding.severity is Severity.CRITICAL
    # Drop ALL, add only NET_BIND_SERVICE: nothing dangerous is held.
    c = container(
        "cap-sys-admin",
        {"HostConfig.CapDrop": ["ALL"], "HostConfig.CapAdd": ["NET_BIND_SERVICE"]},
    )
    assert audit(c).effective_capabilities == {"NET_BIND_SERVICE"}
    assert findings_of(audit(c), "cap-dangerous") == []


def test_cap_added_normalises_names_and_ignores_default_ones(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    (finding,) = findings_of(audit(container("cap-prefixed")), "cap-added")
    assert finding.detail == "--cap-add SYS_TIME"
    assert finding.fix.command == "remove --cap-add SYS_TIME"
    # Adding a capability the default set already holds adds nothing.
    c = container("plain", {"HostConfig.CapAdd": ["CAP_CHOWN", "net_raw"]})
    assert findings_of(audit(c), "cap-added") == []


def test_cap_added_all(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    (finding,) = findings_of(audit(container("cap-add-all")), "cap-added")
    assert (finding.severity, finding.detail) == (
        Severity.MEDIUM,
        "--cap-add ALL: 27 capabilities beyond Docker's defaults.",
    )


def test_cap_added_privileged_counts_what_privileged_adds(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    # Privileged is every capability: the delta against the default set is
    # what it adds, although CapAdd is empty.
    (finding,) = findings_of(audit(container("privileged")), "cap-added")
    assert finding.detail == (
        f"Privileged: holds all {len(caps.ALL)} capabilities, "
        f"{len(caps.ALL - caps.DOCKER_DEFAULT)} of them beyond Docker's defaults."
    )
    assert finding.fix.command.startswith("remove --privileged")


def test_cap_not_dropped_partial_drop_lists_what_is_kept(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    (finding,) = findings_of(audit(container("cap-prefixed")), "cap-not-dropped")
    assert (
        finding.detail
        == "Still holds the default capabilities AUDIT_WRITE, MKNOD, SETFCAP, SETPCAP."
    )
    assert finding.fix.command == (
        "--cap-drop AUDIT_WRITE --cap-drop MKNOD --cap-drop SETFCAP --cap-drop SETPCAP"
    )


def test_cap_not_dropped_privileged_names_only_default_capabilities(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    # A privileged container holds SYS_ADMIN and SYS_MODULE too, but those are
    # not default capabilities: cap-dangerous and cap-added report them.
    (finding,) = findings_of(audit(container("privileged")), "cap-not-dropped")
    assert finding.detail == (
        "Still holds the default capabilities AUDIT_WRITE, MKNOD, NET_RAW, SETFCAP, SETPCAP "
        "(privileged: its --cap-drop flags are ignored)."
    )
    assert "SYS_ADMIN" not in finding.detail


def test_privileged_check_on_a_running_container_does_not_say_waiting(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    # Edited copy: `plain` (running) made privileged; the capture host could
    # not start a privileged container.
    (finding,) = findings_of(audit(container("plain", HostConfig__Privileged=True)), "privileged")
    assert finding.detail == (
        "HostConfig.Privileged is true: all capabilities, all host devices, "
        "no seccomp filter, no AppArmor profile."
    )

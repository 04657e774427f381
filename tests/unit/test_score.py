"""Score and grade (the rule in dockertui/audit/score.py's docstring)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dockertui.audit import Severity
from dockertui.audit.score import grade, score
from dockertui.model import Container

C, H, M, L, INF = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)


@pytest.mark.parametrize(
    ("passed", "failed", "expected"),
    [
        (10, [], 100),
        (0, [], 100),  # nothing ran: nothing to hold against it
        (0, [L], 0),
        (20, [M, M, M, M, L, L, L, L], 83),  # 40 / 48 = 83.3
        (9, [L], 94),  # 18 / 19 = 94.7 -> floor
        (9, [H], 85),  # 18 / 21 = 85.7
        (9, [C], 75),  # 18 / 24 = 75.0
        (10, [M, L, H, C], 64),  # 20 / (20 + 1 + 1 + 3 + 6) = 64.5
        (3, [C, C], 33),  # 6 / 18 = 33.3
        (1, [INF, INF, INF], 100),  # info carries no weight
    ],
)
def test_score_formula(passed: int, failed: list[Severity], expected: int) -> None:
    assert score(passed, failed) == expected


def test_score_is_the_documented_floor() -> None:
    weights = {L: 1, M: 1, H: 3, C: 6}
    for passed in range(0, 30):
        for w in range(0, 4):
            for h in range(0, 3):
                for c in range(0, 3):
                    failed = [L] * w + [H] * h + [C] * c
                    penalty = sum(weights[s] for s in failed)
                    if passed == 0 and penalty == 0:
                        continue
                    assert score(passed, failed) == (100 * 2 * passed) // (2 * passed + penalty)


@pytest.mark.parametrize(
    ("points", "worst", "letter"),
    [
        (100, None, "A"),
        (90, L, "A"),
        (89, M, "B"),
        (80, M, "B"),
        (79, L, "C"),
        (70, None, "C"),
        (69, M, "D"),
        (60, L, "D"),
        (59, L, "F"),
        (0, None, "F"),
        (100, INF, "A"),  # info never lowers the grade
        (100, H, "C"),  # a high finding caps at C ...
        (85, H, "C"),
        (75, H, "C"),  # ... but does not raise a worse grade
        (65, H, "D"),
        (40, H, "F"),
        (100, C, "F"),  # any critical finding is F
        (70, C, "F"),
    ],
)
def test_grade(points: int, worst: Severity | None, letter: str) -> None:
    assert grade(points, worst) == letter


def test_hardened_grades_a_with_nothing_above_low(
    container: Callable[..., Container], audit: Callable[..., Any]
) -> None:
    report = audit(container("hardened"))
    assert report.grade == "A"
    assert report.score >= 90
    assert all(f.severity <= Severity.LOW for f in report.findings)
    assert [f.check for f in report.findings] == ["port-published", "ulimit-default"]
    assert report.score == 100  # only info findings: nothing failed


def test_privileged_grades_f(
    container: Callable[..., Container], audit: Callable[..., Any]
) -> None:
    report = audit(container("privileged"))
    assert report.grade == "F"
    assert report.worst is Severity.CRITICAL
    # 16 passed; failed: privileged C, cap-dangerous C, seccomp-disabled H,
    # 5 medium (cap-added among them: privileged adds 27 capabilities) and
    # 4 low -> 32 / (32 + 9 + 3 + 12) = 57.
    assert (report.passed, report.score) == (16, 57)


def test_plain_default_container_grades_b(
    container: Callable[..., Container], audit: Callable[..., Any]
) -> None:
    # `docker run -d` defaults: root, default caps, no limits, no healthcheck.
    report = audit(container("plain"))
    assert report.counts() == {M: 4, L: 4, INF: 2}
    # 21 passed (sshd-running judged from its command, sleep) -> 42 / 50 = 84
    assert (report.passed, report.score, report.grade) == (21, 84, "B")


def test_high_finding_caps_an_otherwise_good_score_at_c(
    container: Callable[..., Container], audit: Callable[..., Any]
) -> None:
    # Edited copy of `hardened` with one high finding (seccomp=unconfined): the
    # score stays in A range, the grade is capped at C.
    c = container(
        "hardened",
        {"HostConfig.SecurityOpt": ["no-new-privileges:true", "seccomp=unconfined"]},
    )
    report = audit(c)
    assert report.worst is Severity.HIGH
    assert report.score == (100 * 2 * 27) // (2 * 27 + 3)  # 94
    assert report.score >= 90
    assert report.grade == "C"


def test_critical_finding_makes_an_otherwise_good_score_f(
    container: Callable[..., Container], audit: Callable[..., Any]
) -> None:
    # Edited copy of `hardened` with the Docker socket mounted read-only.
    c = container(
        "hardened",
        {
            "Mounts": [
                {
                    "Destination": "/var/run/docker.sock",
                    "Mode": "ro",
                    "Propagation": "rprivate",
                    "RW": False,
                    "Source": "/var/run/docker.sock",
                    "Type": "bind",
                }
            ]
        },
    )
    report = audit(c)
    assert report.worst is Severity.CRITICAL
    assert report.score == (100 * 2 * 27) // (2 * 27 + 6)  # 90
    assert report.grade == "F"


def test_info_findings_never_count(
    container: Callable[..., Container], audit: Callable[..., Any]
) -> None:
    # seccomp-custom adds only an info finding to the plain profile: the check
    # still counts as passed, so pass count and score equal plain's.
    plain = audit(container("plain"))
    custom = audit(container("seccomp-custom"))
    (info,) = [f for f in custom.findings if f.check == "seccomp-disabled"]
    assert info.severity is Severity.INFO
    assert custom.passed == plain.passed
    assert custom.score == (100 * 2 * custom.passed) // (2 * custom.passed + 8)
    assert custom.grade == plain.grade == "B"
    # default-bridge, ulimit-default and port-published are info checks: a
    # container that passes them does not gain points either.
    hardened = audit(container("hardened"))
    ulimits = audit(
        container(
            "hardened", {"HostConfig.Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 1024}]}
        )
    )
    assert ulimits.passed == hardened.passed
    assert ulimits.score == hardened.score


def test_worst_first_order(container: Callable[..., Container], audit: Callable[..., Any]) -> None:
    report = audit(container("privileged"))
    ranks = [f.severity.rank for f in report.findings]
    assert ranks == sorted(ranks, reverse=True)
    assert [f.check for f in report.findings[:3]] == [
        "cap-dangerous",
        "privileged",
        "seccomp-disabled",
    ]

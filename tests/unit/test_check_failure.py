"""A check that raises becomes one "check failed" finding for that container
or engine, and the rest of the report stands (issue 8, item 7); a hit with a
severity its check does not declare is such a failure too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from dockertui.audit import CHECKS, Severity, audit_container, audit_engine, audit_fleet
from dockertui.audit.finding import FixKind
from dockertui.audit.registry import Hit, Outcome, container_check, engine_check
from dockertui.model import ClientFacts, Container, EngineInfo

BROKEN = "zz-test-broken"


@contextmanager
def broken_check(scope: str) -> Iterator[None]:
    """A check of `scope` that raises, registered only inside the block."""
    if scope == "container":

        @container_check(
            BROKEN,
            cis=None,
            severity=Severity.LOW,
            title="A check that raises",
            why="It proves one broken check does not blank the report.",
            fix=FixKind.NONE,
            fix_summary="Nothing.",
            section="image",
        )
        def broken(c: Container, engine: EngineInfo) -> Outcome:
            raise ValueError("no State.Health\nsecond line is not quoted")

    else:

        @engine_check(
            BROKEN,
            cis=None,
            severity=Severity.LOW,
            title="An engine check that raises",
            why="It proves one broken check does not blank the report.",
            fix=FixKind.NONE,
            fix_summary="Nothing.",
        )
        def broken_engine(engine: EngineInfo, client: ClientFacts) -> Outcome:
            return [Hit(str(1 / 0))]

    try:
        yield
    finally:
        del CHECKS[BROKEN]


def test_a_raising_container_check_is_one_finding_and_the_rest_stands(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    c = container("plain")
    healthy = audit_container(c, engine_info)
    with broken_check("container"):
        report = audit_container(c, engine_info)
    assert BROKEN not in CHECKS
    (failed,) = [f for f in report.findings if f.check == BROKEN]
    assert failed.severity is Severity.MEDIUM
    assert failed.title == "Check failed: A check that raises"
    assert "raised ValueError: no State.Health. Every" in failed.detail
    assert "second line" not in failed.detail
    # Every other finding is what the audit says without the broken check.
    assert [f for f in report.findings if f.check != BROKEN] == list(healthy.findings)
    # It counts as one failed medium check: the score drops, the passes stay.
    assert report.passed == healthy.passed
    assert report.score < healthy.score


def test_a_raising_engine_check_does_not_blank_the_fleet(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    healthy = audit_engine(engine_info, ClientFacts())
    with broken_check("engine"):
        fleet = audit_fleet(engine_info, ClientFacts(), [container("plain"), container("hardened")])
    (failed,) = [f for f in fleet.engine_findings if f.check == BROKEN]
    assert failed.title == "Check failed: An engine check that raises"
    assert "ZeroDivisionError: division by zero" in failed.detail
    assert [f for f in fleet.engine_findings if f.check != BROKEN] == healthy
    assert [r.container.name for r in fleet.containers] == [
        "dtui-fixture-plain",
        "dtui-fixture-hardened",
    ]


def test_a_severity_the_check_does_not_declare_is_a_check_failure(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    check = CHECKS["rootfs-writable"]
    assert check.severities == (Severity.LOW,)
    with pytest.raises(ValueError, match="does not declare"):
        check.finding(Hit("x", severity=Severity.CRITICAL))
    assert check.finding(Hit("x")).severity is Severity.LOW

"""Run the checks: container, engine and exec audits, and the fleet report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dockertui.audit import capabilities as caps
from dockertui.audit import checks as _checks  # noqa: F401  (registers the checks)
from dockertui.audit.finding import Finding, Fix, FixKind, worst_first
from dockertui.audit.identity import effective_user
from dockertui.audit.registry import CHECKS, Check, NotApplicable
from dockertui.audit.score import grade, score
from dockertui.audit.severity import Severity
from dockertui.audit.totals import severity_totals
from dockertui.model import ClientFacts, Container, EngineInfo, ExecSession

if TYPE_CHECKING:
    from dockertui.audit.service import ServiceReport


@dataclass(frozen=True)
class ContainerReport:
    container: Container
    findings: tuple[Finding, ...]  # worst first
    effective_capabilities: frozenset[str]
    user: str
    passed: int
    score: int
    grade: str

    @property
    def worst(self) -> Severity | None:
        return self.findings[0].severity if self.findings else None

    def counts(self) -> Counter[Severity]:
        return Counter(f.severity for f in self.findings)


@dataclass(frozen=True)
class FleetReport:
    engine: EngineInfo
    client: ClientFacts
    engine_findings: tuple[Finding, ...]
    containers: tuple[ContainerReport, ...]  # worst first
    skipped: tuple[str, ...] = field(default=())  # removed while we looked
    #: A swarm manager's services, worst first (audit/service.py); else none.
    services: tuple[ServiceReport, ...] = ()

    def by_severity(self, *, include_engine: bool = True) -> Counter[Severity]:
        """The containers' and services' findings and (unless not
        `include_engine`: a --filter without --include-engine) the engine's
        (audit/totals.py)."""
        return severity_totals(
            (*self.containers, *self.services), self.engine_findings if include_engine else ()
        )

    @property
    def not_applicable(self) -> tuple[NotApplicable, ...]:
        """The engine checks that do not apply to this engine, with why."""
        return engine_not_applicable(self.engine)

    def all_findings(self) -> Iterable[Finding]:
        yield from self.engine_findings
        for report in self.containers:
            yield from report.findings
        for service in self.services:
            yield from service.findings


def checks_for(scope: str) -> list[Check]:
    return [c for c in CHECKS.values() if c.scope == scope]


#: The severity of the finding that stands for a check that raised.
CHECK_FAILED_SEVERITY = Severity.MEDIUM
#: How much of the exception's message a "check failed" finding quotes.
CHECK_FAILED_TEXT = 200


def check_failed(check: Check, err: BaseException) -> Finding:
    """The one finding that stands for a check that raised: the rest of the
    report stands, and this container (or the engine) is not called clean."""
    message = str(err).strip().splitlines()
    text = type(err).__name__ + (f": {message[0].rstrip('.')}" if message else "")
    if len(text) > CHECK_FAILED_TEXT:
        text = text[: CHECK_FAILED_TEXT - 1] + "…"
    return Finding(
        check=check.id,
        severity=CHECK_FAILED_SEVERITY,
        cis=check.cis,
        title=f"Check failed: {check.title}",
        detail=f"The {check.id} check could not judge this and raised {text}. "
        "Every other check ran.",
        fix=Fix(FixKind.MANUAL, "Judge this by hand, and report the error as a dockertui bug."),
        why=check.why,
    )


def _run(checks: list[Check], *args: object) -> tuple[list[Finding], int, list[Severity]]:
    """Every check's findings (worst first), how many passed, and the worst
    severity of each that failed. A check that raises gives the one
    "check failed" finding: one broken check must not blank the report.
    (This loop runs some 30 times per container: it calls nothing it need not.)"""
    findings: list[Finding] = []
    passed = 0
    failed: list[Severity] = []
    info = Severity.INFO
    for check in checks:
        assert check.fn is not None
        try:
            outcome = check.fn(*args)
            if outcome is None:
                continue  # does not apply
            found = [check.finding(hit) for hit in outcome] if outcome else []
        except Exception as err:
            found = [check_failed(check, err)]
        worst: Severity | None = None
        for finding in found:
            if finding.severity is not info and (worst is None or finding.severity > worst):
                worst = finding.severity
        if worst is not None:
            failed.append(worst)
        elif check.severity is not info:
            passed += 1  # passed, or only informational findings
        findings.extend(found)
    return worst_first(findings), passed, failed


def audit_container(
    container: Container, engine: EngineInfo, checks: list[Check] | None = None
) -> ContainerReport:
    """The container checks (or only `checks`: a swarm service's template,
    audit/service.py) on one container, scored and graded."""
    findings, passed, failed = _run(
        checks_for("container") if checks is None else checks, container, engine
    )
    worst = max((f.severity for f in findings), default=None)
    points = score(passed, failed)
    return ContainerReport(
        container=container,
        findings=tuple(findings),
        effective_capabilities=caps.effective(
            container.cap_add, container.cap_drop, privileged=container.privileged
        ),
        user=effective_user(container),
        passed=passed,
        score=points,
        grade=grade(points, worst),
    )


def engine_not_applicable(engine: EngineInfo) -> tuple[NotApplicable, ...]:
    """The engine checks that do not apply to `engine` (Podman has no daemon
    to restart, no authorization plugins...), each with its one sentence."""
    return tuple(na for c in checks_for("engine") if (na := c.not_applicable(engine)))


def audit_engine(engine: EngineInfo, client: ClientFacts) -> list[Finding]:
    """The findings of the engine checks that apply to `engine` (the others
    are `engine_not_applicable`: neither passed nor failed)."""
    checks = [c for c in checks_for("engine") if c.not_applicable(engine) is None]
    findings, _, _ = _run(checks, engine, client)
    return findings


def audit_exec(
    session: ExecSession, container: Container, engine: EngineInfo | None = None
) -> list[Finding]:
    """The exec checks. Without the engine's facts, root is taken to be root
    on the host (no user namespace remapping known)."""
    findings, _, _ = _run(checks_for("exec"), session, container, engine or EngineInfo())
    return findings


def sort_worst_first(reports: Iterable[ContainerReport]) -> list[ContainerReport]:
    def key(r: ContainerReport) -> tuple[int, int, str]:
        worst = r.worst.rank if r.worst else -1
        return (-worst, r.score, r.container.name)

    return sorted(reports, key=key)


def audit_fleet(
    engine: EngineInfo,
    client: ClientFacts,
    containers: Iterable[Container],
    skipped: Iterable[str] = (),
) -> FleetReport:
    return FleetReport(
        engine=engine,
        client=client,
        engine_findings=tuple(audit_engine(engine, client)),
        containers=tuple(sort_worst_first(audit_container(c, engine) for c in containers)),
        skipped=tuple(skipped),
    )

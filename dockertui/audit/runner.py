"""Run the checks: container, engine and exec audits, and the fleet report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from dockertui.audit import capabilities as caps
from dockertui.audit import checks as _checks  # noqa: F401  (registers the checks)
from dockertui.audit.finding import Finding, worst_first
from dockertui.audit.identity import effective_user
from dockertui.audit.registry import CHECKS, Check
from dockertui.audit.score import grade, score
from dockertui.audit.severity import Severity
from dockertui.model import ClientFacts, Container, EngineInfo, ExecSession


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

    def by_severity(self) -> Counter[Severity]:
        total: Counter[Severity] = Counter(f.severity for f in self.engine_findings)
        for report in self.containers:
            total.update(report.counts())
        return total

    def all_findings(self) -> Iterable[Finding]:
        yield from self.engine_findings
        for report in self.containers:
            yield from report.findings


def checks_for(scope: str) -> list[Check]:
    return [c for c in CHECKS.values() if c.scope == scope]


def _run(checks: list[Check], *args: object) -> tuple[list[Finding], int, list[Severity]]:
    findings: list[Finding] = []
    passed = 0
    failed: list[Severity] = []
    for check in checks:
        assert check.fn is not None
        outcome = check.fn(*args)
        if outcome is None:
            continue
        found = [check.finding(hit) for hit in outcome]
        counted = [f.severity for f in found if f.severity is not Severity.INFO]
        if counted:
            failed.append(max(counted))
        elif check.severity is not Severity.INFO:
            passed += 1  # passed, or only informational findings
        findings.extend(found)
    return worst_first(findings), passed, failed


def audit_container(container: Container, engine: EngineInfo) -> ContainerReport:
    findings, passed, failed = _run(checks_for("container"), container, engine)
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


def audit_engine(engine: EngineInfo, client: ClientFacts) -> list[Finding]:
    findings, _, _ = _run(checks_for("engine"), engine, client)
    return findings


def audit_exec(session: ExecSession, container: Container) -> list[Finding]:
    findings, _, _ = _run(checks_for("exec"), session, container)
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

"""Which live container a lesson shows, and which engine findings. Pure.

One predicate decides it: the lesson's checks, as the audit ran them. A
container is an example of a lesson when one of its findings comes from one
of the lesson's container checks; the engine findings of the lesson's
engine checks are shown beside it. No check is re-judged here.

Among the examples, the tour takes the one that shows the risk best: not a
fix's leftover (a backup is not offered for fixing), not another lesson's
case when a plainer one exists (`Lesson.not_with`), the worst finding of
the lesson first, a running container before one that is not, more of the
lesson's checks before fewer, milder and fewer findings of other kinds (so
a fix shows in the grade), then by name, so the same fleet always gives the same
example."""

from __future__ import annotations

from collections.abc import Iterable

from dockertui.audit import CHECKS, ContainerReport, Finding
from dockertui.fixes.names import not_a_workload
from dockertui.model.container import LAB_LABEL
from dockertui.tour.lessons import Lesson


def checks_of(lesson: Lesson, scope: str) -> tuple[str, ...]:
    """The lesson's checks of one scope ("container" or "engine")."""
    return tuple(c for c in lesson.checks if CHECKS[c].scope == scope)


def about_containers(lesson: Lesson) -> bool:
    """Whether the lesson shows a container (it has container checks)."""
    return bool(checks_of(lesson, "container"))


def lesson_findings(lesson: Lesson, findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings of the lesson's checks, in the order given (worst first)."""
    return tuple(f for f in findings if f.check in lesson.checks)


def _rank(lesson: Lesson, report: ContainerReport) -> tuple[bool, int, bool, int, int, int, str]:
    own = lesson_findings(lesson, report.findings)
    others = [f.severity.rank for f in report.findings if f.check not in lesson.checks]
    return (
        any(f.check in lesson.not_with for f in report.findings),
        -max(f.severity.rank for f in own),
        not report.container.running,
        -len({f.check for f in own}),
        max(others, default=-1),
        len(others),
        report.container.name,
    )


def pick(lesson: Lesson, reports: Iterable[ContainerReport]) -> ContainerReport | None:
    """The container that shows the lesson's risk best, or None when none
    of the fleet's containers has a finding of the lesson's checks. On an
    engine that holds a lab (`dockertui lab up`), only the lab's containers
    are examples: the tour must not offer to fix someone else's service."""
    fleet = list(reports)
    if any(LAB_LABEL in r.container.labels for r in fleet):
        fleet = [r for r in fleet if LAB_LABEL in r.container.labels]
    examples = [
        r
        for r in fleet
        if not_a_workload(r.container.name) is None and lesson_findings(lesson, r.findings)
    ]
    if not examples:
        return None
    return min(examples, key=lambda r: _rank(lesson, r))

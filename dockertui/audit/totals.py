"""Severity totals: what the console's header, the scan's "Total" line and
the JSON summary count, the same way.

Totals count every finding of the containers shown and every finding of the
engine: an engine finding is as much the operator's to fix as a container's.
Info findings are counted too; whether a view shows them is up to the view.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Protocol

from dockertui.audit.finding import Finding
from dockertui.audit.severity import Severity


class _HasFindings(Protocol):
    @property
    def findings(self) -> tuple[Finding, ...]: ...


def severity_totals(
    reports: Iterable[_HasFindings], engine_findings: Iterable[Finding] = ()
) -> Counter[Severity]:
    """Findings by severity over these container reports and the engine's findings."""
    total: Counter[Severity] = Counter(f.severity for f in engine_findings)
    for report in reports:
        total.update(f.severity for f in report.findings)
    return total

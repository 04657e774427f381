"""A scan of several engines at once: each engine's FleetReport, or the one
sentence that says why it could not be read. Pure: the reports (json,
SARIF, table) and `dockertui scan` read it; `dockertui.scan.scan_engines`
makes it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from dockertui.audit.runner import FleetReport
from dockertui.audit.severity import Severity
from dockertui.model import ClientFacts


@dataclass(frozen=True)
class EngineScan:
    """One engine of the scan: its `report`, or (None) the `error` sentence."""

    client: ClientFacts
    report: FleetReport | None = None
    error: str = ""

    @property
    def name(self) -> str:
        """The engine's short name: its context, or the address given with -H."""
        return self.client.name


@dataclass(frozen=True)
class SeveralScan:
    """Every engine asked for, in the order given."""

    engines: tuple[EngineScan, ...]

    @property
    def read(self) -> tuple[FleetReport, ...]:
        return tuple(e.report for e in self.engines if e.report is not None)

    @property
    def failed(self) -> tuple[EngineScan, ...]:
        return tuple(e for e in self.engines if e.report is None)

    def by_severity(self, *, include_engine: bool = True) -> Counter[Severity]:
        """The engines' counts added up (FleetReport.by_severity for each read)."""
        total: Counter[Severity] = Counter()
        for report in self.read:
            total.update(report.by_severity(include_engine=include_engine))
        return total

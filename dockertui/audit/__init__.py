"""The audit engine: pure functions from the inventory model to findings,
scores and grades. No I/O, no Textual: every check can be fed a captured
inspect document."""

from dockertui.audit.finding import Finding, Fix, FixKind
from dockertui.audit.registry import CHECKS, Check, NotApplicable
from dockertui.audit.runner import (
    ContainerReport,
    FleetReport,
    audit_container,
    audit_engine,
    audit_exec,
    audit_fleet,
    engine_not_applicable,
)
from dockertui.audit.severity import Severity

__all__ = [
    "CHECKS",
    "Check",
    "ContainerReport",
    "Finding",
    "Fix",
    "FixKind",
    "FleetReport",
    "NotApplicable",
    "Severity",
    "audit_container",
    "audit_engine",
    "audit_exec",
    "audit_fleet",
    "engine_not_applicable",
]

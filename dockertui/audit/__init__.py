"""The audit engine: pure functions from the inventory model to findings,
scores and grades. No I/O, no Textual: every check can be fed a captured
inspect document."""

from dockertui.audit.finding import Finding, Fix, FixKind
from dockertui.audit.registry import CHECKS, Check
from dockertui.audit.runner import (
    ContainerReport,
    FleetReport,
    audit_container,
    audit_engine,
    audit_exec,
    audit_fleet,
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
    "Severity",
    "audit_container",
    "audit_engine",
    "audit_exec",
    "audit_fleet",
]

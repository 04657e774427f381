"""SARIF 2.1.0: one rule per check, one result per finding, located by the
logical locations `container/<name>` and `engine`."""

from __future__ import annotations

from typing import Any

from dockertui import __version__
from dockertui.audit import CHECKS, Check, Finding, FleetReport, Severity
from dockertui.report.json_report import dumps

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
#: GitHub code scanning ranks security results by this number (0.0 - 10.0).
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def _rule(check: Check) -> dict[str, Any]:
    cis = f"CIS Docker Benchmark {check.cis}" if check.cis else "not in the CIS benchmark"
    help_text = f"{check.why}\n\nFix ({check.fix_kind.value}): {check.fix_summary}\n\n{cis}."
    return {
        "id": check.id,
        "name": "".join(part.capitalize() for part in check.id.split("-")),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.why},
        "help": {
            "text": help_text,
            "markdown": f"**Why it matters.** {check.why}\n\n"
            f"**Fix** ({check.fix_kind.value}). {check.fix_summary}\n\n{cis}.",
        },
        "defaultConfiguration": {"level": LEVEL[check.severity]},
        "properties": {
            # SARIF requires unique tags; engine checks have scope == section.
            "tags": list(dict.fromkeys(["security", "docker", check.scope, check.section])),
            "security-severity": SECURITY_SEVERITY[check.severity],
            # every severity a result of this rule can carry, worst first
            "severities": [s.value for s in check.severities],
            "cis": check.cis or "",
            "fix-kind": check.fix_kind.value,
        },
    }


def _result(
    finding: Finding, rule_index: int, location: str, kind: str, extra: dict[str, Any]
) -> dict[str, Any]:
    message = f"{finding.title}: {finding.detail}"
    if finding.fix.command:
        message += f" Fix: {finding.fix.summary} ({finding.fix.command})"
    return {
        "ruleId": finding.check,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": message},
        "locations": [
            {
                "logicalLocations": [
                    {
                        "name": location.split("/", 1)[-1],
                        "fullyQualifiedName": location,
                        "kind": kind,
                    }
                ]
            }
        ],
        "partialFingerprints": {"dockertui/v1": f"{location}|{finding.check}|{finding.detail}"},
        "properties": {"severity": finding.severity.value, **extra},
    }


def sarif_dict(fleet: FleetReport) -> dict[str, Any]:
    checks = list(CHECKS.values())
    index = {check.id: i for i, check in enumerate(checks)}
    results = [
        _result(f, index[f.check], "engine", "module", {"endpoint": fleet.client.endpoint})
        for f in fleet.engine_findings
    ]
    for report in fleet.containers:
        c = report.container
        extra = {"container_id": c.id, "image": c.image, "state": c.state}
        results += [
            _result(f, index[f.check], f"container/{c.name}", "resource", extra)
            for f in report.findings
        ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dockertui",
                        "version": __version__,
                        "rules": [_rule(check) for check in checks],
                    }
                },
                "invocations": [{"executionSuccessful": True}],
                "results": results,
            }
        ],
    }


def render(fleet: FleetReport, *, pretty: bool = False) -> str:
    """SARIF on one line, or indented when `pretty` (see json_report.dumps)."""
    return dumps(sarif_dict(fleet), pretty=pretty)

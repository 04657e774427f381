"""SARIF 2.1.0: one rule per check, one result per finding, located by the
logical locations `container/<name>`, `service/<name>` (a swarm manager's)
and `engine`; with several engines `engine/<engine>/container/<name>`,
`engine/<engine>/service/<name>` and `engine/<engine>`, and each engine
that could not be read is a notification of the invocation."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from dockertui import __version__
from dockertui.audit import CHECKS, Check, Finding, FleetReport, Severity
from dockertui.audit.several import SeveralScan
from dockertui.report.json_report import dumps
from dockertui.report.services import sarif_locations

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
    finding: Finding,
    rule_index: int,
    location: str,
    kind: str,
    extra: dict[str, Any],
    name: str | None = None,
) -> dict[str, Any]:
    """`name`: the location's own name; by default what follows its first slash."""
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
                        "name": location.split("/", 1)[-1] if name is None else name,
                        "fullyQualifiedName": location,
                        "kind": kind,
                    }
                ]
            }
        ],
        "partialFingerprints": {"dockertui/v1": f"{location}|{finding.check}|{finding.detail}"},
        "properties": {"severity": finding.severity.value, **extra},
    }


def engine_location(name: str) -> str:
    """`engine/<name>`, with a `/` in the name (a socket path given with -H)
    written %2F, so that each segment of a location is one thing."""
    return f"engine/{quote(name, safe='')}"


def _fleet_results(
    fleet: FleetReport, index: dict[str, int], engine: str | None = None
) -> list[dict[str, Any]]:
    """The results of one engine's report. `engine`: its name in a scan of
    several, which every location then starts with (`engine/<engine>`)."""
    at = "engine" if engine is None else engine_location(engine)
    inside = "" if engine is None else f"{at}/"
    named = {} if engine is None else {"engine": engine}
    results = [
        _result(
            f, index[f.check], at, "module", {"endpoint": fleet.client.endpoint, **named}, engine
        )
        for f in fleet.engine_findings
    ]
    for report in fleet.containers:
        c = report.container
        extra = {"container_id": c.id, "image": c.image, "state": c.state, **named}
        results += [
            _result(f, index[f.check], f"{inside}container/{c.name}", "resource", extra, c.name)
            for f in report.findings
        ]
    for f, location, extra, name in sarif_locations(fleet, inside, named):  # swarm services
        results.append(_result(f, index[f.check], location, "resource", extra, name))
    return results


def _document(
    checks: list[Check], results: list[dict[str, Any]], invocation: dict[str, Any]
) -> dict[str, Any]:
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
                "invocations": [invocation],
                "results": results,
            }
        ],
    }


def sarif_dict(fleet: FleetReport) -> dict[str, Any]:
    checks = list(CHECKS.values())
    index = {check.id: i for i, check in enumerate(checks)}
    return _document(checks, _fleet_results(fleet, index), {"executionSuccessful": True})


def engines_sarif_dict(scan: SeveralScan) -> dict[str, Any]:
    """Several engines in one run. The invocation is successful only when
    every engine was read; each one that was not is an error notification
    located at `engine/<engine>`, its message the sentence that says why."""
    checks = list(CHECKS.values())
    index = {check.id: i for i, check in enumerate(checks)}
    results = []
    for fleet in scan.read:
        results += _fleet_results(fleet, index, fleet.client.name)
    invocation: dict[str, Any] = {"executionSuccessful": not scan.failed}
    if scan.failed:
        invocation["toolExecutionNotifications"] = [
            {
                "level": "error",
                "message": {"text": e.error},
                "locations": [
                    {
                        "logicalLocations": [
                            {
                                "name": e.name,
                                "fullyQualifiedName": engine_location(e.name),
                                "kind": "module",
                            }
                        ]
                    }
                ],
                "properties": {"endpoint": e.client.endpoint, "context": e.client.context},
            }
            for e in scan.failed
        ]
    return _document(checks, results, invocation)


def render(fleet: FleetReport, *, pretty: bool = False) -> str:
    """SARIF on one line, or indented when `pretty` (see json_report.dumps)."""
    return dumps(sarif_dict(fleet), pretty=pretty)


def render_engines(scan: SeveralScan, *, pretty: bool = False) -> str:
    """SARIF of several engines (engines_sarif_dict), as `render` writes one's."""
    return dumps(engines_sarif_dict(scan), pretty=pretty)

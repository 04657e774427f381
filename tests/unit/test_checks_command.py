"""`dockertui checks`, the SARIF rules and docs/checks.md show every severity
a check reports: every severity seen on the captured containers (and the
engine variants) is one the check declares, and the three views list them."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dockertui.audit import CHECKS, Severity, audit_container, audit_engine
from dockertui.audit.runner import FleetReport
from dockertui.cli import main
from dockertui.model import ClientFacts, Container, EngineInfo
from dockertui.report.sarif import sarif_dict

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
VARIANTS: tuple[dict[str, Any], ...] = (
    {},
    {"security_options": ["name=apparmor"]},
    {"security_options": ["name=selinux"]},
    {"security_options": ["name=userns"]},
    {"info": {"SecurityOptions": []}},
)


@pytest.fixture
def seen(
    container: Callable[..., Container], make_engine: Callable[..., EngineInfo]
) -> dict[str, set[Severity]]:
    """check id -> the severities its findings had over every captured container."""
    found: dict[str, set[Severity]] = defaultdict(set)
    for path in sorted((FIXTURES / "inspect").glob("*.json")):
        c = container(path.stem)
        for variant in VARIANTS:
            engine = make_engine(**variant)
            for f in [*audit_container(c, engine).findings, *audit_engine(engine, ClientFacts())]:
                found[f.check].add(f.severity)
    return found


def test_every_severity_seen_is_declared(seen: dict[str, set[Severity]]) -> None:
    for check_id, severities in seen.items():
        assert severities <= set(CHECKS[check_id].severities), check_id
    # the captures do show a raised one: cap-dangerous is high and critical
    assert seen["cap-dangerous"] == {Severity.HIGH, Severity.CRITICAL}


def _rows(output: str) -> dict[str, list[str]]:
    """check id -> its cells (id, CIS, severity, scope, fix, title)."""
    cells = [re.split(r"\s{2,}", line.strip()) for line in output.splitlines() if line.strip()]
    return {row[0]: row for row in cells}


def test_checks_command_lists_every_severity(seen: dict[str, set[Severity]]) -> None:
    result = CliRunner().invoke(main, ["checks"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    rows = _rows(result.output)
    assert set(CHECKS) <= set(rows)
    for check_id, severities in seen.items():
        for severity in severities:
            assert severity.value in re.findall(r"[a-z]+", rows[check_id][2]), rows[check_id]
    assert rows["cap-dangerous"][2] == "high (or critical)"
    assert rows["root-user"][2] == "medium (or low)"


def test_sarif_rules_and_the_catalogue_list_them(seen: dict[str, set[Severity]]) -> None:
    rules = {
        r["id"]: r
        for r in sarif_dict(FleetReport(EngineInfo(), ClientFacts(), (), ()))["runs"][0]["tool"][
            "driver"
        ]["rules"]
    }
    catalogue = (FIXTURES.parent.parent / "docs" / "checks.md").read_text(encoding="utf-8")
    for check_id, severities in seen.items():
        assert {s.value for s in severities} <= set(rules[check_id]["properties"]["severities"])
    assert (
        "| [`cap-dangerous`](#cap-dangerous) | container | capabilities | high (or critical) |"
        in (catalogue)
    )


def test_checks_command_keeps_every_id_whole_at_80_columns() -> None:
    # the ids are what a user types into the filter and finds in the docs:
    # at 80 columns the titles wrap, the ids are never cut
    result = CliRunner().invoke(main, ["checks"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert all(len(line) <= 80 for line in result.output.splitlines())
    first_cells = {line.split()[0] for line in result.output.splitlines() if line[:2].strip()}
    assert set(CHECKS) <= first_cells

"""The scan's reports built from captured documents: the one-line-per-
container summary, the expanded and verbose detail, compact and indented
JSON and SARIF, which containers `--container` picks and which findings
`--fail-on` judges. No engine."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from rich.console import Console

from dockertui.audit import FleetReport, Severity, audit_fleet
from dockertui.engine.inventory import api_filters
from dockertui.model import ClientFacts, Container, EngineInfo
from dockertui.report import json_report, sarif, table
from dockertui.scan import fail_on_findings, pick_containers

CLIENT = ClientFacts(
    endpoint="unix:///var/run/docker.sock",
    context="default",
    transport="unix",
    tls=False,
    tls_verify=False,
    content_trust=False,
)
#: Captured cases with a spread of worst severities (critical to low).
CASES = ("privileged", "docker-socket", "host-network", "plain", "hardened")
SEVERITY_WORDS = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO")


@pytest.fixture
def fleet(container: Callable[..., Container], engine_info: EngineInfo) -> FleetReport:
    made = [replace(container(case), name=f"c-{case}") for case in CASES]
    return audit_fleet(engine_info, CLIENT, made)


def rendered(fleet: FleetReport, width: int = 80, **kw: Any) -> str:
    out = io.StringIO()
    table.render(fleet, Console(file=out, width=width, color_system=None), **kw)
    return out.getvalue()


def line_of(text: str, name: str) -> str:
    (line,) = [ln for ln in text.splitlines() if f" {name} " in f"{ln} "]
    return line


# --- the summary ------------------------------------------------------------------------------


def test_summary_rows_are_engine_then_containers_worst_first(fleet: FleetReport) -> None:
    rows = table.summary_rows(fleet)
    assert rows[0].name == "engine" and rows[0].grade == ""
    names = [r.name for r in rows[1:]]
    assert sorted(names) == sorted(f"c-{case}" for case in CASES)
    ranks = [r.worst.rank if r.worst else -1 for r in rows[1:]]
    assert ranks == sorted(ranks, reverse=True)
    assert rows[1].worst is Severity.CRITICAL


def test_summary_counts_and_top_finding_come_from_the_findings(fleet: FleetReport) -> None:
    for report, row in zip(fleet.containers, table.summary_rows(fleet)[1:], strict=True):
        for severity, n in zip(table.COUNTED, row.counts, strict=True):
            assert n == sum(1 for f in report.findings if f.severity is severity)
        risky = [f for f in report.findings if f.severity is not Severity.INFO]
        assert row.top == (risky[0] if risky else None)
        assert row.grade == report.grade


def test_summary_is_one_line_per_container_at_80_columns(fleet: FleetReport) -> None:
    text = rendered(fleet)
    lines = text.splitlines()
    assert [ln for ln in lines if len(ln) > 80] == []
    for report in fleet.containers:
        line = line_of(text, report.container.name)  # exactly one line each
        tokens = line.split()
        assert tokens[0] == report.grade
        risky = [f for f in report.findings if f.severity is not Severity.INFO]
        assert tokens[1] == (risky[0].severity.value.upper() if risky else table.NONE)
        counts = [int(t) if t != table.NONE else 0 for t in tokens[2:6]]
        assert counts == [report.counts().get(s, 0) for s in table.COUNTED]
        assert (risky[0].check if risky else "no findings") in line
    # Nothing of the detail: no fix lines, no why.
    assert "fix:" not in text and "why:" not in text
    engine = line_of(text, "engine")
    assert lines.index(engine) < lines.index(line_of(text, fleet.containers[0].container.name))


def test_summary_order_in_the_text_is_worst_first(fleet: FleetReport) -> None:
    text = rendered(fleet, width=120)
    lines = text.splitlines()
    positions = [lines.index(line_of(text, r.container.name)) for r in fleet.containers]
    assert positions == sorted(positions)


@pytest.mark.parametrize("width", [60, 80, 120, 200])
def test_summary_never_wraps_a_row(fleet: FleetReport, width: int) -> None:
    long = replace(fleet.containers[0].container, name="x" * 70 + "-backup-20260101")
    wide = replace(fleet, containers=(replace(fleet.containers[0], container=long),))
    text = rendered(wide, width=width)
    (row,) = [ln for ln in text.splitlines() if "…" in ln and "xxx" in ln]
    assert len(row) <= width
    assert "60101 " in row  # the name keeps its end


def test_summary_shows_no_stub_of_a_title(fleet: FleetReport) -> None:
    # at 80 columns a 28-cell name leaves the top finding its id and a few
    # cells: the title is shown in a useful width or not at all, never "N…"
    named = tuple(
        replace(r, container=replace(r.container, name=f"{r.container.name:-<28}"))
        for r in fleet.containers
    )
    text = rendered(replace(fleet, containers=named))
    for report in named:
        line = line_of(text, report.container.name)
        risky = [f for f in report.findings if f.severity is not Severity.INFO]
        if not risky:
            continue
        after = line.split(f" {risky[0].check}", 1)[1]
        assert after == "" or len(after.strip()) >= table.TITLE_MIN, line


def test_shorten_keeps_both_ends() -> None:
    assert table.shorten("web") == "web"
    short = table.shorten("a" * 20 + "middle" + "z" * 20, 21)
    assert len(short) == 21
    assert short.startswith("aaaa") and short.endswith("zzzz") and "…" in short


def test_hostile_name_is_escaped_in_the_summary(fleet: FleetReport) -> None:
    hostile = replace(fleet.containers[0].container, name="evil\x1b[2J[red]x")
    bad = replace(fleet, containers=(replace(fleet.containers[0], container=hostile),))
    text = rendered(bad, width=120)
    assert "\x1b" not in text
    assert "evil\\x1b[2J[red]x" in text


def test_no_containers_says_so(fleet: FleetReport) -> None:
    text = rendered(replace(fleet, containers=()))
    assert "No containers matched." in text
    assert line_of(text, "engine")


# --- expanded and verbose -----------------------------------------------------------------------


def test_expand_shows_every_finding_of_that_container_only(fleet: FleetReport) -> None:
    chosen = next(r for r in fleet.containers if r.container.name == "c-docker-socket")
    text = rendered(fleet, width=120, expand={chosen.container.id})
    summary, _, detail = text.partition("Total: ")
    assert line_of(summary, "c-docker-socket")
    for f in chosen.findings:  # info included, and why each matters
        assert f.check in detail
    assert "why:" in detail
    assert chosen.container.image in detail
    others = [r.container.name for r in fleet.containers if r is not chosen]
    assert [n for n in others if n in detail] == []
    # The summary holds the engine and the chosen container only: on a big
    # fleet the one asked for is not buried under a line for every other.
    assert [n for n in others if f" {n} " in f"{summary} "] == []
    assert "engine" in summary.lower()


def test_json_summary_counts_what_fail_on_judges(fleet: FleetReport) -> None:
    whole = json.loads(json_report.render(fleet))["summary"]["by_severity"]
    selected = json.loads(json_report.render(fleet, engine_counts=False))["summary"]["by_severity"]
    containers_only = Counter(f.severity.value for r in fleet.containers for f in r.findings)
    assert selected == {s.value: containers_only.get(s.value, 0) for s in Severity}
    assert whole != selected  # the fixture engine has findings of its own


def test_total_without_the_engine_when_fail_on_would_not_count_it(fleet: FleetReport) -> None:
    """A --filter without --include-engine: --fail-on judges the selected
    containers only, and the total shown says the same."""
    whole = rendered(fleet, width=120)
    selected = rendered(fleet, width=120, engine_counts=False)
    assert "Total: " in whole
    (line,) = [ln for ln in selected.splitlines() if ln.startswith("Total")]
    assert "containers selected" in line and "--include-engine" in line
    containers_only = Counter(f.severity for r in fleet.containers for f in r.findings)
    engine = Counter(f.severity for f in fleet.engine_findings)
    assert engine, "the fixture engine has findings, so the two totals differ"
    for severity in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW):
        if containers_only[severity]:
            assert f"{containers_only[severity]} {severity.value}" in line


def test_verbose_lists_every_finding_of_everything(fleet: FleetReport) -> None:
    text = rendered(fleet, width=120, verbose=True)
    labels = [
        ln.split()[0]
        for ln in text.splitlines()
        if ln.strip() and ln.split()[0] in SEVERITY_WORDS and ln.startswith("  ")
    ]
    total = len(fleet.engine_findings) + sum(len(r.findings) for r in fleet.containers)
    assert len(labels) == total
    assert f"Containers ({len(fleet.containers)})" in text


# --- JSON and SARIF -----------------------------------------------------------------------------


@pytest.mark.parametrize("writer", [json_report, sarif])
def test_compact_and_pretty_are_the_same_document(fleet: FleetReport, writer: Any) -> None:
    compact = writer.render(fleet)
    pretty = writer.render(fleet, pretty=True)
    assert compact.endswith("\n") and compact.count("\n") == 1
    assert pretty.count("\n") > 100 and pretty.startswith("{\n  ")
    assert json.loads(compact) == json.loads(pretty)


def test_json_shape_is_scan_1(fleet: FleetReport) -> None:
    doc = json.loads(json_report.render(fleet))
    assert doc["schema"] == "dockertui.scan/1"
    assert list(doc) == [
        "schema", "engine", "engine_findings", "not_applicable", "containers", "summary"
    ]  # fmt: skip
    assert [c["name"] for c in doc["containers"]] == [r.container.name for r in fleet.containers]
    by_severity = doc["summary"]["by_severity"]
    everything = [*fleet.engine_findings, *(f for r in fleet.containers for f in r.findings)]
    for severity in Severity:
        assert by_severity[severity.value] == sum(1 for f in everything if f.severity is severity)


# --- --container and --fail-on ------------------------------------------------------------------


def test_pick_containers_by_name_or_id_prefix(fleet: FleetReport) -> None:
    first, second = fleet.containers[0].container, fleet.containers[1].container
    assert pick_containers(fleet, [first.name]) == {first.id}
    assert pick_containers(fleet, [f"/{first.name}", second.id[:12]]) == {first.id, second.id}


def test_pick_containers_refuses_unknown_and_ambiguous(fleet: FleetReport) -> None:
    with pytest.raises(LookupError, match="No scanned container is named 'nope'"):
        pick_containers(fleet, ["nope"])
    same = replace(
        fleet.containers[1].container, id=fleet.containers[0].container.id[:8] + "f" * 56
    )
    twins = replace(
        fleet, containers=(fleet.containers[0], replace(fleet.containers[1], container=same))
    )
    with pytest.raises(LookupError, match="matches 2"):
        pick_containers(twins, [same.id[:8]])


def test_fail_on_counts_the_engine_only_when_asked(fleet: FleetReport) -> None:
    assert fleet.engine_findings
    containers_only = list(fail_on_findings(fleet, include_engine=False))
    assert containers_only == [f for r in fleet.containers for f in r.findings]
    with_engine = list(fail_on_findings(fleet, include_engine=True))
    assert with_engine == [*fleet.engine_findings, *containers_only]


# --- --filter -----------------------------------------------------------------------------------


def test_filters_docker_ps_takes() -> None:
    assert api_filters(
        ["name=web", "label=env=prod", "status=Running", "id=3f1c", "ancestor=nginx:1.27"]
    ) == {
        "name": ["web"],
        "label": ["env=prod"],
        "status": ["running"],
        "id": ["3f1c"],
        "ancestor": ["nginx:1.27"],
    }
    assert api_filters(["name=a", "name=b"]) == {"name": ["a", "b"]}


@pytest.mark.parametrize(
    ("item", "says"),
    [
        ("foo=bar", "Unsupported filter 'foo=bar'"),
        ("name=", "needs a value"),
        ("name", "needs a value"),
        ("status=sleeping", "takes one of created, restarting"),
        ("health=fine", "takes one of starting"),
        ("exited=abc", "exit code"),
    ],
)
def test_filters_refused_with_one_sentence(item: str, says: str) -> None:
    with pytest.raises(ValueError, match=says) as caught:
        api_filters([item])
    message = str(caught.value)
    assert message.endswith(".") and "\n" not in message


def test_verbose_shows_a_daemon_fix_with_its_exact_diff(fleet: FleetReport) -> None:
    """-v prints the daemon.json change as the engine screen does: the diff
    lines under the fix, escaped (the file's text is the daemon's)."""
    diff = '--- /etc/docker/daemon.json\n+++ /etc/docker/daemon.json\n@@ -1 +1,2 @@\n-{}\n+{"icc": false, "x": "[bold]\x1b"}\n'
    icc = next(f for f in fleet.engine_findings if f.check == "icc-enabled")
    edited = replace(icc, fix=replace(icc.fix, diff=diff))
    others = tuple(f for f in fleet.engine_findings if f is not icc)
    text = rendered(replace(fleet, engine_findings=(edited, *others)), width=120, verbose=True)
    assert '+{"icc": false, "x": "[bold]\\x1b"}' in text
    assert "@@ -1 +1,2 @@" in text
    assert "@@ -1 +1,2 @@" not in rendered(fleet, width=120, verbose=True)

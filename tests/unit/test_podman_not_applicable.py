"""Which engine checks apply to Podman, decided from the captured Podman
4.3.1 /info and /version (tests/fixtures/podman) and from edited copies of
them; what the scan's JSON and table and the engine screen make of it; and
the fixes' small differences on Podman (no live update, ulimit names, name
filters), from its captured inspect documents."""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from dockertui.audit import CHECKS, audit_engine, audit_fleet, engine_not_applicable
from dockertui.fixes.documents import create_body
from dockertui.fixes.names import name_filter
from dockertui.fixes.plan import Options, plan
from dockertui.model import ClientFacts, EngineInfo, container_from_inspect, engine_from_api
from dockertui.report import json_report, table
from dockertui.ui.engine_screen import engine_report

PODMAN = Path(__file__).resolve().parent.parent / "fixtures" / "podman"
CLIENT = ClientFacts(endpoint="unix:///run/podman/podman.sock")


def podman_docs() -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        json.loads((PODMAN / "info.json").read_text()),
        json.loads((PODMAN / "version.json").read_text()),
    )


def podman(**info_edits: Any) -> EngineInfo:
    """The captured Podman service, with top-level /info keys replaced."""
    info, version = podman_docs()
    info.update(copy.deepcopy(info_edits))
    return engine_from_api(info, version, None)


def inspect_doc(case: str) -> dict[str, Any]:
    return json.loads((PODMAN / "inspect" / f"{case}.json").read_text())


def findings(engine: EngineInfo) -> dict[str, Any]:
    return {f.check: f for f in audit_engine(engine, CLIENT)}


# --- the decision ------------------------------------------------------------------------------


def test_what_podman_has_no_such_thing_for_does_not_apply() -> None:
    engine = podman()
    skipped = {n.check: n for n in engine_not_applicable(engine)}
    # Podman's /info hard-codes these: LiveRestoreEnabled false, ExperimentalBuild
    # true, no Plugins.Authorization, Warnings [], Swarm inactive; it has no bridge
    # network with an icc option.
    for check in (
        "live-restore-off",
        "experimental",
        "authz-plugin-missing",
        "daemon-warnings",
        "swarm-active",
        "icc-enabled",
    ):
        assert check in skipped, check
    assert "no daemon to restart" in skipped["live-restore-off"].reason
    # none of them is judged: no finding, so none counts as failed or passed
    assert not set(skipped) & set(findings(engine))
    for entry in skipped.values():
        assert entry.title == CHECKS[entry.check].title
        # one sentence: a capital, a full stop at the end and nowhere before it
        assert re.fullmatch(r"[A-Z][^\n]*[^.]\.", entry.reason), entry.reason
        assert ". " not in entry.reason, entry.reason


def test_what_podman_does_have_is_still_judged() -> None:
    found = findings(podman())
    # rootful Podman maps no user namespace: judged, with Podman's own fix
    assert found["userns-disabled"].fix.command.startswith("/etc/containers/containers.conf")
    assert "daemon.json" not in found["userns-disabled"].fix.command
    assert found["rootful-daemon"].detail.endswith("this Podman service runs as root.")
    assert "engine-outdated" in found  # its runc is compared with the advisories
    # how this client reaches it is judged as on Docker
    plain_tcp = ClientFacts(endpoint="tcp://127.0.0.1:8080", transport="tcp")
    assert {f.check for f in audit_engine(podman(), plain_tcp)} >= {"tcp-without-tls"}


def test_every_engine_check_applies_to_docker(engine_info: EngineInfo) -> None:
    assert engine_not_applicable(engine_info) == ()
    found = {f.check for f in audit_engine(engine_info, ClientFacts())}
    assert {"live-restore-off", "authz-plugin-missing", "content-trust-off"} <= found


def test_the_decision_is_the_engines_flavor_alone() -> None:
    """The same documents, with Podman's component renamed: a Docker engine
    (the predicate is EngineInfo.podman, read from /version)."""
    info, version = podman_docs()
    for component in version["Components"]:
        component["Name"] = component["Name"].replace("Podman", "Docker")
    docker_like = engine_from_api(info, version, None)
    assert not docker_like.podman and engine_not_applicable(docker_like) == ()
    assert "live-restore-off" in findings(docker_like)


def test_podman_rootless_passes_what_rootless_means() -> None:
    found = findings(podman(SecurityOptions=["name=seccomp,profile=default", "name=rootless"]))
    assert "userns-disabled" not in found and "rootful-daemon" not in found


def test_podman_debug_and_insecure_registries_name_podmans_files() -> None:
    registries = {
        "RegistryConfig": {
            "IndexConfigs": {
                "registry.example:5000": {"Name": "registry.example:5000", "Secure": False},
                "localhost:5000": {"Name": "localhost:5000", "Secure": False},
                "quay.io": {"Name": "quay.io", "Secure": True},
            },
            "InsecureRegistryCIDRs": [],
        },
        "Debug": True,
    }
    found = findings(podman(**registries))
    insecure = found["insecure-registry"]
    assert insecure.detail.startswith("Insecure: registry.example:5000 (")
    assert insecure.fix.command == (
        "/etc/containers/registries.conf: remove insecure = true from the [[registry]] "
        "of registry.example:5000"
    )
    assert found["debug-logging"].fix.command == (
        "restart podman system service without --log-level=debug"
    )


# --- where it is shown ---------------------------------------------------------------------------


def test_scan_json_and_table_list_them_apart() -> None:
    engine = podman()
    fleet = audit_fleet(engine, CLIENT, [container_from_inspect(inspect_doc("plain"))])
    doc = json.loads(json_report.render(fleet))
    assert doc["engine"]["flavor"] == "podman"
    listed = {n["check"]: n["reason"] for n in doc["not_applicable"]}
    assert listed == {n.check: n.reason for n in engine_not_applicable(engine)}
    counted = sum(doc["summary"]["by_severity"].values())
    assert counted == len(doc["engine_findings"]) + sum(
        len(c["findings"]) for c in doc["containers"]
    )

    out = io.StringIO()
    table.render(fleet, Console(file=out, width=100, color_system=None))
    summary = " ".join(out.getvalue().split())
    assert "Not applicable to this podman engine (neither passed nor failed): " in summary
    assert "live-restore-off" in summary and "(-v says why)" in summary


def test_the_engine_screen_says_does_not_apply() -> None:
    engine = podman()
    out = io.StringIO()
    console = Console(file=out, width=120, color_system=None)
    for part in engine_report(engine, CLIENT, audit_engine(engine, CLIENT)):
        console.print(part)
    shown = " ".join(out.getvalue().split())
    assert "live restore does not apply" in shown and "icc does not apply" in shown
    assert "Does not apply to this podman engine" in shown
    assert CHECKS["live-restore-off"].not_on_podman in shown


# --- the fixes' differences ----------------------------------------------------------------------


def test_a_live_change_re_creates_on_podman() -> None:
    doc = inspect_doc("plain")
    fix = plan(doc, ["limits"], podman(), Options(memory=256 * 2**20))
    assert fix.recreate and fix.update_body == {}
    assert fix.document["HostConfig"]["Memory"] == 256 * 2**20  # carried by the create


def test_the_create_body_names_ulimits_as_create_takes_them() -> None:
    doc = inspect_doc("plain")
    assert {u["Name"] for u in doc["HostConfig"]["Ulimits"]} == {"RLIMIT_NOFILE", "RLIMIT_NPROC"}
    body, _ = create_body(doc)
    assert [(u["Name"], u["Soft"], u["Hard"]) for u in body["HostConfig"]["Ulimits"]] == [
        ("nofile", 1024, 1024),
        ("nproc", 1024, 1024),
    ]


@pytest.mark.parametrize(
    ("listed", "matches"),
    [("/web", True), ("web", True), ("/web2", False), ("/my-web", False), ("web-backup", False)],
)
def test_the_name_filter_reads_alike_on_both_engines(listed: str, matches: bool) -> None:
    """Docker matches a name filter against "/web", Podman against "web"."""
    assert bool(re.search(name_filter("web"), listed)) is matches


def test_the_checks_command_names_them() -> None:
    from click.testing import CliRunner

    from dockertui.cli import main

    result = CliRunner().invoke(main, ["checks"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    (line,) = [
        ln for ln in result.output.splitlines() if ln.startswith("Not applicable on Podman:")
    ]
    named = set(line.removeprefix("Not applicable on Podman:").split(" (")[0].split(", "))
    assert {n.strip() for n in named} == {c for c in CHECKS if CHECKS[c].not_on_podman}
    assert "userns-disabled" not in line  # applies: Podman has an equivalent


def test_plain_tcp_to_podman_is_told_to_use_ssh() -> None:
    plain_tcp = ClientFacts(endpoint="tcp://127.0.0.1:8080", transport="tcp")
    (hit,) = [f for f in audit_engine(podman(), plain_tcp) if f.check == "tcp-without-tls"]
    assert hit.fix.command == "export DOCKER_HOST=ssh://<user>@<host>"

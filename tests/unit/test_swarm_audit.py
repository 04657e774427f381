"""Swarm services and swarm facts from a real single-node swarm's captured
answers (tests/fixtures/swarm): the model, the audit of each task template
by the container checks, its `docker service update` fixes, and the
services in the JSON and SARIF reports. The services were made with the
docker CLI (tests/swarm_support.py): dtui-risky with --cap-add SYS_ADMIN,
an engine socket mounted and a port published through the ingress
network; dtui-hardened with --cap-drop ALL, a user, a read-only root,
limits and a host-mode port."""

from __future__ import annotations

import json
from dataclasses import replace

from swarm_captures import captured, engine, reports, services

from dockertui.audit import FleetReport, Severity, audit_engine
from dockertui.audit.finding import FixKind
from dockertui.audit.service import INGRESS_NOTE, audit_service
from dockertui.model import ClientFacts, engine_from_api
from dockertui.model.service import PublishMode, ServiceMode, service_from_api, task_container
from dockertui.model.swarm import swarm_from_info, with_listing
from dockertui.report import json_report, sarif


def _findings(name: str) -> dict[str, list[object]]:
    found: dict[str, list[object]] = {}
    for f in reports()[name].findings:
        found.setdefault(f.check, []).append(f)
    return found


def test_the_task_template_is_read_with_secrets_and_configs_by_name_only() -> None:
    risky = services()["dtui-risky"]
    assert risky.mode is ServiceMode.REPLICATED and risky.replicas == 1
    assert risky.cap_add == ("CAP_SYS_ADMIN",)
    assert [(m.type, m.target) for m in risky.mounts] == [("bind", "/var/run/docker.sock")]
    assert [(p.published, p.target, p.mode) for p in risky.ports] == [
        (8080, 80, PublishMode.INGRESS)
    ]
    assert risky.secrets == ("dtui-db-password",)
    assert risky.configs == ("dtui-app-config",)
    assert "fixture-not-a-secret" not in repr(risky)  # the env value stays out of sight
    hardened = services()["dtui-hardened"]
    assert hardened.mode is ServiceMode.GLOBAL and hardened.replicas is None
    assert hardened.cap_drop == ("ALL",) and hardened.read_only and hardened.init is True
    assert hardened.user == "65534:65534"
    assert (hardened.memory_limit, hardened.nano_cpus, hardened.pids_limit) == (
        64 * 2**20,
        500_000_000,
        100,
    )
    assert [p.mode for p in hardened.ports] == [PublishMode.HOST]


def test_newer_privileges_fields_are_read_where_an_engine_reports_them() -> None:
    # Docker 20.10 has no Seccomp, AppArmor or NoNewPrivileges in a service
    # spec; newer engines do (edited copy of the captured service).
    doc = captured("services.json")[0]
    doc["Spec"]["TaskTemplate"]["ContainerSpec"]["Privileges"] = {
        "Seccomp": {"Mode": "unconfined"},
        "AppArmor": {"Mode": "disabled"},
        "NoNewPrivileges": True,
        "SELinuxContext": {"Disable": True},
    }
    s = service_from_api(doc)
    assert (s.seccomp, s.apparmor, s.no_new_privileges, s.selinux_disabled) == (
        "unconfined",
        "disabled",
        True,
        True,
    )
    found = {f.check for f in audit_service(s, engine()).findings}
    assert "seccomp-disabled" in found and "no-new-privileges" not in found
    seccomp = next(f for f in audit_service(s, engine()).findings if f.check == "seccomp-disabled")
    assert seccomp.fix.kind is FixKind.MANUAL and seccomp.fix.command == ""
    assert "Privileges" in seccomp.fix.summary  # no CLI flag: says where instead


def test_the_cluster_facts_read_from_info_equal_those_of_get_swarm() -> None:
    # /info carries the same ClusterInfo as GET /swarm, without the join tokens.
    info = captured("info.json")
    from_info = swarm_from_info(info)
    cluster = dict(captured("swarm.json"))
    del cluster["JoinTokens"]
    from_swarm = swarm_from_info({"Swarm": {**info["Swarm"], "Cluster": cluster}})
    assert from_info == from_swarm
    assert from_info is not None and from_info.manager and from_info.managers == 1
    assert from_info.autolock is False
    assert from_info.node_cert_expiry == 90 * 86400
    assert from_info.snapshot_interval == 10000
    assert from_info.root_ca is not None and from_info.root_ca.days == 7300


def test_a_risky_service_gets_the_container_checks_findings_with_service_update_fixes() -> None:
    found = _findings("dtui-risky")
    cap = found["cap-dangerous"][0]
    assert cap.severity is Severity.CRITICAL and cap.detail.startswith("SYS_ADMIN")
    assert cap.fix.kind is FixKind.SWARM
    assert cap.fix.command == "docker service update --cap-drop SYS_ADMIN dtui-risky"
    socket = found["docker-socket"][0]
    assert socket.severity is Severity.CRITICAL
    assert socket.fix.command == "docker service update --mount-rm /var/run/docker.sock dtui-risky"
    ports = found["port-all-interfaces"][0]
    assert ports.detail.endswith(INGRESS_NOTE)
    assert ports.fix.command == (
        "docker service update --publish-rm 80 --publish-add "
        "published=8080,target=80,protocol=tcp,mode=host dtui-risky"
    )
    secret = found["secrets-in-env"][0]
    assert "fixture-not-a-secret" not in secret.detail + secret.fix.command
    assert secret.fix.command == (
        "docker service update --env-rm API_TOKEN --secret-add api_token dtui-risky"
    )
    assert secret.fix.summary.startswith("Put each value in a swarm secret first")
    assert reports()["dtui-risky"].grade == "F"


def test_a_hardened_service_passes_what_its_template_sets() -> None:
    found = _findings("dtui-hardened")
    for check in ("cap-added", "cap-dangerous", "cap-not-dropped", "root-user",
                  "rootfs-writable", "memory-unlimited", "cpu-unlimited", "pids-unlimited",
                  "restart-policy", "docker-socket"):  # fmt: skip
        assert check not in found, check
    # A host-mode port is still open on every interface of the node: no flag binds it.
    assert found["port-all-interfaces"][0].fix.kind is FixKind.MANUAL
    assert not found["port-all-interfaces"][0].detail.endswith(INGRESS_NOTE)


def test_the_same_predicates_judge_a_template_and_a_container() -> None:
    # The template's container and a container with the same settings get
    # the same container-check findings: one judgement, two sources.
    from dockertui.audit import audit_container

    risky = services()["dtui-risky"]
    as_container = audit_container(task_container(risky), engine())
    template = {f.check for f in audit_service(risky, engine()).findings}
    container = {f.check for f in as_container.findings}
    assert template <= container
    assert container - template <= {"masked-paths-off", "healthcheck-missing", "default-bridge"}


def test_swarm_level_findings_on_the_captured_manager() -> None:
    found = {f.check: f for f in audit_engine(engine(), ClientFacts())}
    assert found["swarm-autolock-off"].cis == "7.5"
    assert found["swarm-autolock-off"].fix.command == "docker swarm update --autolock=true"
    assert found["swarm-ca-not-rotated"].severity is Severity.INFO
    assert "swarm-managers" not in found  # one node, one manager: the minimum, honestly
    assert "swarm-node-cert-expiry" not in found  # the 90-day default
    unencrypted = [f.detail for f in audit_engine(engine(), ClientFacts())
                   if f.check == "overlay-unencrypted"]  # fmt: skip
    assert any(d.startswith("dtui-plain-overlay ") for d in unencrypted)
    assert not any("dtui-encrypted-overlay" in d for d in unencrypted)
    # Before the networks are listed, encryption is not judged at all.
    assert "overlay-unencrypted" not in {
        f.check for f in audit_engine(engine(listed=False), ClientFacts())
    }


def _fleet() -> FleetReport:
    e = engine()
    return FleetReport(
        engine=e,
        client=ClientFacts(endpoint="unix:///tmp/swarm.sock"),
        engine_findings=tuple(audit_engine(e, ClientFacts())),
        containers=(),
        services=tuple(reports().values()),
    )


def test_the_json_report_has_swarm_and_services_under_the_engine() -> None:
    document = json_report.fleet_dict(_fleet())
    services_json = document["engine"]["services"]
    assert [s["name"] for s in services_json] == ["dtui-risky", "dtui-hardened"]
    risky = services_json[0]
    assert risky["template"]["secrets"] == ["dtui-db-password"]
    assert risky["template"]["networks"] == ["dtui-plain-overlay"]
    assert risky["template"]["ports"] == [
        {"published": 8080, "target": 80, "protocol": "tcp", "mode": "ingress"}
    ]
    socket = next(f for f in risky["findings"] if f["check"] == "docker-socket")
    assert socket["fix"]["kind"] == "swarm"
    assert document["engine"]["swarm"]["managers"] == 1
    assert document["engine"]["swarm"]["autolock"] is False
    assert "fixture-not-a-secret" not in json.dumps(document)
    assert "SWMTKN" not in json.dumps(document)
    # An engine outside a swarm: the same keys, empty.
    plain = replace(_fleet(), engine=replace(engine(), swarm=None), services=())
    assert json_report.fleet_dict(plain)["engine"]["swarm"] is None
    assert json_report.fleet_dict(plain)["engine"]["services"] == []


def test_sarif_locates_service_findings_by_service() -> None:
    results = sarif.sarif_dict(_fleet())["runs"][0]["results"]
    located = {
        loc["logicalLocations"][0]["fullyQualifiedName"]
        for r in results
        for loc in r["locations"]
        if r["ruleId"] == "docker-socket"
    }
    assert located == {"service/dtui-risky"}
    several = sarif._fleet_results(_fleet(), {c: i for i, c in enumerate(sarif.CHECKS)}, "prod")
    assert "engine/prod/service/dtui-risky" in {
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in several
    }


def test_the_console_state_keeps_a_managers_services_until_its_next_snapshot() -> None:
    from dockertui.engine.watch import Connected, ServicesListed
    from dockertui.ui.fleet_state import FleetState
    from dockertui.ui.services_screen import swarms_of

    state = FleetState(ClientFacts())
    state.apply(Connected(engine(listed=False), ()))
    assert swarms_of(state) == []  # the services key stays hidden
    assert "overlay-unencrypted" not in {f.check for f in state.engine_findings}
    changed = state.apply(ServicesListed(engine(), tuple(services().values())))
    assert changed == ("services", "")
    assert [r.service.name for r in swarms_of(state)[0].services] == [
        "dtui-risky",
        "dtui-hardened",
    ]
    # The networks listed with the services: the engine's findings judge them now.
    assert "overlay-unencrypted" in {f.check for f in state.engine_findings}
    state.apply(Connected(engine(listed=False), ()))  # reconnected: listed again after
    assert swarms_of(state) == []


def test_untrusted_service_text_is_escaped_in_the_screen_and_the_table() -> None:
    import io

    from rich.console import Console

    from dockertui.report.services import render_services
    from dockertui.ui.services_screen import preview, service_report, settings_line

    doc = captured("services.json")[0]
    doc["Spec"]["Name"] = "evil\x1b[2J"
    doc["Spec"]["TaskTemplate"]["ContainerSpec"]["Mounts"][0]["Target"] = "/run/docker.sock\x07"
    report = audit_service(service_from_api(doc), engine())
    shown = [settings_line(report).plain]
    for renderable in (preview(report), service_report(report, {})):
        out = io.StringIO()
        Console(file=out, width=200, color_system=None).print(renderable)
        shown.append(out.getvalue())
    table = io.StringIO()
    fleet = replace(_fleet(), services=(report,))
    render_services(fleet, Console(file=table, width=200, color_system=None), verbose=True)
    shown.append(table.getvalue())
    for text in shown:
        assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b[2J" in shown[2] and "\\x07" in shown[0]


def test_every_service_finding_is_fixed_by_a_service_update_or_says_why_not() -> None:
    for report in reports().values():
        name = report.service.name
        for f in report.findings:
            if f.fix.kind is FixKind.SWARM:
                assert f.fix.command.startswith("docker service update --"), f
                assert f.fix.command.endswith(f" {name}"), f
            elif f.fix.kind is FixKind.MANUAL:
                assert f.fix.command == "" and "docker service update" in f.fix.summary, f
            else:
                assert f.fix.kind is FixKind.NONE and f.severity is Severity.INFO, f


def test_in_a_fleet_each_managers_services_are_its_own() -> None:
    from dockertui.engine.fleet_watch import FromEngine
    from dockertui.engine.watch import Connected, ServicesListed
    from dockertui.ui.fleet_state import FleetState
    from dockertui.ui.services_screen import swarms_of

    clients = {"prod": ClientFacts(context="prod"), "lab": ClientFacts(context="lab")}
    state = FleetState(clients["prod"], clients=clients)
    for name in clients:
        state.apply(FromEngine(name, Connected(engine(listed=False), ())))
    state.apply(FromEngine("lab", ServicesListed(engine(), tuple(services().values()))))
    assert [(s.engine, len(s.services)) for s in swarms_of(state)] == [("lab", 2)]
    assert state.engines["prod"].engine is not None
    assert state.engines["prod"].engine.swarm is not None
    assert not state.engines["prod"].engine.swarm.listed  # prod's facts untouched


def test_service_findings_count_in_the_totals_and_for_fail_on() -> None:
    from dockertui.scan import fail_on_findings

    fleet = _fleet()  # no containers: every critical is a service's
    judged = list(fail_on_findings(fleet, include_engine=False))
    assert {f.check for f in judged if f.severity is Severity.CRITICAL} == {
        "cap-dangerous",
        "docker-socket",
    }
    assert fleet.by_severity(include_engine=False)[Severity.CRITICAL] == 2
    assert json_report.fleet_dict(fleet)["summary"]["by_severity"]["critical"] == 2


def test_a_manager_that_cannot_be_reached_is_named() -> None:
    # Edited copies: a third manager, unreachable (docker node ls: Unreachable).
    info = captured("info.json")
    info["Swarm"]["Managers"], info["Swarm"]["Nodes"] = 3, 3
    nodes = captured("nodes.json")
    gone = json.loads(json.dumps(nodes[0]))
    gone["ID"], gone["Description"]["Hostname"] = "x" * 25, "old-manager"
    gone["ManagerStatus"] = {"Reachability": "unreachable", "Leader": False}
    found = engine_from_api(info, {}, None)
    assert found.swarm is not None
    listed = replace(found, swarm=with_listing(found.swarm, [*nodes, gone], []))
    details = [f.detail for f in audit_engine(listed, ClientFacts()) if f.check == "swarm-managers"]
    assert details == ["1 of 3 managers cannot be reached: old-manager."]

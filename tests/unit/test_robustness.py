"""Odd documents never crash the model or the audit, and give safe defaults.

Engines differ (Docker versions, Podman, proxies) and a container can vanish
between list and inspect: a missing or mistyped field must degrade to "not
set", never to an exception that hides every other finding."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from dockertui.audit import (
    CHECKS,
    ContainerReport,
    Severity,
    audit_container,
    audit_engine,
    audit_exec,
)
from dockertui.audit.score import grade
from dockertui.model import (
    ClientFacts,
    EngineInfo,
    container_from_inspect,
    engine_from_api,
    exec_from_inspect,
)

#: Values of the wrong type for any field: null, numbers where strings are
#: expected, strings where objects are, lists where dicts are, and so on.
WRONG = [None, 7, -1, 1.5, True, "text", [], [None, 3, "x"], {}, {"x": None}]


def assert_consistent(report: ContainerReport) -> None:
    """What every report must satisfy, whatever went in."""
    assert 0 <= report.score <= 100
    assert report.grade == grade(report.score, report.worst)
    ranks = [f.severity.rank for f in report.findings]
    assert ranks == sorted(ranks, reverse=True)
    for finding in report.findings:
        assert CHECKS[finding.check].scope == "container"
        assert isinstance(finding.detail, str) and finding.detail
        json.dumps(finding.to_dict())
    container_checks = sum(1 for c in CHECKS.values() if c.scope == "container")
    assert report.passed + len({f.check for f in report.findings}) <= container_checks


# --- containers ---------------------------------------------------------------------------


def test_empty_document(engine_info: EngineInfo) -> None:
    c = container_from_inspect({})
    assert (c.id, c.name, c.state, c.user, c.image) == ("", "", "unknown", "", "")
    assert (c.privileged, c.cap_add, c.mounts, c.ports, c.env) == (False, (), (), (), ())
    assert c.masked_paths is None and c.pids_limit is None and c.healthcheck is None
    report = audit_container(c, engine_info)
    assert_consistent(report)
    assert [f.check for f in report.findings] == [
        "memory-unlimited",
        "no-new-privileges",
        "pids-unlimited",
        "root-user",
        "cap-not-dropped",
        "cpu-unlimited",
        "healthcheck-missing",
        "rootfs-writable",
        "ulimit-default",
    ]
    # sshd-running answers from the (empty) configured command: a pass, not n/a
    assert (report.passed, report.score, report.grade) == (20, 83, "B")


@pytest.mark.parametrize("doc", [None, [], "container", 42, {"Config": None, "HostConfig": []}])
def test_not_a_document(doc: Any, engine_info: EngineInfo) -> None:
    c = container_from_inspect(doc)
    assert c.state == "unknown"
    assert_consistent(audit_container(c, engine_info))


def wrong_everywhere(doc: dict[str, Any], variant: int) -> dict[str, Any]:
    """Every top-level and HostConfig/Config/State value replaced by a wrong type."""
    out = copy.deepcopy(doc)
    for i, key in enumerate(sorted(out)):
        if key in ("HostConfig", "Config", "State", "NetworkSettings"):
            continue
        out[key] = WRONG[(i + variant) % len(WRONG)]
    for section in ("HostConfig", "Config", "State", "NetworkSettings"):
        inner = out.get(section)
        for i, key in enumerate(sorted(inner)):
            inner[key] = WRONG[(i + variant) % len(WRONG)]
    return out


@pytest.mark.parametrize("variant", range(len(WRONG)))
def test_wrong_types_everywhere(
    variant: int, load_inspect: Callable[[str], dict[str, Any]], engine_info: EngineInfo
) -> None:
    doc = wrong_everywhere(load_inspect("hardened"), variant)
    c = container_from_inspect(doc)
    # Nothing typed wrongly makes it through: defaults, not garbage.
    assert isinstance(c.user, str) and isinstance(c.name, str)
    assert c.privileged in (False, True)
    assert all(isinstance(x, str) for x in c.cap_add + c.cap_drop + c.security_opt)
    assert all(isinstance(v.value, str) for v in c.env)
    assert c.pids_limit is None or isinstance(c.pids_limit, int)
    assert_consistent(audit_container(c, engine_info))


def test_wrong_types_give_safe_defaults(
    edited: Callable[..., dict[str, Any]], engine_info: EngineInfo
) -> None:
    doc = edited(
        "privileged",
        {
            "HostConfig.Privileged": "true",  # a string is not true
            "HostConfig.CapAdd": {"SYS_ADMIN": True},  # a dict is not a list
            "HostConfig.Memory": "512m",
            "HostConfig.PidsLimit": True,  # bool is not an int
            "HostConfig.ReadonlyRootfs": 1,
            "Config.User": 1000,
            "Config.Env": ["DB_PASSWORD=s3cret-value", 7, None],
            "HostConfig.SecurityOpt": "seccomp=unconfined",
            "Mounts": {"Source": "/var/run/docker.sock"},
            "NetworkSettings.Ports": ["8080/tcp"],
        },
    )
    c = container_from_inspect(doc)
    assert c.privileged is False
    assert c.cap_add == ()
    assert c.memory == 0
    assert c.pids_limit is None
    assert c.readonly_rootfs is False
    assert c.user == ""
    assert [v.name for v in c.env] == ["DB_PASSWORD"]
    assert c.security_opt == ()
    assert c.mounts == ()
    report = audit_container(c, engine_info)
    assert_consistent(report)
    checks = {f.check for f in report.findings}
    assert "privileged" not in checks and "docker-socket" not in checks
    assert {"root-user", "secrets-in-env", "memory-unlimited", "pids-unlimited"} <= checks


def deletions(doc: dict[str, Any]) -> list[tuple[str, ...]]:
    paths = [(key,) for key in sorted(doc)]
    paths += [("HostConfig", key) for key in sorted(doc.get("HostConfig") or {})]
    return paths


def test_one_key_deleted_at_a_time(
    inspect_case: str, load_inspect: Callable[[str], dict[str, Any]], engine_info: EngineInfo
) -> None:
    base = load_inspect(inspect_case)
    full = audit_container(container_from_inspect(base), engine_info)
    assert_consistent(full)
    paths = deletions(base)
    assert len(paths) > 60  # top level and HostConfig of a 20.10 document
    for path in paths:
        doc = copy.deepcopy(base)
        parent = doc if len(path) == 1 else doc[path[0]]
        del parent[path[-1]]
        report = audit_container(container_from_inspect(doc), engine_info)
        assert_consistent(report)
        # A key no check reads changes nothing.
        if path in (("GraphDriver",), ("LogPath",), ("HostConfig", "ShmSize")):
            assert [f.to_dict() for f in report.findings] == [f.to_dict() for f in full.findings]
            assert (report.score, report.grade) == (full.score, full.grade)


def test_deleting_privileged_removes_the_critical(
    edited: Callable[..., dict[str, Any]], engine_info: EngineInfo
) -> None:
    doc = edited("privileged", delete=["HostConfig.Privileged"])
    report = audit_container(container_from_inspect(doc), engine_info)
    assert "privileged" not in {f.check for f in report.findings}
    assert report.worst is Severity.MEDIUM


# --- engine and exec ----------------------------------------------------------------------


def test_empty_engine_documents() -> None:
    engine = engine_from_api({}, {}, None)
    assert engine.version == "" and engine.flavor == "docker" and engine.icc is None
    assert engine.swarm_state == "inactive"
    found = {(f.check, f.severity) for f in audit_engine(engine, ClientFacts())}
    assert found == {
        ("seccomp-daemon", Severity.HIGH),
        ("userns-disabled", Severity.MEDIUM),
        ("authz-plugin-missing", Severity.LOW),
        ("content-trust-off", Severity.LOW),
        ("live-restore-off", Severity.LOW),
        ("nnp-daemon-off", Severity.LOW),
        ("rootful-daemon", Severity.INFO),
    }


@pytest.mark.parametrize("wrong", WRONG)
def test_engine_documents_of_the_wrong_type(wrong: Any) -> None:
    engine = engine_from_api(wrong, wrong, wrong)
    assert engine.components == {} and engine.security_options == ()
    findings = audit_engine(engine, ClientFacts())
    assert "seccomp-daemon" in {f.check for f in findings}
    assert all(CHECKS[f.check].scope == "engine" for f in findings)


@pytest.mark.parametrize("variant", range(len(WRONG)))
def test_engine_fields_of_the_wrong_type(variant: int, engine_docs: dict[str, Any]) -> None:
    for name in ("info", "version", "bridge"):
        doc = engine_docs[name]
        for i, key in enumerate(sorted(doc)):
            doc[key] = WRONG[(i + variant) % len(WRONG)]
    engine = engine_from_api(engine_docs["info"], engine_docs["version"], engine_docs["bridge"])
    assert isinstance(engine.version, str)
    assert all(isinstance(o, str) for o in engine.security_options + engine.warnings)
    findings = audit_engine(engine, ClientFacts())
    assert findings == sorted(findings, key=lambda f: (-f.severity.rank, f.check, f.detail))
    assert "content-trust-off" in {f.check for f in findings}


def test_engine_keys_deleted_one_at_a_time(engine_docs: dict[str, Any]) -> None:
    baseline = {f.check for f in audit_engine(engine_from_api(**engine_docs), ClientFacts())}
    for name in ("info", "version", "bridge"):
        for key in sorted(engine_docs[name]):
            docs = copy.deepcopy(engine_docs)
            del docs[name][key]
            checks = {f.check for f in audit_engine(engine_from_api(**docs), ClientFacts())}
            if (name, key) == ("info", "SecurityOptions"):
                assert checks == baseline | {"seccomp-daemon"}
            elif name == "info" and key in ("Name", "ID", "Images", "SystemTime", "NCPU"):
                assert checks == baseline


def test_exec_documents(load_inspect: Callable[[str], dict[str, Any]]) -> None:
    hardened = container_from_inspect(load_inspect("hardened"))
    for doc in (
        {},
        None,
        [],
        {"ProcessConfig": None},
        {"ProcessConfig": {"user": 0, "privileged": "yes"}},
    ):
        session = exec_from_inspect(doc)
        assert session.user == "" and session.privileged is False
        # no exec user: the container's (1000:1000) applies, not root
        assert audit_exec(session, hardened) == []

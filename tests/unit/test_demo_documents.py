"""The simulated engine's documents have a real engine's shape.

Every container of the demo fleet (in each of its states, and after the
actions a fix takes) is rendered as GET /containers/{id}/json and held,
key by key, to the documents captured from Docker 20.10 in tests/fixtures:
a dict has no key the real engine never wrote there and none of the keys
it always writes is missing, and every value has a type the real engine
gave that field. The engine facts (/info, /version, /networks/bridge) and
/top are held to their captures the same way. The comparison itself is
tested on documents made wrong on purpose, so it cannot pass vacuously.
No engine, no socket: the engine's state and its renderers are pure.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from document_shape import Schema, schema_of, shape_errors

from dockertui.audit import audit_container, audit_engine
from dockertui.demo import documents, facts
from dockertui.demo.engine import DemoEngine
from dockertui.demo.fleet import FLEET, NEWCOMER, RunState
from dockertui.demo.records import Status
from dockertui.model import ClientFacts, container_from_inspect, engine_from_api

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _captured(pattern: str) -> list[Any]:
    return [json.loads(p.read_text()) for p in sorted(FIXTURES.glob(pattern))]


INSPECTS = _captured("inspect/*.json") + _captured("run/inspect/*.json")


def _state_schema(status: str) -> Schema:
    """The schema of the captured containers in that state, for the keys a
    document in that state always has (a state's few captures cannot tell
    every key or type a field may take). No capture is
    paused or restarting: a paused one is held to the running ones, a
    restarting one (its process gone, its network torn down) to the exited."""
    wanted = {"paused": "running", "restarting": "exited"}.get(status, status)
    return schema_of([d for d in INSPECTS if d["State"]["Status"] == wanted])


ALL_STATES = schema_of(INSPECTS)
#: A type dockerd writes that no capture holds: an image with an ENTRYPOINT
#: and no CMD (grafana's /run.sh) run with no command leaves Config.Cmd null.
ALL_STATES["Config.Cmd"][0].add("null")
#: Fields dockerd writes only when set and that no capture happens to hold.
OPTIONAL = frozenset({"HostConfig.Sysctls", "SizeRw", "SizeRootFs"})


def _demo_docs(engine: DemoEngine) -> list[dict[str, Any]]:
    return [documents.inspect(c, engine.networks) for c in engine.containers.values()]


@pytest.fixture
def engine() -> DemoEngine:
    return DemoEngine(speed=0, now=lambda: 1_764_600_000.0)


def test_every_demo_document_has_the_engines_shape(engine: DemoEngine) -> None:
    docs = _demo_docs(engine)
    assert len(docs) == len(FLEET)
    for doc in docs:
        errors = shape_errors(doc, ALL_STATES, optional=OPTIONAL)
        errors += shape_errors(
            doc, _state_schema(doc["State"]["Status"]), optional=OPTIONAL, missing_only=True
        )
        assert not errors, (doc["Name"], errors)


def test_documents_keep_the_shape_through_a_fixs_actions(engine: DemoEngine) -> None:
    """Create from a re-create's body, rename, start, stop, update, the way
    a fix does, and the newcomer the activity creates."""
    web = engine.find("web")
    body = {**web.config, "HostConfig": dict(web.host)}
    new = engine.create(body, "web-new-20261201-120000")
    engine.stop("web")
    engine.rename("web", "web-backup-20261201-120000")
    engine.rename(new.id, "web")
    engine.start(new.id)
    engine.update(new.id, {"Memory": 256 * 1024 * 1024, "MemorySwap": 256 * 1024 * 1024})
    hotfix = engine.create(NEWCOMER.create, NEWCOMER.name)
    engine.start(hotfix.id)
    for c in (new, engine.find("web-backup-20261201-120000"), hotfix):
        doc = documents.inspect(c, engine.networks, size=engine.layer_size(c))
        errors = shape_errors(doc, ALL_STATES, optional=OPTIONAL)
        errors += shape_errors(
            doc, _state_schema(doc["State"]["Status"]), optional=OPTIONAL, missing_only=True
        )
        assert not errors, (c.name, errors)


def test_the_model_reads_each_member_as_the_fleet_describes_it(engine: DemoEngine) -> None:
    states = {
        RunState.RUNNING: {"running"},
        RunState.CREATED: {"created"},
        RunState.EXITED: {"exited"},
        RunState.CRASH_LOOP: {"restarting"},
    }
    for member in FLEET:
        doc = documents.inspect(engine.find(member.name), engine.networks)
        c = container_from_inspect(doc)
        assert c.name == member.name
        assert c.state in states[member.state], member.name
        assert c.image == member.image
        assert c.user == (member.create.get("User") or "")
        assert c.privileged == bool(member.create["HostConfig"]["Privileged"])


def test_the_engine_facts_have_the_engines_shape() -> None:
    engine = DemoEngine(speed=0, now=lambda: 1_764_600_000.0)
    info_schema = schema_of(_captured("engine/info.json"))
    version_schema = schema_of(_captured("engine/version.json"))
    bridge_schema = schema_of(_captured("engine/bridge.json"))
    bridge = documents.network_doc(engine.network("bridge"), list(engine.containers.values()))
    info = engine.info()
    # The capture had no daemon warnings (null); dockerd writes a list of strings.
    assert not shape_errors(info, info_schema, optional=frozenset({"Warnings"}))
    assert all(isinstance(w, str) for w in info["Warnings"])
    assert not shape_errors(facts.version(), version_schema)
    assert not shape_errors(bridge, bridge_schema)


def test_top_has_the_engines_shape(engine: DemoEngine) -> None:
    schema = schema_of(_captured("top/*.json"))
    for c in engine.containers.values():
        if c.status == Status.RUNNING:
            assert not shape_errors(documents.top(c, engine.processes(c)), schema), c.name


def test_the_engine_screen_teaches_from_the_facts() -> None:
    """icc on the default bridge, no user namespaces, an old runc, no live restore."""
    engine = DemoEngine(speed=0)
    bridge = documents.network_doc(engine.network("bridge"), [])
    info = engine_from_api(engine.info(), facts.version(), bridge)
    client = ClientFacts(endpoint="unix:///tmp/x/docker.sock", transport="unix")
    found = {f.check for f in audit_engine(info, client)}
    assert {"icc-enabled", "userns-disabled", "engine-outdated", "live-restore-off"} <= found


def test_the_hardened_member_is_grade_a_and_the_privileged_agent_f() -> None:
    engine = DemoEngine(speed=0)
    info = engine_from_api(engine.info(), facts.version(), None)

    def grade(name: str) -> str:
        doc = documents.inspect(engine.find(name), engine.networks)
        return audit_container(container_from_inspect(doc), info).grade

    assert grade("payments-api") == "A"
    assert grade("monitoring-agent") == "F"


# -- the comparison itself -------------------------------------------------------------------


def _one(engine: DemoEngine, name: str = "web") -> dict[str, Any]:
    return documents.inspect(engine.find(name), engine.networks)


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda d: d["State"].__setitem__("Running", "true"), "State.Running: str"),
        (lambda d: d["HostConfig"].pop("PidMode"), "HostConfig.PidMode: missing"),
        (lambda d: d["NetworkSettings"].__setitem__("Ports", []), "NetworkSettings.Ports: list"),
        (lambda d: d["Config"].__setitem__("Privileged", False), "Config.Privileged: a key"),
        (lambda d: d.__setitem__("Mounts", {}), "Mounts: dict"),
        (lambda d: d["HostConfig"].__setitem__("CapDrop", "ALL"), "HostConfig.CapDrop: str"),
        (
            lambda d: next(iter(d["NetworkSettings"]["Networks"].values())).pop("IPAddress"),
            "NetworkSettings.Networks.*.IPAddress: missing",
        ),
    ],
)
def test_the_comparison_catches_a_wrong_shape(
    engine: DemoEngine, damage: Any, expected: str
) -> None:
    doc = copy.deepcopy(_one(engine))
    assert not shape_errors(doc, ALL_STATES, optional=OPTIONAL)
    damage(doc)
    errors = shape_errors(doc, ALL_STATES, optional=OPTIONAL)
    assert any(e.startswith(expected) for e in errors), errors

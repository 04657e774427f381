"""The simulated engine's answers next to the REAL engine's, for the
documents no capture in tests/fixtures holds: the container list
(GET /containers/json), an exec session, an image, a user-defined network
and /version. The same request goes to both (the real one about a
container of this test, labelled and removed afterwards); every key and
type of the demo's answer must be one the real engine gives there."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import docker
import pytest
from document_shape import schema_of, shape_errors

from dockertui.demo.run import start_demo_engine
from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.gateway import EngineGateway

import harness

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def demo() -> Iterator[str]:
    path, stop = start_demo_engine(0)
    try:
        yield path
    finally:
        stop()


async def _get(socket: str, path: str, params: dict[str, str] | None = None) -> Any:
    gateway = await EngineGateway.open(resolve_endpoint(host=f"unix://{socket}", env={}))
    try:
        return await gateway.get(path, params)
    finally:
        await gateway.close()


async def test_the_container_list_has_the_engines_shape(
    demo: str, containers: harness.Containers, docker_api: docker.APIClient, user_network: str
) -> None:
    running = containers.create(
        "demo-list", ports=[8080], host={"port_bindings": {8080: ("127.0.0.1", None)}}
    )
    docker_api.connect_container_to_network(running, user_network)
    containers.create("demo-list-exposed", ports=[5432])  # exposed, not published
    created = containers.create("demo-list-created", start=False)
    filters = json.dumps({"label": [f"{harness.LABEL}={containers.session}"]})
    real = await _get(harness.SOCKET, "containers/json", {"all": "1", "filters": filters})
    assert {e["Id"] for e in real} >= {running, created}
    ours = await _get(demo, "containers/json", {"all": "1"})
    schema = schema_of(real)
    for entry in ours:
        errors = shape_errors(entry, schema)
        # Ports entries without a published side (an exposed port) lack IP and
        # PublicPort, as the engine writes them; the capture here publishes.
        errors = [
            e for e in errors if not e.startswith(("[].Ports[].IP:", "[].Ports[].PublicPort:"))
        ]
        assert not errors, (entry["Names"], errors)


async def test_an_exec_session_has_the_engines_shape(
    demo: str, containers: harness.Containers, docker_api: docker.APIClient
) -> None:
    cid = containers.create("demo-exec")
    exec_id = docker_api.exec_create(cid, ["sleep", "5"], tty=True, privileged=False)["Id"]
    docker_api.exec_start(exec_id, detach=True)
    real = await _get(harness.SOCKET, f"exec/{exec_id}/json")
    from dockertui.demo import documents
    from dockertui.demo.engine import DemoEngine

    engine = DemoEngine(speed=0)
    session = engine.exec(engine.find("legacy-crm"), ["bash"], tty=True, stdin=True)
    assert not shape_errors(documents.exec_doc(session), schema_of([real]))


async def test_images_networks_and_version_have_the_engines_shape(
    demo: str, user_network: str
) -> None:
    real_image = await _get(harness.SOCKET, f"images/{harness.IMAGE}/json")
    for ref in ("nginx:1.25.3", "louislam/uptime-kuma"):
        ours = await _get(demo, f"images/{ref}/json")
        # The test image was made by `docker import`: its Config is mostly
        # null, so only the keys are compared, not the types.
        assert set(ours) == set(real_image)
        assert not shape_errors(ours, schema_of([real_image]), missing_only=True), ref
    real_network = await _get(harness.SOCKET, f"networks/{user_network}")
    ours = await _get(demo, "networks/shop-backend")
    assert not shape_errors(ours, schema_of([real_network]))
    real_version = await _get(harness.SOCKET, "version")
    assert not shape_errors(await _get(demo, "version"), schema_of([real_version]))


async def test_events_have_the_engines_shape(
    demo: str, containers: harness.Containers, docker_api: docker.APIClient
) -> None:
    """A container's create, start, exec, kill, die, stop and destroy, and a
    network connect, on both engines, read from GET /events since..until."""
    since = time.time() - 1
    cid = containers.create("demo-events")
    exec_id = docker_api.exec_create(cid, ["true"])["Id"]
    docker_api.exec_start(exec_id)
    docker_api.stop(cid, timeout=1)
    until = time.time() + 1
    params = {"since": f"{since:.6f}", "until": f"{until:.6f}"}
    real = [e for e in docker_api.events(decode=True, **params) if e.get("Type") != "image"]
    actions = {e["Action"].partition(":")[0] for e in real if e["Type"] == "container"}
    assert {"create", "start", "exec_create", "exec_die", "die", "stop"} <= actions

    since = time.time() - 1
    gateway = await EngineGateway.open(resolve_endpoint(host=f"unix://{demo}", env={}))
    try:
        await gateway.stop_container("cache", seconds=1)
        await gateway.start_container("cache")
        ours = await gateway.get_json_lines(
            "events", {"since": f"{since:.6f}", "until": f"{time.time() + 0.5:.6f}"}
        )
    finally:
        await gateway.close()
    ours += _demo_exec_events()
    by_kind = {
        kind: schema_of([e for e in real if e["Type"] == kind]) for kind in ("container", "network")
    }
    assert {e["Type"] for e in ours} == {"container", "network"}
    for event in ours:
        assert not shape_errors(event, by_kind[event["Type"]]), event
        if event["Type"] == "container":  # what the watcher reads from them
            assert {"name", "image"} <= set(event["Actor"]["Attributes"]), event


def _demo_exec_events() -> list[dict[str, Any]]:
    from dockertui.demo.engine import DemoEngine

    engine = DemoEngine(speed=0)
    seen: list[dict[str, Any]] = []
    engine.subscribers.append(seen.append)
    session = engine.exec(engine.find("web"), ["nginx", "-s", "reload"])
    engine.exec_end(session, 0)
    return seen

"""`dockertui lab` on the real engine: up makes every member of the teaching
fleet with the fleet's settings (as the engine reports them), twice is the
same as once, members this host cannot start stay created and status says
why, down leaves nothing with the lab's label, and the refusals.

The engine is shared with other test runs, so every lab here has a name of
its own, `up` runs with --force (other runs' containers are "unlabelled"),
and whatever a test's lab made is removed at the end, even on failure."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import docker
import docker.errors
import pytest
from integration_support import error_lines, run_cli, text

from dockertui.audit import capabilities as caps
from dockertui.demo.fleet import FLEET, NETWORKS, VOLUMES, RunState
from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.gateway import EngineGateway
from dockertui.lab import ops
from dockertui.lab.plan import LAB_LABEL, MEMBER_LABEL, Names, lab_bind, plan, runs_sshd

import harness

FLEET_NETWORKS = ("default", "bridge", "host", "none")
#: Chosen by the engine when the fleet leaves them unset, so only set values are compared.
#: LogConfig is the daemon's logging default, not something the fleet decides.
NOT_COMPARED = {"LogConfig"}


def _lab_name() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


def _selector(name: str) -> dict[str, str]:
    return {"label": f"{LAB_LABEL}={name}"}


def purge(api: docker.APIClient, name: str) -> None:
    """Remove everything labelled as lab `name`, whatever state it is in."""
    for entry in api.containers(all=True, filters=_selector(name)):
        with contextlib.suppress(docker.errors.NotFound):
            api.remove_container(entry["Id"], force=True, v=True)
    for net in api.networks(filters=_selector(name)):
        with contextlib.suppress(docker.errors.NotFound):
            api.remove_network(net["Id"])
    for vol in api.volumes(filters=_selector(name)).get("Volumes") or []:
        with contextlib.suppress(docker.errors.NotFound):
            api.remove_volume(vol["Name"])


def leftovers(api: docker.APIClient, name: str) -> dict[str, list[str]]:
    return {
        "containers": sorted(
            e["Names"][0] for e in api.containers(all=True, filters=_selector(name))
        ),
        "networks": sorted(n["Name"] for n in api.networks(filters=_selector(name))),
        "volumes": sorted(
            v["Name"] for v in api.volumes(filters=_selector(name)).get("Volumes") or []
        ),
    }


def lab_cli(*args: str, host: str = harness.BASE_URL) -> Any:
    insecure = ["--insecure"] if host.startswith("tcp://") else []
    return run_cli(["lab", *args, "--host", host, *insecure], timeout=300)


@pytest.fixture
def lab_name(docker_api: docker.APIClient) -> Iterator[str]:
    name = _lab_name()
    yield name
    purge(docker_api, name)


@pytest.fixture(scope="module")
def lab(docker_api: docker.APIClient) -> Iterator[dict[str, Any]]:
    """One lab from the sshd image, made once for the module; next to it an
    unlabelled container and volume that `down` must leave alone."""
    name = _lab_name()
    bystanders = harness.Containers(docker_api)
    bystander = bystanders.create("lab-bystander", start=False)
    volume = f"dtui-{harness.SESSION}-lab-keep-{uuid.uuid4().hex[:6]}"
    docker_api.create_volume(volume, labels={harness.LABEL: harness.SESSION})
    try:
        result = lab_cli("up", "--image", harness.SSHD_IMAGE, "--name", name, "--force")
        assert result.returncode == 0, text(result.stderr)
        yield {"name": name, "up": result, "bystander": bystander, "volume": volume}
    finally:
        purge(docker_api, name)
        bystanders.cleanup()
        with contextlib.suppress(docker.errors.NotFound):
            docker_api.remove_volume(volume)


def _by_member(api: docker.APIClient, name: str) -> dict[str, dict[str, Any]]:
    found = {}
    for entry in api.containers(all=True, filters=_selector(name)):
        doc = api.inspect_container(entry["Id"])
        found[doc["Config"]["Labels"][MEMBER_LABEL]] = doc
    return found


def _set(values: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (values or {}).items() if v}


def _same(key: str, fleet: Any, engine: Any) -> bool:
    if key in ("CapAdd", "CapDrop"):
        return caps.normalize_all(fleet) == caps.normalize_all(engine or [])
    return bool(fleet == engine)


def test_up_makes_every_member_with_the_fleets_settings(
    docker_api: docker.APIClient, lab: dict[str, Any]
) -> None:
    names = Names(lab["name"])
    docs = _by_member(docker_api, lab["name"])
    assert sorted(docs) == sorted(m.name for m in FLEET)
    networks = {n.name for n in plan("", names).networks}
    compared = 0
    for member in FLEET:
        doc = docs[member.name]
        assert doc["Name"] == "/" + names.container(member.name)
        assert doc["Config"]["Image"] == harness.SSHD_IMAGE
        fleet_host, engine_host = member.create["HostConfig"], doc["HostConfig"]
        for key, wanted in fleet_host.items():
            if key in NOT_COMPARED or wanted in (None, "", 0, [], {}, False):
                continue  # the engine fills in its default
            if key == "Binds":
                wanted = [lab_bind(b, names, [v.name for v in VOLUMES]) for b in wanted]
            if key == "NetworkMode" and wanted not in FLEET_NETWORKS:
                wanted = names.network(wanted)
            assert _same(key, wanted, engine_host.get(key)), (
                member.name,
                key,
                engine_host.get(key),
            )
            compared += 1
        config = doc["Config"]
        assert config["User"] == member.create["User"]
        assert set(member.create["Env"] or []) <= set(config["Env"] or [])
        # The engine leaves out the health check's zero durations (StartPeriod 0).
        assert _set(config.get("Healthcheck")) == _set(member.create["Healthcheck"]), member.name
        assert config["Labels"].items() >= dict(member.create["Labels"]).items()
        assert config["Tty"] == member.create["Tty"]
        for network in (
            (doc["NetworkSettings"]["Networks"] or {}) if doc["State"]["Running"] else ()
        ):
            assert network in networks or network in FLEET_NETWORKS
    # Every member's restart policy and network mode at least, and the rest that is set.
    assert compared > 2 * len(FLEET)
    socket_binds = [
        b for d in docs.values() for b in d["HostConfig"]["Binds"] or [] if "docker.sock" in b
    ]
    assert socket_binds  # the CI runner holds the engine's socket, as in the fleet


def test_members_this_host_cannot_start_are_left_created_and_status_says_why(
    docker_api: docker.APIClient, lab: dict[str, Any]
) -> None:
    docs = _by_member(docker_api, lab["name"])
    result = lab_cli("status", "--name", lab["name"])
    assert result.returncode == 0, text(result.stderr)
    out = " ".join(text(result.stdout).split())  # the table wraps long reasons
    refused = 0
    for member in FLEET:
        state = docs[member.name]["State"]
        container = Names(lab["name"]).container(member.name)
        assert container in out
        if member.state is RunState.CREATED:
            assert state["Status"] == "created" and not state["Error"], member.name
        elif state["Status"] == "created":  # the engine refused to start it here
            assert state["Error"], member.name
            assert " ".join(state["Error"].split())[:60] in out, member.name
            refused += 1
        elif member.state is RunState.RUNNING:
            assert state["Status"] == "running", (member.name, state)
    # Privileged containers cannot start on these machines: the "left created" path.
    started = [
        m for m in FLEET if m.create["HostConfig"]["Privileged"] and m.state is not RunState.CREATED
    ]
    assert started, "the fleet has a privileged member that up starts"
    if docs[started[0].name]["State"]["Status"] == "created":
        assert refused and "cannot start on this engine" in out


def test_the_sshd_member_runs_the_images_sshd(
    docker_api: docker.APIClient, lab: dict[str, Any]
) -> None:
    member = next(m for m in FLEET if runs_sshd(m))
    doc = _by_member(docker_api, lab["name"])[member.name]
    assert doc["State"]["Status"] == "running"
    processes = [row[-1] for row in docker_api.top(doc["Id"])["Processes"]]
    assert any(p.startswith("/usr/sbin/sshd") for p in processes), processes


def test_up_twice_changes_nothing(docker_api: docker.APIClient, lab: dict[str, Any]) -> None:
    before = {m: d["Id"] for m, d in _by_member(docker_api, lab["name"]).items()}
    made = leftovers(docker_api, lab["name"])
    again = lab_cli("up", "--image", harness.SSHD_IMAGE, "--name", lab["name"], "--force")
    assert again.returncode == 0, text(again.stderr)
    assert "made 0 networks, 0 volumes and 0 containers" in text(again.stdout)
    after = {m: d["Id"] for m, d in _by_member(docker_api, lab["name"]).items()}
    assert after == before
    assert leftovers(docker_api, lab["name"]) == made


def test_down_removes_the_lab_and_nothing_else(
    docker_api: docker.APIClient, lab: dict[str, Any]
) -> None:
    assert all(leftovers(docker_api, lab["name"]).values())
    result = lab_cli("down", "--name", lab["name"])
    assert result.returncode == 0, text(result.stderr)
    assert leftovers(docker_api, lab["name"]) == {"containers": [], "networks": [], "volumes": []}
    assert f"removed {len(FLEET)} containers" in text(result.stdout)
    docker_api.inspect_container(lab["bystander"])  # still there
    docker_api.inspect_volume(lab["volume"])
    again = lab_cli("down", "--name", lab["name"])
    assert again.returncode == 0 and "removed 0 containers" in text(again.stdout)
    status = lab_cli("status", "--name", lab["name"])
    assert status.returncode == 0 and "There is no lab" in text(status.stdout)


def test_a_missing_image_is_one_sentence_and_changes_nothing(
    docker_api: docker.APIClient, lab_name: str
) -> None:
    result = lab_cli("up", "--image", "dockertui-test/absent:0", "--name", lab_name, "--force")
    assert result.returncode == 2
    lines = error_lines(result)
    assert len(lines) == 1 and "dockertui-test/absent:0" in lines[0] and "never pulls" in lines[0]
    assert leftovers(docker_api, lab_name) == {"containers": [], "networks": [], "volumes": []}


def test_other_containers_are_refused_without_force(
    docker_api: docker.APIClient, containers: harness.Containers, lab_name: str
) -> None:
    containers.create("lab-other", start=False)  # at least one container no lab made
    result = lab_cli("up", "--image", harness.IMAGE, "--name", lab_name)
    assert result.returncode == 2
    lines = error_lines(result)
    assert len(lines) == 1 and "--force" in lines[0], lines
    count = re.search(r"already has (\d+) containers? that no lab made", lines[0])
    assert count and int(count.group(1)) >= 1, lines[0]
    assert leftovers(docker_api, lab_name) == {"containers": [], "networks": [], "volumes": []}


class TcpToUnix:
    """127.0.0.1:<port> relayed to the engine's unix socket: an endpoint that
    is not a local unix socket, without leaving this machine."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_unix_connection(harness.SOCKET)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self.loop.run_forever()
        server.close()

    def __enter__(self) -> str:
        self._thread.start()
        self._ready.wait(10)
        return f"tcp://127.0.0.1:{self.port}"

    def __exit__(self, *_: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


def test_a_remote_engine_gets_host_reaching_members_only_with_i_know(
    docker_api: docker.APIClient, lab_name: str
) -> None:
    with TcpToUnix() as host:
        result = lab_cli("up", "--image", harness.IMAGE, "--name", lab_name, "--force", host=host)
        assert result.returncode == 2
        lines = error_lines(result)
        assert len(lines) == 1 and "--i-know" in lines[0], lines
        for member in FLEET:
            flagged = member.create["HostConfig"]["Privileged"] or "host" in (
                member.create["HostConfig"]["PidMode"],
                member.create["HostConfig"]["NetworkMode"],
                member.create["HostConfig"]["IpcMode"],
            )
            assert (f" {member.name} (" in lines[0]) is bool(flagged), member.name
        assert leftovers(docker_api, lab_name) == {"containers": [], "networks": [], "volumes": []}

        # With --i-know they are made (one of them here, to keep the test short).
        privileged = next(m for m in FLEET if m.create["HostConfig"]["Privileged"])
        made = asyncio.run(_up_subset(host, lab_name, [privileged]))
        assert made.made["container"] == 1
    docs = _by_member(docker_api, lab_name)
    assert docs[privileged.name]["HostConfig"]["Privileged"] is True


async def _up_subset(
    host: str, lab_name: str, members: list[Any], networks: tuple[Any, ...] = ()
) -> ops.UpReport:
    gateway = await EngineGateway.open(resolve_endpoint(host=host, insecure=True))
    try:
        subset = plan(harness.IMAGE, Names(lab_name), fleet=members, networks=networks, volumes=())
        return await ops.up(gateway, subset, force=True, i_know=True)
    finally:
        await gateway.close()


def test_status_says_when_the_image_has_no_sshd(
    docker_api: docker.APIClient, lab_name: str
) -> None:
    member = next(m for m in FLEET if runs_sshd(m))
    asyncio.run(_up_subset(harness.BASE_URL, lab_name, [member]))
    result = lab_cli("status", "--name", lab_name)
    assert result.returncode == 0, text(result.stderr)
    out = " ".join(text(result.stdout).split())
    assert f"{Names(lab_name).container(member.name)} running" in out
    assert "the image has no /usr/sbin/sshd" in out
    assert "not created; lab up makes it" in out  # the other members


def test_down_leaves_what_another_container_still_uses_and_says_so(
    docker_api: docker.APIClient, containers: harness.Containers, lab_name: str
) -> None:
    network = next(
        n for n in NETWORKS if n.name in {m.create["HostConfig"]["NetworkMode"] for m in FLEET}
    )
    member = next(m for m in FLEET if m.create["HostConfig"]["NetworkMode"] == network.name)
    asyncio.run(_up_subset(harness.BASE_URL, lab_name, [member], (network,)))
    lab_network = Names(lab_name).network(network.name)
    foreign = containers.create("lab-foreign", start=False)
    docker_api.connect_container_to_network(foreign, lab_network)
    result = lab_cli("down", "--name", lab_name)
    assert result.returncode == 2
    lines = error_lines(result)
    assert len(lines) == 1 and f"network {lab_network}" in lines[0], lines
    assert leftovers(docker_api, lab_name) == {
        "containers": [],
        "networks": [lab_network],
        "volumes": [],
    }
    docker_api.inspect_container(foreign)  # not the lab's: never touched
    docker_api.disconnect_container_from_network(foreign, lab_network)
    again = lab_cli("down", "--name", lab_name)
    assert again.returncode == 0, text(again.stderr)
    assert leftovers(docker_api, lab_name) == {"containers": [], "networks": [], "volumes": []}

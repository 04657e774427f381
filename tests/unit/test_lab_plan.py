"""The lab's plan: the teaching fleet's members as create bodies for a real
engine, and what `lab status` says about a member from its inspect document.
Pure: no engine."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from dockertui.audit import audit_container
from dockertui.audit.processes import configured_sshd
from dockertui.demo.fleet import FLEET, VOLUMES, RunState
from dockertui.lab.plan import (
    LAB_LABEL,
    MEMBER_LABEL,
    LabNameError,
    Names,
    check_lab_name,
    host_reach,
    lab_bind,
    plan,
    runs_sshd,
)
from dockertui.lab.status import MISSING, member_status
from dockertui.model import EngineInfo, container_from_inspect

IMAGE = "busybox:local"
NAMES = Names("t1")
LAB = plan(IMAGE, NAMES)
#: HostConfig keys the lab rewrites: only to put its own prefix on fleet networks and volumes.
RENAMED = {"NetworkMode", "Binds"}
#: The checks that say a container reaches into its host beyond its mounts.
HOST_REACH_CHECKS = {
    "privileged",
    "host-network",
    "host-pid",
    "host-ipc",
    "host-uts",
    "host-userns",
}


def _as_created(body: dict[str, Any], name: str) -> dict[str, Any]:
    """A create body in the shape of an inspect document of a created container."""
    config = {k: v for k, v in body.items() if k not in ("HostConfig", "NetworkingConfig")}
    return {
        "Id": "0" * 64,
        "Name": "/" + name,
        "Config": config,
        "HostConfig": copy.deepcopy(body["HostConfig"]),
        "State": {"Status": "created", "Running": False, "StartedAt": "0001-01-01T00:00:00Z"},
    }


def test_every_member_once_named_and_labelled_as_the_lab() -> None:
    assert [c.member.name for c in LAB.containers] == [m.name for m in FLEET]
    for planned in LAB.containers:
        assert planned.name == f"t1-{planned.member.name}"
        labels = planned.body["Labels"]
        assert labels[LAB_LABEL] == "t1" and labels[MEMBER_LABEL] == planned.member.name
        assert labels.items() >= dict(planned.member.create["Labels"]).items()  # compose kept
        assert planned.body["Image"] == IMAGE
    for made in (*LAB.networks, *LAB.volumes):
        assert made.body["Name"] == made.name and made.name.startswith("t1-")
        assert made.body["Labels"][LAB_LABEL] == "t1"


def test_security_settings_are_the_fleets_apart_from_the_lab_prefix() -> None:
    for planned in LAB.containers:
        fleet_host, lab_host = planned.member.create["HostConfig"], planned.body["HostConfig"]
        assert fleet_host.keys() == lab_host.keys()
        for key in fleet_host.keys() - RENAMED:
            assert lab_host[key] == fleet_host[key], (planned.member.name, key)
        for key in ("User", "Env", "Healthcheck", "ExposedPorts", "Tty", "OpenStdin"):
            assert planned.body[key] == planned.member.create[key], (planned.member.name, key)


def test_fleet_networks_and_volumes_become_the_labs_and_host_paths_stay() -> None:
    lab_networks = {n.name for n in LAB.networks}
    lab_volumes = {v.name for v in LAB.volumes}
    for planned in LAB.containers:
        mode = planned.body["HostConfig"]["NetworkMode"]
        assert mode in lab_networks or mode in ("default", "bridge", "host", "none")
        for key in planned.body["NetworkingConfig"]["EndpointsConfig"]:
            assert key in lab_networks
        for bind in planned.body["HostConfig"]["Binds"] or []:
            source = bind.split(":", 1)[0]
            assert source.startswith("/") or source in lab_volumes, (planned.member.name, bind)
    socket_binds = [
        b for c in LAB.containers for b in c.body["HostConfig"]["Binds"] or [] if "docker.sock" in b
    ]
    assert socket_binds and all(b.startswith("/var/run/docker.sock:") for b in socket_binds)
    assert lab_bind("pgdata:/data", NAMES, [v.name for v in VOLUMES]) == "t1-pgdata:/data"


def test_the_audit_judges_the_lab_member_as_it_judges_the_fleet_member(
    engine_info: EngineInfo,
) -> None:
    """Same findings for the fleet's body and the lab's (as created containers), but
    for the command and image the lab replaces: the lab teaches what the demo teaches."""
    replaced = {"image-latest", "sshd-running"}
    for planned in LAB.containers:
        ours = audit_container(
            container_from_inspect(_as_created(planned.body, planned.name)), engine_info
        )
        theirs = audit_container(
            container_from_inspect(_as_created(dict(planned.member.create), planned.name)),
            engine_info,
        )
        assert {f.check for f in ours.findings} - replaced == {
            f.check for f in theirs.findings
        } - replaced, planned.member.name


def test_host_reach_agrees_with_the_audit(engine_info: EngineInfo) -> None:
    reaching = 0
    for planned in LAB.containers:
        report = audit_container(
            container_from_inspect(_as_created(planned.body, planned.name)), engine_info
        )
        judged = {f.check for f in report.findings} & HOST_REACH_CHECKS
        assert bool(host_reach(planned.body)) == bool(judged), planned.member.name
        reaching += bool(judged)
    assert reaching  # the fleet has privileged and host-namespace members


def test_keep_alive_plays_the_fleets_state() -> None:
    for planned in LAB.containers:
        body, member = planned.body, planned.member
        assert body["Entrypoint"] == ["/bin/sh", "-c"] and len(body["Cmd"]) == 1
        script = body["Cmd"][0]
        if member.state is RunState.EXITED:
            assert script.endswith(f"exit {member.exit_code}") and "while" not in script
        elif member.state is RunState.CRASH_LOOP:
            assert script.endswith(f"exit {member.exit_code or 1}") and "while" not in script
        else:
            assert "while :" in script and "trap" in script
        assert planned.starts is (member.state is not RunState.CREATED)
        # The console sees sshd configured exactly where the fleet runs one.
        assert configured_sshd(tuple(body["Entrypoint"] + body["Cmd"]), ("/bin/sh", "-c")) is (
            runs_sshd(member)
        )
    assert any(runs_sshd(m) for m in FLEET)


@pytest.mark.parametrize("bad", ["", "Lab", "-x", "a b", "x" * 33, "a/b"])
def test_a_lab_name_must_prefix_container_names(bad: str) -> None:
    with pytest.raises(LabNameError):
        check_lab_name(bad)
    assert check_lab_name("room-2.b_1") == "room-2.b_1"


# --- status -----------------------------------------------------------------------------------


def _member(state: RunState) -> Any:
    return next(m for m in FLEET if m.state is state and not runs_sshd(m))


def test_status_says_why_a_member_could_not_start(load_inspect: Callable[[str], Any]) -> None:
    doc = load_inspect("privileged")  # created, never started (captured)
    running = _member(RunState.RUNNING)
    assert member_status(running, "t1-x", doc).why == "created, not started yet; lab up starts it"
    # A failed start leaves the engine's error in State.Error (edited in: the
    # capture never tried to start it).
    message = (  # what dockerd 20.10 said on the capture machine for a privileged start
        "failed to create shim task: OCI runtime create failed: runc create failed: unable to "
        "start container process: unable to apply caps: operation not permitted: unknown"
    )
    doc["State"].update(Error=message, ExitCode=128)
    found = member_status(running, "t1-x", doc)
    assert found.cannot_start and found.state == "created" and message in found.why
    never = _member(RunState.CREATED)
    assert member_status(never, "t1-x", load_inspect("privileged")).as_the_fleet_has_it


def test_status_of_jobs_crash_loops_and_missing_members(load_inspect: Callable[[str], Any]) -> None:
    exited = load_inspect("exited")  # exited with code 3 (captured)
    job = _member(RunState.EXITED)
    found = member_status(job, "t1-job", exited)
    assert not found.as_the_fleet_has_it and "code 3" in found.why
    assert member_status(_member(RunState.CRASH_LOOP), "t1-w", exited).as_the_fleet_has_it
    down = member_status(_member(RunState.RUNNING), "t1-r", exited)
    assert down.state == "exited" and "exit code 3" in down.why
    assert member_status(job, "t1-job", None).state == MISSING


def test_status_says_when_the_image_has_no_sshd(load_inspect: Callable[[str], Any]) -> None:
    sshd = next(m for m in FLEET if runs_sshd(m))
    running = load_inspect("plain")
    assert member_status(sshd, "t1-s", running, has_sshd=True).as_the_fleet_has_it
    assert "no /usr/sbin/sshd" in member_status(sshd, "t1-s", running, has_sshd=False).why

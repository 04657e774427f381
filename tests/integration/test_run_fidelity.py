"""The complete `docker run` on the real engine: a container made through the
Engine API with every setting this machine can start, rendered by
`run_command`, made again from that text by the Docker CLI 20.10 (through
bash, as a user pasting it would), and compared with the original field for
field. One more container, with the settings that cannot start here
(privileged, --cap-add ALL, GPUs...), is compared through `docker create`.

The rendered command carries environment NAMES only; the test supplies the
values in the subprocess environment, as the user's shell would. It talks
to the engine over its unix socket only and never sends traffic to a
container address or a published port. Everything it makes (containers,
networks, volumes, the bind folder) is removed at the end, even on failure.
"""

from __future__ import annotations

import copy
import dataclasses
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from fidelity_support import ENV_VALUES, World, find_cli, make_created, make_running, run_shell

from dockertui.fixes.run_command import complete_flags, run_command
from dockertui.model import container_from_inspect

pytestmark = pytest.mark.engine

#: Top-level inspect keys that belong to one container instance, not to its
#: configuration: (key, why the copy may differ).
IGNORED_TOP = {
    "Id": "the copy's own id",
    "Name": "the copy is given a new name on purpose",
    "Created": "creation timestamp",
    "State": "run-time state: pid, start and finish times, health log",
    "ResolvConfPath": "a path under the container's own folder (holds its id)",
    "HostnamePath": "a path under the container's own folder (holds its id)",
    "HostsPath": "a path under the container's own folder (holds its id)",
    "LogPath": "a path under the container's own folder (holds its id)",
    "GraphDriver": "the copy's own read-write layer (its paths hold a new layer id)",
}
#: NetworkSettings keys the engine assigns to each started container.
IGNORED_NETWORK_SETTINGS = {
    "SandboxID": "the copy's own network namespace",
    "SandboxKey": "the path of that namespace (holds the sandbox id)",
}
#: Keys of each NetworkSettings.Networks entry the engine assigns per container.
IGNORED_ENDPOINT = {"EndpointID": "the endpoint the engine made for the copy"}
#: Keys of Config the engine derives from the id when none was asked for
#: (only ignored for a container that did not choose its hostname).
IGNORED_GENERATED_HOSTNAME = {"Hostname": "generated from the container id"}

#: HostConfig keys the CLI always sends, empty, where an API client (here
#: docker-py) leaves them out (null): the same setting, "none", encoded
#: differently by the client. (key, the CLI's empty value)
UNSET_BY_THE_CLI = {
    "BlkioWeightDevice": [],
    "Dns": [],
    "DnsOptions": [],
    "DnsSearch": [],
    "PortBindings": {},
}

#: Config keys `docker create` sets otherwise than `docker run -d` (it
#: attaches): left out only where a copy is made with create instead of run
#: -d (the mutation check); the run test compares them.
ATTACH_KEYS = ("AttachStdin", "AttachStdout", "AttachStderr", "StdinOnce")


@pytest.fixture(scope="module")
def docker_cli() -> str:
    """The Docker CLI 20.10 (the docker.io package's /usr/bin/docker): the
    flags are rendered for it; a newer CLI on PATH may shadow it."""
    found = find_cli()
    if found is None:
        pytest.fail("The fidelity test needs the Docker CLI 20.10 (apt-get install docker.io).")
    return found


@pytest.fixture(scope="module")
def world(docker_api: docker.APIClient) -> Iterator[World]:
    w = World.open(docker_api)
    try:
        yield w
    finally:
        w.cleanup()


# --- the containers ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def running_original(world: World) -> dict[str, Any]:
    return make_running(world)


@pytest.fixture(scope="module")
def created_original(world: World) -> dict[str, Any]:
    return make_created(world)


# --- making the copy --------------------------------------------------------------------------


def render(doc: dict[str, Any], name: str) -> str:
    """run_command for the container of `doc`, under a new name."""
    return run_command(dataclasses.replace(container_from_inspect(doc), name=name))


def make_copy(world: World, cli: str, command: str, name: str) -> dict[str, Any]:
    world.copies.append(name)
    done = run_shell(cli, command)
    assert done.returncode == 0, f"{command}\n{done.stderr}"
    return world.api.inspect_container(name)


def as_create(command: str) -> str:
    assert command.startswith("docker run -d ")
    return command.replace("docker run -d ", "docker create ", 1)


# --- the comparison ---------------------------------------------------------------------------


def normalise(doc: dict[str, Any], *, generated_hostname: bool = False) -> dict[str, Any]:
    """`doc` without what may differ between a container and its copy (the
    IGNORED_* tables) and with what the CLI cannot express in the same form
    rewritten the one way it can:

    - the engine's own aliases (the container's short id) are dropped;
    - an anonymous volume (Config.Volumes) is mounted by name on purpose, so
      the copy keeps its data: it becomes the Binds entry `name:path`
      (whose Mounts entry the engine marks with mode "z"), and an anonymous
      `--mount` volume gets that name as its Source;
    - a multi-word Entrypoint: `--entrypoint` takes one word, the rest goes
      first in Cmd (same argv);
    - a health check in exec form (["CMD", ...]): `--health-cmd` makes it
      ["CMD-SHELL", "<the words joined>"];
    - the order of Binds, Env and Mounts: the engine lists Mounts from a
      map, and the CLI 20.10 collects the `-v` and `-e` flags in maps too, so
      none of these orders is the user's (the names in Env are unique);
    - empty values the CLI encodes differently from an API client (the
      UNSET_BY_THE_CLI, restart policy "" as "no", `--mount`'s empty
      VolumeOptions.DriverConfig {}).
    """
    doc = copy.deepcopy(doc)
    short_id = doc["Id"][:12]
    for key in IGNORED_TOP:
        doc.pop(key, None)
    config, host, settings = doc["Config"], doc["HostConfig"], doc["NetworkSettings"]
    if generated_hostname:
        for key in IGNORED_GENERATED_HOSTNAME:
            config.pop(key, None)
    for key in IGNORED_NETWORK_SETTINGS:
        settings.pop(key, None)
    for endpoint in (settings.get("Networks") or {}).values():
        for key in IGNORED_ENDPOINT:
            endpoint.pop(key, None)
        if endpoint.get("Aliases"):
            endpoint["Aliases"] = [a for a in endpoint["Aliases"] if a != short_id]
    _anonymous_by_name(doc)
    entrypoint = config.get("Entrypoint") or []
    if len(entrypoint) > 1:
        config["Entrypoint"], config["Cmd"] = entrypoint[:1], entrypoint[1:] + (config["Cmd"] or [])
    test = (config.get("Healthcheck") or {}).get("Test") or []
    if test[:1] == ["CMD"]:
        config["Healthcheck"]["Test"] = ["CMD-SHELL", shlex.join(test[1:])]
    doc["Mounts"] = sorted(doc.get("Mounts") or [], key=lambda m: m["Destination"])
    host["Binds"] = sorted(host.get("Binds") or []) or None
    config["Env"] = sorted(config.get("Env") or []) or None
    for key, empty in UNSET_BY_THE_CLI.items():
        if host.get(key) is None:
            host[key] = empty
    if host.get("RestartPolicy", {}).get("Name") == "":
        host["RestartPolicy"]["Name"] = "no"  # the CLI sends "no" for none
    for mount in host.get("Mounts") or []:
        options = mount.get("VolumeOptions") or {}
        if options.get("DriverConfig") == {}:
            del options["DriverConfig"]
    return doc


def _anonymous_by_name(doc: dict[str, Any]) -> None:
    config, host = doc["Config"], doc["HostConfig"]
    covered = {b.split(":")[1] for b in host.get("Binds") or []}
    covered |= {m["Target"] for m in host.get("Mounts") or []} | set(host.get("Tmpfs") or {})
    volumes = config.get("Volumes") or {}
    for mount in doc.get("Mounts") or []:
        dest = mount["Destination"]
        if mount["Type"] == "volume" and dest in volumes and dest not in covered:
            del volumes[dest]
            host["Binds"] = [*(host.get("Binds") or []), f"{mount['Name']}:{dest}"]
            mount["Mode"] = "z"
    config["Volumes"] = volumes or None
    names = {m["Destination"]: m.get("Name") for m in doc.get("Mounts") or []}
    for spec in host.get("Mounts") or []:
        if spec.get("Type") == "volume" and not spec.get("Source"):
            spec["Source"] = names.get(spec["Target"])


class _Missing:
    def __repr__(self) -> str:
        return "(missing)"


_MISSING = _Missing()


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Every path where `a` and `b` differ, with both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        found = []
        for key in sorted(set(a) | set(b)):
            found += differences(a.get(key, _MISSING), b.get(key, _MISSING), f"{path}.{key}")
        return found
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def configuration(doc: dict[str, Any]) -> dict[str, Any]:
    """What `docker create` already fixes: Config, HostConfig, Mounts and
    each endpoint's configuration (not the addresses a start assigns), with
    the aliases the engine adds at start (short id, hostname) and the
    ATTACH_KEYS left out."""
    doc = normalise(doc)
    hostname = doc["Config"].get("Hostname")
    endpoints = {}
    for name, ep in (doc["NetworkSettings"].get("Networks") or {}).items():
        endpoints[name] = {
            "IPAMConfig": ep.get("IPAMConfig"),
            "Links": ep.get("Links"),
            "Aliases": [a for a in ep.get("Aliases") or [] if a != hostname] or None,
            "DriverOpts": ep.get("DriverOpts"),
        }
    config = {k: v for k, v in doc["Config"].items() if k not in ATTACH_KEYS}
    return {
        "Config": config,
        "HostConfig": doc["HostConfig"],
        "Mounts": doc["Mounts"],
        "Networks": endpoints,
    }


# --- the tests --------------------------------------------------------------------------------


def test_a_running_container_is_copied_field_for_field(
    world: World, docker_cli: str, running_original: dict[str, Any]
) -> None:
    name = world.name("copy-run")
    command = render(running_original, name)
    assert " && docker network connect " in command  # the second network
    for value in ENV_VALUES.values():
        assert value not in command  # names only
    copy_doc = make_copy(world, docker_cli, command, name)
    assert not Path("/tmp/dtui-pwned").exists()  # the shell syntax in a label stayed text
    try:
        assert copy_doc["State"]["Running"], copy_doc["State"]
        found = differences(normalise(running_original), normalise(copy_doc))
        assert found == [], f"{command}\n" + "\n".join(found)
    finally:
        world.remove_copy(name)


def test_a_container_that_cannot_start_is_copied_by_docker_create(
    world: World, docker_cli: str, created_original: dict[str, Any]
) -> None:
    name = world.name("copy-created")
    command = as_create(render(created_original, name))
    copy_doc = make_copy(world, docker_cli, command, name)
    found = differences(
        normalise(created_original, generated_hostname=True),
        normalise(copy_doc, generated_hostname=True),
    )
    assert found == [], f"{command}\n" + "\n".join(found)


def _connect_options(segment: str) -> list[tuple[str, str]]:
    """The (option, value) pairs of one `docker network connect` segment."""
    words = shlex.split(segment)[3:-2]
    return list(zip(words[::2], words[1::2], strict=True))


def _without_connect_option(command: str, index: int, option: tuple[str, str]) -> str:
    segments = command.split(" && ")
    words = shlex.split(segments[index])
    at = next(i for i in range(3, len(words) - 2) if (words[i], words[i + 1]) == option)
    segments[index] = shlex.join(words[:at] + words[at + 2 :])
    return " && ".join(segments)


def test_the_comparison_notices_every_flag_left_out(
    world: World, docker_cli: str, running_original: dict[str, Any]
) -> None:
    """The comparison can fail: the rendered command minus any one of its
    flags (or minus a network connect) makes a copy that differs. The copies
    are only created, so this runs quickly; the unchanged command first
    shows that a created copy compares equal."""
    name = world.name("copy-mutant")
    command = as_create(render(running_original, name))
    container = dataclasses.replace(container_from_inspect(running_original), name=name)
    wanted = configuration(running_original)

    def differs(mutated: str) -> list[str]:
        world.copies.append(name)
        try:
            done = run_shell(docker_cli, mutated)
            if done.returncode != 0:
                return [f"the CLI refused it: {done.stderr.strip()}"]
            return differences(wanted, configuration(world.api.inspect_container(name)))
        finally:
            world.remove_copy(name)

    assert differs(command) == []
    unnoticed = []
    redundant_here = {
        # the engine's default log driver; kept for engines with another default
        "--log-driver json-file",
    }
    flags = complete_flags(container)
    assert len(flags) > 60
    for flag in flags:
        assert f" {flag} " in command, flag
        if flag not in redundant_here and not differs(command.replace(f" {flag} ", " ", 1)):
            unnoticed.append(flag)
    segments = command.split(" && ")
    for index, segment in enumerate(segments[1:], start=1):
        if not differs(" && ".join(s for i, s in enumerate(segments) if i != index)):
            unnoticed.append(segment)
        for option in _connect_options(segment):
            if not differs(_without_connect_option(command, index, option)):
                unnoticed.append(" ".join(option))
    assert unnoticed == []

"""What `dockertui lab up` creates, worked out from the teaching fleet
(`dockertui.demo.fleet`) without touching an engine. Pure.

Each member's create body is the fleet's own, with four changes and no more:

- `Image` is the local image the user named;
- `Entrypoint` and `Cmd` keep it alive with what any ordinary image has
  (`/bin/sh` and `sleep`), or run the image's sshd for a member whose
  process list has one, and play the fleet's state: a job exits with its
  code, a crash-looping worker dies a few seconds after each start;
- the lab's labels are added to the fleet's (compose labels included);
- the networks and named volumes it refers to carry the lab's prefix, so a
  lab never takes over, or mounts, a network or volume it did not make.

Everything that decides what a container can do to its host stays exactly
as the fleet says: capabilities, privileged, namespaces, mounts (the Docker
socket too), published ports and their addresses, user, security options,
restart policy, health check, environment. The networks are made without
the fleet's fixed subnets, which could collide with the host's own; the
engine picks free ones.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dockertui.audit.processes import program
from dockertui.demo.fleet import FLEET, NETWORKS, VOLUMES, Member, Network, RunState, Volume
from dockertui.model.container import LAB_LABEL as LAB_LABEL

#: Every container, network and volume of a lab carries this label, valued with the lab's name.
#: Which fleet member a container is, which fleet network or volume an object stands for.
MEMBER_LABEL = "dockertui.lab.member"
NETWORK_LABEL = "dockertui.lab.network"
VOLUME_LABEL = "dockertui.lab.volume"
DEFAULT_LAB = "lab"
#: A lab's name: the prefix of everything it makes, so it must be a valid container name.
_LAB_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
#: Network modes that are not a network of the fleet's own.
_BUILTIN_NETWORKS = frozenset({"", "default", "bridge", "host", "none"})
#: Where the sshd member looks for the image's sshd.
SSHD_PATH = "/usr/sbin/sshd"

#: Stay alive, and end at once on the stop signal (a sleeping shell as PID 1
#: would ignore it and be killed only after the stop timeout).
_STAY = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"
#: Seconds a crash-looping member lives before it dies again.
CRASH_AFTER = 5


class LabNameError(ValueError):
    """A lab name that cannot prefix container names. One sentence."""


def check_lab_name(name: str) -> str:
    if not _LAB_NAME.match(name):
        raise LabNameError(
            f"{name!r} cannot name a lab: use up to 32 lower-case letters, digits, '.', '_' "
            "or '-', starting with a letter or digit."
        )
    return name


def runs_sshd(member: Member) -> bool:
    """Whether the member's process list (what the fleet says runs) has sshd."""
    return any(program(p.cmd.split(" ", 1)[0]) == "sshd" for p in member.processes)


def keep_alive(member: Member) -> list[str]:
    """The script `/bin/sh -c` runs for the member (see the module doc)."""
    if member.state is RunState.EXITED:
        return [f"sleep 1; exit {member.exit_code}"]
    if member.state is RunState.CRASH_LOOP:
        return [f"sleep {CRASH_AFTER}; exit {member.exit_code or 1}"]
    if runs_sshd(member):
        return [
            f"if [ -x {SSHD_PATH} ]; then mkdir -p /run/sshd 2>/dev/null; "
            f"ssh-keygen -A >/dev/null 2>&1; exec {SSHD_PATH} -D -e; fi; {_STAY}"
        ]
    return [_STAY]


@dataclass(frozen=True)
class Names:
    """How one lab names what it makes: `<lab>-<fleet name>`."""

    lab: str = DEFAULT_LAB

    def container(self, member: str) -> str:
        return f"{self.lab}-{member}"

    def network(self, network: str) -> str:
        return f"{self.lab}-{network}"

    def volume(self, volume: str) -> str:
        return f"{self.lab}-{volume}"

    def labels(self, key: str, value: str) -> dict[str, str]:
        return {LAB_LABEL: self.lab, key: value}


@dataclass(frozen=True)
class PlannedContainer:
    member: Member
    name: str
    body: dict[str, Any]

    @property
    def starts(self) -> bool:
        """Whether `up` starts it (a never-started member stays created)."""
        return self.member.state is not RunState.CREATED


@dataclass(frozen=True)
class PlannedNetwork:
    network: Network
    name: str
    body: dict[str, Any]


@dataclass(frozen=True)
class PlannedVolume:
    volume: Volume
    name: str
    body: dict[str, Any]


@dataclass(frozen=True)
class LabPlan:
    names: Names
    image: str
    networks: tuple[PlannedNetwork, ...]
    volumes: tuple[PlannedVolume, ...]
    containers: tuple[PlannedContainer, ...]


def plan(
    image: str,
    names: Names = Names(),
    *,
    fleet: Sequence[Member] = FLEET,
    networks: Sequence[Network] = NETWORKS,
    volumes: Sequence[Volume] = VOLUMES,
) -> LabPlan:
    """The lab for `image`: every network, volume and container, in the order to make them."""
    network_names = {n.name for n in networks}
    volume_names = {v.name for v in volumes}
    return LabPlan(
        names=names,
        image=image,
        networks=tuple(
            PlannedNetwork(n, names.network(n.name), _network_body(n, names)) for n in networks
        ),
        volumes=tuple(
            PlannedVolume(v, names.volume(v.name), _volume_body(v, names)) for v in volumes
        ),
        containers=tuple(
            PlannedContainer(
                m,
                names.container(m.name),
                container_body(m, image, names, network_names, volume_names),
            )
            for m in fleet
        ),
    )


def _network_body(network: Network, names: Names) -> dict[str, Any]:
    return {
        "Name": names.network(network.name),
        "Driver": "bridge",
        "Internal": network.internal,
        "Labels": {**network.labels, **names.labels(NETWORK_LABEL, network.name)},
    }


def _volume_body(volume: Volume, names: Names) -> dict[str, Any]:
    return {
        "Name": names.volume(volume.name),
        "Labels": {**volume.labels, **names.labels(VOLUME_LABEL, volume.name)},
    }


def container_body(
    member: Member,
    image: str,
    names: Names,
    networks: Iterable[str],
    volumes: Iterable[str],
) -> dict[str, Any]:
    """The member's create body for the lab (see the module doc)."""
    networks, volumes = frozenset(networks), frozenset(volumes)
    body = copy.deepcopy(dict(member.create))
    body["Image"] = image
    body["Entrypoint"] = ["/bin/sh", "-c"]
    body["Cmd"] = keep_alive(member)
    body["Labels"] = {**(body.get("Labels") or {}), **names.labels(MEMBER_LABEL, member.name)}
    host = body.setdefault("HostConfig", {})
    mode = str(host.get("NetworkMode") or "")
    if mode in networks:
        host["NetworkMode"] = names.network(mode)
    elif mode.startswith("container:"):
        host["NetworkMode"] = "container:" + names.container(mode.removeprefix("container:"))
    if host.get("Binds"):
        host["Binds"] = [_bind(b, names, volumes) for b in host["Binds"]]
    for mount in host.get("Mounts") or []:
        if mount.get("Type") == "volume" and mount.get("Source") in volumes:
            mount["Source"] = names.volume(mount["Source"])
    if host.get("VolumesFrom"):
        host["VolumesFrom"] = [names.container(v) for v in host["VolumesFrom"]]
    endpoints = (body.get("NetworkingConfig") or {}).get("EndpointsConfig") or {}
    if endpoints:
        body["NetworkingConfig"]["EndpointsConfig"] = {
            (names.network(k) if k in networks else k): v for k, v in endpoints.items()
        }
    return body


def _bind(bind: str, names: Names, volumes: frozenset[str]) -> str:
    """A Binds entry with a fleet volume's name replaced by the lab's; host paths as they are."""
    source, sep, rest = bind.partition(":")
    return names.volume(source) + sep + rest if source in volumes else bind


def lab_bind(bind: str, names: Names, volumes: Iterable[str]) -> str:
    """What `container_body` makes of one fleet Binds entry (for comparing with the engine)."""
    return _bind(bind, names, frozenset(volumes))


def host_reach(body: Mapping[str, Any]) -> list[str]:
    """The flags of a create body that reach into the host beyond its
    mounts: privileged and every host namespace, as `docker run` spells them."""
    host = body.get("HostConfig") or {}
    found = ["--privileged"] if host.get("Privileged") else []
    for key, flag in (
        ("PidMode", "--pid"),
        ("NetworkMode", "--network"),
        ("IpcMode", "--ipc"),
        ("UTSMode", "--uts"),
        ("UsernsMode", "--userns"),
        ("CgroupnsMode", "--cgroupns"),
    ):
        if host.get(key) == "host":
            found.append(f"{flag}=host")
    return found


def reaching(lab: LabPlan) -> list[tuple[str, list[str]]]:
    """The members that reach into the host (see `host_reach`), with their flags."""
    return [(c.member.name, r) for c in lab.containers if (r := host_reach(c.body))]

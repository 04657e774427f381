"""`lab up`, `lab down` and `lab status` against an engine, through the
engine gateway. No UI: the CLI prints what these return.

`up` converges: what exists is kept (found by name, and checked to be the
lab's by its label), what is missing is made, and members the fleet has
running (or crash-looping) are started when they are not. Running it twice
changes nothing the second time. `down` finds everything by the lab's
label, nothing by name: it stops and removes the lab's containers (with
their anonymous volumes), then its networks and volumes, and nothing else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dockertui.demo.fleet import RunState
from dockertui.engine.concurrency import bounded
from dockertui.engine.errors import EngineRefused
from dockertui.engine.gateway import EngineGateway
from dockertui.fixes.container_ops import ContainerOps, StepFailed, retrying
from dockertui.lab.plan import (
    LAB_LABEL,
    MEMBER_LABEL,
    SSHD_PATH,
    LabPlan,
    Names,
    reaching,
    runs_sshd,
)
from dockertui.lab.plan import plan as plan_lab
from dockertui.lab.status import MemberStatus, member_status
from dockertui.model import is_lock
from dockertui.text import printable

#: Requests to the engine in flight at once while creating, starting, inspecting.
CONCURRENCY = 4
T = TypeVar("T")
Say = Callable[[str], None]


class LabError(Exception):
    """`up` refused before changing anything, or the engine refused to
    create a member (what was made stays; `down` removes it). One sentence."""


@dataclass(frozen=True)
class Extra:
    """A container with the lab's label that is no member's (a fix's backup, say)."""

    name: str
    member: str
    state: str


@dataclass(frozen=True)
class LabStatus:
    lab: str
    members: tuple[MemberStatus, ...]
    extras: tuple[Extra, ...]
    networks: tuple[tuple[str, bool], ...]  # (the lab's name for it, exists)
    volumes: tuple[tuple[str, bool], ...]

    @property
    def exists(self) -> bool:
        return bool(
            self.extras
            or any(m.state != "missing" for m in self.members)
            or any(e for _, e in self.networks)
            or any(e for _, e in self.volumes)
        )


@dataclass
class UpReport:
    made: dict[str, int] = field(
        default_factory=lambda: {"network": 0, "volume": 0, "container": 0}
    )
    started: int = 0
    status: LabStatus | None = None


@dataclass
class DownReport:
    removed: dict[str, int] = field(
        default_factory=lambda: {"container": 0, "network": 0, "volume": 0}
    )
    left: list[str] = field(default_factory=list)  # one clause per object that stayed


def _labels(entry: Mapping[str, Any]) -> dict[str, str]:
    labels = entry.get("Labels") or (entry.get("Config") or {}).get("Labels") or {}
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _name(entry: Mapping[str, Any]) -> str:
    names = entry.get("Names") or [entry.get("Name") or ""]
    return str(names[0]).lstrip("/")


def _lab_filter(names: Names) -> dict[str, list[str]]:
    return {"label": [f"{LAB_LABEL}={names.lab}"]}


async def _bounded(jobs: Iterable[Awaitable[T]]) -> list[T]:
    """The jobs, CONCURRENCY at a time; the first failure cancels the rest."""
    return await bounded(jobs, CONCURRENCY)


def plural(count: int, word: str) -> str:
    """'1 container', '3 containers'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- up ----------------------------------------------------------------------------------------


async def up(
    gateway: EngineGateway, lab: LabPlan, *, force: bool = False, i_know: bool = False
) -> UpReport:
    """Make the lab (see the module doc); LabError, before any change, when it must not."""
    where = printable(gateway.endpoint.host)
    if await gateway.inspect_image(lab.image) is None:
        raise LabError(
            f"There is no image {printable(lab.image)} on the engine at {where}, and lab up "
            "never pulls: pull or build it there first, then name it with --image."
        )
    containers = await gateway.list_containers()
    others = [c for c in containers if LAB_LABEL not in _labels(c) and not is_lock(_labels(c))]
    if others and not force:
        raise LabError(
            f"The engine at {where} already has {plural(len(others), 'container')} that "
            "no lab made; lab up puts the teaching fleet next to them only with --force."
        )
    if gateway.endpoint.transport != "unix" and not i_know:
        risky = reaching(lab)
        if risky:
            listed = ", ".join(f"{m} ({' '.join(flags)})" for m, flags in risky)
            raise LabError(
                f"The engine at {where} is not on this machine, and the lab would give these "
                f"members its host: {listed}; add --i-know if that host is yours to lend."
            )
    networks = await gateway.list_networks()
    volumes = await gateway.list_volumes()
    _refuse_taken(lab, containers, networks, volumes, where)

    report = UpReport()
    have_networks = {str(n.get("Name")) for n in networks}
    for net in lab.networks:
        if net.name not in have_networks:
            await gateway.create_network(net.body)
            report.made["network"] += 1
    have_volumes = {str(v.get("Name")) for v in volumes}
    for vol in lab.volumes:
        if vol.name not in have_volumes:
            await gateway.create_volume(vol.body)
            report.made["volume"] += 1
    mine = {
        _name(c): str(c["Id"]) for c in containers if _labels(c).get(LAB_LABEL) == lab.names.lab
    }

    async def create(name: str, body: Mapping[str, Any]) -> str:
        if name in mine:
            return mine[name]
        try:
            cid = await gateway.create_container(body, name)
        except EngineRefused as err:
            raise LabError(
                f"The engine at {where} refused to create {printable(name)}: "
                f"{printable(err.message)}; what was made stays until lab down."
            ) from None
        report.made["container"] += 1
        return cid

    ids = await _bounded(create(c.name, c.body) for c in lab.containers)

    async def start(planned_starts: bool, exited_job: bool, cid: str) -> None:
        if not planned_starts:
            return
        doc = await gateway.inspect_container(cid)
        state = (doc or {}).get("State") or {}
        never = str(state.get("StartedAt") or "").startswith("0001-")
        if doc is None or state.get("Running") or state.get("Restarting") or state.get("Paused"):
            return
        if exited_job and not never:
            return  # a job that ran is done
        try:
            await gateway.start_container(cid)
            report.started += 1
        except EngineRefused:
            pass  # the engine keeps why in State.Error; status reads it from there

    await _bounded(
        start(c.starts, c.member.state is RunState.EXITED, cid)
        for c, cid in zip(lab.containers, ids, strict=True)
    )
    report.status = await status(gateway, lab.names)
    return report


def _refuse_taken(
    lab: LabPlan,
    containers: list[dict[str, Any]],
    networks: list[dict[str, Any]],
    volumes: list[dict[str, Any]],
    where: str,
) -> None:
    """LabError when a name the lab needs is held by something that is not this lab's."""
    held = {
        "container": {_name(c): _labels(c) for c in containers},
        "network": {str(n.get("Name")): _labels(n) for n in networks},
        "volume": {str(v.get("Name")): _labels(v) for v in volumes},
    }
    wanted = (
        *(("network", n.name) for n in lab.networks),
        *(("volume", v.name) for v in lab.volumes),
        *(("container", c.name) for c in lab.containers),
    )
    for kind, name in wanted:
        labels = held[kind].get(name)
        if labels is not None and labels.get(LAB_LABEL) != lab.names.lab:
            raise LabError(
                f"The engine at {where} already has a {kind} named {printable(name)} that this "
                f"lab did not make; remove or rename it, or choose another lab name with --name."
            )


# --- down --------------------------------------------------------------------------------------


async def down(gateway: EngineGateway, names: Names, say: Say) -> DownReport:
    """Remove everything carrying the lab's label: containers, then networks, then volumes."""
    report = DownReport()
    ops = ContainerOps(gateway, say, verify_seconds=0)

    async def remove(entry: Mapping[str, Any]) -> None:
        cid, name = str(entry["Id"]), _name(entry)
        try:
            await ops.stop_for_good(cid, name)
        except StepFailed as err:  # it keeps coming back
            report.left.append(f"container {printable(name)} ({printable(err)})")
            return
        except EngineRefused as err:
            report.left.append(f"container {printable(name)} ({printable(err.message)})")
            return
        await _remove(report, "container", name, _remover(gateway, cid))

    await _bounded(remove(e) for e in await gateway.list_containers(filters=_lab_filter(names)))
    for net in await gateway.list_networks(filters=_lab_filter(names)):
        name = str(net.get("Name"))
        # The engine removes a network that only stopped containers are
        # attached to, and they would not start again: leave it to them.
        # By name: a created container's attachment has no network id yet.
        users = await gateway.list_containers(filters={"network": [name]})
        if users:
            listed = ", ".join(printable(_name(u)) for u in users)
            report.left.append(f"network {printable(name)} (still attached to {listed})")
            continue
        await _remove(report, "network", name, gateway.remove_network)
    for vol in await gateway.list_volumes(filters=_lab_filter(names)):
        await _remove(report, "volume", str(vol.get("Name")), gateway.remove_volume)
    return report


def _remover(gateway: EngineGateway, cid: str) -> Callable[[str], Awaitable[None]]:
    async def remove(_: str) -> None:
        await gateway.remove_container(cid, volumes=True)  # and its anonymous volumes

    return remove


async def _remove(
    report: DownReport, kind: str, name: str, remove: Callable[[str], Awaitable[None]]
) -> None:
    try:
        await retrying(lambda: remove(name))
        report.removed[kind] += 1
    except EngineRefused as err:
        report.left.append(f"{kind} {printable(name)} ({printable(err.message)})")


# --- status ------------------------------------------------------------------------------------


async def status(gateway: EngineGateway, names: Names) -> LabStatus:
    """Every member of the lab as the engine has it (see `status.member_status`)."""
    lab = plan_lab("", names)
    entries = await gateway.list_containers(filters=_lab_filter(names))
    by_name = {_name(e): str(e["Id"]) for e in entries}
    networks = {str(n.get("Name")) for n in await gateway.list_networks(filters=_lab_filter(names))}
    volumes = {str(v.get("Name")) for v in await gateway.list_volumes(filters=_lab_filter(names))}

    async def one(name: str, sshd: bool) -> tuple[dict[str, Any] | None, bool | None]:
        cid = by_name.get(name)
        if cid is None:
            return None, None
        doc = await gateway.inspect_container(cid)
        if doc is None or not sshd:
            return doc, None
        return doc, await gateway.archive_stat(cid, SSHD_PATH) is not None

    found = await _bounded(one(c.name, runs_sshd(c.member)) for c in lab.containers)
    members = tuple(
        member_status(c.member, c.name, doc, has_sshd=sshd)
        for c, (doc, sshd) in zip(lab.containers, found, strict=True)
    )
    planned = {c.name for c in lab.containers}
    extras = tuple(
        Extra(_name(e), _labels(e).get(MEMBER_LABEL, ""), str(e.get("State") or ""))
        for e in entries
        if _name(e) not in planned
    )
    return LabStatus(
        lab=names.lab,
        members=members,
        extras=extras,
        networks=tuple((n.name, n.name in networks) for n in lab.networks),
        volumes=tuple((v.name, v.name in volumes) for v in lab.volumes),
    )

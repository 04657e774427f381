"""The console's data source (engine.watch.Watcher) and what the console
makes of it (ui.fleet_state.FleetState), on the REAL engine: health-check
runs are neither alerts nor requests, a real root exec still alerts, a
container holding the Docker socket raises the start alert at its start
event's time, removals stay removed, and a failing callback is not taken
for a lost engine.

The watcher runs as the console runs it (`Watcher.run(emit)`), its updates
applied to a FleetState; its own counters (`Watcher.counts`) say how many
inspects it made. Other test runs share the engine: every check looks only
at this test's containers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import docker
import pytest

from dockertui.audit import Severity
from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.watch import (
    Connected,
    ContainerChanged,
    ContainerRemoved,
    Disconnected,
    EngineEvent,
    ExecStarted,
    Update,
    Watcher,
)
from dockertui.ui.fleet_state import FleetState

import harness

pytestmark = pytest.mark.engine

CONNECT = 15.0
LIVE = 5.0
SECOND = 1_000_000_000  # health check intervals are in nanoseconds


@dataclass
class Watched:
    watcher: Watcher
    state: FleetState
    updates: list[Update] = field(default_factory=list)

    def emit(self, update: Update) -> None:
        self.updates.append(update)
        self.state.apply(update)

    def of(self, cid: str) -> list[Update]:
        """The updates about one container."""
        found: list[Update] = []
        for u in self.updates:
            if (
                (isinstance(u, EngineEvent) and u.actor_id == cid)
                or (isinstance(u, ContainerChanged) and u.container.id == cid)
                or (isinstance(u, ContainerRemoved) and u.container_id == cid)
                or (isinstance(u, ExecStarted) and u.session.container_id == cid)
            ):
                found.append(u)
        return found


async def until(
    predicate: Callable[[], object], timeout: float, what: Callable[[], object]
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what()}")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def watching() -> AsyncIterator[Watched]:
    watcher = Watcher(resolve_endpoint(host=harness.BASE_URL))
    watched = Watched(watcher, FleetState(client=watcher.client))
    task = asyncio.create_task(watcher.run(watched.emit))
    try:
        await until(
            lambda: any(isinstance(u, Connected) for u in watched.updates) or task.done(),
            CONNECT,
            lambda: watched.updates[-3:],
        )
        assert not task.done(), task
        yield watched
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def flagged_texts(state: FleetState, prefix: str) -> list[str]:
    """The flagged events pane lines that start with `prefix`."""
    return [line.text for line in state.lines(flagged_only=True) if line.text.startswith(prefix)]


def run_exec(
    api: docker.APIClient, cid: str, cmd: list[str], user: str = "", privileged: bool = False
) -> bytes:
    exec_id = api.exec_create(cid, cmd, user=user, privileged=privileged)["Id"]
    return api.exec_start(exec_id)


async def test_health_checks_are_neither_alerts_nor_requests_but_a_root_exec_alerts(
    containers: harness.Containers,
) -> None:
    """A 1 s CMD-SHELL health check (as `docker run --health-cmd` makes it)
    and a 1 s CMD-form one: over several runs of each, no container is
    re-inspected for them, each run is recognised, no line is flagged, and the
    health status reaches the row from its event. Then a real `docker exec`
    as root: one exec inspect, one flagged line."""
    async with watching() as w:
        shell_form = await asyncio.to_thread(
            containers.create,
            "health-shell",
            healthcheck={"test": ["CMD-SHELL", "true"], "interval": SECOND},
        )
        cmd_form = await asyncio.to_thread(
            containers.create,
            "health-cmd",
            healthcheck={"test": ["CMD", "/bin/true", "x"], "interval": SECOND},
        )
        mine = (shell_form, cmd_form)

        def healthy() -> bool:
            return all(
                (r := w.state.reports.get(cid)) is not None
                and r.container.health_status == "healthy"
                for cid in mine
            )

        await until(healthy, LIVE + 5, lambda: [w.of(c)[-2:] for c in mine])
        inspects = {cid: w.watcher.counts.inspected[cid] for cid in mine}
        seen = w.watcher.counts.events
        await asyncio.sleep(4.5)  # four runs or so of each health check
        assert w.watcher.counts.events - seen >= 12, "the health checks did not run"
        assert {cid: w.watcher.counts.inspected[cid] for cid in mine} == inspects
        # An exec inspect always leads to an ExecStarted: none for a health check.
        assert not [u for cid in mine for u in w.of(cid) if isinstance(u, ExecStarted)]
        assert not [line for line in w.state.lines() if line.flagged and "health-" in line.text]
        # exec_create, exec_start and exec_die of the runs never reach the console.
        assert not [
            u
            for cid in mine
            for u in w.of(cid)
            if isinstance(u, EngineEvent) and "exec" in u.action
        ]
        health_lines = [line.text for line in w.state.lines() if ": health " in line.text]
        assert sorted(health_lines) == [
            f"{containers.name('health-cmd')}: health healthy",
            f"{containers.name('health-shell')}: health healthy",
        ]

        before = time.time()
        out = await asyncio.to_thread(run_exec, containers.api, shell_form, ["id"])
        assert b"uid=0(root)" in out
        name = containers.name("health-shell")

        def root_lines() -> list[str]:
            return flagged_texts(w.state, f"{name}: exec id")

        await until(root_lines, LIVE, lambda: [line.text for line in w.state.lines()][-5:])
        assert root_lines() == [f"{name}: exec id (as root, the container's user)"]
        (alert,) = [line for line in w.state.lines(flagged_only=True) if "health-" in line.text]
        assert alert.severity is Severity.MEDIUM
        assert before - 1 <= alert.time <= time.time()
        assert len([u for cid in mine for u in w.of(cid) if isinstance(u, ExecStarted)]) == 1
        assert {cid: w.watcher.counts.inspected[cid] for cid in mine} == inspects
        assert w.watcher.counts.health_runs >= 8

        # The health check's very words, typed with --privileged or as another
        # user, are somebody's exec, not a health run.
        await asyncio.to_thread(
            run_exec, containers.api, shell_form, ["/bin/sh", "-c", "true"], privileged=True
        )
        await asyncio.to_thread(
            run_exec, containers.api, shell_form, ["/bin/sh", "-c", "true"], user="0"
        )

        def disguised() -> list[str]:
            return flagged_texts(w.state, f"{name}: exec /bin/sh -c true")

        await until(lambda: len(disguised()) == 2, LIVE, lambda: disguised())


async def test_a_privileged_exec_into_a_container_started_a_moment_ago_alerts(
    containers: harness.Containers,
) -> None:
    """The exec may reach the watcher before the new container's first
    re-inspect: it still has an owner, so it still alerts."""
    async with watching() as w:

        def run_then_exec() -> str:
            cid = containers.create("exec-at-once")
            run_exec(containers.api, cid, ["id"], privileged=True)
            return cid

        cid = await asyncio.to_thread(run_then_exec)
        name = containers.name("exec-at-once")

        def alerts() -> list[str]:
            return flagged_texts(w.state, f"{name}: exec id")

        await until(lambda: len(alerts()) == 1, LIVE, lambda: w.of(cid))
        (line,) = [ln for ln in w.state.lines(flagged_only=True) if ln.text == alerts()[0]]
        assert line.severity is Severity.HIGH  # privileged: worse than a plain root exec


async def test_socket_holder_start_alerts_at_its_start_events_time(
    containers: harness.Containers,
) -> None:
    async with watching() as w:
        cid = await asyncio.to_thread(
            containers.create,
            "socket-start",
            host={"binds": [f"{harness.SOCKET}:/var/run/docker.sock"]},
        )
        name = containers.name("socket-start")

        def alerts() -> list[str]:
            return [line.text for line in w.state.lines(flagged_only=True) if name in line.text]

        await until(alerts, LIVE, lambda: w.of(cid))
        assert alerts() == [f"{name} started: holds the Docker socket"]
        (alert,) = [line for line in w.state.lines(flagged_only=True) if name in line.text]
        assert alert.severity is Severity.CRITICAL
        start = next(u for u in w.of(cid) if isinstance(u, EngineEvent) and u.action == "start")
        assert alert.time == start.time
        # In the engine's order: right after the start line it is about.
        lines = w.state.lines()
        at = lines.index(alert)
        assert lines[at - 1].event == start or lines[at - 1].time <= alert.time


async def test_rm_force_leaves_the_container_removed(containers: harness.Containers) -> None:
    """`docker rm -f` of a running container: kill, die, destroy in quick
    succession, the die's re-inspect possibly still on its way. The last
    word about it is ContainerRemoved and no later answer brings it back."""
    async with watching() as w:
        cid = await asyncio.to_thread(containers.create, "rm-force")
        await until(lambda: cid in w.state.reports, LIVE, lambda: w.of(cid))
        await asyncio.to_thread(containers.api.remove_container, cid, force=True)
        await until(lambda: ContainerRemoved(cid) in w.updates, LIVE, lambda: w.of(cid)[-4:])
        # Another container's start after it: once it is shown, everything
        # about the first one has been handled.
        other = await asyncio.to_thread(containers.create, "rm-force-after")
        await until(lambda: other in w.state.reports, LIVE, lambda: w.of(other))
        await asyncio.sleep(0.3)
        assert cid not in w.state.reports
        last = [u for u in w.of(cid) if isinstance(u, ContainerChanged | ContainerRemoved)][-1]
        assert last == ContainerRemoved(cid)


async def test_docker_run_ends_running(containers: harness.Containers) -> None:
    """create then start at once (`docker run -d`): the start must not be
    lost behind the create's re-inspect; an inspect follows it."""
    async with watching() as w:
        cid = await asyncio.to_thread(containers.create, "run-d")

        def inspected_after_start() -> bool:
            starts = [u for u in w.of(cid) if isinstance(u, EngineEvent) and u.action == "start"]
            return bool(starts) and any(
                isinstance(u, ContainerChanged) and u.time >= starts[0].time for u in w.of(cid)
            )

        await until(inspected_after_start, LIVE, lambda: w.of(cid))
        changes = [u for u in w.of(cid) if isinstance(u, ContainerChanged)]
        assert changes[-1].container.state == "running"
        assert w.state.reports[cid].container.running


async def test_a_failing_callback_is_raised_not_taken_for_a_lost_engine() -> None:
    """A bug in the console (here: the callback raises on the first
    snapshot) ends the watcher with that exception, once; it is not
    reported as Disconnected and retried."""
    seen: list[Update] = []

    def emit(update: Update) -> None:
        seen.append(update)
        if isinstance(update, Connected):
            raise ZeroDivisionError("a bug in the console")

    watcher = Watcher(resolve_endpoint(host=harness.BASE_URL))
    with pytest.raises(ZeroDivisionError, match="a bug in the console"):
        await asyncio.wait_for(watcher.run(emit), CONNECT)
    assert not [u for u in seen if isinstance(u, Disconnected)]
    assert len([u for u in seen if isinstance(u, Connected)]) == 1


async def test_a_failing_callback_in_the_coalesced_flush_is_raised(
    containers: harness.Containers,
) -> None:
    """The same for an update the coalescing task sends (a re-inspect's
    answer): its exception ends the watcher instead of being lost."""
    seen: list[Update] = []
    target: list[str] = []

    def emit(update: Update) -> None:
        seen.append(update)
        if isinstance(update, ContainerChanged) and update.container.id in target:
            raise KeyError("a bug in a check")

    watcher = Watcher(resolve_endpoint(host=harness.BASE_URL))
    task = asyncio.create_task(watcher.run(emit))
    await until(lambda: any(isinstance(u, Connected) for u in seen), CONNECT, lambda: seen[-3:])
    target.append(await asyncio.to_thread(containers.create, "flush-bug"))
    with pytest.raises(KeyError, match="a bug in a check"):
        await asyncio.wait_for(task, LIVE)
    assert not [u for u in seen if isinstance(u, Disconnected)]


async def test_the_kernels_view_follows_what_no_event_announces(
    containers: harness.Containers, docker_api: docker.APIClient
) -> None:
    """A service that drops to nobody after a setup, and a root process left
    behind by a detached exec: no event says either, the periodic /proc
    pass does, with no request to the engine."""
    from dockertui.audit.identity import user_in_effect

    watcher = Watcher(resolve_endpoint(host=harness.BASE_URL), kernel_refresh=0.5)
    watched = Watched(watcher, FleetState(client=watcher.client))
    task = asyncio.create_task(watcher.run(watched.emit))
    try:
        await until(lambda: any(isinstance(u, Connected) for u in watched.updates), CONNECT,
                    lambda: watched.updates[-3:])  # fmt: skip
        slow = await asyncio.to_thread(
            containers.create, "slow-drop", image=harness.TOOLS_IMAGE,
            command=["sh", "-c", 'sleep 2; exec su -s /bin/sh nobody -c "exec sleep 100000"'],
        )  # fmt: skip
        mine = await asyncio.to_thread(containers.create, "exec-left", user="1000")

        def uid(cid: str) -> int | None:
            report = watched.state.reports.get(cid)
            seen = user_in_effect(report.container) if report else None
            return seen.uid if seen else None

        await until(lambda: uid(slow) == 0 and uid(mine) == 1000, LIVE, lambda: "started")
        exec_id = docker_api.exec_create(mine, ["sleep", "1000"], user="0")["Id"]
        await asyncio.to_thread(docker_api.exec_start, exec_id, detach=True)
        requests = watcher.counts.inspected[slow]

        def root_in(cid: str) -> bool:
            report = watched.state.reports.get(cid)
            seen = user_in_effect(report.container) if report else None
            return bool(seen and seen.root)

        await until(lambda: uid(slow) == 65534 and root_in(mine), LIVE,
                    lambda: (uid(slow), root_in(mine)))  # fmt: skip
        # The drop came from /proc alone: the slow one was not inspected again.
        assert watcher.counts.inspected[slow] == requests
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

"""What the simulated engine does over time and in answer to a client, with
a clock and a scheduler the test holds: the activity's beats emit the
events a real engine sends (exec_create with its execID, health_status,
die with its exit code, create and start), a member whose crash rule
fires dies after its start and its restart policy brings it back, and a
fix in progress keeps the timeline's hands off the fleet. No socket."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from dockertui.demo import activity, documents
from dockertui.demo.engine import CRASH_SECONDS, HEALTHY_SECONDS, DemoEngine
from dockertui.demo.fleet import FLEET, member_named
from dockertui.demo.records import Status
from dockertui.model import LOCK_LABEL, exec_from_inspect


class Clock:
    """A clock and a scheduler the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_764_600_000.0
        self.pending: list[tuple[float, Callable[[], None]]] = []

    def later(self, delay: float, action: Callable[[], None]) -> None:
        self.pending.append((self.now + delay, action))

    def advance(self, seconds: float) -> None:
        end = self.now + seconds
        while True:
            due = sorted((p for p in self.pending if p[0] <= end), key=lambda p: p[0])
            if not due:
                break
            when, action = due[0]
            self.pending.remove(due[0])
            self.now = when
            action()
        self.now = end


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make(clock: Clock, speed: float = 1.0) -> tuple[DemoEngine, list[dict[str, Any]]]:
    engine = DemoEngine(speed=speed, now=lambda: clock.now, later=clock.later)
    seen: list[dict[str, Any]] = []
    engine.subscribers.append(seen.append)
    return engine, seen


def actions(seen: list[dict[str, Any]], name: str) -> list[str]:
    return [
        e["Action"]
        for e in seen
        if e["Type"] == "container" and e["Actor"]["Attributes"].get("name") == name
    ]


def test_a_root_shell_is_an_exec_the_watcher_can_inspect(clock: Clock) -> None:
    engine, seen = make(clock)
    activity.root_shell(engine)
    create = next(e for e in seen if e["Action"].startswith("exec_create"))
    # as dockerd writes it: the entrypoint, a space, the arguments (none here)
    assert create["Action"] == "exec_create: bash "
    exec_id = create["Actor"]["Attributes"]["execID"]
    session = exec_from_inspect(documents.exec_doc(engine.execs[exec_id]))
    assert (session.user, session.privileged, session.tty, session.stdin) == ("", False, True, True)
    assert session.container_id == engine.find("legacy-crm").id
    clock.advance(30)
    assert actions(seen, "legacy-crm")[-1] == "exec_die"


def test_the_privileged_exec_is_privileged(clock: Clock) -> None:
    engine, seen = make(clock)
    activity.privileged_exec(engine)
    exec_id = seen[0]["Actor"]["Attributes"]["execID"]
    assert exec_from_inspect(documents.exec_doc(engine.execs[exec_id])).privileged


def test_a_failing_health_check_turns_unhealthy_then_recovers(clock: Clock) -> None:
    engine, seen = make(clock)
    activity.grafana_fails(engine)
    clock.advance(1)
    grafana = engine.find("grafana")
    assert grafana.health == "unhealthy" and grafana.failing_streak == 3
    assert "health_status: unhealthy" in actions(seen, "grafana")
    health_runs = [a for a in actions(seen, "grafana") if a.startswith("exec_create")]
    assert (
        health_runs
        == ["exec_create: /bin/sh -c wget -q --spider http://localhost:3000/api/health"] * 3
    )
    activity.grafana_recovers(engine)
    clock.advance(1)
    assert actions(seen, "grafana")[-1] == "health_status: healthy"


def test_a_crash_and_the_restart_policy(clock: Clock) -> None:
    engine, seen = make(clock, speed=2.0)
    activity.renderer_crashes(engine)
    renderer = engine.find("pdf-renderer")
    assert renderer.status == Status.RESTARTING and renderer.exit_code == 139
    die = next(e for e in seen if e["Action"] == "die")
    assert die["Actor"]["Attributes"]["exitCode"] == "139"
    clock.advance(10)
    assert renderer.status == Status.RUNNING and renderer.restart_count == 1
    assert actions(seen, "pdf-renderer")[-1] == "start"


def test_the_newcomer_is_created_and_started_once(clock: Clock) -> None:
    engine, seen = make(clock)
    activity.hotfix_arrives(engine)
    activity.hotfix_arrives(engine)
    assert actions(seen, "hotfix-test") == ["create", "start"]
    assert engine.find("hotfix-test").status == Status.RUNNING


def test_a_plan_that_breaks_the_service_dies_after_its_start(clock: Clock) -> None:
    """The re-created web with --cap-drop ALL, as a fix would create it."""
    engine, seen = make(clock, speed=0)
    web = engine.find("web")
    body = copy.deepcopy({**web.config, "HostConfig": web.host})
    body["HostConfig"]["CapDrop"] = ["ALL"]
    new = engine.create(body, "web-new-20261201-120000")
    engine.stop("web")
    engine.rename("web", "web-backup-20261201-120000")
    engine.rename(new.id, "web")
    engine.start(new.id)
    clock.advance(CRASH_SECONDS + 0.01)
    assert new.status == Status.RESTARTING and new.exit_code == 1  # unless-stopped, frozen
    of_new = [e["Action"] for e in seen if e.get("id") == new.id]
    assert of_new == ["create", "rename", "start", "die"]
    die = next(e for e in seen if e.get("id") == new.id and e["Action"] == "die")
    assert die["Actor"]["Attributes"]["exitCode"] == "1"
    engine.stop(new.id)  # the rollback's stop for good
    assert new.status == Status.EXITED
    engine.rename(new.id, "web-failed-20261201-120000")
    engine.rename("web-backup-20261201-120000", "web")
    engine.start("web")
    clock.advance(HEALTHY_SECONDS + 1)
    assert engine.find("web").status == Status.RUNNING and engine.find("web").health == "healthy"


def test_every_member_runs_with_its_own_configuration() -> None:
    """Only the crash-looping worker's rule fires on its own create body."""
    firing = {m.name for m in FLEET if m.crashes_when(m.create) is not None}
    assert firing == {"queue-worker"}
    member = member_named("backup-agent")
    assert member is not None
    body = copy.deepcopy(dict(member.create))
    body["HostConfig"]["CapAdd"] = None  # what drop-caps' hardening preset leaves it
    assert "SYS_ADMIN" in (member.crashes_when(body) or "")


def test_a_fix_in_progress_stops_the_timeline(clock: Clock) -> None:
    engine, _ = make(clock)
    assert not activity.fix_in_progress(engine)
    engine.create({"Image": "nginx:1.25.3", "Cmd": [], "Labels": {LOCK_LABEL: "fix"}}, "lock")
    assert activity.fix_in_progress(engine)

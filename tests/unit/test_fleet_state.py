"""FleetState driven directly with the watcher's update objects, built from
captured documents: what the console knows, the event lines it keeps (in
the engine's time order, one per exec session, health only on a change) and
the alerts it raises. No Textual, no engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from dockertui.audit import Severity
from dockertui.engine.fleet_watch import FromEngine
from dockertui.engine.watch import (
    Connected,
    ContainerChanged,
    ContainerRemoved,
    Disconnected,
    EngineEvent,
    ExecStarted,
)
from dockertui.model import ClientFacts, Container, EngineInfo, ExecSession
from dockertui.model.exec import command_text, healthcheck_argv, is_healthcheck
from dockertui.ui import columns
from dockertui.ui.fleet_state import EventLine, FleetState, Link

CLIENT = ClientFacts(endpoint="unix:///var/run/docker.sock", context="default")
T0 = 1_796_140_000.0  # an engine time (seconds), far from "now"


def state_with(engine: EngineInfo, *containers: Container) -> FleetState:
    state = FleetState(client=CLIENT)
    assert state.apply(Connected(engine, containers)) == ("reset", "")
    return state


def event(action: str, c: Container, when: float) -> EngineEvent:
    return EngineEvent(when, "container", action, c.id, c.name, {"name": c.name})


def session(c: Container, command: tuple[str, ...], user: str = "") -> ExecSession:
    return ExecSession(id="e" * 64, container_id=c.id, user=user, privileged=False, command=command)


def test_connected_replaces_everything_known(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    plain, hardened = container("plain"), container("hardened")
    state = state_with(engine_info, plain, hardened)
    assert set(state.reports) == {plain.id, hardened.id}
    assert state.connected and state.status == "live"
    assert state.apply(Connected(engine_info, (hardened,))) == ("reset", "")
    assert set(state.reports) == {hardened.id}
    assert state.generation == 2


def test_upsert_remove_and_answers_that_change_nothing(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    plain = container("plain")
    state = state_with(engine_info)
    assert state.apply(ContainerChanged(plain, T0)) == ("upsert", plain.id)
    # The same inspect answer again (e.g. a coalesced burst): nothing to redo.
    assert state.apply(ContainerChanged(plain, T0 + 1)) == ("none", "")
    stopped = container("plain", {"State.Status": "exited", "State.Running": False})
    assert state.apply(ContainerChanged(stopped, T0 + 2)) == ("upsert", plain.id)
    assert state.reports[plain.id].container.state == "exited"
    assert state.apply(ContainerRemoved(plain.id)) == ("remove", plain.id)
    assert state.apply(ContainerRemoved(plain.id)) == ("none", "")
    assert plain.id not in state.reports


def test_lines_follow_the_engines_time_not_the_arrival_order(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    plain = container("plain")
    state = state_with(engine_info, plain)
    state.apply(event("start", plain, T0 + 3))
    state.apply(event("create", plain, T0 + 1))  # arrives late, happened first
    state.apply(event("die", plain, T0 + 5))
    assert [line.time for line in state.lines()] == [T0 + 1, T0 + 3, T0 + 5]
    assert [line.text for line in state.new_events(2)] == [f"container die {plain.name}"]


def test_start_alert_carries_the_start_events_time(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    """The alert comes after the re-inspect, so after lines of events that
    arrived meanwhile; it goes in at the start event's own time."""
    created = container("docker-socket", {"State.Status": "created", "State.Running": False})
    running = container("docker-socket")
    state = state_with(engine_info, created)
    state.apply(event("start", running, T0 + 1))
    state.apply(event("exec_create: ls", running, T0 + 2))
    state.apply(ContainerChanged(running, T0 + 1))
    alerts = [line for line in state.lines() if line.flagged]
    assert [(a.time, a.severity, a.text) for a in alerts] == [
        (T0 + 1, Severity.CRITICAL, f"{running.name} started: holds the Docker socket")
    ]
    assert [line.time for line in state.lines()] == [T0 + 1, T0 + 1, T0 + 2]
    # Already running: a later change (e.g. a rename) raises no second alert.
    state.apply(ContainerChanged(replace(running, name="renamed"), T0 + 3))
    assert len([line for line in state.lines() if line.flagged]) == 1


def test_privileged_container_started_is_an_alert(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    """privileged.json was captured created (this host cannot start it):
    its start is the same document with the running state."""
    created = container("privileged")
    assert not created.running
    state = state_with(engine_info, created)
    running = container("privileged", {"State.Status": "running", "State.Running": True})
    state.apply(event("start", running, T0))
    state.apply(ContainerChanged(running, T0))
    (alert,) = [line for line in state.lines() if line.flagged]
    assert alert.severity is Severity.CRITICAL
    assert alert.text == f"{running.name} started: privileged"
    assert alert.time == T0


def test_start_before_the_first_inspect_alerts_once_the_answer_comes(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    """`docker run` of a new container: its create and start events come
    before any inspect answer. The alert waits for the answer and keeps the
    start event's time; a plain container raises none."""
    socket, plain = container("docker-socket"), container("plain")
    state = state_with(engine_info)
    for c in (socket, plain):
        state.apply(event("create", c, T0))
        state.apply(event("start", c, T0 + 1))
    assert not [line for line in state.lines() if line.flagged]
    state.apply(ContainerChanged(plain, T0 + 1))
    state.apply(ContainerChanged(socket, T0 + 1))
    (alert,) = [line for line in state.lines() if line.flagged]
    assert alert.text == f"{socket.name} started: holds the Docker socket"
    assert alert.time == T0 + 1
    state.apply(ContainerChanged(replace(socket, name="again"), T0 + 2))
    assert len([line for line in state.lines() if line.flagged]) == 1


def test_one_line_per_exec_session_flagged_when_root(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    plain = container("plain")  # runs as the image's default: root
    state = state_with(engine_info, plain)
    assert state.apply(ExecStarted(session(plain, ("sh", "-c", "id")), T0)) == ("event", "")
    assert state.apply(ExecStarted(session(plain, ("echo", "hi"), user="1000"), T0 + 1)) == (
        "event",
        "",
    )
    root, app = state.lines()
    assert root.text == f"{plain.name}: exec sh -c id (as root, the container's user)"
    assert root.severity is Severity.MEDIUM and "Exec session as root" in root.reason
    assert root.time == T0  # the exec event's time, not the arrival time
    assert app.text == f"{plain.name}: exec echo hi (as 1000)"
    assert not app.flagged
    assert state.lines(flagged_only=True) == [root]


def test_exec_of_an_unknown_container_adds_nothing(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    state = state_with(engine_info)
    assert state.apply(ExecStarted(session(container("plain"), ("id",)), T0)) == ("none", "")
    assert state.lines() == []


def test_health_status_updates_the_row_from_the_event_alone(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    healthy = container("healthy")
    assert healthy.health_status == "healthy"
    state = state_with(engine_info, healthy)
    assert state.apply(event("health_status: unhealthy", healthy, T0)) == ("upsert", healthy.id)
    assert state.reports[healthy.id].container.health_status == "unhealthy"
    (line,) = state.lines()
    assert line.quiet and not line.flagged
    assert line.text == f"{healthy.name}: health unhealthy"
    # The same status again (e.g. after a reconnect): no second line.
    assert state.apply(event("health_status: unhealthy", healthy, T0 + 1)) == ("none", "")
    assert len(state.lines()) == 1
    # The table's State says it, as `docker ps` does, not just "running".
    assert engine_info is not None
    cell = columns.BY_KEY["state"].cell(state.reports[healthy.id], engine_info)
    assert cell.plain == "unhealthy"
    state.apply(event("health_status: healthy", healthy, T0 + 2))
    assert columns.BY_KEY["state"].cell(state.reports[healthy.id], engine_info).plain == "running"


def test_flagged_only_keeps_the_security_relevant_lines(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    plain = container("plain")
    state = state_with(engine_info, plain)
    state.apply(event("stop", plain, T0))
    state.apply(ExecStarted(replace(session(plain, ("id",)), privileged=True), T0 + 1))
    state.apply(event("start", plain, T0 + 2))
    flagged = state.lines(flagged_only=True)
    assert [line.severity for line in flagged] == [Severity.HIGH]
    assert "Privileged exec session" in flagged[0].reason
    assert len(state.lines()) == 3


def test_history_is_bounded_and_keeps_the_newest(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    plain = container("plain")
    state = state_with(engine_info, plain)
    limit = state.events.maxlen or 0
    for i in range(limit + 5):
        state.apply(event("start", plain, T0 + 10 + i))
    state.add_event(EventLine(T0, "older than everything kept", None))
    times = [line.time for line in state.lines()]
    assert len(times) == limit
    assert times == sorted(times) and times[-1] == T0 + 10 + limit + 4


def test_healthcheck_runs_are_recognised_as_the_engine_writes_them(
    container: Callable[..., Container],
) -> None:
    """The exec_create action text the real engine (20.10) writes for a
    health check run: "/bin/sh -c true" for CMD-SHELL true; the CMD form
    as given, its words joined by spaces."""
    shell_form = container("healthy", {"Config.Healthcheck.Test": ["CMD-SHELL", "true"]})
    assert healthcheck_argv(shell_form) == ("/bin/sh", "-c", "true")
    assert is_healthcheck("/bin/sh -c true", shell_form)
    assert not is_healthcheck("/bin/sh -c true; id", shell_form)
    assert not is_healthcheck("sh -c true", shell_form)

    cmd_form = container("healthy")  # ["CMD", "sh", "-c", "true"]
    assert is_healthcheck("sh -c true", cmd_form)
    assert not is_healthcheck("/bin/sh -c true", cmd_form)

    bash = container(
        "healthy",
        {"Config.Healthcheck.Test": ["CMD-SHELL", "true"], "Config.Shell": ["/bin/bash", "-c"]},
    )
    assert is_healthcheck("/bin/bash -c true", bash)
    assert not is_healthcheck("/bin/sh -c true", bash)

    one_word = container("healthy", {"Config.Healthcheck.Test": ["CMD", "/bin/check"]})
    assert command_text(("/bin/check",)) == "/bin/check "  # entrypoint, space, no arguments
    assert is_healthcheck("/bin/check ", one_word)

    for disabled in (["NONE"], []):
        off = container("healthy", {"Config.Healthcheck.Test": disabled})
        assert healthcheck_argv(off) is None
        assert not is_healthcheck("/bin/sh -c true", off)


# -- several engines (engine/fleet_watch.py's FromEngine) ----------------------------------


def fleet_of(*names: str) -> FleetState:
    clients = {n: ClientFacts(endpoint=f"unix:///run/{n}.sock", context=n, name=n) for n in names}
    return FleetState(client=clients[names[0]], clients=clients)


def test_two_engines_keep_the_same_container_id_apart(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    plain = container("plain")
    state = fleet_of("a", "b")
    state.apply(FromEngine("a", Connected(engine_info, (plain,))))
    state.apply(FromEngine("b", Connected(engine_info, (plain,))))
    assert set(state.reports) == {f"a/{plain.id}", f"b/{plain.id}"}
    assert {r.container.engine for r in state.reports.values()} == {"a", "b"}
    # One engine's removal and stop touch only its own row.
    assert state.apply(FromEngine("b", ContainerRemoved(plain.id))) == ("remove", f"b/{plain.id}")
    assert set(state.reports) == {f"a/{plain.id}"}
    stopped = replace(plain, state="exited")
    assert state.apply(FromEngine("a", ContainerChanged(stopped, T0))) == (
        "upsert",
        f"a/{plain.id}",
    )
    # A fresh snapshot of b leaves a's rows alone.
    state.apply(FromEngine("b", Connected(engine_info, (plain,))))
    assert state.reports[f"a/{plain.id}"].container.state == "exited"
    assert len(state.reports) == 2


def test_each_engine_has_its_own_link(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    state = fleet_of("a", "b", "c")
    assert [v.link for v in state.engines.values()] == [Link.CONNECTING] * 3
    state.apply(FromEngine("a", Connected(engine_info, (container("plain"),))))
    state.apply(FromEngine("b", Disconnected("The engine at b did not answer.", 2.0)))
    state.apply(
        FromEngine(
            "c", Disconnected("The TLS certificate of c could not be verified.", 5.0, refused=True)
        )
    )
    links = {n: v.link for n, v in state.engines.items()}
    assert links == {"a": Link.LIVE, "b": Link.RECONNECTING, "c": Link.REFUSED}
    assert state.connected  # one is live
    assert state.engines["c"].status.startswith("disconnected: The TLS certificate")
    # An update from an engine the console does not watch changes nothing.
    assert state.apply(FromEngine("zz", Connected(engine_info, ()))) == ("none", "")


def test_event_lines_of_a_fleet_name_their_engine(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    plain = container("plain")
    state = fleet_of("a", "b")
    state.apply(FromEngine("b", Connected(engine_info, (plain,))))
    state.apply(FromEngine("b", event("die", plain, T0)))
    state.apply(FromEngine("b", ExecStarted(session(plain, ("id",), user="0"), T0 + 1)))
    texts = [line.text for line in state.lines()]
    assert texts[0] == f"b: container die {plain.name}"
    assert texts[1].startswith(f"b: {plain.name}: exec id")

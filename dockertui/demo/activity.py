"""What happens on the simulated engine while the demo runs: a timeline of
beats that repeats every `CYCLE_SECONDS` (divided by the speed), and the
engine's health runs.

The beats are the moments a trainer wants a room to see: a root shell
opened in the legacy app, a privileged `docker exec` into the monitoring
agent that enters the host's namespaces, a health check going unhealthy
and recovering, a crash and the restart policy bringing the service back,
an operator restarting the web server, and someone's `docker run` of a
hotfix build appearing in the fleet. Each is carried out through the
engine's own operations, so the console sees the same events a real
engine sends. While a guided fix holds its lock the beats are skipped, so
the demo never fails a fix it is verifying. At speed 0 nothing happens:
the fleet is frozen.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from dockertui.demo.engine import DemoEngine, EngineFault
from dockertui.demo.fleet import NEWCOMER
from dockertui.demo.records import Container, Status
from dockertui.model import is_lock

#: Seconds of one pass over the timeline at speed 1.
CYCLE_SECONDS = 90.0
#: Shortest pause between two health runs of one container, whatever the speed.
MIN_HEALTH_SECONDS = 2.0


@dataclass(frozen=True)
class Beat:
    at: float  # seconds into the cycle, at speed 1
    what: str  # what a trainer would say is happening
    act: Callable[[DemoEngine], None]


def _named(engine: DemoEngine, name: str) -> Container | None:
    try:
        return engine.find(name)
    except EngineFault:
        return None


def _exec_for(
    engine: DemoEngine,
    name: str,
    argv: list[str],
    seconds: float,
    *,
    privileged: bool = False,
    tty: bool = False,
    stdin: bool = False,
) -> None:
    """`docker exec` of `argv` into `name` (as its own user), ended `seconds` later."""
    c = _named(engine, name)
    if c is None or c.status != Status.RUNNING:
        return
    session = engine.exec(c, argv, privileged=privileged, tty=tty, stdin=stdin)
    engine.later(seconds, lambda: engine.exec_end(session, 0))


def root_shell(engine: DemoEngine) -> None:
    _exec_for(engine, "legacy-crm", ["bash"], 20.0, tty=True, stdin=True)


def privileged_exec(engine: DemoEngine) -> None:
    _exec_for(
        engine,
        "monitoring-agent",
        ["nsenter", "--target", "1", "--mount", "--uts", "--ipc", "--net", "--pid", "sh"],
        6.0,
        privileged=True,
        tty=True,
        stdin=True,
    )


def grafana_fails(engine: DemoEngine) -> None:
    engine.failing.add("grafana")
    c = _named(engine, "grafana")
    retries = int(((c.config.get("Healthcheck") or {}).get("Retries") or 3) if c else 0)
    for _ in range(retries):  # that many failed runs in a row make it unhealthy
        if c is not None:
            _health_exec(engine, c)


def grafana_recovers(engine: DemoEngine) -> None:
    engine.failing.discard("grafana")
    c = _named(engine, "grafana")
    if c is not None:
        _health_exec(engine, c)


def renderer_crashes(engine: DemoEngine) -> None:
    c = _named(engine, "pdf-renderer")
    if c is not None and c.status == Status.RUNNING:
        engine.die(c, 139)  # Chrome's segmentation fault; unless-stopped brings it back


def web_restarted(engine: DemoEngine) -> None:
    if _named(engine, "web") is not None:
        engine.restart("web")


def hotfix_arrives(engine: DemoEngine) -> None:
    if _named(engine, NEWCOMER.name) is None:
        engine.start(engine.create(NEWCOMER.create, NEWCOMER.name).id)


TIMELINE: tuple[Beat, ...] = (
    Beat(6.0, "a root shell in legacy-crm (docker exec -it legacy-crm bash)", root_shell),
    Beat(15.0, "grafana's health check starts failing", grafana_fails),
    Beat(24.0, "a privileged exec into monitoring-agent enters the host", privileged_exec),
    Beat(33.0, "pdf-renderer crashes and its restart policy restarts it", renderer_crashes),
    Beat(42.0, "someone runs a hotfix build: hotfix-test is created and started", hotfix_arrives),
    Beat(55.0, "grafana recovers", grafana_recovers),
    Beat(68.0, "an operator restarts web", web_restarted),
)


def fix_in_progress(engine: DemoEngine) -> bool:
    """Whether a guided fix holds its lock on the engine now (its lock
    container exists): the timeline then skips its beats, so the demo's
    own activity never fails a fix that is being verified."""
    return any(is_lock(c.labels) for c in engine.containers.values())


async def run_timeline(engine: DemoEngine) -> None:
    """Play the timeline in a loop until cancelled (nothing at speed 0)."""
    if engine.speed <= 0:
        return
    while True:
        elapsed = 0.0
        for beat in TIMELINE:
            await asyncio.sleep((beat.at - elapsed) / engine.speed)
            elapsed = beat.at
            if fix_in_progress(engine):
                continue  # a restart or a crash now would fail a trainee's verification
            with contextlib.suppress(EngineFault):  # the trainer removed or stopped it
                beat.act(engine)
        await asyncio.sleep((CYCLE_SECONDS - elapsed) / engine.speed)


def health_argv(c: Container) -> list[str] | None:
    """What the engine execs for one health run (CMD as given, CMD-SHELL in /bin/sh -c)."""
    test = list((c.config.get("Healthcheck") or {}).get("Test") or [])
    if len(test) < 2:
        return None
    if test[0] == "CMD":
        return [str(t) for t in test[1:]]
    if test[0] == "CMD-SHELL":
        return [*(c.config.get("Shell") or ["/bin/sh", "-c"]), str(test[1])]
    return None


async def run_health_checks(engine: DemoEngine) -> None:
    """Each running container's health check, at its interval divided by the
    speed: an exec as the engine runs it (the container's user, no terminal),
    its result, and a health_status event when the status changes."""
    if engine.speed <= 0:
        return
    due: dict[str, float] = {}
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(0.5)
        now = loop.time()
        for c in list(engine.containers.values()):
            argv = health_argv(c)
            if argv is None or c.status != Status.RUNNING or c.health == "starting":
                due.pop(c.id, None)
                continue
            interval = ((c.config.get("Healthcheck") or {}).get("Interval") or 30e9) / 1e9
            pause = max(MIN_HEALTH_SECONDS, interval / engine.speed)
            if c.id not in due:
                due[c.id] = now + pause * (0.3 + 0.7 * (hash(c.id) % 100) / 100)
                continue
            if now < due[c.id]:
                continue
            due[c.id] = now + pause
            _health_exec(engine, c)


def _health_exec(engine: DemoEngine, c: Container) -> None:
    """One health run as the engine makes it: an exec as the container's own
    user, no terminal, no stdin; its result a moment later."""
    argv = health_argv(c)
    if argv is None or c.status != Status.RUNNING:
        return
    session = engine.exec(c, argv, user=str(c.config.get("User") or ""))

    def done() -> None:
        ok = c.name not in engine.failing
        engine.exec_end(session, 0 if ok else 1)
        engine.health_run(c, ok)

    engine.later(0.05, done)

"""`dockertui demo`: the console on a simulated engine, with no Docker needed.

The simulated engine (`dockertui.demo`) runs on a thread of its own in this
process, on a private unix socket, and the console reaches it as it
reaches any engine: the same Watcher, EngineGateway and EngineFixer. A
thread rather than a subprocess, because the demo starts in a fraction of
the time without a second interpreter to import, dies with the console
whatever ends it, and cleans up its socket folder itself; rather than the
console's own event loop, because the engine then keeps answering while
Textual is busy painting (as a real daemon would). Fixes made in the demo
keep their backups, journals and audit log in the demo's folder, removed
on exit, never in the user's state directory.
"""

from __future__ import annotations

from pathlib import Path

import click

from dockertui.cli.common import fail
from dockertui.cli.serve import listen_options, serve_demo

#: What the header says in every layout while the demo runs.
NOTICE = "SIMULATED ENGINE: nothing here is real"


#: --speed, for every command that runs the demo engine (demo, tour).
speed_option = click.option(
    "--speed",
    type=click.FloatRange(min=0.0, max=100.0),
    default=1.0,
    show_default=True,
    help="How lively the simulated fleet is: 2 twice as busy, 0 frozen (screenshots).",
)


@click.command()
@speed_option
@click.option("--read-only", is_flag=True, help="Show no mutating action.")
@click.option("--ansi", is_flag=True, help="Use the terminal's own 16 colours.")
@click.option(
    "--serve",
    is_flag=True,
    help="Serve it in a browser instead (as `dockertui serve`): a simulated engine per session.",
)
@listen_options
@click.pass_context
def demo(
    ctx: click.Context,
    speed: float,
    read_only: bool,
    ansi: bool,
    serve: bool,
    bind: str,
    port: int,
    max_sessions: int,
) -> None:
    """Open the console on a built-in simulated engine (no Docker needed).

    A fleet of about twenty containers shows each risk of running
    containers, and events happen over time: restarts, a failing health
    check, a root and a privileged docker exec, a crash, a new container.
    Guided fixes work on it, and a fix that would break a service is
    rolled back. Nothing touches a real engine."""
    obj = ctx.obj or {}
    if obj.get("engines") and obj["engines"].given:
        fail("dockertui demo runs its own simulated engine, so it takes no --host or --context.")
    read_only = read_only or bool(obj.get("read_only"))
    if not serve:
        given = [
            f"--{name.replace('_', '-')}"
            for name in ("bind", "port", "max_sessions")
            if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
        ]
        if given:
            shown = " and ".join(given).replace("--bind", "--host")
            verb = "applies" if len(given) == 1 else "apply"
            fail(f"{shown} only {verb} with --serve (the demo in a browser); add --serve.")
    if serve:
        serve_demo(
            speed=speed, read_only=read_only, bind=bind, port=port, max_sessions=max_sessions
        )
        return
    demo_console(speed, read_only=read_only, ansi=ansi)


def demo_console(speed: float, *, read_only: bool, ansi: bool, tour: str | None = None) -> None:
    """The console on a simulated engine started for it, stopped when it
    ends; `tour`: the guided tour's lesson to open over it (`dockertui tour`)."""
    from dockertui.demo.run import start_demo_engine
    from dockertui.engine.endpoint import resolve_endpoint
    from dockertui.engine.watch import Watcher
    from dockertui.fixes.session import EngineFixer
    from dockertui.fixes.state import State
    from dockertui.ui.app import DockerTUI

    socket_path, stop = start_demo_engine(speed)
    try:
        # No environment: DOCKER_HOST, DOCKER_CONTEXT or TLS settings of a
        # real engine must not leak into the demo's endpoint.
        endpoint = resolve_endpoint(host=f"unix://{socket_path}", env={})
        state = State(Path(socket_path).parent / "state")
        fixer = None if read_only else EngineFixer(endpoint, state)
        DockerTUI(
            Watcher(endpoint),
            read_only=read_only,
            ansi=ansi,
            fixer=fixer,
            notice=NOTICE,
            tour=tour,
        ).run()
    finally:
        stop()

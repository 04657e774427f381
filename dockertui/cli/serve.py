"""`dockertui serve`: the live console in a browser (dockertui/web), each
browser session running `python -m dockertui` with the same engine options,
read-only unless --allow-fixes."""

from __future__ import annotations

import asyncio
import sys

import click

from dockertui.cli.common import EngineChoice, F, engine_choice, fail


def console_argv(choice: EngineChoice, *, read_only: bool) -> list[str]:
    """The command each browser session runs: this very console, on the same
    Python, with the engine options it was given."""
    argv = [sys.executable, "-m", "dockertui"]
    for host in choice.hosts:
        argv += ["--host", host]
    for context in choice.contexts:
        argv += ["--context", context]
    if choice.all_contexts:
        argv.append("--all-contexts")
    if choice.insecure:
        argv.append("--insecure")
    if read_only:
        argv.append("--read-only")
    return argv


def listen_options(fn: F) -> F:
    """--host (where to listen), --port and --max-sessions, for `serve` and
    `demo --serve`."""
    fn = click.option(
        "--max-sessions",
        type=click.IntRange(1, 64),
        default=4,
        show_default=True,
        help="Browser sessions at a time; each runs a console process.",
    )(fn)
    fn = click.option(
        "--port",
        type=click.IntRange(0, 65535),
        default=8000,
        show_default=True,
        help="Port to listen on; 0 takes any free one (the URL printed names it).",
    )(fn)
    return click.option(
        "--host",
        "bind",
        default="127.0.0.1",
        show_default=True,
        metavar="ADDRESS",
        help="Address to listen on; one that reaches beyond this machine prints a warning.",
    )(fn)


def check_bind(bind: str) -> None:
    """--host names where to listen; an engine URL there is a mix-up."""
    if "://" in bind or "/" in bind:
        fail(
            f"--host is the address to listen on, such as 127.0.0.1 or 0.0.0.0, not {bind!r}; "
            "name the engine with -H URL."
        )


def serve_argv(
    argv: list[str],
    *,
    bind: str,
    port: int,
    max_sessions: int,
    about: str,
) -> None:
    """Serve the console `argv` starts, with the listening rules of browser
    mode: a warning on stderr when `bind` reaches beyond this machine, and
    one sentence and exit 2 when it cannot listen. `dockertui demo --serve`
    calls this with its own argv."""
    from dockertui.web import ServeError, serve_console
    from dockertui.web.access import exposure_warning

    check_bind(bind)
    warning = exposure_warning(bind)
    if warning:
        click.echo(f"dockertui: {warning}", err=True)
    try:
        serve_console(argv, host=bind, port=port, max_sessions=max_sessions, about=about)
    except ServeError as err:
        fail(str(err))
    click.echo("dockertui: Stopped; every browser session has ended.", err=True)


@click.command()
@click.option(
    "-H",
    "--engine",
    "engine",
    multiple=True,
    metavar="URL",
    help="Engine endpoint, as -H everywhere else: unix:///path, tcp://host:port, "
    "ssh://user@host. Repeatable.",
)
@click.option("-c", "--context", multiple=True, metavar="NAME", help="Docker context. Repeatable.")
@click.option("--all-contexts", is_flag=True, help="Every context of the docker CLI's store.")
@click.option("--insecure", is_flag=True, help="Allow plain tcp:// without TLS.")
@listen_options
@click.option(
    "--allow-fixes",
    is_flag=True,
    help="Let browser sessions fix containers (they are read-only otherwise).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    engine: tuple[str, ...],
    context: tuple[str, ...],
    all_contexts: bool,
    insecure: bool,
    bind: str,
    port: int,
    max_sessions: int,
    allow_fixes: bool,
) -> None:
    """Serve the live console in a web browser.

    Listens on 127.0.0.1 and prints a URL with a random token; nothing is
    answered without it. Each browser session runs its own console,
    read-only unless --allow-fixes."""
    from dockertui.engine.errors import EngineError
    from dockertui.engine.gateway import EngineGateway

    check_bind(bind)
    obj = ctx.obj or {}
    choice = engine_choice(ctx, engine, context, insecure, all_contexts)
    read_only = bool(obj.get("read_only")) or not allow_fixes
    endpoints = choice.endpoints()

    async def reachable() -> None:
        for endpoint in endpoints:
            client = await EngineGateway.open(endpoint)
            await client.close()

    try:  # one sentence now rather than a blank page in every session
        asyncio.run(reachable())
    except EngineError as err:
        # its sentences name the engine's option as --host, which here is -H
        fail(str(err).replace("--host", "-H"))
    mode = "read-only" if read_only else "fixes allowed"
    where = ", ".join(e.host for e in endpoints)
    serve_argv(
        console_argv(choice, read_only=read_only),
        bind=bind,
        port=port,
        max_sessions=max_sessions,
        about=(
            f"dockertui serve: the console on {where}, {mode}, "
            f"at most {max_sessions} browser sessions at a time."
        ),
    )


def serve_demo(*, speed: float, read_only: bool, bind: str, port: int, max_sessions: int) -> None:
    """`dockertui demo --serve`: every browser session runs `dockertui demo`,
    a simulated engine of its own, so each trainee has a fleet to fix that
    nobody else's fixes change. Fixes are allowed (nothing real can change)
    unless --read-only."""
    argv = [sys.executable, "-m", "dockertui", "demo", "--speed", repr(speed)]
    if read_only:
        argv.append("--read-only")
    mode = "read-only" if read_only else "fixes allowed"
    serve_argv(
        argv,
        bind=bind,
        port=port,
        max_sessions=max_sessions,
        about=(
            f"dockertui demo --serve: a simulated engine for each browser session, {mode}, "
            f"at most {max_sessions} at a time."
        ),
    )

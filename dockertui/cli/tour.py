"""`dockertui tour`: the guided tour, one lesson per risk, over the console.

On the demo engine by default (started as `dockertui demo` starts it);
`--lab` runs it on a real engine (the one
--host/--context or the docker CLI's settings name, where `dockertui lab
up` made the teaching fleet). `--lesson ID` opens one lesson directly."""

from __future__ import annotations

import click

from dockertui.cli.common import endpoint_options, engine_choice, fail
from dockertui.cli.demo import speed_option
from dockertui.text import printable


@click.command()
@click.option("--lesson", metavar="ID", help="Open this lesson first (e.g. capabilities).")
@click.option(
    "--lab",
    is_flag=True,
    help="On a real engine (the lab fleet of `dockertui lab up`) instead of the demo engine.",
)
@speed_option
@endpoint_options
@click.option("--ansi", is_flag=True, help="Use the terminal's own 16 colours (good over SSH).")
@click.pass_context
def tour(
    ctx: click.Context,
    lesson: str | None,
    lab: bool,
    speed: float,
    host: tuple[str, ...],
    context: tuple[str, ...],
    insecure: bool,
    ansi: bool,
) -> None:
    """A guided walkthrough of the risks of running containers: each lesson
    shows a live container with the risk, the docker run flags that cause
    and fix it, and lets you apply the fix and watch the grade change.

    Keys: n/→ next, p/← back, f fix it, e engine, Escape leaves the tour
    for the console, q quits."""
    from dockertui.tour.lessons import BY_ID, LESSONS, lesson_ids

    asked = lesson
    if lesson is not None:
        lesson = lesson.strip().lower()  # "Capabilities" names it as well
    if asked is not None and lesson not in BY_ID:
        fail(f"There is no lesson '{printable(asked)}': the lessons are {lesson_ids()}.")
    obj = ctx.obj or {}
    choice = engine_choice(ctx, host, context, insecure)
    read_only = bool(obj.get("read_only"))
    start = lesson or LESSONS[0].id
    if lab:
        from dockertui.cli.console import _console

        _console(
            [choice.endpoint("dockertui tour --lab")], read_only=read_only, ansi=ansi, tour=start
        )
        return
    if choice.given:
        fail("The tour runs on the demo engine: add --lab to run it on the engine --host names.")
    from dockertui.cli.demo import demo_console

    demo_console(speed, read_only=read_only, ansi=ansi, tour=start)

"""`dockertui lab up|down|status`: the demo's teaching fleet on a real
engine, for training rooms (the work is done in dockertui/lab/)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dockertui.cli.common import EngineChoice, endpoint_options, engine_choice, fail
from dockertui.lab.plan import DEFAULT_LAB

if TYPE_CHECKING:
    from dockertui.engine.gateway import EngineGateway
    from dockertui.lab.ops import LabStatus

T = TypeVar("T")

_NAME_HELP = (
    "The lab's name: everything it makes is called NAME-<member> and labelled "
    "dockertui.lab=NAME (several labs can share an engine)."
)


def _lab_name(option: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--name",
        "lab_name",
        default=DEFAULT_LAB,
        show_default=True,
        metavar="NAME",
        help=_NAME_HELP,
    )(option)


@click.group()
def lab() -> None:
    """The teaching fleet of `dockertui demo`, made for real on an engine
    from one local image, for training rooms.

    \b
    dockertui lab up --image debian:12     make it (nothing is pulled)
    dockertui lab status                   each member, its state, and why
    dockertui lab down                     remove all of it, and nothing else

    Every member keeps the fleet's security settings (capabilities,
    privileged, namespaces, mounts including the Docker socket, ports,
    user, seccomp and AppArmor options, restart policy, health check,
    environment) and runs a keep-alive command with the image's /bin/sh
    and sleep. Members this engine cannot start are left created, and
    status says why. Exit codes: 0 done, 2 refused, wrong arguments or
    engine unreachable (with what to do)."""


def _run(
    ctx: click.Context,
    choice: EngineChoice,
    work: Callable[[EngineGateway], Coroutine[Any, Any, T]],
) -> T:
    """Open the gateway on the endpoint the options name, run `work`, close;
    every failure one sentence and exit 2."""
    from dockertui.engine.errors import EngineError, EngineRefused, describe_refusal
    from dockertui.engine.gateway import EngineGateway
    from dockertui.lab.ops import LabError

    endpoint = choice.endpoint(f"dockertui lab {ctx.info_name}")

    async def session() -> T:
        gateway = await EngineGateway.open(endpoint)
        try:
            return await work(gateway)
        finally:
            await gateway.close()

    try:
        return asyncio.run(session())
    except (EngineError, LabError) as err:
        fail(str(err))
    except EngineRefused as err:
        fail(describe_refusal(endpoint, err))


def _names(lab_name: str) -> Any:
    from dockertui.lab.plan import LabNameError, Names, check_lab_name

    try:
        return Names(check_lab_name(lab_name))
    except LabNameError as err:
        raise click.BadParameter(str(err), param_hint="--name") from None


def _refuse_read_only(ctx: click.Context, what: str) -> None:
    if (ctx.obj or {}).get("read_only"):
        fail(f"--read-only refuses lab {what}, which changes the engine.")


@lab.command()
@endpoint_options
@click.option(
    "--image",
    required=True,
    metavar="IMAGE",
    help="A local image with /bin/sh and sleep (busybox, alpine, debian...); never pulled.",
)
@_lab_name
@click.option("--force", is_flag=True, help="Make the lab even where other containers exist.")
@click.option(
    "--i-know",
    "i_know",
    is_flag=True,
    help="On an engine that is not on this machine, make the privileged and "
    "host-namespace members too.",
)
@click.pass_context
def up(
    ctx: click.Context,
    host: tuple[str, ...],
    context: tuple[str, ...],
    insecure: bool,
    image: str,
    lab_name: str,
    force: bool,
    i_know: bool,
) -> None:
    """Make the lab on the engine (again: only what is missing)."""
    from dockertui.lab.ops import up as lab_up
    from dockertui.lab.plan import plan

    _refuse_read_only(ctx, "up")
    lab_plan = plan(image, _names(lab_name))
    report = _run(
        ctx,
        engine_choice(ctx, host, context, insecure),
        lambda g: lab_up(g, lab_plan, force=force, i_know=i_know),
    )
    made = report.made
    cannot = sum(m.cannot_start for m in report.status.members) if report.status else 0
    click.echo(
        f"Lab {lab_name}: made {_counts(made, 'network', 'volume', 'container')}; "
        f"started {report.started}"
        + (f"; {cannot} cannot start on this engine (see why)." if cannot else ".")
    )
    if report.status is not None:
        _print_status(report.status)


@lab.command()
@endpoint_options
@_lab_name
@click.pass_context
def down(
    ctx: click.Context,
    host: tuple[str, ...],
    context: tuple[str, ...],
    insecure: bool,
    lab_name: str,
) -> None:
    """Stop and remove the lab's containers, networks and volumes (found by
    its label), and nothing else."""
    from dockertui.lab.ops import down as lab_down

    _refuse_read_only(ctx, "down")
    names = _names(lab_name)
    report = _run(
        ctx, engine_choice(ctx, host, context, insecure), lambda g: lab_down(g, names, click.echo)
    )
    removed = report.removed
    click.echo(f"Lab {lab_name}: removed {_counts(removed, 'container', 'network', 'volume')}.")
    if report.left:
        fail(
            f"Could not remove {'; '.join(report.left)}; see what uses them, then run lab down again."
        )


@lab.command()
@endpoint_options
@_lab_name
@click.pass_context
def status(
    ctx: click.Context,
    host: tuple[str, ...],
    context: tuple[str, ...],
    insecure: bool,
    lab_name: str,
) -> None:
    """Each member of the lab: its state and, where it differs from the
    fleet's, why."""
    from dockertui.lab.ops import status as lab_status

    names = _names(lab_name)
    found = _run(ctx, engine_choice(ctx, host, context, insecure), lambda g: lab_status(g, names))
    if not found.exists:
        click.echo(f"There is no lab {lab_name} on this engine; make it with lab up --image IMAGE.")
        return
    _print_status(found)


def _counts(counts: dict[str, int], *kinds: str) -> str:
    """'2 networks, 1 volume and 0 containers'."""
    from dockertui.lab.ops import plural

    said = [plural(counts[k], k) for k in kinds]
    return ", ".join(said[:-1]) + " and " + said[-1]


def _print_status(found: LabStatus) -> None:
    from rich.console import Console
    from rich.table import Table

    from dockertui.text import markup_safe

    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("container", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("why", overflow="fold")
    for m in found.members:
        state = m.state + (f" ({m.health})" if m.health else "")
        style = "red" if m.cannot_start else ("yellow" if m.why else "")
        table.add_row(
            markup_safe(m.container), markup_safe(state), markup_safe(m.why), style=style or None
        )
    console = Console(highlight=False)
    console.print(table)
    for kind, objects in (("networks", found.networks), ("volumes", found.volumes)):
        listed = ", ".join(name + ("" if there else " (missing)") for name, there in objects)
        console.print(f"{kind}: {markup_safe(listed)}")
    if found.extras:
        extra = ", ".join(f"{e.name} ({e.state})" for e in found.extras)
        console.print(
            f"also labelled as this lab's (lab down removes them too): {markup_safe(extra)}"
        )

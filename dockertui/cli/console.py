"""`dockertui` with no command: the live console."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import click

from dockertui.cli.common import fail

if TYPE_CHECKING:
    from dockertui.engine.endpoint import Endpoint

#: Added to the sentence that says no engine answers.
DEMO_HINT = "; `dockertui demo` runs a simulated engine without one."


def no_engine(message: str) -> str:
    """The engine's failure as one sentence that also points at the demo."""
    return message.rstrip().rstrip(".") + DEMO_HINT


def _console(
    endpoints: list[Endpoint],
    *,
    read_only: bool,
    ansi: bool,
    tour: str | None = None,
    insecure: bool = False,
    unusable: dict[str, str] | None = None,
) -> None:
    """The console on `endpoints` (one, or a fleet watched together); `tour`:
    the guided tour's lesson to open over it (`dockertui tour --lab`), which
    needs a lab on that (one) engine: without one, the tour would take its
    examples, and offer its fixes, from whatever services the engine runs.
    `unusable`: contexts --all-contexts could not use (name -> why), shown
    in the header as refused."""
    from dockertui.model.container import LAB_LABEL

    if len(endpoints) > 1 or unusable:
        _fleet_console(
            endpoints, read_only=read_only, ansi=ansi, insecure=insecure, unusable=unusable or {}
        )
        return
    endpoint = endpoints[0]
    labs = {"label": [LAB_LABEL]} if tour is not None else None
    failures = asyncio.run(_unreachable([endpoint], labs, hint=True))
    if failures:
        fail(failures[0][1])
        return
    from dockertui.engine.watch import Watcher
    from dockertui.fixes.session import EngineFixer
    from dockertui.ui.app import DockerTUI

    # --read-only: no fixer at all, so the console shows no fix action.
    fixer = None if read_only else EngineFixer(endpoint)
    DockerTUI(
        Watcher(endpoint),
        read_only=read_only,
        ansi=ansi,
        fixer=fixer,
        interrupted=fixer.pending() if fixer else [],
        tour=tour,
        **_switching(read_only=read_only, insecure=insecure),
    ).run()


def _fleet_console(
    endpoints: list[Endpoint],
    *,
    read_only: bool,
    ansi: bool,
    insecure: bool,
    unusable: dict[str, str],
) -> None:
    """Several engines in one console. It opens when at least one answers; the
    others show as reconnecting (or refused) in the header and join when they
    answer. When none does, each one's sentence and exit 2."""
    failures = asyncio.run(_unreachable(endpoints, None, first=True))
    if len(failures) == len(endpoints):
        for name, sentence in failures[:-1]:
            click.echo(f"dockertui: {name}: {sentence}", err=True)
        name, sentence = failures[-1]
        fail(f"{name}: {sentence}")
        return
    from dockertui.engine.fleet_watch import FleetWatcher
    from dockertui.fixes.session import EngineFixer, FleetFixer
    from dockertui.ui.app import DockerTUI

    fixer = None
    if not read_only:
        fixer = FleetFixer({e.name: EngineFixer(e) for e in endpoints})
    DockerTUI(
        FleetWatcher(endpoints, unusable=unusable),
        read_only=read_only,
        ansi=ansi,
        fixer=fixer,
        interrupted=fixer.pending() if fixer else [],
        **_switching(read_only=read_only, insecure=insecure),
    ).run()


def _switching(*, read_only: bool, insecure: bool) -> dict[str, Any]:
    """The context picker's two halves for DockerTUI: the docker CLI's
    contexts, and the source (and fixer) for the one chosen."""
    from dockertui.engine.contexts import list_contexts
    from dockertui.engine.endpoint import EndpointError, resolve_endpoint
    from dockertui.engine.watch import Watcher
    from dockertui.fixes.session import EngineFixer

    def switch(name: str) -> tuple[Watcher, EngineFixer | None]:
        try:
            endpoint = resolve_endpoint(context=name, insecure=insecure)
        except EndpointError as err:
            raise ValueError(str(err)) from None
        return Watcher(endpoint), None if read_only else EngineFixer(endpoint)

    return {"contexts": list_contexts, "switch": switch}


async def _unreachable(
    endpoints: list[Endpoint],
    needs: dict[str, list[str]] | None,
    *,
    first: bool = False,
    hint: bool = False,
) -> list[tuple[str, str]]:
    """(engine name, sentence) for each engine that does not answer, all asked
    at once; `needs`: a container filter the engine must match (the tour's lab).
    `first`: stop asking once one engine answers (the console opens then, and
    a slow engine joins when it answers): then the list is empty. `hint`: an
    engine that cannot be reached points at the demo."""
    from dockertui.engine.errors import EngineError, EngineRefused, describe_refusal
    from dockertui.engine.gateway import EngineGateway

    async def why_not(endpoint: Endpoint) -> str:
        try:
            client = await EngineGateway.open(endpoint)
        except EngineError as err:
            return no_engine(str(err)) if hint else str(err)
        try:
            if needs is not None and not await client.list_containers(filters=needs):
                return (
                    f"There is no lab on the engine at {endpoint.host}: make one with "
                    "`dockertui lab up --image IMAGE`, or leave out --lab to tour the demo engine."
                )
        except EngineError as err:
            return no_engine(str(err)) if hint else str(err)
        except EngineRefused as err:
            return describe_refusal(endpoint, err)
        finally:
            await client.close()
        return ""

    asked = {asyncio.ensure_future(why_not(e)): e for e in endpoints}
    failures: dict[str, str] = {}
    try:
        for done in asyncio.as_completed(list(asked)):
            why = await done
            if not why and first:
                return []
    finally:
        for task in asked:
            task.cancel()
        await asyncio.gather(*asked, return_exceptions=True)
    for task, endpoint in asked.items():
        if task.result():
            failures[endpoint.name] = task.result()
    return [(e.name, failures[e.name]) for e in endpoints if e.name in failures]

"""`dockertui` with no command: the live console."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

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
) -> None:
    """The console on the engine `host`/`context` name; `tour`: the guided
    tour's lesson to open over it (`dockertui tour --lab`), which needs a
    lab on that engine: without one, the tour would take its examples, and
    offer its fixes, from whatever services the engine runs."""
    from dockertui.engine.errors import EngineError, EngineRefused, describe_refusal
    from dockertui.engine.gateway import EngineGateway
    from dockertui.model.container import LAB_LABEL

    endpoint = endpoints[0]  # FIXME: several engines

    async def reachable() -> bool:
        """Whether the engine answers with what we need (a lab, for the tour)."""
        client = await EngineGateway.open(endpoint)
        try:
            if tour is None:
                return True
            return bool(await client.list_containers(filters={"label": [LAB_LABEL]}))
        finally:
            await client.close()

    try:  # fail fast with one sentence rather than open a console that only retries
        has_what_it_needs = asyncio.run(reachable())
    except EngineError as err:
        fail(no_engine(str(err)))
        return
    except EngineRefused as err:
        fail(describe_refusal(endpoint, err))
        return
    if not has_what_it_needs:
        fail(
            f"There is no lab on the engine at {endpoint.host}: make one with "
            "`dockertui lab up --image IMAGE`, or leave out --lab to tour the demo engine."
        )
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
    ).run()

"""`dockertui` with no command: the live console."""

from __future__ import annotations

import asyncio

from dockertui.cli.common import fail


def _console(host: str | None, context: str | None, *, read_only: bool, ansi: bool) -> None:
    from dockertui.engine.client import EngineClient
    from dockertui.engine.endpoint import EndpointError, resolve_endpoint
    from dockertui.engine.errors import EngineError

    try:
        endpoint = resolve_endpoint(host=host, context=context)
    except EndpointError as err:
        fail(str(err))
        return

    async def reachable() -> None:
        client = await EngineClient.open(endpoint)
        await client.close()

    try:  # fail fast with one sentence rather than open a console that only retries
        asyncio.run(reachable())
    except EngineError as err:
        fail(str(err))
        return
    from dockertui.engine.watch import Watcher
    from dockertui.fixes.session import make_fixer, make_resumer, pending_fixes
    from dockertui.fixes.state import State
    from dockertui.ui.app import DockerTUI

    # --read-only: no fixer at all, so the console shows no fix action.
    state = State()
    fixer = None if read_only else make_fixer(endpoint, state, read_only=False)
    DockerTUI(
        Watcher(endpoint),
        read_only=read_only,
        ansi=ansi,
        fixer=fixer,
        interrupted=[] if read_only else pending_fixes(endpoint, state),
        resumer=make_resumer(endpoint, state),
    ).run()

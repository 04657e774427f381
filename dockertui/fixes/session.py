"""A fixer for the console: "apply this plan, reporting progress lines".

The console never talks HTTP. It is handed a `Fixer` made here, which opens
an EngineClient on the endpoint for each fix, runs `Executor.apply` and
closes the client again, turning a refusal or an unreachable engine into a
FixResult the wizard can show. No Textual here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from dockertui.engine.client import EngineClient
from dockertui.engine.endpoint import Endpoint
from dockertui.engine.errors import EngineError
from dockertui.fixes.executor import Executor, FixRefused, FixResult
from dockertui.fixes.plan import FixPlan
from dockertui.fixes.state import FAILED, REFUSED, Journal, State

Progress = Callable[[str], None]
Fixer = Callable[[FixPlan, Progress], Awaitable[FixResult]]
#: Finish ("finish") or roll back ("rollback") an interrupted fix.
Resumer = Callable[[Journal, str, Progress], Awaitable[FixResult]]


def make_fixer(
    endpoint: Endpoint,
    state: State | None = None,
    read_only: bool = False,
    *,
    verify_seconds: float = 10.0,
) -> Fixer:
    """A fixer on `endpoint` that keeps backups, journals and the audit log in
    `state` (default: the user's state directory, or $DOCKERTUI_STATE_DIR).

    The fixer returns a FixResult whatever happens: status "refused" (with
    the one-sentence reason as the message) when the executor refuses,
    "failed" when the engine cannot be reached."""
    where = state if state is not None else State()

    async def fix(plan: FixPlan, progress: Progress) -> FixResult:
        name = plan.container.name
        try:
            client = await EngineClient.open(endpoint)
        except EngineError as err:
            return FixResult(FAILED, name, message=str(err), container_id=plan.container.id)
        try:
            executor = Executor(
                client,
                state=where,
                endpoint_label=endpoint.host,
                verify_seconds=verify_seconds,
                read_only=read_only,
                progress=progress,
            )
            return await executor.apply(plan)
        except FixRefused as err:
            return FixResult(REFUSED, name, message=str(err), container_id=plan.container.id)
        except EngineError as err:
            return FixResult(FAILED, name, message=str(err), container_id=plan.container.id)
        finally:
            await client.close()

    return fix


def pending_fixes(endpoint: Endpoint, state: State | None = None) -> list[Journal]:
    """Fixes on this endpoint that a killed process left half done."""
    return (state if state is not None else State()).pending(endpoint.host)


def make_resumer(endpoint: Endpoint, state: State | None = None) -> Resumer:
    """Like make_fixer, for the journals of interrupted fixes."""
    where = state if state is not None else State()

    async def resume(journal: Journal, action: str, progress: Progress) -> FixResult:
        try:
            client = await EngineClient.open(endpoint)
        except EngineError as err:
            return FixResult(FAILED, journal.name, message=str(err))
        try:
            executor = Executor(
                client, state=where, endpoint_label=endpoint.host, progress=progress
            )
            return await executor.resume(journal, action)
        except (FixRefused, EngineError) as err:
            return FixResult(FAILED, journal.name, message=str(err))
        finally:
            await client.close()

    return resume

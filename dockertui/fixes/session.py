"""Fixes for the console: "preview this plan", "apply it, reporting progress
lines", "finish or roll back this interrupted fix".

The console never talks HTTP. It is handed a `Fixer` (the protocol below);
`EngineFixer` is the real one: it opens a gateway on the endpoint for each
call, runs the executor and closes the gateway again, turning a refusal or
an unreachable engine into a result the wizard can show. No Textual here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from dockertui.engine.endpoint import Endpoint
from dockertui.engine.errors import EngineError, EngineRefused
from dockertui.engine.gateway import EngineGateway
from dockertui.fixes.executor import Executor, StepHook
from dockertui.fixes.layer import LayerSummary
from dockertui.fixes.outcome import FixRefused, FixResult
from dockertui.fixes.plan import FixPlan
from dockertui.fixes.state import Journal, Result, State

Progress = Callable[[str], None]
T = TypeVar("T")


@dataclass(frozen=True)
class Preview:
    """What a fix would meet: the refusal, or what the writable layer holds."""

    refusal: str | None = None
    layer: LayerSummary = field(default_factory=LayerSummary)
    pending: bool = False  # the refusal: an interrupted fix of it waits to be resumed


class Fixer(Protocol):
    async def preview(self, plan: FixPlan) -> Preview: ...

    async def apply(
        self, plan: FixPlan, progress: Progress, *, copy_layer: bool = True
    ) -> FixResult: ...

    async def resume(self, journal: Journal, action: str, progress: Progress) -> FixResult: ...

    def pending(self) -> list[Journal]: ...


class EngineFixer:
    """The console's fixer on one endpoint, keeping backups, journals and the
    audit log in `state` (default: the user's state directory)."""

    def __init__(
        self,
        endpoint: Endpoint,
        state: State | None = None,
        *,
        read_only: bool = False,
        verify_seconds: float | None = None,
        on_step: StepHook | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.state = state if state is not None else State()
        self.read_only = read_only
        self.verify_seconds = verify_seconds
        self.on_step = on_step

    async def _with(self, progress: Progress | None, work: Callable[[Executor], Awaitable[T]]) -> T:
        gateway = await EngineGateway.open(self.endpoint)
        try:
            executor = Executor(
                gateway,
                state=self.state,
                endpoint_label=self.endpoint.host,
                verify_seconds=self.verify_seconds,
                read_only=self.read_only,
                progress=progress,
                on_step=self.on_step,
            )
            return await work(executor)
        finally:
            await gateway.close()

    async def preview(self, plan: FixPlan) -> Preview:
        try:
            # The copy is the caller's choice: the layer is judged without it.
            checked = await self._with(None, lambda ex: ex.preview(plan, copy_layer=False))
        except FixRefused as err:
            waiting = any(j.name == plan.container.name for j in self.pending())
            return Preview(refusal=err.reason, pending=waiting)
        except (EngineError, EngineRefused) as err:
            return Preview(refusal=str(err))
        return Preview(layer=checked.layer)

    async def apply(
        self, plan: FixPlan, progress: Progress, *, copy_layer: bool = True
    ) -> FixResult:
        """A FixResult whatever happens: "refused" with the one-sentence
        reason, "failed" when the engine cannot be reached."""
        name, cid = plan.container.name, plan.container.id
        try:
            return await self._with(progress, lambda ex: ex.apply(plan, copy_layer=copy_layer))
        except FixRefused as err:
            return FixResult(Result.REFUSED, name, message=str(err), container_id=cid)
        except (EngineError, EngineRefused) as err:
            return FixResult(Result.FAILED, name, message=str(err), container_id=cid)

    async def resume(self, journal: Journal, action: str, progress: Progress) -> FixResult:
        try:
            return await self._with(progress, lambda ex: ex.resume(journal, action))
        except (FixRefused, EngineError, EngineRefused) as err:
            return FixResult(Result.FAILED, journal.name, message=str(err))

    def pending(self) -> list[Journal]:
        """Fixes on this endpoint that a killed process left half done."""
        return self.state.pending(self.endpoint.host)


class FleetFixer:
    """Fixes on a fleet of engines: each plan goes to the fixer of the engine
    its container was read from (`Container.engine`), each interrupted fix to
    the fixer of the engine its journal names."""

    def __init__(self, fixers: dict[str, EngineFixer]) -> None:
        self.fixers = fixers

    def _of(self, plan: FixPlan) -> EngineFixer:
        return self.fixers[plan.container.engine]

    async def preview(self, plan: FixPlan) -> Preview:
        return await self._of(plan).preview(plan)

    async def apply(
        self, plan: FixPlan, progress: Progress, *, copy_layer: bool = True
    ) -> FixResult:
        return await self._of(plan).apply(plan, progress, copy_layer=copy_layer)

    async def resume(self, journal: Journal, action: str, progress: Progress) -> FixResult:
        for fixer in self.fixers.values():
            if fixer.endpoint.host == journal.endpoint:
                return await fixer.resume(journal, action, progress)
        return FixResult(
            Result.FAILED,
            journal.name,
            message=f"No engine of this console is {journal.endpoint}; "
            f"run `dockertui fix --resume {journal.name} -H {journal.endpoint}` instead.",
        )

    def pending(self) -> list[Journal]:
        """Fixes on any of the engines that a killed process left half done."""
        return [j for fixer in self.fixers.values() for j in fixer.pending()]

"""The safe re-create as a table of steps, each with its forward action, its
rollback and its journal record.

The executor runs `RECREATE` in order. Before a step runs, its name is
journalled as started; once it returned, as done. Every action looks at the
engine first, so running it again is harmless: an interrupted fix resumes
by running the steps not yet done. A rollback runs the `undo` of every step
that started, last first (a step that started may have acted before the
process died, so its undo runs too; undos are idempotent and harmless when
the forward action never happened), then verifies the original.

    step                forward                                   undo
    create              the new container, temporary name, locked keep it, stopped for good, as <name>-failed-<ts>
    connect-networks    the networks beyond the first             -
    restart-policy-no   old restart policy -> no                  the original restart policy
    stop-old            stop the old container                    start it again (when it ran)
    copy-layer          its writable layer's files -> new         -
    rename-old          old -> <name>-backup-<ts>                 back to <name>
    rename-new          new -> <name>                             new -> <name>-failed-<ts>
    start-new           start the new one (when the old ran)      restart policy no, stopped for good
    verify              runs well over the window                 -
    (rollback-verify)   after every undo: the original runs well

Nothing is ever removed: no container, no volume, no backup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dockertui.engine.gateway import EngineGateway
from dockertui.fixes.container_ops import NO_POLICIES, NO_POLICY, ContainerOps, StepFailed
from dockertui.fixes.documents import restart_policy
from dockertui.fixes.layer import mount_points, paths, summarize
from dockertui.fixes.layer_copy import copy_items
from dockertui.fixes.lock import EngineLocks, lock_name
from dockertui.fixes.state import Journal, JournalKind, State


class StepName(StrEnum):
    CREATE = "create"
    CONNECT_NETWORKS = "connect-networks"
    RESTART_POLICY_NO = "restart-policy-no"
    STOP_OLD = "stop-old"
    COPY_LAYER = "copy-layer"
    RENAME_OLD = "rename-old"
    RENAME_NEW = "rename-new"
    START_NEW = "start-new"
    VERIFY = "verify"
    # the undos, in the order a full rollback runs them
    STOP_NEW = "rollback-stop-new"
    RENAME_NEW_AWAY = "rollback-rename-new"
    RENAME_OLD_BACK = "rollback-rename-old"
    START_OLD = "rollback-start-old"
    RESTORE_POLICY = "rollback-restart-policy"
    KEEP_NEW = "rollback-keep-new"
    VERIFY_OLD = "rollback-verify"


@dataclass
class Bodies:
    """What the new container is created from (fixes.documents.create_body)."""

    create: dict[str, Any]
    extra_networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    predicted: dict[str, Any] = field(default_factory=dict)  # the plan's document


@dataclass
class Run:
    """One re-create (or rollback) under way: what its steps act on."""

    gateway: EngineGateway
    ops: ContainerOps
    journal: Journal
    state: State
    locks: EngineLocks
    bodies: Callable[[], Awaitable[Bodies]]  # built once, rebuilt from the backup after a restart
    image: str  # the image id the locks are created from
    copied: int = 0

    def record(self) -> None:
        """Rewrite the journal (with every lock this fix holds or is about to take)."""
        self.journal.locks = sorted(set(self.journal.locks) | set(self.locks.held))
        self.state.write_journal(self.journal)

    def role(self, which: str) -> str:
        """How progress lines name the two containers."""
        j = self.journal
        if j.kind == JournalKind.ROLLBACK:
            return f"the {'current' if which == 'new' else 'backup'} {j.name}"
        return f"the {which if which == 'new' else 'original'} {j.name}"

    async def new_container(self) -> dict[str, Any] | None:
        j = self.journal
        if j.new_id:
            found = await self.gateway.inspect_container(j.new_id)
            if found is not None:
                return found
        if j.temp_name:
            found = await self.gateway.inspect_container(j.temp_name)
            if found is not None:
                j.new_id = str(found["Id"])
                self.record()
                return found
        return None


Action = Callable[[Run], Awaitable[None]]


@dataclass(frozen=True)
class Undo:
    name: StepName
    action: Action


@dataclass(frozen=True)
class Step:
    name: StepName
    forward: Action
    undo: Undo | None = None


# --- forward actions ----------------------------------------------------------------------


async def create(run: Run) -> None:
    j = run.journal
    if await run.new_container() is None:
        bodies = await run.bodies()
        run.ops.say(f"Creating the new container as {j.temp_name}.")
        j.new_id = await run.gateway.create_container(bodies.create, j.temp_name)
        run.record()
    # Another fix that looks the name up once the new container has it must
    # find that one locked too (journalled first, so a resume releases it).
    j.locks = sorted({*j.locks, lock_name(j.new_id)})
    run.record()
    await run.locks.take(j.new_id, run.image, f"the new {j.name}")
    run.record()


async def connect_networks(run: Run) -> None:
    j = run.journal
    bodies = await run.bodies()
    if not bodies.extra_networks:
        return
    new = await run.ops.inspect(j.new_id)
    have = set(((new.get("NetworkSettings") or {}).get("Networks") or {}).keys())
    for network, config in bodies.extra_networks.items():
        if network not in have:
            run.ops.say(f"Connecting the new container to {network}.")
            await run.gateway.connect_network(network, j.new_id, config)


async def old_policy_no(run: Run) -> None:
    policy = run.journal.original_restart_policy.get("Name")
    if policy in NO_POLICIES:
        return
    if not await run.ops.sets_policies():
        run.ops.say(
            f"Keeping the restart policy of {run.role('old')} ({policy}): Podman cannot change "
            "it live, and does not restart a container it was told to stop."
        )
        return
    run.ops.say(f"Setting the restart policy of {run.role('old')} to no.")
    await run.ops.set_policy(run.journal.old_id, NO_POLICY)


async def stop_old(run: Run) -> None:
    await run.ops.stop_for_good(run.journal.old_id, run.role("old"))


async def copy_layer(run: Run) -> None:
    j = run.journal
    old = await run.ops.inspect(j.old_id)
    layer = summarize(
        await run.gateway.container_changes(j.old_id),
        mount_points(old),
        mount_points((await run.bodies()).predicted),
    )
    if not layer.items:
        return
    if not j.copy_layer:
        run.ops.say(
            f"Not copying the {paths(len(layer.changed))} of the writable layer "
            f"(--discard-layer): they stay in {j.backup_name}."
        )
        return
    await copy_items(run.gateway, j.old_id, j.new_id, layer.items, run.ops.say)
    run.copied = len(layer.changed)
    run.ops.say(f"Copied {paths(run.copied)} of the writable layer, checked on arrival.")


async def rename_old(run: Run) -> None:
    await run.ops.rename(run.journal.old_id, run.journal.backup_name)


async def rename_new(run: Run) -> None:
    await run.ops.rename(run.journal.new_id, run.journal.name)


async def start_new(run: Run) -> None:
    if run.journal.old_was_running:
        await run.ops.start(run.journal.new_id, run.role("new"))


async def verify_new(run: Run) -> None:
    if run.journal.old_was_running:
        await run.ops.verify(run.journal.new_id, run.role("new"))


# --- undos --------------------------------------------------------------------------------


async def stop_new(run: Run) -> None:
    if await run.new_container() is not None:
        await run.ops.stop_for_good(run.journal.new_id, run.role("new"))


async def rename_new_away(run: Run) -> None:
    if await run.new_container() is not None:
        await run.ops.rename(run.journal.new_id, run.journal.failed_name)


async def rename_old_back(run: Run) -> None:
    j = run.journal
    if await run.gateway.inspect_container(j.old_id) is None:
        raise StepFailed(f"the original container {j.old_id[:12]} no longer exists")
    await run.ops.rename(j.old_id, j.name)


async def start_old(run: Run) -> None:
    j = run.journal
    if not j.old_was_running:
        return
    if StepName.STOP_OLD not in j.done:
        # The stop was cut short (the process was killed): the engine still
        # carries it out and would stop the original after we started it.
        # Stop it ourselves, which waits for that, then start it.
        await run.ops.stop_for_good(j.old_id, run.role("old"))
    await run.ops.start(j.old_id, run.role("old"))


async def restore_policy(run: Run) -> None:
    j = run.journal
    policy = j.original_restart_policy
    if policy.get("Name") in NO_POLICIES:
        return  # "no" is what it has; an empty policy cannot be set again anyway
    if restart_policy(await run.ops.inspect(j.old_id)) != policy:
        run.ops.say(f"Restoring the restart policy of {j.name} ({policy['Name']}).")
        await run.ops.set_policy(j.old_id, policy)


async def keep_new(run: Run) -> None:
    """The new container stays, stopped for good, under its failed name."""
    await stop_new(run)
    await rename_new_away(run)


async def verify_old(run: Run) -> None:
    if run.journal.old_was_running:
        await run.ops.verify(run.journal.old_id, run.role("old"))


RECREATE: tuple[Step, ...] = (
    Step(StepName.CREATE, create, Undo(StepName.KEEP_NEW, keep_new)),
    Step(StepName.CONNECT_NETWORKS, connect_networks),
    Step(StepName.RESTART_POLICY_NO, old_policy_no, Undo(StepName.RESTORE_POLICY, restore_policy)),
    Step(StepName.STOP_OLD, stop_old, Undo(StepName.START_OLD, start_old)),
    Step(StepName.COPY_LAYER, copy_layer),
    Step(StepName.RENAME_OLD, rename_old, Undo(StepName.RENAME_OLD_BACK, rename_old_back)),
    Step(StepName.RENAME_NEW, rename_new, Undo(StepName.RENAME_NEW_AWAY, rename_new_away)),
    Step(StepName.START_NEW, start_new, Undo(StepName.STOP_NEW, stop_new)),
    Step(StepName.VERIFY, verify_new),
)
#: Verifies the original once every undo ran (when the old container was stopped).
VERIFY_OLD = Undo(StepName.VERIFY_OLD, verify_old)


def undos(journal: Journal) -> list[Undo]:
    """What a rollback of `journal` runs, in order."""
    started = [step for step in RECREATE if step.name in journal.steps]
    found = [step.undo for step in reversed(started) if step.undo is not None]
    if StepName.STOP_OLD in journal.steps:
        found.append(VERIFY_OLD)
    return found

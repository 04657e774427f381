"""Apply a fix plan to the engine: a live `docker update`, or the safe
re-create (fixes/steps.py), under an engine-side lock, with a journal, a
verification window, an automatic rollback and an audit log.

Talks to the engine through the `EngineGateway` only; knows nothing of
Textual or click (the CLI and the console's wizard both drive it). Every
action, refused or done, appends one line to the audit log.

    apply(plan)        lock the container, preflight, then update live or re-create
    preview(plan)      preflight only: the refusal (raised) or what the layer holds
    dry_run(plan)      preview, logged as a dry run
    resume(journal)    finish or roll back a fix a killed process left
    rollback_latest()  put the latest <name>-backup-<ts> back under its name

`on_step` is called with each step's name right after its journal was
written and before it runs: the tests pass a hook that kills the process
there, to interrupt a fix between two steps.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

from dockertui.audit import audit_container
from dockertui.engine.errors import EngineError, EngineRefused
from dockertui.engine.gateway import EngineGateway
from dockertui.engine.inventory import inspect_container, read_engine
from dockertui.fixes.container_ops import ContainerOps, StepFailed, reason_of, retrying
from dockertui.fixes.documents import container_name, create_body, is_noop, options_from_dict
from dockertui.fixes.documents import restart_policy as policy_of
from dockertui.fixes.layer import paths
from dockertui.fixes.layer_copy import CopyMismatch
from dockertui.fixes.live_update import update_live
from dockertui.fixes.lock import EngineLocks, Locked
from dockertui.fixes.names import LeftoverKind, leftover_name, leftover_of, name_filter
from dockertui.fixes.outcome import FixRefused, FixResult, Grade
from dockertui.fixes.owner import Owner
from dockertui.fixes.plan import FixPlan, PlanError, plan
from dockertui.fixes.preflight import Preflight, PreflightReader
from dockertui.fixes.records import Records
from dockertui.fixes.state import (
    Journal,
    JournalKind,
    JournalState,
    Phase,
    Result,
    State,
    env_values,
    redact,
    stamp,
)
from dockertui.fixes.steps import RECREATE, Bodies, Run, StepName, undos

Progress = Callable[[str], None]
StepHook = Callable[[str], None]
#: Seconds a re-created container must run well before the fix counts.
DEFAULT_VERIFY_SECONDS = 10.0


class ResumeAction(StrEnum):
    """What to do with an interrupted fix."""

    FINISH = "finish"
    ROLLBACK = "rollback"


def rolls_back(journal: Journal, action: str) -> bool:
    """Whether resuming `journal` with `action` rolls it back: a rollback
    that had started, and an interrupted `--rollback`, are always completed."""
    return (
        journal.kind == JournalKind.ROLLBACK
        or journal.phase == Phase.ROLLBACK
        or action == ResumeAction.ROLLBACK
    )


def resume_goal(journal: Journal, action: str) -> Result:
    """What resuming sets out to do: a fix asked to be finished aims at
    APPLIED (and ends rolled back when it can no longer be finished);
    anything asked or bound to roll back aims at ROLLED_BACK."""
    if journal.kind == JournalKind.FIX and action == ResumeAction.FINISH:
        return Result.APPLIED
    return Result.ROLLED_BACK


class Executor:
    """Apply fix plans to one engine; see the module doc."""

    def __init__(
        self,
        gateway: EngineGateway,
        *,
        state: State,
        endpoint_label: str,
        verify_seconds: float | None = None,
        read_only: bool = False,
        progress: Progress | None = None,
        on_step: StepHook | None = None,
        break_lock: bool = False,
    ) -> None:
        self.gateway = gateway
        self.state = state
        self.endpoint_label = endpoint_label
        self.verify_seconds = verify_seconds
        self.read_only = read_only
        self.break_lock = break_lock
        self._progress = progress
        self._on_step = on_step
        self.records = Records(state, endpoint_label)
        self.started = False  # a step was journalled: the engine may have been changed
        self._bodies: dict[str, Bodies] = {}  # fix id -> what the new container is made of
        self.preflight = PreflightReader(gateway, refuse=self.refuse)

    # --- public API ------------------------------------------------------------------------

    async def preview(self, fix: FixPlan, *, copy_layer: bool = True) -> Preflight:
        """The checks `apply` makes first, without changing anything: raises
        FixRefused (and logs it) when the fix would be refused."""
        self.refuse_if_read_only(fix.container.raw, fix.changes)
        await self.refuse_if_busy(fix.container.raw, fix.changes)
        return await self.preflight.check(fix, copy_layer=copy_layer)

    async def dry_run(
        self, fix: FixPlan, *, copy_layer: bool = True
    ) -> tuple[FixResult, Preflight]:
        """Preview, logged as a dry run."""
        checked = await self.preflight.check(fix, copy_layer=copy_layer)
        self.records.audit(checked.doc, fix.changes, [], Result.DRY_RUN, "dry run: nothing changed")
        result = FixResult(
            Result.DRY_RUN,
            container_name(checked.doc),
            container_id=str(checked.doc.get("Id") or ""),
            message="Dry run: nothing was changed.",
        )
        return result, checked

    async def apply(self, fix: FixPlan, *, copy_layer: bool = True) -> FixResult:
        """Apply `fix`: a live update when every change is live, otherwise the
        safe re-create. Raises FixRefused (logged) when it is refused."""
        raw = fix.container.raw or {"Id": fix.container.id, "Name": fix.container.name}
        self.refuse_if_read_only(raw, fix.changes)
        fix_id = f"{stamp()}-{fix.container.name}-{uuid.uuid4().hex[:6]}"
        locks = EngineLocks(self.gateway, fix_id)
        journal: Journal | None = None
        try:
            await self._lock(locks, raw, fix.changes, fix.container.id, fix.container.name)
            # Under the lock, a pending journal of this name is an interrupted fix.
            self._refuse_if_pending(raw, fix.changes, fix.container.name)
            checked = await self.preflight.check(fix, copy_layer=copy_layer)
            doc = checked.doc
            # Planned again from the document read under the lock, so that
            # nothing changed since (a network connected, say) is dropped.
            try:
                fix = plan(doc, fix.changes, await read_engine(self.gateway), fix.options)
            except PlanError as err:
                self.refuse(doc, fix.changes, str(err))
            if is_noop(fix):
                message = f"{container_name(doc)} already has these settings: nothing was changed."
                self.records.audit(doc, fix.changes, [], Result.APPLIED, message)
                return FixResult(
                    Result.APPLIED,
                    container_name(doc),
                    new_id=str(doc.get("Id") or ""),
                    message=message,
                    container_id=str(doc.get("Id") or ""),
                )
            if not fix.recreate:
                return await update_live(
                    self.gateway, self.records, fix, doc, self._say, self._grade
                )
            journal = await self._journal_for(fix, doc, fix_id, copy_layer)
            return await self._forward(journal, locks, str(doc.get("Image") or ""))
        finally:
            if not self._resumable(journal):
                await self._release(locks)

    def declined(self, fix: FixPlan, reason: str = "the change was not confirmed") -> None:
        """Log a fix the user did not confirm."""
        self.records.audit(fix.container.raw, fix.changes, [], Result.REFUSED, reason)

    def pending(self) -> list[Journal]:
        """Interrupted re-creates on this endpoint (journals still in progress)."""
        return self.state.pending(self.endpoint_label)

    async def resume(self, journal: Journal, action: str) -> FixResult:
        """Finish (`"finish"`) or roll back (`"rollback"`) an interrupted fix.
        A journal whose rollback had started is always rolled back; an
        interrupted `--rollback` is always completed."""
        if action not in tuple(ResumeAction):
            raise ValueError(f"Unknown resume action {action!r}; choose finish or rollback.")
        subject = {"Id": journal.old_id, "Name": journal.name}
        self.refuse_if_read_only(subject, journal.plan or ["resume"])
        if not journal.interrupted:
            self.refuse(
                subject,
                journal.plan or ["resume"],
                f"The fix of {journal.name} is still running "
                f"({journal.running_owner().describe()}): it is not interrupted.",
            )
        changed = await self._superseded(journal)
        if changed:
            # Another fix acted on these containers since (its lock was broken):
            # replaying this journal would undo that one. Stop here, for good.
            journal.state = JournalState.FAILED
            journal.reason = changed
            self.state.write_journal(journal)
            return self.records.result(
                journal,
                Result.FAILED,
                f"The interrupted fix of {journal.name} cannot be resumed: {changed}. Nothing "
                "was changed; check the containers of that name with docker ps -a.",
            )
        locks = EngineLocks(self.gateway, journal.fix_id)
        image = await self._image_of(journal)
        for name in journal.locks:
            target = name.removeprefix("dockertui-lock-")
            await self._lock(locks, subject, journal.plan, target, journal.name, image=image)
        journal.take_over()  # ours now: no other process may resume it meanwhile
        self.state.write_journal(journal)
        self._say(f"Resuming the interrupted fix of {journal.name} ({action}).")
        try:
            if rolls_back(journal, action):
                reason = journal.reason or "the fix was interrupted and rolled back on request"
                return await self._rollback(journal, locks, image, reason)
            return await self._forward(journal, locks, image)
        finally:
            if not self._resumable(journal):
                await self._release(locks)

    async def backups(self, name: str) -> list[tuple[str, str, str]]:
        """(stamp, name, id) of every `<name>-backup-<ts>` container, oldest first."""
        name = name.lstrip("/")
        listed = await self.gateway.list_containers(
            filters={"name": [name_filter(name, "-backup-")]}
        )
        found = []
        for entry in listed:
            for n in entry.get("Names") or []:
                left = leftover_of(n)
                if left and left.kind is LeftoverKind.BACKUP and left.original == name:
                    found.append((left.stamp, n.lstrip("/"), str(entry["Id"])))
        return sorted(found)

    async def rollback_latest(self, name: str) -> FixResult:
        """Put the latest `<name>-backup-<ts>` back under `name` (the current
        container is stopped for good and kept as `<name>-replaced-<ts>`)."""
        name = name.lstrip("/")
        current = await self._named(name)
        subject = current or {"Id": "", "Name": name}
        self.refuse_if_read_only(subject, ["rollback"])
        found = await self.backups(name)
        if not found:
            self.refuse(
                subject, ["rollback"], f"There is no backup container {name}-backup-* to restore."
            )
        self._refuse_if_pending(subject, ["rollback"], name)
        ts, backup_name, backup_id = found[-1]
        folder = self.state.backups / f"{name}-{ts}"
        saved = self._saved(folder)
        backup_doc = await self.gateway.inspect_container(backup_id)
        if backup_doc is None:
            self.refuse(subject, ["rollback"], f"The backup container {backup_name} is gone.")
        # The service is restored as it is now: running if the current
        # container runs (or, with none, as the original was), with the
        # original's restart policy (the backup's own was set to no).
        now_running = bool(((current or saved).get("State") or {}).get("Running", True))
        now = self.records.unique_stamp(name)
        fix_id = f"{now}-{name}-rollback-{uuid.uuid4().hex[:6]}"
        locks = EngineLocks(self.gateway, fix_id)
        image = str(backup_doc.get("Image") or "")
        journal = Journal(
            fix_id=fix_id,
            endpoint=self.endpoint_label,
            name=name,
            old_id=backup_id,
            temp_name="",
            backup_name=backup_name,
            failed_name=leftover_name(name, LeftoverKind.REPLACED, now),
            backup_dir=str(folder) if saved else "",
            plan=["rollback"],
            options={},
            original_restart_policy=policy_of(saved or current or backup_doc),
            old_was_running=now_running,
            kind=JournalKind.ROLLBACK,
            owner=asdict(Owner.here()),
            verify_seconds=self._window(),
            new_id=str(current.get("Id") or "") if current else "",
            phase=Phase.ROLLBACK,
            steps=[step.name.value for step in RECREATE],  # as if the fix had completed
        )
        self.records.keep_secrets(fix_id, env_values(saved or backup_doc))
        try:
            await self._lock(locks, subject, ["rollback"], backup_id, backup_name, image=image)
            if current:
                await self._lock(
                    locks, subject, ["rollback"], str(current["Id"]), name, image=image
                )
            # Under the locks: the names still mean what they meant.
            again, backup_now = await self._named(name), await self._named(backup_name)
            if (again or {}).get("Id") != (current or {}).get("Id") or (backup_now or {}).get(
                "Id"
            ) != backup_id:
                self.refuse(subject, ["rollback"], f"{name} changed meanwhile; try again.")
            return await self._rollback(
                journal, locks, image, f"rollback to {backup_name} requested"
            )
        finally:
            if not self._resumable(journal):
                await self._release(locks)

    # --- locks and refusals ----------------------------------------------------------------

    async def _lock(
        self,
        locks: EngineLocks,
        subject: Mapping[str, Any],
        changes: Sequence[str],
        target: str,
        what: str,
        *,
        image: str | None = None,
    ) -> None:
        """Take the engine lock of container `target` or refuse (logged)."""
        if image is None:
            doc = await self.gateway.inspect_container(target)
            if doc is None:
                self.refuse(subject, changes, f"The container {what} no longer exists.")
            image = str((doc or {}).get("Image") or "")
        image = image or await self._any_image()
        try:
            await locks.take(
                target,
                image,
                what,
                break_stale=self.break_lock,
                protected=lambda fix: any(j.fix_id == fix for j in self.pending()),
            )
        except Locked as err:
            mine = [j for j in self.pending() if j.fix_id == err.holder.fix]
            if mine and err.stale:
                self._refuse_if_pending(subject, changes, mine[0].name)
            self.refuse(subject, changes, str(err))

    async def _any_image(self) -> str:
        images = await self.gateway.list_images()
        return str(images[0]["Id"]) if images else ""

    async def _release(self, locks: EngineLocks) -> None:
        try:
            await locks.release()
        except (EngineError, EngineRefused) as err:
            self._say(f"Could not remove the fix lock ({reason_of(err)}); --break-lock clears it.")

    def refuse_if_read_only(self, doc: Mapping[str, Any], changes: Sequence[str]) -> None:
        if self.read_only:
            self.refuse(
                doc, changes, "dockertui runs read-only (--read-only), so it makes no change."
            )

    async def refuse_if_busy(self, doc: Mapping[str, Any], changes: Sequence[str]) -> None:
        """Refuse (logged) while another fix holds the container's lock, or
        while an interrupted fix of its name is pending. Read-only: takes no lock."""
        holder = await EngineLocks(self.gateway, "").holder_of(str(doc.get("Id") or ""))
        if holder is not None and not holder.stale_reason():
            self.refuse(
                doc,
                changes,
                f"{container_name(doc)} is being fixed by another dockertui "
                f"({holder.describe()}, fix {holder.fix}); let that fix finish first.",
            )
        self._refuse_if_pending(doc, changes, container_name(doc))

    def refuse_if_pending(self, name: str, changes: Sequence[str]) -> None:
        """Refuse (logged) when an interrupted fix of `name` is pending."""
        self._refuse_if_pending({"Id": "", "Name": name}, changes, name)

    def _refuse_if_pending(self, doc: Mapping[str, Any], changes: Sequence[str], name: str) -> None:
        if any(j.name == name for j in self.pending()):
            self.refuse(
                doc,
                changes,
                f"An interrupted fix of {name} is pending: finish or roll it back first "
                f"(dockertui fix --resume {name} --resume-action finish|rollback).",
            )

    def refuse(
        self,
        doc: Mapping[str, Any],
        changes: Sequence[str],
        reason: str,
        *,
        compose: str | None = None,
    ) -> NoReturn:
        """Log the refusal and raise FixRefused."""
        self.records.audit(doc, changes, [], Result.REFUSED, reason)
        raise FixRefused(reason, compose_snippet=compose)

    # --- re-create -------------------------------------------------------------------------

    async def _journal_for(
        self, fix: FixPlan, doc: dict[str, Any], fix_id: str, copy_layer: bool
    ) -> Journal:
        name, cid = container_name(doc), str(doc["Id"])
        ts = await self.records.free_stamp(self.gateway, name)
        self._say(f"Saving the inspect backup of {name}.")
        folder = await self.records.save_backup(self.gateway, doc, name, ts)
        journal = Journal(
            fix_id=fix_id,
            endpoint=self.endpoint_label,
            name=name,
            old_id=cid,
            temp_name=leftover_name(name, LeftoverKind.NEW, ts),
            backup_name=leftover_name(name, LeftoverKind.BACKUP, ts),
            failed_name=leftover_name(name, LeftoverKind.FAILED, ts),
            backup_dir=str(folder),
            plan=list(fix.changes),
            options=json.loads(json.dumps(asdict(fix.options))),  # as read back
            original_restart_policy=policy_of(doc),
            old_was_running=bool((doc.get("State") or {}).get("Running")),
            copy_layer=copy_layer,
            owner=asdict(Owner.here()),
            verify_seconds=self._window(),
        )
        body, extras = create_body(fix.document, image=await self.preflight.image_for_create(doc))
        self.records.keep_secrets(fix_id, env_values(doc))
        self._bodies[fix_id] = Bodies(body, extras, fix.document)
        return journal

    def _run(self, j: Journal, locks: EngineLocks, image: str) -> Run:
        # A resumed fix verifies over the window it was started with, unless told otherwise.
        window = self.verify_seconds if self.verify_seconds is not None else j.verify_seconds
        ops = ContainerOps(self.gateway, self._say, window)
        return Run(self.gateway, ops, j, self.state, locks, lambda: self._bodies_of(j), image)

    async def _forward(self, j: Journal, locks: EngineLocks, image: str) -> FixResult:
        run = self._run(j, locks, image)
        step = ""
        try:
            for entry in RECREATE:
                if entry.name in j.done:
                    continue
                step = entry.name
                self._begin(run, step)
                await entry.forward(run)
                j.done.append(step)
                run.record()
        except EngineError as err:
            return self._interrupted(run, step, str(err))
        except (StepFailed, EngineRefused, CopyMismatch, Locked) as err:
            reason = reason_of(err)
            self._say(f"Step {step} failed: {redact(reason, self.records.secrets(j))}")
            return await self._rollback(j, locks, image, f"{step} failed: {reason}", run=run)
        j.state, j.step = JournalState.APPLIED, ""
        run.record()
        if j.old_was_running:
            message = (
                f"{j.name} was re-created with {', '.join(j.plan)} and verified; the original "
                f"is kept, stopped, as {j.backup_name}."
            )
        else:
            message = (
                f"{j.name} was re-created with {', '.join(j.plan)} and left stopped like the "
                f"original, which is kept as {j.backup_name}."
            )
        if run.copied:
            message += f" The {paths(run.copied)} of its writable layer were copied over."
        after = await self._grade(j.new_id)
        return self.records.result(j, Result.APPLIED, message, after=after, copied=run.copied)

    # --- rollback --------------------------------------------------------------------------

    async def _rollback(
        self, j: Journal, locks: EngineLocks, image: str, reason: str, *, run: Run | None = None
    ) -> FixResult:
        run = run or self._run(j, locks, image)
        secrets = self.records.secrets(j)
        if j.phase != Phase.ROLLBACK:
            j.phase, j.reason = Phase.ROLLBACK, redact(reason, secrets)
        step = ""
        try:
            for undo in undos(j):
                if undo.name in j.done:
                    continue
                step = undo.name
                self._begin(run, step)
                await retrying(partial(undo.action, run))
                j.done.append(step)
                run.record()
        except EngineError as err:
            return self._interrupted(run, step, str(err))
        except (StepFailed, EngineRefused) as err:
            j.reason = redact(f"{j.reason}; then {step} failed: {reason_of(err)}", secrets)
            if step == StepName.VERIFY_OLD:
                # Every step is done: the original is back but does not run well
                # (it may not have before the fix either). Nothing left to resume.
                j.state = JournalState.FAILED
                message = f"{j.name} was restored, but {reason_of(err)}; see its logs. Nothing was removed."
            else:
                # The journal stays pending: once the cause is fixed (a port
                # taken meanwhile, say), --resume completes the rollback.
                j.owner = {}  # no process runs it any more
                message = (
                    f"The rollback of {j.name} failed at {step} ({reason_of(err)}); fix the "
                    f"cause, then run dockertui fix --resume {j.name} --resume-action rollback. "
                    "Nothing was removed."
                )
            run.record()
            return self.records.result(j, Result.FAILED, message)
        j.state, j.step = JournalState.ROLLED_BACK, ""
        run.record()
        back = "runs again" if j.old_was_running else "is back, stopped as it was,"
        if j.kind == JournalKind.ROLLBACK:
            message = f"{j.name}: the backup {j.backup_name} {back} under the name"
            kept = "the replaced container is kept, stopped, as"
        else:
            message = f"The fix of {j.name} was rolled back ({j.reason}); the original {back} under its name"
            kept = "the new container is kept, stopped, for its logs as"
        message += f"; {kept} {j.failed_name}." if j.new_id else "."
        after = await self._grade(j.old_id)
        return self.records.result(j, Result.ROLLED_BACK, message, after=after)

    # --- helpers ---------------------------------------------------------------------------

    async def _superseded(self, j: Journal) -> str | None:
        """Why the engine no longer matches `j` (its containers renamed by
        something else), or None: the original must carry the name or the
        backup name, the new container its temporary, final or failed name."""
        expected = (
            (j.old_id, {j.name, j.backup_name}, "the original"),
            (j.new_id, {j.temp_name, j.name, j.failed_name} - {""}, "the new container"),
        )
        for cid, names, what in expected:
            if not cid:
                continue
            doc = await self.gateway.inspect_container(cid)
            now = container_name(doc) if doc else ""
            if doc is not None and now not in names:
                return f"{what} ({cid[:12]}) is now named {now}"
        return None

    def _window(self) -> float:
        return self.verify_seconds if self.verify_seconds is not None else DEFAULT_VERIFY_SECONDS

    def _resumable(self, j: Journal | None) -> bool:
        """A journal on disk still in progress: its locks stay for --resume."""
        return j is not None and j.pending and self.state.journal_path(j.fix_id).exists()

    async def _named(self, name: str) -> dict[str, Any] | None:
        """The container whose name is exactly `name` (never an id prefix)."""
        listed = await self.gateway.list_containers(filters={"name": [name_filter(name)]})
        for entry in listed:
            if f"/{name}" in (entry.get("Names") or []):
                return await self.gateway.inspect_container(str(entry["Id"]))
        return None

    def _saved(self, folder: Path) -> dict[str, Any]:
        """The inspect backup in `folder`, or {} when it is missing or unreadable."""
        try:
            return self.state.load_backup(folder) if (folder / "container.json").exists() else {}
        except (OSError, ValueError):
            self._say(f"The inspect backup in {folder} cannot be read; going by the engine.")
            return {}

    def _begin(self, run: Run, step: str) -> None:
        """Journal the step about to run (atomically), then call the step hook."""
        run.journal.step = step
        run.journal.steps.append(step)
        run.record()
        self.started = True
        if self._on_step is not None:
            self._on_step(step)

    def _interrupted(self, run: Run, step: str, reason: str) -> FixResult:
        """The engine cannot be reached mid-fix: leave the journal pending (and
        the locks), owned by no process, for --resume (from here or elsewhere)."""
        j = run.journal
        j.owner = {}
        message = (
            f"The fix of {j.name} stopped at {step}: {reason} Once the engine answers, run "
            f"dockertui fix --resume {j.name} --resume-action finish|rollback."
        )
        run.record()
        return self.records.result(j, Result.FAILED, message)

    async def _grade(self, cid: str) -> Grade | None:
        """The grade the audit gives the container as the engine reports it now."""
        try:
            container = await inspect_container(self.gateway, cid)
            if container is None:
                return None
            report = audit_container(container, await read_engine(self.gateway))
        except (EngineError, EngineRefused):
            return None
        return Grade(report.grade, report.score, tuple(sorted({f.check for f in report.findings})))

    async def _image_of(self, j: Journal) -> str:
        doc = await self.gateway.inspect_container(j.old_id)
        return str((doc or {}).get("Image") or "") or await self._any_image()

    async def _bodies_of(self, j: Journal) -> Bodies:
        """The create body of a journal's fix: from memory, or rebuilt from the
        inspect backup and the journalled plan (after a restart)."""
        if j.fix_id not in self._bodies:
            saved = self._saved(Path(j.backup_dir))
            if not saved:
                raise StepFailed(f"the inspect backup in {j.backup_dir} cannot be read")
            engine = await read_engine(self.gateway)
            try:
                rebuilt = plan(saved, j.plan, engine, options_from_dict(j.options))
            except (PlanError, ValueError, KeyError, TypeError) as err:
                raise StepFailed(f"the journalled plan no longer holds: {err}") from None
            body, extras = create_body(
                rebuilt.document, image=await self.preflight.image_for_create(saved)
            )
            self._bodies[j.fix_id] = Bodies(body, extras, rebuilt.document)
        return self._bodies[j.fix_id]

    def _say(self, message: str) -> None:
        if self._progress is not None:
            self._progress(message)

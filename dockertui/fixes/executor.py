"""Apply a fix plan to the engine: a live `docker update`, or the safe
re-create of design.md ("Guided fixes"), with a journal, a verification
window, an automatic rollback and an audit log.

Talks to the engine through `EngineClient` only; knows nothing of Textual or
click (the CLI and the console's wizard both drive it). Every mutating call
is preceded by a journal write (re-creates) and every action, refused or
done, appends one line to the audit log.

The re-create, step by step (each step's journal is written before it runs;
every step first looks at the engine, so running it twice is harmless, which
is what makes `resume()` possible):

    create              the new container, under a temporary name, while the old one runs
    connect-networks    the networks beyond the first (API < 1.44 takes one at create)
    restart-policy-no   the old container's restart policy -> no (skipped when it is no)
    stop-old
    rename-old          old -> <name>-backup-<ts>
    rename-new          new -> <name>
    start-new           (skipped, with verify, when the old container was not running)
    verify              running, RestartCount stable, healthy (if it has a healthcheck),
                        no die/oom event, over `verify_seconds`

and, on any failure, the rollback:

    rollback-stop-new           restart policy -> no (so the engine never revives it), stop
    rollback-rename-new         new -> <name>-failed-<ts> (kept for its logs)
    rollback-rename-old         <name>-backup-<ts> -> <name>
    rollback-restart-policy     the original restart policy again
    rollback-start-old
    rollback-verify

Nothing is ever removed: no container, no volume, no backup.

Test hook: when the environment variable DOCKERTUI_TEST_CRASH_AFTER names a
step, the process exits at once (os._exit(70), no cleanup, no audit line)
right after the journal for that step was written and before the step runs.
The integration tests use it to interrupt a fix between two steps; it does
nothing unless set.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import aiodocker

from dockertui.engine.client import READ_TIMEOUT, EngineClient
from dockertui.engine.errors import EngineError
from dockertui.fixes.describe import compose_snippet
from dockertui.fixes.documents import (
    container_name,
    create_body,
    dependents,
    has_healthcheck,
    health_limit,
    is_noop,
    options_from_dict,
    restart_policy,
)
from dockertui.fixes.plan import FixPlan, plan
from dockertui.fixes.state import (
    APPLIED,
    DRY_RUN,
    FAILED,
    REFUSED,
    ROLLED_BACK,
    Journal,
    State,
    env_values,
    redact,
    stamp,
)

CRASH_ENV = "DOCKERTUI_TEST_CRASH_AFTER"
CRASH_EXIT = 70

FORWARD_STEPS = (
    "create",
    "connect-networks",
    "restart-policy-no",
    "stop-old",
    "rename-old",
    "rename-new",
    "start-new",
    "verify",
)
ROLLBACK_STEPS = (
    "rollback-stop-new",
    "rollback-rename-new",
    "rollback-rename-old",
    "rollback-restart-policy",
    "rollback-start-old",
    "rollback-verify",
)
RESUME_ACTIONS = ("finish", "rollback")

COMPOSE_LABEL = "com.docker.compose.project"
#: Seconds between two looks at a container during verification.
POLL_SECONDS = 0.5
#: Docker's healthcheck defaults (nanoseconds) when Config.Healthcheck leaves them 0.
_NO_POLICY = ("", "no")
DEFAULT_STOP_SECONDS = 10

Progress = Callable[[str], None]


class FixRefused(Exception):
    """The fix will not run. `str(err)` is one sentence saying why; for a
    compose-managed container `compose_snippet` holds the change as YAML."""

    def __init__(self, reason: str, *, compose_snippet: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.compose_snippet = compose_snippet


@dataclass(frozen=True)
class FixResult:
    """What a fix (or a rollback, or a resume) ended with."""

    status: str  # applied | rolled-back | failed | dry-run (refusals raise FixRefused)
    container_name: str
    new_id: str | None = None  # the container that now carries the name
    backup_name: str | None = None  # the stopped original, <name>-backup-<ts> (re-creates)
    backup_dir: str | None = None  # the folder with the inspect backup
    steps: Sequence[str] = ()
    message: str = ""  # one or two sentences for a person
    failed_name: str | None = None  # the new container, kept after a rollback
    container_id: str | None = None  # the container's id before the fix

    @property
    def ok(self) -> bool:
        return self.status in (APPLIED, DRY_RUN)


class _StepFailed(Exception):
    """A step or the verification failed: roll back. One sentence."""


@dataclass
class _Bodies:
    create: dict[str, Any]
    extra_networks: dict[str, dict[str, Any]] = field(default_factory=dict)


class Executor:
    """Apply fix plans to one engine; see the module doc for the procedure."""

    def __init__(
        self,
        client: EngineClient,
        *,
        state: State,
        endpoint_label: str,
        verify_seconds: float = 10.0,
        read_only: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.client = client
        self.state = state
        self.endpoint_label = endpoint_label
        self.verify_seconds = verify_seconds
        self.read_only = read_only
        self._progress = progress
        self._bodies: dict[str, _Bodies] = {}
        self._secrets: dict[str, list[str]] = {}
        self._since: dict[str, float] = {}

    # --- public API ------------------------------------------------------------------------

    async def apply(self, fix: FixPlan) -> FixResult:
        """Apply `fix`: a live update when every change is live, otherwise the
        safe re-create. Raises FixRefused (logged) when preflight refuses."""
        doc = await self._preflight(fix)
        if is_noop(fix):
            message = f"{container_name(doc)} already has these settings: nothing was changed."
            self._audit(doc, fix.changes, [], APPLIED, message)
            return FixResult(
                APPLIED,
                container_name(doc),
                new_id=str(doc.get("Id") or ""),
                message=message,
                container_id=str(doc.get("Id") or ""),
            )
        if not fix.recreate:
            return await self._apply_live(fix, doc)
        return await self._apply_recreate(fix, doc)

    async def preflight(self, fix: FixPlan) -> None:
        """The checks `apply` makes first, without changing anything: raises
        FixRefused (and logs the refusal) when the fix would be refused."""
        await self._preflight(fix)

    async def dry_run(self, fix: FixPlan) -> FixResult:
        """Preflight only (raises FixRefused like apply would); logs a dry-run."""
        doc = await self._preflight(fix, mutating=False)
        self._audit(doc, fix.changes, [], DRY_RUN, "dry run: nothing changed")
        return FixResult(
            status=DRY_RUN,
            container_name=container_name(doc),
            container_id=str(doc.get("Id") or ""),
            message="Dry run: nothing was changed.",
        )

    def declined(self, fix: FixPlan, reason: str = "the change was not confirmed") -> None:
        """Log a fix the user did not confirm."""
        self._audit(fix.container.raw, fix.changes, [], REFUSED, reason)

    def pending(self) -> list[Journal]:
        """Interrupted re-creates on this endpoint (journals still in progress)."""
        return self.state.pending(self.endpoint_label)

    async def resume(self, journal: Journal, action: str) -> FixResult:
        """Finish (`"finish"`) or roll back (`"rollback"`) an interrupted fix.
        A journal whose rollback had started is always rolled back; an
        interrupted `--rollback` is always completed."""
        if action not in RESUME_ACTIONS:
            raise ValueError(f"Unknown resume action {action!r}; choose finish or rollback.")
        self._refuse_if_read_only(
            {"Id": journal.old_id, "Name": journal.name}, journal.plan or ["resume"]
        )
        self._secrets[journal.fix_id] = self._backup_secrets(journal)
        self._say(f"Resuming the interrupted fix of {journal.name} ({action}).")
        if journal.kind == "rollback" or journal.phase == "rollback" or action == "rollback":
            reason = journal.reason or "the fix was interrupted and rolled back on request"
            return await self._rollback(journal, reason)
        return await self._forward(journal)

    async def rollback_latest(self, name: str) -> FixResult:
        """Put the latest `<name>-backup-<ts>` back under `name` (the current
        container is stopped and kept as `<name>-replaced-<ts>`)."""
        name = name.lstrip("/")
        listed = await self.client.get(
            "containers/json",
            {"all": "1", "filters": json.dumps({"name": [f"^/{re.escape(name)}-backup-"]})},
        )
        pattern = re.compile(rf"^/?{re.escape(name)}-backup-(\d{{8}}-\d{{6}}(?:-\d+)?)$")
        backups = []
        for entry in listed or []:
            for n in entry.get("Names") or []:
                match = pattern.match(n)
                if match:
                    backups.append((match.group(1), n.lstrip("/"), entry["Id"]))
        current = await self._find(name)
        subject = current or {"Id": "", "Name": name}
        self._refuse_if_read_only(subject, ["rollback"])
        if not backups:
            self._refuse(
                subject, ["rollback"], f"There is no backup container {name}-backup-* to restore."
            )
        self._refuse_if_pending(subject, ["rollback"], name)
        ts, backup_name, backup_id = max(backups)
        folder = self.state.backups / f"{name}-{ts}"
        saved: dict[str, Any] = {}
        if (folder / "container.json").exists():
            saved = self.state.load_backup(folder)
        backup_doc = await self._inspect(backup_id)
        now = self._unique_stamp(name)
        journal = Journal(
            fix_id=f"{now}-{name}-rollback-{uuid.uuid4().hex[:6]}",
            endpoint=self.endpoint_label,
            name=name,
            old_id=backup_id,
            temp_name="",
            backup_name=backup_name,
            failed_name=f"{name}-replaced-{now}",
            backup_dir=str(folder) if saved else "",
            plan=["rollback"],
            options={},
            original_restart_policy=restart_policy(saved or backup_doc),
            old_was_running=bool((saved.get("State") or {}).get("Running", True)),
            kind="rollback",
            new_id=str(current.get("Id") or "") if current else "",
            phase="rollback",
        )
        self._secrets[journal.fix_id] = env_values(saved or backup_doc)
        return await self._rollback(journal, f"rollback to {backup_name} requested")

    # --- preflight -------------------------------------------------------------------------

    async def _preflight(self, fix: FixPlan, *, mutating: bool = True) -> dict[str, Any]:
        """The container's current inspect document, or FixRefused (logged)."""
        subject = fix.container.raw or {"Id": fix.container.id, "Name": fix.container.name}
        if mutating:
            self._refuse_if_read_only(subject, fix.changes)
        doc = await self._find(fix.container.id)
        if doc is None:
            self._refuse(
                subject, fix.changes, f"The container {fix.container.name} no longer exists."
            )
        assert doc is not None
        name = container_name(doc)
        if fix.container.raw and any(
            doc.get(k) != fix.container.raw.get(k) for k in ("Config", "HostConfig")
        ):
            self._refuse(
                doc, fix.changes, f"{name} was changed since the plan was made; plan the fix again."
            )
        labels = (doc.get("Config") or {}).get("Labels") or {}
        if COMPOSE_LABEL in labels:
            raise self._refused(
                doc,
                fix.changes,
                f"{name} is managed by docker compose (project {labels[COMPOSE_LABEL]}), which "
                "would revert the change on its next up: put the compose snippet in the "
                "compose file instead.",
                compose_snippet=compose_snippet(fix),
            )
        self._refuse_if_pending(doc, fix.changes, name)
        host = doc.get("HostConfig") or {}
        if not fix.recreate:
            if "RestartPolicy" in fix.update_body and host.get("AutoRemove"):
                self._refuse(
                    doc,
                    fix.changes,
                    f"{name} was started with --rm (AutoRemove), and the engine refuses a "
                    "restart policy for such a container.",
                )
            return doc
        if host.get("AutoRemove"):
            self._refuse(
                doc,
                fix.changes,
                f"{name} was started with --rm (AutoRemove): stopping it would remove it, "
                "so it cannot be re-created safely.",
            )
        status = (doc.get("State") or {}).get("Status")
        if status in ("paused", "restarting"):
            self._refuse(
                doc,
                fix.changes,
                f"{name} is {status}; re-create it only once it runs normally (or is stopped).",
            )
        if await self._image(str(doc.get("Image") or "")) is None:
            self._refuse(
                doc,
                fix.changes,
                f"The image of {name} ({(doc.get('Config') or {}).get('Image') or doc.get('Image')}) "
                "is no longer on the engine, so the container cannot be re-created from it.",
            )
        others = await self._all_containers()
        # A temporary container of this name means another fix (from another
        # user, host or state folder) is under way or was interrupted: the
        # engine is the one place every dockertui shares.
        temp = re.compile(rf"^/?{re.escape(name)}-new-\d{{8}}-\d{{6}}(-\d+)?$")
        busy = sorted(
            str(o.get("Name") or "").lstrip("/")
            for o in others
            if temp.match(str(o.get("Name") or ""))
        )
        if busy:
            self._refuse(
                doc,
                fix.changes,
                f"{busy[0]} exists, so another fix of {name} is running or was interrupted; "
                "let it finish (or resume it where it started) before fixing again.",
            )
        deps = dependents(doc, others)
        if deps:
            self._refuse(
                doc,
                fix.changes,
                f"{', '.join(deps)} depend{'s' if len(deps) == 1 else ''} on {name} (shared "
                "namespace, --volumes-from or --link), which a re-create would break.",
            )
        return doc

    def _refuse_if_read_only(self, doc: Mapping[str, Any], changes: Sequence[str]) -> None:
        if self.read_only:
            self._refuse(
                doc, changes, "dockertui runs read-only (--read-only), so it makes no change."
            )

    def ensure_not_pending(self, name: str, changes: Sequence[str]) -> None:
        """Raise FixRefused (logged) when an interrupted fix of `name` is
        pending: the container may then not even carry its name."""
        for journal in self.pending():
            if journal.name == name:
                self._refuse_if_pending({"Id": journal.old_id, "Name": name}, changes, name)

    def _refuse_if_pending(self, doc: Mapping[str, Any], changes: Sequence[str], name: str) -> None:
        if any(j.name == name for j in self.pending()):
            self._refuse(
                doc,
                changes,
                f"An interrupted fix of {name} is pending: finish or roll it back first "
                f"(dockertui fix --resume {name} --resume-action finish|rollback).",
            )

    def _refused(
        self,
        doc: Mapping[str, Any],
        changes: Sequence[str],
        reason: str,
        compose_snippet: str | None = None,
    ) -> FixRefused:
        self._audit(doc, changes, [], REFUSED, reason)
        return FixRefused(reason, compose_snippet=compose_snippet)

    def _refuse(self, doc: Mapping[str, Any], changes: Sequence[str], reason: str) -> None:
        raise self._refused(doc, changes, reason)

    # --- live update -----------------------------------------------------------------------

    async def _apply_live(self, fix: FixPlan, doc: dict[str, Any]) -> FixResult:
        name, cid = container_name(doc), str(doc["Id"])
        folder = await self._save_backup(doc, name, stamp())
        steps = ["update"]

        def failed(reason: str) -> FixResult:
            self._audit(doc, fix.changes, steps, FAILED, reason)
            return FixResult(
                FAILED,
                name,
                backup_dir=str(folder),
                steps=tuple(steps),
                message=reason + ".",
                container_id=cid,
            )

        self._say(f"Updating {name} live: {', '.join(sorted(fix.update_body))}.")
        try:
            answer = await self.client.post(f"containers/{cid}/update", fix.update_body)
            after = await self._inspect(cid)
        except aiodocker.DockerError as err:
            return failed(f"The engine refused the update of {name}: {err.message}")
        steps.append("confirm")
        host = after.get("HostConfig") or {}
        wrong = [
            key
            for key, value in fix.update_body.items()
            if (restart_policy(after) if key == "RestartPolicy" else host.get(key)) != value
        ]
        warnings = (
            [w for w in (answer or {}).get("Warnings") or [] if w]
            if isinstance(answer, dict)
            else []
        )
        if wrong:
            reason = (
                f"The engine accepted the update of {name} but does not report "
                f"{', '.join(wrong)} as asked{'; it warned: ' + ' '.join(warnings) if warnings else ''}"
            )
            return failed(reason)
        message = f"{name} was updated live ({', '.join(fix.changes)}); no restart was needed."
        if warnings:
            message += " The engine warned: " + " ".join(warnings)
        self._audit(doc, fix.changes, steps, APPLIED, message)
        return FixResult(
            APPLIED,
            name,
            new_id=cid,
            backup_dir=str(folder),
            steps=tuple(steps),
            message=message,
            container_id=cid,
        )

    # --- re-create -------------------------------------------------------------------------

    async def _apply_recreate(self, fix: FixPlan, doc: dict[str, Any]) -> FixResult:
        name, cid = container_name(doc), str(doc["Id"])
        ts = self._unique_stamp(name)
        ts = await self._free_stamp(name, ts)
        folder = await self._save_backup(doc, name, ts)
        journal = Journal(
            fix_id=f"{ts}-{name}-{uuid.uuid4().hex[:6]}",
            endpoint=self.endpoint_label,
            name=name,
            old_id=cid,
            temp_name=f"{name}-new-{ts}",
            backup_name=f"{name}-backup-{ts}",
            failed_name=f"{name}-failed-{ts}",
            backup_dir=str(folder),
            plan=list(fix.changes),
            options=json.loads(json.dumps(asdict(fix.options))),  # as read back
            original_restart_policy=restart_policy(doc),
            old_was_running=bool((doc.get("State") or {}).get("Running")),
        )
        self._secrets[journal.fix_id] = env_values(doc)
        self._bodies[journal.fix_id] = await self._bodies_for(fix.document)
        return await self._forward(journal)

    async def _forward(self, j: Journal) -> FixResult:
        step = ""
        try:
            for step in FORWARD_STEPS:
                await self._begin(j, step)
                await getattr(self, "_fwd_" + step.replace("-", "_"))(j)
        except EngineError as err:
            return self._interrupted(j, step, str(err))
        except (_StepFailed, aiodocker.DockerError) as err:
            reason = _reason(err)
            self._say(f"Step {step} failed: {redact(reason, self._secrets.get(j.fix_id, []))}")
            return await self._rollback(j, f"{step} failed: {reason}")
        j.state, j.step = APPLIED, ""
        self.state.write_journal(j)
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
        self._audit_journal(j, APPLIED, message)
        return self._result(j, APPLIED, message)

    async def _fwd_create(self, j: Journal) -> None:
        if j.new_id and await self._find(j.new_id) is not None:
            return
        adopted = await self._find(j.temp_name)
        if adopted is not None:  # created before the process died, id not journalled yet
            j.new_id = str(adopted["Id"])
            self.state.write_journal(j)
            return
        bodies = await self._bodies_of(j)
        self._say(f"Creating the new container as {j.temp_name}.")
        created = await self.client.post("containers/create", bodies.create, {"name": j.temp_name})
        j.new_id = str(created["Id"])
        self.state.write_journal(j)

    async def _fwd_connect_networks(self, j: Journal) -> None:
        bodies = await self._bodies_of(j)
        if not bodies.extra_networks:
            return
        new = await self._inspect(j.new_id)
        have = set(((new.get("NetworkSettings") or {}).get("Networks") or {}).keys())
        for network, config in bodies.extra_networks.items():
            if network in have:
                continue
            self._say(f"Connecting the new container to {network}.")
            await self.client.post(
                f"networks/{network}/connect", {"Container": j.new_id, "EndpointConfig": config}
            )

    async def _fwd_restart_policy_no(self, j: Journal) -> None:
        if j.original_restart_policy.get("Name") in _NO_POLICY:
            return
        self._say(f"Setting the restart policy of the old {j.name} to no.")
        await self._set_policy(j.old_id, {"Name": "no", "MaximumRetryCount": 0})

    async def _fwd_stop_old(self, j: Journal) -> None:
        await self._stop(j.old_id, f"the old {j.name}")

    async def _fwd_rename_old(self, j: Journal) -> None:
        await self._rename(j.old_id, j.backup_name)

    async def _fwd_rename_new(self, j: Journal) -> None:
        await self._rename(j.new_id, j.name)

    async def _fwd_start_new(self, j: Journal) -> None:
        if j.old_was_running:
            await self._start(j.new_id, f"the new {j.name}")

    async def _fwd_verify(self, j: Journal) -> None:
        if j.old_was_running:
            await self._verify(j.new_id, f"the new {j.name}")

    # --- rollback --------------------------------------------------------------------------

    async def _rollback(self, j: Journal, reason: str) -> FixResult:
        secrets = self._secrets.get(j.fix_id, [])
        if j.phase != "rollback":
            j.phase, j.reason = "rollback", redact(reason, secrets)
        step = ""
        try:
            for step in ROLLBACK_STEPS:
                await self._begin(j, step)
                await getattr(self, "_rb_" + step.removeprefix("rollback-").replace("-", "_"))(j)
        except EngineError as err:
            return self._interrupted(j, step, str(err))
        except (_StepFailed, aiodocker.DockerError) as err:
            j.reason = redact(f"{j.reason}; then {step} failed: {_reason(err)}", secrets)
            if step == "rollback-verify":
                # Every step is done: the original is back but does not run well
                # (it may not have before the fix either). Nothing left to resume.
                j.state = FAILED
                message = (
                    f"{j.name} was restored, but {_reason(err)}; see its logs. Nothing was removed."
                )
            else:
                # The journal stays pending: once the cause is fixed (a port
                # taken meanwhile, say), --resume completes the rollback.
                message = (
                    f"The rollback of {j.name} failed at {step} ({_reason(err)}); fix the "
                    f"cause, then run dockertui fix --resume {j.name} --resume-action rollback. "
                    "Nothing was removed."
                )
            self.state.write_journal(j)
            self._audit_journal(j, FAILED, message)
            return self._result(j, FAILED, message)
        j.state, j.step = ROLLED_BACK, ""
        self.state.write_journal(j)
        back = "runs again" if j.old_was_running else "is back, stopped as it was,"
        if j.kind == "rollback":
            message = f"{j.name}: the backup {j.backup_name} {back} under the name"
            kept = "the replaced container is kept, stopped, as"
        else:
            message = f"The fix of {j.name} was rolled back ({j.reason}); the original {back} under its name"
            kept = "the new container is kept, stopped, for its logs as"
        message += f"; {kept} {j.failed_name}." if j.new_id else "."
        self._audit_journal(j, ROLLED_BACK, message)
        return self._result(j, ROLLED_BACK, message)

    async def _new_container(self, j: Journal) -> dict[str, Any] | None:
        if j.new_id:
            found = await self._find(j.new_id)
            if found is not None:
                return found
        if j.temp_name:
            found = await self._find(j.temp_name)
            if found is not None:
                j.new_id = str(found["Id"])
                self.state.write_journal(j)
                return found
        return None

    async def _rb_stop_new(self, j: Journal) -> None:
        new = await self._new_container(j)
        if new is None:
            return
        if restart_policy(new)["Name"] not in _NO_POLICY:
            await self._set_policy(j.new_id, {"Name": "no", "MaximumRetryCount": 0})
        await self._stop(j.new_id, f"the {'current' if j.kind == 'rollback' else 'new'} {j.name}")

    async def _rb_rename_new(self, j: Journal) -> None:
        if await self._new_container(j) is not None:
            await self._rename(j.new_id, j.failed_name)

    async def _rb_rename_old(self, j: Journal) -> None:
        if await self._find(j.old_id) is None:
            raise _StepFailed(f"the original container {j.old_id[:12]} no longer exists")
        await self._rename(j.old_id, j.name)

    async def _rb_restart_policy(self, j: Journal) -> None:
        policy = j.original_restart_policy
        if policy.get("Name") in _NO_POLICY:
            return
        old = await self._inspect(j.old_id)
        if restart_policy(old) != policy:
            self._say(f"Restoring the restart policy of {j.name} ({policy['Name']}).")
            await self._set_policy(j.old_id, policy)

    async def _rb_start_old(self, j: Journal) -> None:
        if j.old_was_running:
            await self._start(
                j.old_id, f"the {'backup' if j.kind == 'rollback' else 'original'} {j.name}"
            )

    async def _rb_verify(self, j: Journal) -> None:
        if j.old_was_running:
            await self._verify(
                j.old_id, f"the {'backup' if j.kind == 'rollback' else 'original'} {j.name}"
            )

    # --- engine steps (each one idempotent) -------------------------------------------------

    async def _set_policy(self, cid: str, policy: Mapping[str, Any]) -> None:
        await self.client.post(f"containers/{cid}/update", {"RestartPolicy": dict(policy)})

    async def _stop(self, cid: str, what: str) -> None:
        doc = await self._inspect(cid)
        state = doc.get("State") or {}
        if not (state.get("Running") or state.get("Restarting")):
            return
        seconds = (doc.get("Config") or {}).get("StopTimeout")
        seconds = DEFAULT_STOP_SECONDS if seconds is None or seconds < 0 else int(seconds)
        self._say(f"Stopping {what} (up to {seconds} s).")
        await self.client.post(f"containers/{cid}/stop", timeout=seconds + READ_TIMEOUT)

    async def _rename(self, cid: str, name: str) -> None:
        doc = await self._inspect(cid)
        if container_name(doc) == name:
            return
        self._say(f"Renaming {container_name(doc)} to {name}.")
        await self.client.post(f"containers/{cid}/rename", params={"name": name})

    async def _start(self, cid: str, what: str) -> None:
        doc = await self._inspect(cid)
        if (doc.get("State") or {}).get("Running"):
            self._since.setdefault(cid, _started_at(doc) - 1.0)
            return
        self._since[cid] = await self._daemon_time()
        self._say(f"Starting {what}.")
        await self.client.post(f"containers/{cid}/start")

    async def _verify(self, cid: str, what: str) -> None:
        """Raise _StepFailed unless `cid` runs well for the verification window."""
        first = await self._inspect(cid)
        since = self._since.get(cid, _started_at(first) - 1.0)
        health = has_healthcheck(first)
        window = self.verify_seconds
        limit = health_limit(first, window) if health else window
        self._say(
            f"Verifying {what} for {window:g} s"
            + (" (until its healthcheck reports healthy)" if health else "")
            + "."
        )
        baseline = (first.get("RestartCount"), (first.get("State") or {}).get("StartedAt"))
        began = time.monotonic()
        doc = first
        while True:
            state = doc.get("State") or {}
            if state.get("OOMKilled"):
                raise _StepFailed(f"{what} was killed for lack of memory")
            if state.get("Restarting") or not state.get("Running"):
                error = f": {state['Error']}" if state.get("Error") else ""
                raise _StepFailed(f"{what} exited with code {state.get('ExitCode')}{error}")
            if (doc.get("RestartCount"), state.get("StartedAt")) != baseline:
                raise _StepFailed(f"{what} restarted (restart count {doc.get('RestartCount')})")
            status = (state.get("Health") or {}).get("Status")
            if health and status == "unhealthy":
                raise _StepFailed(f"{what} reported unhealthy")
            elapsed = time.monotonic() - began
            if elapsed >= window and (not health or status == "healthy"):
                break
            if elapsed >= limit:
                raise _StepFailed(f"{what} did not report healthy within {limit:.0f} s")
            await asyncio.sleep(POLL_SECONDS)
            doc = await self._inspect(cid)
        events = await self._events(cid, since)
        bad = [e.get("Action") or e.get("status") for e in events]
        if bad:
            raise _StepFailed(f"{what} had a {bad[0]} event during verification")

    async def _events(self, cid: str, since: float) -> list[dict[str, Any]]:
        """die/oom events of `cid` from `since` until now (daemon clock)."""
        until = await self._daemon_time()
        filters = {"container": [cid], "type": ["container"], "event": ["die", "oom"]}
        try:
            found = await self.client.get_json_lines(
                "events",
                {"since": f"{since:.6f}", "until": f"{until:.6f}", "filters": json.dumps(filters)},
                timeout=15.0,
            )
        except aiodocker.DockerError:
            return []  # an engine without a bounded event query: the polling saw enough
        return [e for e in found if isinstance(e, dict)]

    async def _daemon_time(self) -> float:
        try:
            info = await self.client.get("info")
            return datetime.fromisoformat(str(info["SystemTime"])).timestamp()
        except (aiodocker.DockerError, KeyError, TypeError, ValueError):
            return time.time()

    # --- helpers ---------------------------------------------------------------------------

    async def _find(self, ref: str) -> dict[str, Any] | None:
        try:
            return await self.client.get(f"containers/{ref}/json")
        except aiodocker.DockerError as err:
            if err.status == 404:
                return None
            raise

    async def _inspect(self, ref: str) -> dict[str, Any]:
        found = await self._find(ref)
        if found is None:
            raise _StepFailed(f"the container {ref[:64]} no longer exists")
        return found

    async def _image(self, ref: str) -> dict[str, Any] | None:
        if not ref:
            return None
        try:
            return await self.client.get(f"images/{ref}/json")
        except aiodocker.DockerError as err:
            if err.status == 404:
                return None
            raise

    async def _all_containers(self) -> list[dict[str, Any]]:
        listed = await self.client.get("containers/json", {"all": "1"})
        gate = asyncio.Semaphore(16)

        async def one(cid: str) -> dict[str, Any] | None:
            async with gate:
                return await self._find(cid)

        found = await asyncio.gather(*(one(e["Id"]) for e in listed or [] if "Id" in e))
        return [d for d in found if d is not None]

    async def _image_for_create(self, doc: Mapping[str, Any]) -> str:
        """Config.Image when it still names the container's image, else the
        image id (a tag moved since: the re-create keeps the same image)."""
        image_id = str(doc.get("Image") or "")
        named = str((doc.get("Config") or {}).get("Image") or "")
        if named:
            found = await self._image(named)
            if found is not None and found.get("Id") == image_id:
                return named
        if named and named != image_id:
            self._say(f"{named} now names another image; the new container uses {image_id[:19]}.")
        return image_id

    async def _bodies_for(self, document: Mapping[str, Any]) -> _Bodies:
        body, extras = create_body(document, image=await self._image_for_create(document))
        return _Bodies(body, extras)

    async def _bodies_of(self, j: Journal) -> _Bodies:
        """The create body of a journal's fix: from memory, or rebuilt from the
        inspect backup and the journalled plan (after a restart)."""
        if j.fix_id not in self._bodies:
            from dockertui.engine.inventory import read_engine

            saved = self.state.load_backup(j.backup_dir)
            engine = await read_engine(self.client)
            rebuilt = plan(saved, j.plan, engine, options_from_dict(j.options))
            self._bodies[j.fix_id] = await self._bodies_for(rebuilt.document)
        return self._bodies[j.fix_id]

    def _backup_secrets(self, j: Journal) -> list[str]:
        try:
            return env_values(self.state.load_backup(j.backup_dir)) if j.backup_dir else []
        except (OSError, ValueError):
            return []

    async def _save_backup(self, doc: Mapping[str, Any], name: str, ts: str) -> str:
        image = await self._image(str(doc.get("Image") or ""))
        self._say(f"Saving the inspect backup of {name}.")
        return str(self.state.save_backup(f"{name}-{ts}", doc, image))

    def _unique_stamp(self, name: str) -> str:
        ts, n = stamp(), 1
        while (self.state.backups / f"{name}-{ts}").exists():
            n += 1
            ts = f"{stamp()}-{n}"
        return ts

    async def _free_stamp(self, name: str, ts: str) -> str:
        """A stamp whose backup, new and failed names are all unused on the engine."""
        base, n = ts, 1
        while any(
            [
                await self._find(f"{name}-{kind}-{ts}") is not None
                for kind in ("backup", "new", "failed")
            ]
        ):
            n += 1
            ts = f"{base}-{n}"
        return ts

    async def _begin(self, j: Journal, step: str) -> None:
        """Journal the step about to run (atomically), then run the test hook."""
        j.step = step
        j.steps.append(step)
        self.state.write_journal(j)
        if os.environ.get(CRASH_ENV) == step:
            os._exit(CRASH_EXIT)  # test hook, see the module doc

    def _interrupted(self, j: Journal, step: str, reason: str) -> FixResult:
        """The engine cannot be reached mid-fix: leave the journal pending."""
        message = (
            f"The fix of {j.name} stopped at {step}: {reason} Once the engine answers, run "
            f"dockertui fix --resume {j.name} --resume-action finish|rollback."
        )
        self.state.write_journal(j)
        self._audit_journal(j, FAILED, message)
        return self._result(j, FAILED, message)

    def _result(self, j: Journal, status: str, message: str) -> FixResult:
        secrets = self._secrets.get(j.fix_id, [])
        return FixResult(
            status=status,
            container_name=j.name,
            new_id=j.new_id if status == APPLIED else (j.old_id if status == ROLLED_BACK else None),
            backup_name=j.backup_name or None,
            backup_dir=j.backup_dir or None,
            steps=tuple(j.steps),
            message=redact(message, secrets),
            failed_name=j.failed_name if status != APPLIED and j.new_id else None,
            container_id=j.old_id or None,
        )

    def _audit(
        self,
        doc: Mapping[str, Any],
        changes: Sequence[str],
        steps: Sequence[str],
        result: str,
        reason: str,
    ) -> None:
        self.state.audit(
            endpoint=self.endpoint_label,
            container_id=str(doc.get("Id") or ""),
            container_name=container_name(doc),
            plan=list(changes),
            steps=list(steps),
            result=result,
            reason=reason,
            secrets=env_values(doc),
        )

    def _audit_journal(self, j: Journal, result: str, reason: str) -> None:
        self.state.audit(
            endpoint=self.endpoint_label,
            container_id=j.old_id,
            container_name=j.name,
            plan=j.plan,
            steps=j.steps,
            result=result,
            reason=reason,
            secrets=self._secrets.get(j.fix_id, []),
        )

    def _say(self, message: str) -> None:
        if self._progress is not None:
            self._progress(message)


def _started_at(doc: Mapping[str, Any]) -> float:
    value = str((doc.get("State") or {}).get("StartedAt") or "")
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return time.time()


def _reason(err: BaseException) -> str:
    if isinstance(err, aiodocker.DockerError):
        return f"the engine said: {err.message}"
    return str(err)

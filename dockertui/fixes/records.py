"""What a fix leaves on record: the inspect backup, the audit line, the
result for the person, and the names a re-create will use.

The executor decides; this module writes it down, redacting the
container's environment values from every free-text field it records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dockertui.engine.gateway import EngineGateway
from dockertui.fixes.documents import container_name
from dockertui.fixes.names import LeftoverKind, leftover_name
from dockertui.fixes.outcome import FixResult, Grade
from dockertui.fixes.state import Journal, Result, State, env_values, redact, stamp


class Records:
    """The state folder's records of the fixes on one endpoint."""

    def __init__(self, state: State, endpoint_label: str) -> None:
        self.state = state
        self.endpoint_label = endpoint_label
        self._secrets: dict[str, list[str]] = {}  # fix id -> environment values

    # --- secrets ---------------------------------------------------------------------------

    def keep_secrets(self, fix_id: str, values: list[str]) -> None:
        self._secrets[fix_id] = values

    def secrets(self, j: Journal) -> list[str]:
        """The environment values of a journal's container (from its backup
        when this process did not start the fix)."""
        if j.fix_id not in self._secrets:
            try:
                saved = self.state.load_backup(j.backup_dir) if j.backup_dir else {}
            except (OSError, ValueError):
                saved = {}
            self._secrets[j.fix_id] = env_values(saved)
        return self._secrets[j.fix_id]

    # --- audit log and results ---------------------------------------------------------------

    def audit(
        self,
        doc: Mapping[str, Any],
        changes: Sequence[str],
        steps: Sequence[str],
        result: Result,
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

    def audit_journal(self, j: Journal, result: Result, reason: str) -> None:
        self.state.audit(
            endpoint=self.endpoint_label,
            container_id=j.old_id,
            container_name=j.name,
            plan=j.plan,
            steps=j.steps,
            result=result,
            reason=reason,
            secrets=self.secrets(j),
        )

    def result(
        self,
        j: Journal,
        status: Result,
        message: str,
        *,
        after: Grade | None = None,
        copied: int = 0,
    ) -> FixResult:
        """The FixResult of a journal's fix (or rollback), logged once."""
        self.audit_journal(j, status, message)
        new_id = {Result.APPLIED: j.new_id, Result.ROLLED_BACK: j.old_id}.get(status)
        return FixResult(
            status=status,
            container_name=j.name,
            new_id=new_id,
            # Only an applied fix leaves a backup container: a rollback gives
            # the original its name back.
            backup_name=(j.backup_name or None) if status == Result.APPLIED else None,
            backup_dir=j.backup_dir or None,
            steps=tuple(j.steps),
            message=redact(message, self.secrets(j)),
            failed_name=j.failed_name if status != Result.APPLIED and j.new_id else None,
            container_id=j.old_id or None,
            after=after,
            copied=copied,
        )

    # --- backups and names -------------------------------------------------------------------

    async def save_backup(
        self, gateway: EngineGateway, doc: Mapping[str, Any], name: str, ts: str
    ) -> str:
        """The container's and its image's inspect documents, in backups/<name>-<ts>/."""
        image = await gateway.inspect_image(str(doc.get("Image") or ""))
        return str(self.state.save_backup(f"{name}-{ts}", doc, image))

    def unique_stamp(self, name: str) -> str:
        """A timestamp (20261201-140803, then -2, -3...) no backup folder of
        `name` uses yet."""
        base = ts = stamp()
        n = 1
        while (self.state.backups / f"{name}-{ts}").exists():
            n += 1
            ts = f"{base}-{n}"
        return ts

    async def free_stamp(self, gateway: EngineGateway, name: str) -> str:
        """A stamp whose backup folder and backup, new and failed names are
        all unused (on disk and on the engine), of the same one-suffix form."""
        base = ts = stamp()
        n = 1
        while (self.state.backups / f"{name}-{ts}").exists() or any(
            [
                await gateway.inspect_container(leftover_name(name, kind, ts)) is not None
                for kind in (LeftoverKind.BACKUP, LeftoverKind.NEW, LeftoverKind.FAILED)
            ]
        ):
            n += 1
            ts = f"{base}-{n}"
        return ts

"""Where guided fixes keep what must outlive the process: inspect backups,
journals of fixes in progress, and the audit log.

The state directory is `$DOCKERTUI_STATE_DIR` when set (tests point it at a
temporary folder), else `$XDG_STATE_HOME/dockertui`, else
`~/.local/state/dockertui`:

    backups/<name>-<timestamp>/container.json   GET /containers/{id}/json, as the engine said
    backups/<name>-<timestamp>/image.json       GET /images/{id}/json
    journal/<fix-id>.json                       one re-create in progress (or finished)
    audit.jsonl                                 one JSON object per mutating action

Environment values never leave the process, with one exception: the inspect
backup is the engine's own document, which holds `Config.Env` with values (it
must, to restore the container exactly). That is why backup folders are
created 0700 and their files 0600. Journals and the audit log hold names,
ids, step names and reasons only, and every free-text field they hold goes
through `redact()` with the container's environment values first.

No engine access and no UI here: plain files.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from dockertui import __version__
from dockertui.fixes.owner import Owner, current_user

STATE_ENV = "DOCKERTUI_STATE_DIR"
#: Environment values shorter than this are not redacted from free text
#: (replacing "1" or "on" everywhere would mangle every message).
MIN_SECRET_LENGTH = 4
REDACTED = "<redacted>"


class Result(StrEnum):
    """How an action ended: in the audit log, a FixResult and a finished journal."""

    APPLIED = "applied"
    ROLLED_BACK = "rolled-back"
    REFUSED = "refused"
    DRY_RUN = "dry-run"
    FAILED = "failed"


class JournalState(StrEnum):
    """A journal "in-progress" is a fix under way, or one a killed process left."""

    IN_PROGRESS = "in-progress"
    APPLIED = "applied"
    ROLLED_BACK = "rolled-back"
    FAILED = "failed"


class Phase(StrEnum):
    FORWARD = "forward"  # the re-create's own steps
    ROLLBACK = "rollback"  # undoing them, once a rollback started


class JournalKind(StrEnum):
    FIX = "fix"  # a re-create
    ROLLBACK = "rollback"  # `fix --rollback NAME`: a backup takes its name again


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    """The user's dockertui state directory (not created here)."""
    env = os.environ if env is None else env
    if env.get(STATE_ENV):
        return Path(env[STATE_ENV])
    if env.get("XDG_STATE_HOME"):
        return Path(env["XDG_STATE_HOME"]) / "dockertui"
    return Path.home() / ".local" / "state" / "dockertui"


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None = None) -> str:
    """ISO 8601 in UTC with a Z: 2026-11-28T15:11:21.753595Z."""
    return (moment or utc_now()).astimezone(UTC).isoformat().replace("+00:00", "Z")


def stamp(moment: datetime | None = None) -> str:
    """A timestamp that is valid in a container name: 20261128-151121."""
    return (moment or utc_now()).astimezone(UTC).strftime("%Y%m%d-%H%M%S")


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value (long enough to be one) replaced."""
    for value in sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return text


def env_values(doc: Mapping[str, Any]) -> list[str]:
    """The values of a container's environment (`Config.Env`), to redact.

    A value that is part of the container's name is left out: the name is in
    the log anyway, and redacting it would only mangle every message."""
    if not isinstance(doc, Mapping):
        return []
    config = doc.get("Config")
    env = config.get("Env") if isinstance(config, Mapping) else None
    name = str(doc.get("Name") or "")
    values = [e.partition("=")[2] for e in env or () if isinstance(e, str)]
    return [v for v in values if v and v not in name]


def _write_atomic(path: Path, data: str, mode: int = 0o600) -> None:
    """Write `data` to a temporary file next to `path`, fsync it, then
    os.replace it over `path`: a reader sees the old or the new file, never half."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass
class Journal:
    """Everything needed to finish or roll back one re-create, rewritten
    before and after each step. Holds no environment value (see the module doc)."""

    fix_id: str
    endpoint: str
    name: str  # the container's name, which the hardened container takes
    old_id: str
    temp_name: str  # the new container's name until it takes `name`
    backup_name: str  # `<name>-backup-<ts>`: the old container once renamed
    failed_name: str  # `<name>-failed-<ts>`: the new container after a rollback
    backup_dir: str
    plan: list[str]  # change names
    options: dict[str, Any]  # fixes.plan.Options as a dict (no secrets in it)
    original_restart_policy: dict[str, Any]  # {"Name": ..., "MaximumRetryCount": ...}
    old_was_running: bool
    kind: JournalKind = JournalKind.FIX
    new_id: str = ""
    copy_layer: bool = True  # copy the old writable layer's files into the new container
    locks: list[str] = field(default_factory=list)  # engine lock containers this fix holds
    owner: dict[str, Any] = field(default_factory=dict)  # the process running it (fixes.owner)
    verify_seconds: float = 10.0  # the verification window it was started with
    step: str = ""  # the step about to run (or running when the process died)
    phase: Phase = Phase.FORWARD
    state: JournalState = JournalState.IN_PROGRESS
    steps: list[str] = field(default_factory=list)  # every step started, in order
    done: list[str] = field(default_factory=list)  # every forward step completed
    reason: str = ""  # why it rolled back or failed (redacted)
    started: str = field(default_factory=iso)
    updated: str = field(default_factory=iso)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Journal:
        known = {f.name for f in fields(cls)}
        journal = cls(**{k: v for k, v in data.items() if k in known})
        journal.kind = JournalKind(journal.kind)
        journal.phase = Phase(journal.phase)
        journal.state = JournalState(journal.state)
        return journal

    @property
    def pending(self) -> bool:
        """Not finished: in progress, whether its process still runs or not."""
        return self.state == JournalState.IN_PROGRESS

    @property
    def interrupted(self) -> bool:
        """In progress and its process gone (or on another host, where that
        cannot be told): a fix to finish or roll back with --resume."""
        return self.pending and self.running_owner().alive() is not True

    def running_owner(self) -> Owner:
        o = self.owner
        return Owner(
            str(o.get("user", "")),
            str(o.get("host", "")),
            int(o.get("pid") or 0),
            str(o.get("pid_start", "")),
        )

    def take_over(self) -> None:
        """This process runs the fix from now on."""
        self.owner = asdict(Owner.here())


class State:
    """The state directory and the files in it."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else state_dir()

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def journal_dir(self) -> Path:
        return self.root / "journal"

    @property
    def audit_path(self) -> Path:
        return self.root / "audit.jsonl"

    def _ensure(self, folder: Path, mode: int = 0o700) -> Path:
        folder.mkdir(parents=True, exist_ok=True, mode=mode)
        return folder

    # --- backups -------------------------------------------------------------------------

    def save_backup(
        self, folder_name: str, container: Mapping[str, Any], image: Mapping[str, Any] | None
    ) -> Path:
        """Write backups/<folder_name>/container.json and image.json; return the folder.

        The container document holds environment values (it is the engine's
        own inspect document and must be, to restore the container): the
        folder is made 0700 and the files 0600, readable by this user only."""
        self._ensure(self.root)
        self._ensure(self.backups)
        folder = self.backups / folder_name
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
        _write_atomic(folder / "container.json", json.dumps(container, indent=2, sort_keys=True))
        _write_atomic(folder / "image.json", json.dumps(image or {}, indent=2, sort_keys=True))
        return folder

    def load_backup(self, folder: Path | str) -> dict[str, Any]:
        """The container document saved in a backup folder."""
        doc: dict[str, Any] = json.loads(
            (Path(folder) / "container.json").read_text(encoding="utf-8")
        )
        return doc

    # --- journals ------------------------------------------------------------------------

    def journal_path(self, fix_id: str) -> Path:
        return self.journal_dir / f"{fix_id}.json"

    def write_journal(self, journal: Journal) -> Path:
        """Rewrite the journal atomically (temporary file + os.replace)."""
        self._ensure(self.root)
        self._ensure(self.journal_dir)
        journal.updated = iso()
        path = self.journal_path(journal.fix_id)
        _write_atomic(path, json.dumps(journal.to_dict(), indent=2, sort_keys=True))
        return path

    def journals(self) -> list[Journal]:
        """Every readable journal, oldest first (unreadable files are skipped)."""
        found: list[Journal] = []
        if not self.journal_dir.is_dir():
            return found
        for path in sorted(self.journal_dir.glob("*.json")):
            try:
                found.append(Journal.from_dict(json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError):
                continue
        return sorted(found, key=lambda j: j.started)

    def pending(self, endpoint: str | None = None) -> list[Journal]:
        """Interrupted fixes (in progress, their process gone), for one
        endpoint or all. A fix another process is running is not one."""
        return [
            j
            for j in self.journals()
            if j.interrupted and (endpoint is None or j.endpoint == endpoint)
        ]

    # --- audit log -----------------------------------------------------------------------

    def audit(
        self,
        *,
        endpoint: str,
        container_id: str,
        container_name: str,
        plan: Iterable[str],
        steps: Iterable[str],
        result: Result,
        reason: str = "",
        secrets: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Append one JSON line to audit.jsonl and return the entry.

        `secrets` (the container's environment values) are redacted from the
        reason, the one free-text field (an engine error may quote a value);
        nothing else in the entry can carry an environment value."""
        result = Result(result)
        entry = {
            "time": iso(),
            "endpoint": endpoint,
            "container_id": container_id,
            "container_name": container_name,
            "plan": list(plan),
            "steps": list(steps),
            "result": result.value,
            "reason": redact(reason, secrets),
            "user": current_user(),
            "version": __version__,
        }
        self._ensure(self.root)
        line = json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n"
        # One write() of one line with O_APPEND: concurrent writers do not interleave.
        fd = os.open(self.audit_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
        return entry

    def audit_entries(self) -> list[dict[str, Any]]:
        if not self.audit_path.exists():
            return []
        lines = self.audit_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

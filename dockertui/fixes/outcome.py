"""What a fix ends with: a `FixResult`, or a `FixRefused` before anything changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dockertui.fixes.state import Result


class FixRefused(Exception):
    """The fix will not run and nothing was changed. `str(err)` is one
    sentence saying why; for a compose-managed container `compose_snippet`
    holds the change as YAML."""

    def __init__(self, reason: str, *, compose_snippet: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.compose_snippet = compose_snippet


@dataclass(frozen=True)
class Grade:
    """A grade the audit computed on the container as the engine now reports it."""

    grade: str
    score: int
    findings: tuple[str, ...]  # check ids still firing


@dataclass(frozen=True)
class FixResult:
    """What a fix (or a rollback, or a resume) ended with."""

    status: Result
    container_name: str
    new_id: str | None = None  # the container that now carries the name
    backup_name: str | None = None  # the stopped original, <name>-backup-<ts> (re-creates)
    backup_dir: str | None = None  # the folder with the inspect backup
    steps: Sequence[str] = ()
    message: str = ""  # one or two sentences for a person
    failed_name: str | None = None  # the new container, kept after a rollback
    container_id: str | None = None  # the container's id before the fix
    after: Grade | None = None  # measured on the re-inspected container once verified
    copied: int = 0  # files and folders copied from the old writable layer

    @property
    def ok(self) -> bool:
        return self.status in (Result.APPLIED, Result.DRY_RUN)

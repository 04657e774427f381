"""The check catalogue: one `Check` per check, registered by the modules in
`audit/checks/` with the `container_check`, `engine_check` and `exec_check`
decorators. docs/checks.md, `dockertui checks` and the SARIF rules are all
made from it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, NamedTuple, TypeVar

from dockertui.audit.finding import Finding, Fix, FixKind
from dockertui.audit.severity import Severity
from dockertui.model import ClientFacts, Container, EngineInfo, ExecSession


class Hit(NamedTuple):
    """One failure a check saw. Anything left empty takes the check's value.
    (A named tuple, not a dataclass: checks make some ten of these per
    container, and a tuple is made in a third of the time.)"""

    detail: str
    severity: Severity | None = None
    command: str = ""
    title: str = ""
    fix_summary: str = ""
    kind: FixKind | None = None  # when this hit is fixed another way than the check's
    diff: str = ""  # a daemon fix's exact change (audit/daemon_change.py)


#: A check returns None when it does not apply (it then does not count in the
#: score), an empty list when it passed, or the hits it found.
Outcome = Sequence[Hit] | None
PASS: Outcome = ()
NOT_APPLICABLE: Outcome = None


@dataclass(frozen=True)
class NotApplicable:
    """A check that does not apply to this engine, and why in one sentence:
    neither passed nor failed, and shown as such (engine screen, scan table
    and JSON, the catalogue) rather than as a judgement it cannot make."""

    check: str
    title: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "title": self.title, "reason": self.reason}


ContainerFn = Callable[[Container, EngineInfo], Outcome]
EngineFn = Callable[[EngineInfo, ClientFacts], Outcome]
ExecFn = Callable[[ExecSession, Container, EngineInfo], Outcome]
Scope = Literal["container", "engine", "exec"]


@dataclass(frozen=True)
class Check:
    id: str
    cis: str | None
    severity: Severity  # the usual severity; a hit may raise or lower it
    title: str
    why: str  # what an attacker gains, in plain words
    fix_kind: FixKind
    fix_summary: str
    scope: Scope
    section: str  # where the console shows it: identity, capabilities, ...
    fn: Callable[..., Outcome] | None = None
    #: The other severities a hit may carry (raised or lowered by what it saw).
    also: tuple[Severity, ...] = ()
    #: Why the check does not apply to Podman, in one sentence ("" when it does).
    not_on_podman: str = ""

    def not_applicable(self, engine: EngineInfo) -> NotApplicable | None:
        """Why this check does not apply to `engine`, or None when it does
        (the one place that decides; `EngineInfo.podman` says what the engine is)."""
        if self.not_on_podman and engine.podman:
            return NotApplicable(self.id, self.title, self.not_on_podman)
        return None

    @cached_property
    def severities(self) -> tuple[Severity, ...]:
        """Every severity a finding of this check can have, worst first."""
        return tuple(sorted({self.severity, *self.also}, reverse=True))

    @property
    def severities_text(self) -> str:
        """The usual severity, then the others: "high (or critical)"."""
        others = [s.value for s in self.severities if s is not self.severity]
        return self.severity.value + (f" (or {', '.join(others)})" if others else "")

    @cached_property
    def fix(self) -> Fix:
        """The fix of a hit that names no other: one object for every such finding."""
        return Fix(self.fix_kind, self.fix_summary)

    def finding(self, hit: Hit) -> Finding:
        severity = hit.severity or self.severity
        if severity not in self.severities:
            # The declared severities are what `dockertui checks`, docs/checks.md
            # and the SARIF rules promise: a hit outside them is a bug in the check.
            raise ValueError(
                f"check {self.id} reported {severity.value}, which it does not declare"
            )
        return Finding(
            check=self.id,
            severity=severity,
            cis=self.cis,
            title=hit.title or self.title,
            detail=hit.detail,
            fix=Fix(
                hit.kind or self.fix_kind,
                hit.fix_summary or self.fix_summary,
                hit.command,
                hit.diff,
            )
            if hit.kind or hit.fix_summary or hit.command
            else self.fix,
            why=self.why,
        )


CHECKS: dict[str, Check] = {}


def _register(check: Check) -> None:
    if check.id in CHECKS:
        raise ValueError(f"check {check.id!r} is registered twice")
    CHECKS[check.id] = check


FnT = TypeVar("FnT", bound=Callable[..., Outcome])


def _check(scope: Scope, section: str, **meta: Any) -> Callable[[FnT], FnT]:
    def wrap(fn: FnT) -> FnT:
        _register(Check(scope=scope, section=section, fn=fn, **meta))
        return fn

    return wrap


def container_check(
    id: str,
    *,
    cis: str | None,
    severity: Severity,
    title: str,
    why: str,
    fix: FixKind,
    fix_summary: str,
    section: str,
    also: tuple[Severity, ...] = (),
) -> Callable[[ContainerFn], ContainerFn]:
    """A check on one container; `section` is where the console's panel shows it,
    `also` the other severities a hit may carry."""
    return _check(
        "container", section, id=id, cis=cis, severity=severity, title=title, why=why,
        fix_kind=fix, fix_summary=fix_summary, also=also,
    )  # fmt: skip


def engine_check(
    id: str,
    *,
    cis: str | None,
    severity: Severity,
    title: str,
    why: str,
    fix: FixKind,
    fix_summary: str,
    also: tuple[Severity, ...] = (),
    not_on_podman: str = "",
) -> Callable[[EngineFn], EngineFn]:
    """A check on the daemon and on how this client reaches it; `not_on_podman`
    says in one sentence why it does not apply to Podman, where it does not."""
    return _check(
        "engine", "engine", id=id, cis=cis, severity=severity, title=title, why=why,
        fix_kind=fix, fix_summary=fix_summary, also=also, not_on_podman=not_on_podman,
    )  # fmt: skip


def exec_check(
    id: str,
    *,
    cis: str | None,
    severity: Severity,
    title: str,
    why: str,
    fix: FixKind,
    fix_summary: str,
    also: tuple[Severity, ...] = (),
) -> Callable[[ExecFn], ExecFn]:
    """A check on an exec session, run by the live console on exec_create."""
    return _check(
        "exec", "events", id=id, cis=cis, severity=severity, title=title, why=why,
        fix_kind=fix, fix_summary=fix_summary, also=also,
    )  # fmt: skip


def fail(detail: str, **kwargs: object) -> list[Hit]:
    """Shorthand for a check that failed once."""
    return [Hit(detail, **kwargs)]  # type: ignore[arg-type]

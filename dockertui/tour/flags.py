"""The example's own `docker run` flags that a lesson's fix changes. Pure.

A lesson lists the flags that bring its risk in and keep it out in
general; this says it for the container on screen: the lesson's changes
that apply to it (`fixes.plan`, as the fix wizard plans them, with the
wizard's default values), and, from the complete flag lists before and
after (`fixes.run_command.run_flags`), which of its flags they take away
and which they add."""

from __future__ import annotations

from dataclasses import dataclass

from dockertui.audit import ContainerReport
from dockertui.fixes.plan import plan
from dockertui.fixes.run_command import run_flags
from dockertui.model import EngineInfo
from dockertui.tour.lessons import Lesson


@dataclass(frozen=True)
class FlagChange:
    changes: tuple[str, ...]  # the lesson's changes that apply, in catalogue order
    removed: tuple[str, ...]  # its flags they take away
    added: tuple[str, ...]  # the flags they add


def flag_change(lesson: Lesson, report: ContainerReport, engine: EngineInfo) -> FlagChange | None:
    """What the lesson's changes do to `report`'s container's flags; None
    when none of them changes its configuration."""
    doc = report.container.raw
    applying = tuple(
        name for name in lesson.changes if plan(doc, [name], engine, validate=False).document != doc
    )
    if not applying:
        return None
    before = run_flags(report.container)
    after = run_flags(plan(doc, applying, engine, validate=False).predicted)
    return FlagChange(
        changes=applying,
        removed=tuple(f for f in before if f not in after),
        added=tuple(f for f in after if f not in before),
    )

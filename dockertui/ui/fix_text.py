"""How the fix wizard shows a plan and its outcome: Rich renderables,
every container-supplied string escaped. Pure: no widgets, no engine."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from dockertui.audit import capabilities as caps
from dockertui.fixes.describe import diff
from dockertui.fixes.layer import paths
from dockertui.fixes.outcome import FixResult
from dockertui.fixes.plan import CHANGES, FixPlan
from dockertui.fixes.state import Result
from dockertui.report.style import GRADE_STYLE
from dockertui.text import printable

OK, WARN, BAD, MUTED = "green", "yellow", "bold red", "dim"


def safe_lines(text: str) -> str:
    """Multi-line text with every control character but the line breaks escaped."""
    return "\n".join(printable(line) for line in text.split("\n"))


def grade_badge(grade: str, score: int) -> Text:
    text = Text(f" {grade} ", style=GRADE_STYLE.get(grade, "bold"))
    text.append(f" {score}", style=MUTED)
    return text


def grade_line(fix: FixPlan) -> Text:
    """ "Grade  F 58 →  B 85  · clears 6 findings · re-create"."""
    text = Text("Grade ")
    text.append_text(grade_badge(fix.before.grade, fix.before.score))
    text.append("  →  ")
    if not fix.changes:
        text.append("(tick a change)", style=MUTED)
        return text
    text.append_text(grade_badge(fix.after.grade, fix.after.score))
    n = len(fix.cleared)
    text.append(f"  · clears {n} finding{'s' if n != 1 else ''}")
    text.append("  · ")
    if fix.recreate:
        text.append("re-create", style=WARN)
    else:
        text.append("live, no restart", style=OK)
    return text


def effect_line(fix: FixPlan, name: str) -> Text:
    """How one change works and what it does on its own."""
    text = Text("   ")
    change = CHANGES[name]
    if change.live:
        text.append("live", style=OK)
    else:
        text.append("re-create", style=WARN)
    effect = next((e for e in fix.effects if e.change == name), None)
    if effect is None:
        return text
    text.append(" · ")
    if effect.clears:
        text.append("clears ")
        text.append(", ".join(effect.clears), style="bold")
    else:
        text.append("clears nothing on its own", style=MUTED)
    text.append(" · grade alone → ")
    text.append_text(grade_badge(effect.grade_after, effect.score_after))
    return text


def _effective_after(fix: FixPlan) -> frozenset[str]:
    host = fix.document.get("HostConfig") or {}
    return caps.effective(
        host.get("CapAdd") or (), host.get("CapDrop") or (), privileged=bool(host.get("Privileged"))
    )


def caps_effect(fix: FixPlan, without: FixPlan, preset: str) -> Text:
    """What the drop-caps change removes and keeps, each removal explained.

    `fix` is the whole plan, `without` the same plan minus drop-caps: the
    difference is what dropping capabilities does on top of the other changes."""
    before, after = _effective_after(without), _effective_after(fix)
    text = Text()
    if (fix.document.get("HostConfig") or {}).get("Privileged"):
        text.append(
            "Privileged: it keeps every capability until --privileged is removed "
            "(tick that change too).\n",
            style=WARN,
        )
    removed = sorted(before - after)
    added = sorted(after - before)
    if removed:
        text.append(f"Removes {len(removed)}:\n", style="bold")
        for name in removed:
            text.append(f"  {name}", style="bold")
            text.append(f"  {caps.explain(name)}\n", style=MUTED)
    else:
        text.append("Removes nothing it would hold.\n", style=MUTED)
    for name in added:
        text.append(f"  + {name}", style=WARN)
        text.append(f"  {caps.explain(name)} (not held now)\n", style=MUTED)
    kept = sorted(after & before)
    text.append("Keeps: ", style="bold")
    if not kept:
        text.append("no capability at all", style=OK)
    elif preset == "strict":
        text.append("\n")
        for name in kept:
            text.append(f"  {name}", style="bold")
            text.append(f"  {caps.explain(name)}\n", style=MUTED)
    else:
        text.append(", ".join(kept))
    text.rstrip()
    return text


def diff_table(fix: FixPlan) -> RenderableType:
    rows = diff(fix)
    if not rows:
        return Text("(no configuration change)", style=MUTED)
    table = Table(box=None, padding=(0, 1), show_edge=False, expand=False)
    table.add_column("setting", style="bold", no_wrap=True)
    table.add_column("before", style="red", overflow="fold")
    table.add_column("after", style="green", overflow="fold")
    for label, old, new in rows:
        table.add_row(Text(label), Text(printable(old)), Text(printable(new)))
    return table


def how_text(fix: FixPlan, name: str) -> Text:
    text = Text()
    if fix.recreate:
        text.append("Needs a re-create. ", style=WARN)
        text.append(
            f"{name} is stopped and kept as {name}-backup-<time> with its inspect JSON saved; "
            f"a new {name} starts with the same image, settings, volumes and networks plus "
            "these changes, and is watched for a few seconds. If it fails, the old container "
            "is put back. Nothing is deleted."
        )
    else:
        text.append("Live. ", style=OK)
        text.append(f"`docker update` changes {name} in place: it keeps running.")
    return text


def titled(title: str, body: RenderableType | str, style: str = "") -> Group:
    head = Text(title, style="bold underline")
    return Group(head, Text(body, style=style) if isinstance(body, str) else body, Text(""))


def result_line(result: FixResult, *, cleared: list[str] | None = None) -> Text:
    """The outcome in a few lines: what happened, the grade the audit gives
    the container as the engine now reports it, where the backup is."""
    name = printable(result.container_name)
    message = printable(result.message or "")
    text = Text()
    if result.status == Result.APPLIED:
        text.append(f"✔ Applied to {name}.", style=f"bold {OK}")
        if message:
            text.append(f" {message}")
        if cleared is not None:
            text.append("\nCleared: ", style="bold")
            text.append(", ".join(cleared) or "nothing", style=OK if cleared else MUTED)
        if result.new_id:
            text.append(f"\nNew container: {printable(result.new_id[:12])}")
    elif result.status == Result.ROLLED_BACK:
        text.append(f"↺ Rolled back: {name} runs as before.", style=f"bold {WARN}")
        if message:
            text.append(f"\n{message}")
    elif result.status == Result.REFUSED:
        text.append(f"✘ Refused: {message or 'the fix was not applied.'}", style=f"bold {WARN}")
        text.append("\nNothing was changed.")
    else:
        text.append(f"✘ Failed: {message or 'the fix did not complete.'}", style=BAD)
    if result.after is not None and result.status in (Result.APPLIED, Result.ROLLED_BACK):
        text.append("\nGrade now: ", style="bold")
        text.append_text(grade_badge(result.after.grade, result.after.score))
        text.append("  (audited on the container as the engine reports it)", style=MUTED)
    if result.backup_name:
        text.append("\nBackup container: ", style="bold")
        text.append(printable(result.backup_name))
    if result.backup_dir:
        text.append("\nSaved inspect JSON: ", style="bold")
        text.append(printable(result.backup_dir))
    return text


def result_text(result: FixResult, fix: FixPlan, *, layer_left: int = 0) -> Text:
    """The wizard's outcome: `result_line` with the findings the fix
    cleared, and the layer files left in the backup (`layer_left`)."""
    cleared = None
    if result.after is not None and result.status == Result.APPLIED:
        cleared = sorted({f.check for f in fix.before.findings} - set(result.after.findings))
    text = result_line(result, cleared=cleared)
    if layer_left and result.status == Result.APPLIED:
        text.append(
            f"\nThe {paths(layer_left)} of its writable layer were not copied: they "
            f"stay in {printable(result.backup_name or 'the backup')}.",
            style=WARN,
        )
    return text


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"

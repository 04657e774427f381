"""The guided-fix wizard: pick changes, review them, confirm, watch them applied.

`FixWizard(report, engine, fixer)` is a modal screen over the console, in four
steps that share one dialog:

1. **Pick**: one checkbox per change that applies to the container (the
   suggested ones ticked, except those that can break a service, which are
   offered with a warning), each with what it clears on its own and the
   grade after; the values some changes take (capability preset and
   keep-list, user, tmpfs paths, bind address, each limit). The plan is
   recomputed on every choice.
2. **Review**: the before/after diff, what the container's writable layer
   holds and whether to copy it, the equivalent `docker run` (or `docker
   update`) command and a compose snippet. A compose-managed container gets
   the snippet and no way on: compose would revert the fix.
3. **Confirm**: live-only plans take one press; a re-create needs the
   container's name typed first.
4. **Progress**: the fixer's step lines as they come, then the result.

The wizard plans with `fixes.plan` (pure), checks every value with
`fixes.validate`, and previews and applies through `fixer` (the
`fixes.session.Fixer` the app was given): this module never talks to the
engine. The grade shown after a fix is the one the audit computed on the
re-inspected container, not the plan's prediction. Escape cancels at any step before
the fix starts; the screen dismisses with the FixResult, or None when
cancelled. Styles live in css/fix.tcss.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    ContentSwitcher,
    Input,
    Label,
    RadioButton,
    RadioSet,
    SelectionList,
    Static,
)

from dockertui.audit import ContainerReport
from dockertui.audit import capabilities as caps
from dockertui.fixes.describe import compose_snippet, diff, docker_run, docker_update
from dockertui.fixes.outcome import FixResult
from dockertui.fixes.plan import (
    CHANGES,
    DEFAULT_BIND,
    DEFAULT_TMPFS,
    DEFAULT_USER,
    SUGGESTED_MEMORY,
    SUGGESTED_NANO_CPUS,
    SUGGESTED_PIDS,
    CapPreset,
    FixPlan,
    Options,
    PlanError,
    plan,
    suggest,
)
from dockertui.fixes.run_command import docker_cpus, docker_size
from dockertui.fixes.session import Fixer, Preview
from dockertui.fixes.state import Result
from dockertui.fixes.validate import (
    bind_problem,
    capability_problem,
    check_plan,
    tmpfs_problem,
    user_problem,
)
from dockertui.model import EngineInfo
from dockertui.report.style import GRADE_STYLE
from dockertui.text import printable

COMPOSE_LABEL = "com.docker.compose.project"
STEPS = ("pick", "review", "confirm", "progress")
STEP_TITLES = {
    "pick": "pick changes",
    "review": "review",
    "confirm": "confirm",
    "progress": "applying",
}
PRESETS = ("hardening", "strict", "custom")
KEYS_HINT = "Tab/Shift+Tab move · Space ticks · Enter presses · Esc cancels"

OK, WARN, BAD, MUTED = "green", "yellow", "bold red", "dim"
_SPLIT = re.compile(r"[\s,]+")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([bkmg]?)b?\s*$", re.IGNORECASE)


# --- pure helpers (no widgets) -------------------------------------------------------------


def limit_defaults(doc: dict[str, Any]) -> dict[str, str]:
    """What the limit inputs start with: a suggestion for each limit the
    container does not have, blank (left alone) for each it has."""
    host = doc.get("HostConfig") or {}
    unlimited_cpu = not (host.get("NanoCpus") or host.get("CpuQuota") or host.get("CpuShares"))
    pids = host.get("PidsLimit")
    return {
        "memory": "" if host.get("Memory") else docker_size(SUGGESTED_MEMORY),
        "cpus": docker_cpus(SUGGESTED_NANO_CPUS) if unlimited_cpu else "",
        "pids": str(SUGGESTED_PIDS) if not pids or pids < 0 else "",
    }


def suggested_options(doc: dict[str, Any]) -> Options:
    """The Options the wizard starts from (the limit suggestions included)."""
    values = {kind: parse_limit(kind, text)[0] for kind, text in limit_defaults(doc).items()}
    return Options(memory=values["memory"], nano_cpus=values["cpus"], pids_limit=values["pids"])


def applicable(
    doc: dict[str, Any], engine: EngineInfo, suggested: Sequence[str]
) -> tuple[str, ...]:
    """The changes worth offering, in catalogue order: the suggested ones and
    every other one that changes the container's configuration."""
    wanted = set(suggested)
    options = suggested_options(doc)
    for name in CHANGES:
        if name not in wanted and diff(plan(doc, [name], engine, options, validate=False)):
            wanted.add(name)
    return tuple(name for name in CHANGES if name in wanted)


def preticked(suggested: Sequence[str]) -> tuple[str, ...]:
    """The suggested changes that cannot break a service: ticked at the start."""
    return tuple(name for name in suggested if not CHANGES[name].risky)


def split_list(text: str) -> tuple[str, ...]:
    """Words separated by commas or spaces, in order, without repeats."""
    seen: dict[str, None] = {}
    for word in _SPLIT.split(text.strip()):
        if word:
            seen.setdefault(word, None)
    return tuple(seen)


def keep_problem(names: Sequence[str]) -> str | None:
    return capability_problem(names)


def parse_limit(kind: str, text: str) -> tuple[int | None, str | None]:
    """(value, problem) of a limit typed in the wizard; blank leaves it alone."""
    text = text.strip()
    if not text:
        return None, None
    if kind == "memory":
        match = _SIZE.match(text)
        if not match:
            return None, f"{printable(text)!r} is not a size such as 512m or 1g."
        number, unit = match.groups()
        scale = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]
        return int(float(number) * scale), None
    try:
        number = float(text)
    except ValueError:
        return None, f"{printable(text)!r} is not a number."
    if kind == "cpus":
        return round(number * 1e9), None
    if not number.is_integer():
        return None, f"{printable(text)!r} is not a whole number of processes."
    return int(number), None


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
            "these changes (and the files of its writable layer, unless you untick the copy "
            "above), and is watched for a few seconds. If it fails, the old container is put "
            "back. Nothing is deleted."
        )
    else:
        text.append("Live. ", style=OK)
        text.append(f"`docker update` changes {name} in place: it keeps running.")
    return text


def titled(title: str, body: RenderableType | str, style: str = "") -> Group:
    head = Text(title, style="bold underline")
    return Group(head, Text(body, style=style) if isinstance(body, str) else body, Text(""))


def result_text(result: FixResult, fix: FixPlan) -> Text:
    """The outcome in a few lines: what changed and where the backup is, or
    why not. The grade after is the one measured on the re-inspected
    container once the verification window ended."""
    name = printable(result.container_name or fix.container.name)
    message = printable(result.message or "")
    text = Text()
    if result.status == Result.APPLIED:
        text.append(f"✔ Applied to {name}.", style=f"bold {OK}")
        if message:
            text.append(f" {message}")
        if result.after is not None:
            before = {f.check for f in fix.before.findings}
            cleared = sorted(before - set(result.after.findings))
            text.append("\nCleared: ", style="bold")
            text.append(", ".join(cleared) or "nothing", style=OK if cleared else MUTED)
            text.append("\nGrade now: ", style="bold")
            text.append_text(grade_badge(result.after.grade, result.after.score))
            text.append("  (audited on the container as the engine reports it)", style=MUTED)
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
    if result.backup_name:
        text.append("\nBackup container: ", style="bold")
        text.append(printable(result.backup_name))
    if result.backup_dir:
        text.append("\nSaved inspect JSON: ", style="bold")
        text.append(printable(result.backup_dir))
    return text


# --- the screen --------------------------------------------------------------------------------


class FixWizard(ModalScreen[FixResult | None]):
    """The four-step fix dialog for one container (see the module doc)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, report: ContainerReport, engine: EngineInfo, fixer: Fixer) -> None:
        super().__init__()
        self.report = report
        self.engine = engine
        self.fixer = fixer
        self.doc: dict[str, Any] = report.container.raw
        self.container_name = report.container.name
        self.compose_project = report.container.labels.get(COMPOSE_LABEL)
        self.suggested = suggest(report)
        self.ticked = preticked(self.suggested)
        self.changes = applicable(self.doc, engine, self.suggested)
        self.held = sorted(report.effective_capabilities)
        self.limits = limit_defaults(self.doc)
        self.step = "pick"
        self.applying = False
        self.result: FixResult | None = None
        self.problem: str | None = None
        self.preview: Preview | None = None  # what the fixer found for the reviewed plan
        start = suggested_options(self.doc)
        self.plan = plan(self.doc, self.ticked, engine, start, validate=False)
        self._all = plan(self.doc, self.changes, engine, start, validate=False)
        self._lines: list[str] = []

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="fix-dialog"):
            yield Static(id="fix-title")
            yield Static(id="fix-grade")
            with ContentSwitcher(initial="fix-pick", id="fix-steps"):
                with VerticalScroll(id="fix-pick"):
                    yield from self._compose_pick()
                with VerticalScroll(id="fix-review"):
                    yield Static(id="review-compose")
                    yield Static(id="review-layer")
                    yield Checkbox(
                        Text("Copy these files into the new container (untick: discard them)"),
                        value=True,
                        id="copy-layer",
                    )
                    yield Static(id="review-body")
                with VerticalScroll(id="fix-confirm"):
                    yield Static(id="confirm-text")
                    yield Input(id="confirm-name", placeholder="type the container name")
                with VerticalScroll(id="fix-progress"):
                    yield Static(id="progress-steps")
                    yield Static(id="progress-result")
            yield Static(id="fix-problem")
            with Horizontal(id="fix-buttons"):
                yield Button(Text("‹ Back"), id="fix-back")
                yield Button(Text("Review ›"), id="fix-next", variant="primary")
                yield Button(Text("Apply"), id="fix-apply", variant="error")
                yield Button(Text("Close"), id="fix-close", variant="primary")
                yield Button(Text("Cancel"), id="fix-cancel")
            yield Static(Text(KEYS_HINT), id="fix-keys")

    def _compose_pick(self) -> ComposeResult:
        intro = Text()
        if self.compose_project:
            intro.append(
                f"{printable(self.container_name)} belongs to compose project "
                f"{printable(self.compose_project)}: the review gives the compose snippet "
                "to apply instead.\n",
                style=WARN,
            )
        if not self.changes:
            intro.append("No change applies: this container has nothing the wizard can fix.")
        else:
            intro.append(
                "Tick the changes to make: the suggested ones that cannot break a service "
                "are ticked; the others say what they risk.",
                style=MUTED,
            )
        yield Static(intro, id="pick-intro")
        for name in self.changes:
            yield Checkbox(
                Text(CHANGES[name].summary),
                value=name in self.ticked,
                id=f"change-{name}",
                classes="fix-change",
            )
            yield Static(id=f"effect-{name}", classes="fix-effect")
            if CHANGES[name].risky:
                warning = Text("   ⚠ can break the service: ", style=WARN)
                warning.append(CHANGES[name].risky, style=MUTED)
                yield Static(warning, id=f"risk-{name}", classes="fix-effect")
            if name == "drop-caps":
                yield from self._compose_caps()
            elif name == "non-root":
                yield from self._option("opt-user", "Run as (not root)", DEFAULT_USER)
            elif name == "read-only":
                yield from self._option(
                    "opt-tmpfs", "Writable tmpfs paths", " ".join(DEFAULT_TMPFS)
                )
            elif name == "localhost-ports":
                yield from self._option("opt-bind", "Publish ports on", DEFAULT_BIND)
            elif name == "limits":
                with Vertical(id="opt-limits", classes="fix-options"):
                    yield from self._option(
                        "opt-memory", "Memory (blank: keep)", self.limits["memory"]
                    )
                    yield from self._option("opt-cpus", "CPUs (blank: keep)", self.limits["cpus"])
                    yield from self._option(
                        "opt-pids", "Processes (blank: keep)", self.limits["pids"]
                    )

    def _option(self, id: str, label: str, value: str) -> ComposeResult:
        with Horizontal(id=f"{id}-row", classes="fix-options fix-option"):
            yield Label(Text(label), classes="fix-option-label")
            yield Input(value=value, id=id)

    def _compose_caps(self) -> ComposeResult:
        with Vertical(id="opt-caps", classes="fix-options"):
            with RadioSet(id="caps-preset"):
                yield RadioButton(
                    Text(
                        f"Hardening list: drop {len(caps.HARDENING_DROP)} risky ones, keep the rest"
                    ),
                    value=True,
                    id="preset-hardening",
                )
                yield RadioButton(
                    Text("Strict: --cap-drop ALL, add back a keep-list"), id="preset-strict"
                )
                yield RadioButton(Text("Custom: keep only what you pick"), id="preset-custom")
            yield Input(
                id="caps-keep", placeholder="keep-list, e.g. NET_BIND_SERVICE CHOWN (empty: none)"
            )
            default_keep = set(caps.HARDENING_DROP) | set(caps.DANGEROUS)
            yield SelectionList[str](
                *(
                    (self._cap_prompt(name), name, name not in default_keep)
                    for name in self.held
                    if name != "ALL"
                ),
                id="caps-pick",
            )
            yield Static(id="caps-effect")

    @staticmethod
    def _cap_prompt(name: str) -> Text:
        text = Text(name, style="bold")
        text.append(f"  {caps.explain(name)}", style=MUTED)
        return text

    def on_mount(self) -> None:
        self._recompute()
        self._show_step("pick")

    # -- reading the choices -----------------------------------------------------------------

    def chosen(self) -> tuple[str, ...]:
        """The ticked changes, in catalogue order."""
        return tuple(
            name for name in self.changes if self.query_one(f"#change-{name}", Checkbox).value
        )

    def preset(self) -> str:
        radios = self.query("#caps-preset RadioButton").results(RadioButton)
        for radio in radios:
            if radio.value and radio.id:
                return radio.id.removeprefix("preset-")
        return "hardening"

    def _value(self, selector: str, default: str) -> str:
        found = self.query(selector).results(Input)
        return next((i.value for i in found), default)

    def options(self) -> tuple[Options, str | None]:
        """The Options the inputs describe, and the first problem with them (or None)."""
        chosen = set(self.chosen())
        preset = self.preset()
        problems: list[str | None] = []
        keep: tuple[str, ...] = ()
        if preset == "strict":
            keep = split_list(self._value("#caps-keep", ""))
            problems.append(keep_problem(keep) if "drop-caps" in chosen else None)
        elif preset == "custom":
            keep = tuple(self.query_one("#caps-pick", SelectionList).selected)
        user = self._value("#opt-user", DEFAULT_USER).strip()
        tmpfs = split_list(self._value("#opt-tmpfs", " ".join(DEFAULT_TMPFS)))
        bind = self._value("#opt-bind", DEFAULT_BIND).strip()
        limits = {
            kind: parse_limit(kind, self._value(f"#opt-{kind}", self.limits[kind]))
            for kind in ("memory", "cpus", "pids")
        }
        if "non-root" in chosen:
            problems.append(user_problem(user))
        if "read-only" in chosen:
            problems.append(tmpfs_problem(tmpfs))
        if "localhost-ports" in chosen:
            problems.append(bind_problem(bind))
        if "limits" in chosen:
            problems += [problem for _, problem in limits.values()]
        options = Options(
            cap_preset=CapPreset(preset),
            keep_caps=tuple(caps.normalize(k) for k in keep),
            user=user or DEFAULT_USER,
            tmpfs=tmpfs,
            bind_address=bind or DEFAULT_BIND,
            memory=limits["memory"][0],
            nano_cpus=limits["cpus"][0],
            pids_limit=limits["pids"][0],
        )
        problem = next((p for p in problems if p), None)
        if problem is None and chosen:
            try:
                check_plan(self.doc, self.chosen(), options, self.engine)
            except PlanError as err:
                problem = printable(str(err))
        return options, problem

    # -- recomputing -------------------------------------------------------------------------

    def _recompute(self) -> None:
        options, self.problem = self.options()
        chosen = self.chosen()
        self.plan = plan(self.doc, chosen, self.engine, options, validate=False)
        self._all = plan(self.doc, self.changes, self.engine, options, validate=False)
        for name in self.changes:
            self.query_one(f"#effect-{name}", Static).update(effect_line(self._all, name))
        self._show_options(set(chosen))
        self.query_one("#fix-grade", Static).update(grade_line(self.plan))
        self._show_problem()
        self._show_buttons()

    def _show_options(self, chosen: set[str]) -> None:
        for name, box in (
            ("drop-caps", "#opt-caps"),
            ("non-root", "#opt-user-row"),
            ("read-only", "#opt-tmpfs-row"),
            ("localhost-ports", "#opt-bind-row"),
            ("limits", "#opt-limits"),
        ):
            for widget in self.query(box):
                widget.display = name in chosen
        if "drop-caps" in self.changes:
            preset = self.preset()
            self.query_one("#caps-keep", Input).display = preset == "strict"
            self.query_one("#caps-pick", SelectionList).display = preset == "custom"
            if "drop-caps" in chosen:
                others = [name for name in self.plan.changes if name != "drop-caps"]
                without = plan(self.doc, others, self.engine, self.plan.options, validate=False)
                effect = caps_effect(self.plan, without, preset)
                self.query_one("#caps-effect", Static).update(effect)

    def _show_problem(self) -> None:
        box = self.query_one("#fix-problem", Static)
        message = self.problem if self.step == "pick" else None
        box.update(Text(message or "", style=BAD))
        box.display = bool(message)

    @on(Checkbox.Changed, ".fix-change")
    @on(RadioSet.Changed, "#caps-preset")
    @on(SelectionList.SelectedChanged, "#caps-pick")
    def _choice_changed(self) -> None:
        if self.step == "pick":
            self._recompute()

    @on(Input.Changed, ".fix-options Input")
    def _input_changed(self) -> None:
        if self.step == "pick":
            self._recompute()

    @on(Input.Submitted, ".fix-options Input")
    def _input_submitted(self) -> None:
        self.focus_next()

    # -- steps -------------------------------------------------------------------------------

    @property
    def can_review(self) -> bool:
        return bool(self.plan.changes) and self.problem is None

    @property
    def can_confirm(self) -> bool:
        """Past a review whose preview came back without a refusal."""
        if self.compose_project:
            return False
        return self.preview is not None and not self.preview.refusal

    @property
    def can_apply(self) -> bool:
        """Past the review, and (for a re-create) the exact name typed."""
        if self.compose_project or not self.plan.changes or self.step != "confirm":
            return False
        if not self.plan.recreate:
            return True
        return self.query_one("#confirm-name", Input).value == self.container_name

    def _show_step(self, step: str) -> None:
        self.step = step
        self.query_one("#fix-steps", ContentSwitcher).current = f"fix-{step}"
        self._show_title()
        self.query_one("#progress-result", Static).display = self.result is not None
        self._show_problem()
        self._show_buttons()
        if step == "pick":
            self._focus_first("#fix-pick Checkbox", "#fix-cancel")
        elif step == "review":
            self.query_one("#fix-review").focus()
        elif step == "confirm":
            self._focus_first("#confirm-name" if self.plan.recreate else "#fix-apply")

    def _show_title(self) -> None:
        step = self.step
        what = "done" if self.result is not None else STEP_TITLES[step]
        title = Text("Fix ", style="bold")
        title.append(printable(self.container_name), style="bold")
        title.append(f"   step {STEPS.index(step) + 1} of 4: {what}", style=MUTED)
        self.query_one("#fix-title", Static).update(title)
        hint = KEYS_HINT if step != "progress" else "Enter or Esc closes"
        self.query_one("#fix-keys", Static).update(
            Text(hint if self.result or step != "progress" else "")
        )

    def _focus_first(self, *selectors: str) -> None:
        for selector in selectors:
            for widget in self.query(selector):
                if widget.display and widget.focusable:
                    widget.focus()
                    return

    def _show_buttons(self) -> None:
        step, done = self.step, self.result is not None
        shown = {
            "fix-back": step in ("review", "confirm"),
            "fix-next": step == "pick" or (step == "review" and not self.compose_project),
            "fix-apply": step == "confirm",
            "fix-close": step == "progress",
            "fix-cancel": step != "progress",
        }
        for button_id, visible in shown.items():
            self.query_one(f"#{button_id}", Button).display = visible
        next_button = self.query_one("#fix-next", Button)
        next_button.label = Text("Review ›" if step == "pick" else "Confirm ›")
        next_button.disabled = (step == "pick" and not self.can_review) or (
            step == "review" and not self.can_confirm
        )
        apply = self.query_one("#fix-apply", Button)
        apply.label = Text("Apply (re-create)" if self.plan.recreate else "Confirm")
        apply.disabled = not self.can_apply
        self.query_one("#fix-close", Button).disabled = not done

    def _fill_review(self) -> None:
        fix = self.plan
        name = printable(self.container_name)
        warning = self.query_one("#review-compose", Static)
        if self.compose_project:
            text = Text(
                f"{name} is managed by compose (project {printable(self.compose_project)}): "
                "compose would revert a change made here the next time it re-creates the "
                "service. Put the snippet below in the compose file and run "
                "`docker compose up -d` instead.",
                style=f"bold {WARN}",
            )
            warning.update(text)
        warning.display = bool(self.compose_project)
        snippet = titled("Compose snippet", Text(safe_lines(compose_snippet(fix))))
        parts: list[RenderableType] = []
        if self.compose_project:
            parts.append(snippet)
        parts.append(titled(f"What changes ({len(fix.changes)} change(s))", diff_table(fix)))
        if not self.compose_project:
            parts.append(titled("How", how_text(fix, name)))
        if fix.update_body and not fix.recreate:
            parts.append(titled("Equivalent command", Text(safe_lines(docker_update(fix)))))
        parts.append(titled("Equivalent docker run", Text(safe_lines(docker_run(fix)))))
        if not self.compose_project:
            parts.append(snippet)
        self.query_one("#review-body", Static).update(Group(*parts))
        self._show_layer()
        self.query_one("#fix-review", VerticalScroll).scroll_home(animate=False)

    def _show_layer(self) -> None:
        """What preview found: the writable layer (with the copy choice), or a refusal."""
        box = self.query_one("#review-layer", Static)
        copy = self.query_one("#copy-layer", Checkbox)
        found = self.preview
        copy.display = bool(found and found.layer.items and not found.refusal)
        if self.compose_project or not self.plan.recreate:
            box.display = bool(found and found.refusal)
        else:
            box.display = True
        text = Text()
        if found is None:
            text.append("Reading the container's writable layer…", style=MUTED)
        elif found.refusal:
            text.append(f"✘ {printable(found.refusal)}", style=BAD)
        elif found.layer.empty:
            text.append(
                "Its writable layer holds no file of its own: nothing to copy.", style=MUTED
            )
        else:
            lines = found.layer.lines(self.container_name, copy=copy.value)
            text.append(printable(lines[0]) + "\n", style=f"bold {WARN}")
            text.append("\n".join(printable(line) for line in lines[1:]))
        box.update(titled("Writable layer", text) if found is None or not found.refusal else text)
        self._show_buttons()

    @work(exclusive=True, group="preview")
    async def _load_preview(self, fix: FixPlan) -> None:
        try:
            found = await self.fixer.preview(fix)
        except Exception as err:  # the fixer should report, not raise: show it anyway
            found = Preview(refusal=f"{type(err).__name__}: {err}")
        if fix is self.plan and self.is_attached:
            self.preview = found
            self._show_layer()

    @on(Checkbox.Changed, "#copy-layer")
    def _copy_changed(self) -> None:
        self._show_layer()

    def _fill_confirm(self) -> None:
        fix = self.plan
        name = printable(self.container_name)
        text = Text()
        n = len(fix.changes)
        if fix.recreate:
            text.append(f"Re-create {name} with {n} change(s)? ", style="bold")
            text.append(
                "It stops for a moment; the old container is kept as a backup and comes back "
                "if the new one fails.\n\n"
            )
            text.append("Type the container name ")
            text.append(name, style="bold")
            text.append(" to enable Apply:")
        else:
            text.append(f"Apply {n} live change(s) to {name}? ", style="bold")
            text.append("It keeps running.")
        self.query_one("#confirm-text", Static).update(text)
        box = self.query_one("#confirm-name", Input)
        box.display = fix.recreate
        box.value = ""

    @on(Button.Pressed, "#fix-next")
    def action_next(self) -> None:
        if self.step == "pick" and self.can_review:
            self.preview = None
            self._fill_review()
            self._show_step("review")
            self._load_preview(self.plan)
        elif self.step == "review" and self.can_confirm:
            self._fill_confirm()
            self._show_step("confirm")

    @on(Button.Pressed, "#fix-back")
    def action_back(self) -> None:
        if self.step in ("review", "confirm"):
            self._show_step(STEPS[STEPS.index(self.step) - 1])

    @on(Input.Changed, "#confirm-name")
    def _name_typed(self) -> None:
        self._show_buttons()

    @on(Input.Submitted, "#confirm-name")
    def _name_submitted(self) -> None:
        if self.can_apply:
            self.action_apply()

    @on(Button.Pressed, "#fix-apply")
    def action_apply(self) -> None:
        if not self.can_apply or self.applying:
            return
        self.applying = True
        self._lines = []
        self._show_step("progress")
        self._progress("Applying…")
        self._run(self.plan)

    @work(exclusive=True, group="fix")
    async def _run(self, fix: FixPlan) -> None:
        try:
            copy = self.query_one("#copy-layer", Checkbox).value
            result = await self.fixer.apply(fix, self._progress, copy_layer=copy)
        except Exception as err:  # the fixer should report, not raise: show it anyway
            result = _failed(fix, f"{type(err).__name__}: {err}")
        self._done(result, fix)

    def _progress(self, line: str) -> None:
        self._lines.append(printable(line))
        if self.is_attached:
            self.query_one("#progress-steps", Static).update(
                Text("\n".join(f"• {x}" for x in self._lines))
            )
            self.query_one("#fix-progress", VerticalScroll).scroll_end(animate=False)

    def _done(self, result: FixResult, fix: FixPlan) -> None:
        self.applying = False
        self.result = result
        body = result_text(result, fix)
        if result.status == Result.REFUSED and not self.compose_project:
            body.append("\n\nTo make the change yourself:\n", style="bold")
            body.append(safe_lines(docker_run(fix)))
        shown = self.query_one("#progress-result", Static)
        shown.update(body)
        shown.display = True
        self._show_title()
        self._show_buttons()
        self.query_one("#fix-close", Button).focus()
        self.query_one("#fix-progress", VerticalScroll).scroll_end(animate=False)

    @on(Button.Pressed, "#fix-close")
    def _close(self) -> None:
        self.dismiss(self.result)

    @on(Button.Pressed, "#fix-cancel")
    def action_cancel(self) -> None:
        if self.applying:
            self.notify("The fix is running: wait for it to finish.", severity="warning")
            return
        self.dismiss(self.result)


def _failed(fix: FixPlan, message: str) -> FixResult:
    """A FixResult for a fixer that raised instead of reporting."""
    return FixResult(
        Result.FAILED, fix.container.name, message=message, container_id=fix.container.id
    )

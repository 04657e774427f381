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

from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
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
from textual.worker import Worker

from dockertui.audit import ContainerReport
from dockertui.audit import capabilities as caps
from dockertui.fixes.describe import compose_snippet, docker_run, docker_update
from dockertui.fixes.outcome import FixResult
from dockertui.fixes.plan import (
    CHANGES,
    DEFAULT_BIND,
    DEFAULT_TMPFS,
    DEFAULT_USER,
    CapPreset,
    FixPlan,
    Options,
    PlanError,
    plan,
    suggest,
)
from dockertui.fixes.refusals import layer_refusal
from dockertui.fixes.session import Fixer, Preview
from dockertui.fixes.state import Result
from dockertui.fixes.validate import (
    bind_problem,
    check_plan,
    tmpfs_problem,
    user_problem,
)
from dockertui.model import EngineInfo
from dockertui.text import printable
from dockertui.ui.columns import middle_ellipsis
from dockertui.ui.fix_choices import (
    applicable,
    keep_problem,
    limit_defaults,
    parse_limit,
    preticked,
    split_list,
    suggested_options,
)
from dockertui.ui.fix_text import (
    BAD,
    MUTED,
    WARN,
    caps_effect,
    diff_table,
    effect_line,
    grade_line,
    how_text,
    plural,
    result_text,
    safe_lines,
    titled,
)
from dockertui.ui.scrolling import KeyScroll
from dockertui.ui.widgets import Choice, NoticeBar, Picks, Tick
from dockertui.ui.workers import forward_failure

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
#: The dialog's width in css/fix.tcss (at most the terminal's).
DIALOG_WIDTH = 110
#: Fewest cells a long container name keeps in the title.
NAME_MIN = 12


# --- the screen --------------------------------------------------------------------------------


class FixWizard(ModalScreen[FixResult | None]):
    """The four-step fix dialog for one container (see the module doc)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        report: ContainerReport,
        engine: EngineInfo,
        fixer: Fixer,
        *,
        ticked: Sequence[str] | None = None,
    ) -> None:
        """`ticked`: the changes ticked at the start (those that apply),
        instead of the suggested ones that cannot break a service."""
        super().__init__()
        self.report = report
        self.engine = engine
        self.fixer = fixer
        self.doc: dict[str, Any] = report.container.raw
        self.container_name = report.container.name
        self.compose_project = report.container.labels.get(COMPOSE_LABEL)
        self.suggested = suggest(report)
        self.changes = applicable(self.doc, engine, self.suggested)
        self.ticked = (
            preticked(self.suggested)
            if ticked is None
            else tuple(name for name in self.changes if name in ticked)
        )
        self.held = sorted(report.effective_capabilities)
        self.limits = limit_defaults(self.doc)
        self.step = "pick"
        self.applying = False
        self.result: FixResult | None = None
        self.problem: str | None = None
        self.preview: Preview | None = None  # what the fixer found for the reviewed plan
        start = suggested_options(self.doc)
        self.processes = report.container.processes
        self.plan = self._plan(self.ticked, start)
        self._all = self._plan(self.changes, start)
        self._lines: list[str] = []

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="fix-dialog"):
            yield NoticeBar()
            yield Static(id="fix-title")
            yield Static(id="fix-grade")
            with ContentSwitcher(initial="fix-pick", id="fix-steps"):
                with KeyScroll(id="fix-pick"):
                    yield from self._compose_pick()
                with KeyScroll(id="fix-review"):
                    yield Static(id="review-compose")
                    yield Static(id="review-layer")
                    yield Tick(
                        Text("Copy these files into the new container (untick: discard them)"),
                        value=True,
                        id="copy-layer",
                    )
                    yield Static(id="review-body")
                with KeyScroll(id="fix-confirm"):
                    yield Static(id="confirm-text")
                    yield Input(id="confirm-name", placeholder="type the container name")
                with KeyScroll(id="fix-progress"):
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
            yield Tick(
                Text(CHANGES[name].summary),
                value=name in self.ticked,
                id=f"change-{name}",
                classes="fix-change",
            )
            yield Static(id=f"effect-{name}", classes="fix-effect")
            if CHANGES[name].risky:
                # Styles as spans, not the Text's own style: Textual reads a
                # Text's own style as CSS colours (RGB even under --ansi).
                warning = Text().append("   ⚠ can break the service: ", style=WARN)
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
                yield Choice(
                    Text(
                        f"Hardening list: drop {len(caps.HARDENING_DROP)} risky ones, keep the rest"
                    ),
                    value=True,
                    id="preset-hardening",
                )
                yield Choice(
                    Text("Strict: --cap-drop ALL, add back a keep-list"), id="preset-strict"
                )
                yield Choice(Text("Custom: keep only what you pick"), id="preset-custom")
            yield Input(
                id="caps-keep", placeholder="keep-list, e.g. NET_BIND_SERVICE CHOWN (empty: none)"
            )
            default_keep = set(caps.HARDENING_DROP) | set(caps.DANGEROUS)
            yield Picks(
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
        tmpfs = split_list(self._value("#opt-tmpfs", " ".join(DEFAULT_TMPFS)), commas=False)
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
        self.plan = self._plan(chosen, options)
        self._all = self._plan(self.changes, options)
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
                without = self._plan(others, self.plan.options)
                effect = caps_effect(self.plan, without, preset)
                self.query_one("#caps-effect", Static).update(effect)

    def _show_problem(self) -> None:
        box = self.query_one("#fix-problem", Static)
        message = self.problem if self.step == "pick" else None
        box.update(Text().append(message or "", style=BAD))
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

    def _plan(self, names: Sequence[str], options: Options) -> FixPlan:
        """A plan of what is ticked, audited with the processes the panel saw."""
        return plan(
            self.doc,
            names,
            self.engine,
            options,
            validate=False,
            processes=self.processes,
            fleet_engine=self.report.container.engine,
        )

    @property
    def layer_problem(self) -> str | None:
        """Layer files to copy into a read-only root: the engine refuses to."""
        found = self.preview
        if found is None or found.refusal:
            return None
        return layer_refusal(
            self.container_name,
            found.layer,
            copy=self.query_one("#copy-layer", Checkbox).value,
            read_only_after=bool(
                (self.plan.document.get("HostConfig") or {}).get("ReadonlyRootfs")
            ),
            skip="untick the copy",
        )

    @property
    def can_confirm(self) -> bool:
        """Past a review whose preview came back without a refusal."""
        if self.compose_project:
            return False
        found = self.preview
        return found is not None and not found.refusal and self.layer_problem is None

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

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_title)  # the name's room follows the width

    def _show_title(self) -> None:
        step = self.step
        what = "done" if self.result is not None else STEP_TITLES[step]
        where = Text(f"   step {STEPS.index(step) + 1} of 4: {what}", style=MUTED)
        widget = self.query_one("#fix-title", Static)
        # before the first layout the title's width is not known yet: the
        # dialog's, at most the terminal's less its border and padding
        width = widget.size.width or min(DIALOG_WIDTH, self.app.size.width) - 4
        title = Text("Fix ", style="bold")
        name = Text(printable(self.container_name), style="bold")
        engine = self.report.container.engine
        if engine:  # one engine of several: which one this fix changes
            where = Text(f" on {printable(engine)}", style="bold cyan") + where
        # a long name loses its middle, never the step (nor its own end)
        room = max(NAME_MIN, width - title.cell_len - where.cell_len)
        title.append_text(middle_ellipsis(name, room))
        title.append_text(where)
        widget.update(title)
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
        parts.append(
            titled(f"What changes ({plural(len(fix.changes), 'change')})", diff_table(fix))
        )
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
        problem = self.layer_problem
        if self.compose_project or not self.plan.recreate:
            box.display = bool(found and found.refusal)
        else:
            box.display = True
        text = Text()
        if found is None:
            text.append("Reading the container's writable layer…", style=MUTED)
        elif found.refusal:
            text.append(f"✘ {printable(found.refusal)}", style=BAD)
            if found.pending:
                text.append("\nCtrl+P → Resume an interrupted fix does it from here.", style=MUTED)
        elif found.layer.empty:
            text.append(
                "Its writable layer holds no file of its own: nothing to copy.", style=MUTED
            )
        else:
            lines = found.layer.lines(
                self.container_name, copy=copy.value, why_not="the copy is unticked"
            )
            text.append(printable(lines[0]) + "\n", style=f"bold {WARN}")
            text.append("\n".join(printable(line) for line in lines[1:]))
            if problem:
                text.append(f"\n✘ {printable(problem)}", style=BAD)
        box.update(titled("Writable layer", text) if found is None or not found.refusal else text)
        self._show_buttons()

    @work(exclusive=True, group="preview", exit_on_error=False)
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
        if self.report.container.engine:
            name += f" on engine {printable(self.report.container.engine)}"
        text = Text()
        n = len(fix.changes)
        if fix.recreate:
            text.append(f"Re-create {name} with {plural(n, 'change')}? ", style="bold")
            text.append(
                "It stops for a moment; the old container is kept as a backup and comes back "
                "if the new one fails.\n\n"
            )
            text.append("Type the container name ")
            text.append(printable(self.container_name), style="bold")
            text.append(" to enable Apply:")
        else:
            text.append(f"Apply {plural(n, 'live change')} to {name}? ", style="bold")
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

    @work(exclusive=True, group="fix", exit_on_error=False)
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
        copied = self.query_one("#copy-layer", Checkbox).value
        layer = self.preview.layer if self.preview is not None else None
        left = len(layer.carried) if layer is not None and not copied and fix.recreate else 0
        body = result_text(result, fix, layer_left=left)
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

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        forward_failure(self, event)  # the app reports a failed worker, once


def _failed(fix: FixPlan, message: str) -> FixResult:
    """A FixResult for a fixer that raised instead of reporting."""
    return FixResult(
        Result.FAILED, fix.container.name, message=message, container_id=fix.container.id
    )

"""The fix wizard (dockertui/ui/fix_wizard.py) driven with Pilot: the console
runs on a SnapshotSource built from the captured inspect documents and an
injected fake fixer that records the plan it was given. No engine: this
tests the UI flow (pick, review, confirm, progress), not the executor."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.text import Text
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, Input, RadioSet, Static

from dockertui.audit import audit_container
from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.snapshot import SnapshotSource
from dockertui.fixes.layer import CopyItem, LayerSummary
from dockertui.fixes.outcome import FixResult, Grade
from dockertui.fixes.plan import CHANGES, FixPlan, Options, plan, suggest
from dockertui.fixes.session import EngineFixer, Preview
from dockertui.fixes.state import Journal, Result, State
from dockertui.model import ClientFacts, container_from_inspect, engine_from_api
from dockertui.ui.app import DockerTUI
from dockertui.ui.fix_choices import (
    applicable,
    limit_defaults,
    parse_limit,
    preticked,
    split_list,
    suggested_options,
)
from dockertui.ui.fix_text import safe_lines
from dockertui.ui.fix_wizard import FixWizard
from dockertui.ui.help_screen import HelpScreen
from dockertui.ui.resume_screen import ResumeScreen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SMALL, LARGE = (80, 24), (160, 48)


def load(case: str, name: str, index: int, labels: dict[str, str] | None = None) -> dict:
    doc = json.loads((FIXTURES / "inspect" / f"{case}.json").read_text())
    doc["Id"] = f"{index:02d}" + doc["Id"][2:]
    doc["Name"] = f"/{name}"
    if labels:
        doc.setdefault("Config", {}).setdefault("Labels", {}).update(labels)
    return doc


def engine():
    docs = [
        json.loads((FIXTURES / "engine" / f"{n}.json").read_text())
        for n in ("info", "version", "bridge")
    ]
    return replace(engine_from_api(*docs), name="test-host")


def source(*docs: dict) -> SnapshotSource:
    return SnapshotSource(
        engine(),
        [container_from_inspect(d) for d in docs],
        client=ClientFacts(endpoint="unix:///var/run/docker.sock", context="default"),
        label="snapshot",
    )


class FakeFixer:
    """A stand-in for the console's fixer (the UI's side of fixes.session.Fixer):
    records every plan and progress callback; answers with `status`, and
    previews with `preview`. The engine side is tested on a real engine."""

    def __init__(
        self,
        status: str = "applied",
        message: str = "",
        raises: Exception | None = None,
        preview: Preview | None = None,
        after: Grade | None = None,
    ):
        self.plans: list[FixPlan] = []
        self.copies: list[bool] = []
        self.previews: list[FixPlan] = []
        self.status = Result(status)
        self.message = message
        self.raises = raises
        self.answer = preview or Preview()
        self.after = after
        self.resumed: list[tuple[str, str]] = []
        self.waiting: list[Journal] = []

    async def preview(self, fix: FixPlan) -> Preview:
        self.previews.append(fix)
        return self.answer

    async def apply(
        self, fix: FixPlan, progress: Callable[[str], None], *, copy_layer: bool = True
    ) -> FixResult:
        self.plans.append(fix)
        self.copies.append(copy_layer)
        progress("Saved the inspect JSON")
        progress("Updated the container")
        if self.raises is not None:
            raise self.raises
        name = fix.container.name
        return FixResult(
            status=self.status,
            container_name=name,
            new_id="f" * 64 if fix.recreate else fix.container.id,
            backup_name=f"{name}-backup-20261128-120000" if fix.recreate else None,
            backup_dir=f"/state/backups/{name}-20261128-120000",
            steps=["backup", "update"],
            message=self.message,
            after=self.after,
        )

    async def resume(
        self, journal: Journal, action: str, progress: Callable[[str], None]
    ) -> FixResult:
        self.resumed.append((journal.name, action))
        progress("Renaming web-new-20261201-120000 to web.")
        return FixResult(
            Result.APPLIED, journal.name, new_id="f" * 64, message=self.message, after=self.after
        )

    def pending(self) -> list[Journal]:
        return list(self.waiting)


@asynccontextmanager
async def console(
    *docs: dict,
    fixer: FakeFixer | None = None,
    size: tuple[int, int] = SMALL,
    read_only: bool = False,
) -> AsyncIterator[tuple[DockerTUI, Pilot[None]]]:
    app = DockerTUI(source(*docs), fixer=fixer, read_only=read_only)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert app.state.reports, "the snapshot was not applied"
        yield app, pilot


async def open_wizard(app: DockerTUI, pilot: Pilot[None]) -> FixWizard:
    await pilot.press("f")
    await pilot.pause()
    assert isinstance(app.screen, FixWizard), f"f did not open the wizard: {app.screen!r}"
    return app.screen


def text_of(widget: Static, width: int = 200) -> str:
    """What a Static shows, whitespace collapsed (wrapped lines compare as one)."""
    content = widget.content
    if isinstance(content, Text | Content):
        return " ".join(content.plain.split())
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(content)  # type: ignore[arg-type]
    return " ".join(console.export_text().split())


def ticked(wizard: FixWizard) -> set[str]:
    return {name for name in wizard.changes if wizard.query_one(f"#change-{name}", Checkbox).value}


async def press_on(pilot: Pilot[None], widget: Any, *keys: str) -> None:
    """Focus `widget` (as Tab would) and press `keys`."""
    widget.focus()
    await pilot.pause()
    while isinstance(widget, Button) and widget.has_class("-active"):
        await pilot.pause(0.05)  # a button ignores presses during its press animation
    await pilot.press(*keys)
    await pilot.pause()


async def to_review(wizard: FixWizard, pilot: Pilot[None]) -> None:
    await press_on(pilot, wizard.query_one("#fix-next", Button), "enter")
    assert wizard.step == "review"


async def to_confirm(wizard: FixWizard, pilot: Pilot[None]) -> None:
    await to_review(wizard, pilot)
    await wait_for(pilot, lambda: wizard.preview is not None, "the preview")
    await press_on(pilot, wizard.query_one("#fix-next", Button), "enter")
    assert wizard.step == "confirm"


async def tick(wizard: FixWizard, pilot: Pilot[None], *names: str) -> None:
    for name in names:
        box = wizard.query_one(f"#change-{name}", Checkbox)
        if not box.value:
            await press_on(pilot, box, "space")


async def only(wizard: FixWizard, pilot: Pilot[None], *names: str) -> None:
    """Tick exactly `names`, with Space as a user would."""
    for name in wizard.changes:
        box = wizard.query_one(f"#change-{name}", Checkbox)
        if box.value != (name in names):
            await press_on(pilot, box, "space")
    assert ticked(wizard) == set(names)


RISKY = {"non-root", "read-only", "unprivileged", "localhost-ports", "host-namespaces", "limits",
         "restart-policy"}  # fmt: skip


async def wait_for(pilot: Pilot[None], ready: Callable[[], bool], what: str) -> None:
    """Let the app run until `ready()` (a worker's answer), at most 2 s."""
    for _ in range(100):
        if ready():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"{what} never happened")


async def until_done(wizard: FixWizard, pilot: Pilot[None]) -> None:
    await wait_for(pilot, lambda: wizard.result is not None, "the fix finishing")


PLAIN = ("plain", "worker", 0)
PRIVILEGED = ("privileged", "legacy-billing", 1)


# --- opening ----------------------------------------------------------------------------------


async def test_f_opens_the_wizard_with_the_safe_suggestions_ticked() -> None:
    doc = load(*PRIVILEGED)
    fixer = FakeFixer()
    async with console(doc, load(*PLAIN), fixer=fixer) as (app, pilot):
        report = app.state.reports[doc["Id"]]
        assert app._selected == doc["Id"]  # worst first: the privileged one
        wizard = await open_wizard(app, pilot)
        expected = set(suggest(report))
        assert {"unprivileged", "limits", "non-root", "read-only", "drop-caps"} <= expected
        # what can break a service is offered with its risk, never ticked for the user
        assert ticked(wizard) == expected - RISKY and "drop-caps" in ticked(wizard)
        for risky in expected & RISKY:
            assert "can break the service" in text_of(wizard.query_one(f"#risk-{risky}", Static))
        assert not wizard.query("#risk-drop-caps")
        # every offered change shows live/re-create and what it clears
        assert "re-create" in text_of(wizard.query_one("#effect-unprivileged", Static))
        effect = text_of(wizard.query_one("#effect-limits", Static))
        assert "live" in effect and "memory-unlimited" in effect
        grade = text_of(wizard.query_one("#fix-grade", Static))
        assert f"{report.grade} {report.score}" in grade
        assert isinstance(app.focused, Checkbox)  # keyboard ready
        assert not fixer.plans


async def test_palette_entry_opens_the_wizard() -> None:
    async with console(load(*PLAIN), fixer=FakeFixer()) as (app, pilot):
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "Fix the selected container…" in commands
        commands["Fix the selected container…"].callback()
        await pilot.pause()
        assert isinstance(app.screen, FixWizard)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Fix the selected container…" not in titles  # not over itself


# --- picking ----------------------------------------------------------------------------------


async def test_ticking_and_unticking_changes_the_grade_after() -> None:
    doc = load(*PLAIN)
    async with console(doc, fixer=FakeFixer()) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        grade = wizard.query_one("#fix-grade", Static)

        def expected(names: set[str]) -> str:
            p = plan(doc, sorted(names), app.state.engine, suggested_options(doc))
            return f"{p.after.grade} {p.after.score}"

        start = ticked(wizard)
        assert f"→ {expected(start)}" in text_of(grade)
        await only(wizard, pilot, *start, "limits")
        everything = ticked(wizard)
        assert f"→ {expected(everything)}" in text_of(grade)
        # untick everything but limits, one Space at a time
        await only(wizard, pilot, "limits")
        only_limits = expected({"limits"})
        assert only_limits != expected(everything)
        assert f"→ {only_limits}" in text_of(grade)
        assert "live, no restart" in text_of(grade)
        # tick one back
        await press_on(pilot, wizard.query_one("#change-non-root", Checkbox), "space")
        assert f"→ {expected({'limits', 'non-root'})}" in text_of(grade)
        assert "re-create" in text_of(grade)
        # nothing ticked: no way on
        for name in ("limits", "non-root"):
            await press_on(pilot, wizard.query_one(f"#change-{name}", Checkbox), "space")
        assert wizard.query_one("#fix-next", Button).disabled


async def test_bad_user_blocks_the_review_until_fixed() -> None:
    async with console(load(*PLAIN), fixer=FakeFixer()) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        user = wizard.query_one("#opt-user", Input)
        row = wizard.query_one("#opt-user-row")
        assert not row.display  # non-root is offered, not ticked
        await tick(wizard, pilot, "non-root")
        assert row.display
        user.value = "root"
        await pilot.pause()
        assert wizard.query_one("#fix-next", Button).disabled
        assert "root" in text_of(wizard.query_one("#fix-problem", Static))
        user.value = "1234:1234"
        await pilot.pause()
        assert not wizard.query_one("#fix-next", Button).disabled
        assert wizard.plan.document["Config"]["User"] == "1234:1234"


async def test_strict_drop_caps_with_a_keep_list_reaches_the_fixer() -> None:
    doc = load(*PLAIN)
    fixer = FakeFixer()
    async with console(doc, fixer=fixer) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        assert "drop-caps" in ticked(wizard)
        keep = wizard.query_one("#caps-keep", Input)
        assert not keep.display  # hardening preset first
        # the preset radio set: down to "Strict", Space to pick it
        await press_on(pilot, wizard.query_one("#caps-preset", RadioSet), "down", "space")
        assert wizard.preset() == "strict"
        assert keep.display
        await press_on(pilot, keep, *"net_bind_service", "enter")
        effect = text_of(wizard.query_one("#caps-effect", Static))
        assert "NET_BIND_SERVICE listen on ports below 1024" in effect
        assert "Removes" in effect and "NET_RAW" in effect
        await to_confirm(wizard, pilot)
        await press_on(pilot, wizard.query_one("#confirm-name", Input), *"worker", "enter")
        await until_done(wizard, pilot)
    (got,) = fixer.plans
    assert got.document["HostConfig"]["CapDrop"] == ["ALL"]
    assert got.document["HostConfig"]["CapAdd"] == ["NET_BIND_SERVICE"]
    assert "drop-caps" in got.changes


async def test_custom_pick_keeps_only_what_is_picked() -> None:
    fixer = FakeFixer()
    async with console(load(*PLAIN), fixer=fixer) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        for name in ticked(wizard) - {"drop-caps"}:
            await press_on(pilot, wizard.query_one(f"#change-{name}", Checkbox), "space")
        await press_on(pilot, wizard.query_one("#caps-preset", RadioSet), "down", "down", "space")
        assert wizard.preset() == "custom"
        picker = wizard.query_one("#caps-pick")
        assert picker.display
        picker.deselect_all()  # type: ignore[attr-defined]
        picker.select("CHOWN")  # type: ignore[attr-defined]
        await pilot.pause()
        assert wizard.plan.document["HostConfig"]["CapDrop"] == ["ALL"]
        assert wizard.plan.document["HostConfig"]["CapAdd"] == ["CHOWN"]


# --- review and confirm -----------------------------------------------------------------------


async def test_review_shows_diff_run_command_and_compose_snippet() -> None:
    async with console(load(*PLAIN), fixer=FakeFixer(), size=LARGE) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        await tick(wizard, pilot, "non-root")
        await to_review(wizard, pilot)
        body = text_of(wizard.query_one("#review-body", Static))
        assert "What changes" in body and "1000:1000" in body
        assert "docker run -d --name worker" in body
        assert "services:" in body and '"worker":' in body
        assert not wizard.query_one("#review-compose", Static).display


async def test_recreate_apply_stays_disabled_until_the_exact_name_is_typed() -> None:
    fixer = FakeFixer()
    async with console(load(*PLAIN), fixer=fixer) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        assert wizard.plan.recreate
        await to_confirm(wizard, pilot)
        apply = wizard.query_one("#fix-apply", Button)
        name = wizard.query_one("#confirm-name", Input)
        assert app.focused is name
        assert apply.disabled
        for typed in ("work", "Worker", "worker "):
            name.value = ""
            await press_on(pilot, name, *typed)
            assert apply.disabled, typed
            await pilot.press("enter")  # Enter does nothing either
            await pilot.pause()
            assert wizard.step == "confirm"
        name.value = ""
        await press_on(pilot, name, *"worker")
        assert not apply.disabled
        assert not fixer.plans
        await press_on(pilot, apply, "enter")
        await until_done(wizard, pilot)
        assert len(fixer.plans) == 1


async def test_compose_container_gets_the_snippet_and_no_apply() -> None:
    doc = load("plain", "shop-web-1", 0, {"com.docker.compose.project": "shop",
                                          "com.docker.compose.service": "web"})  # fmt: skip
    fixer = FakeFixer()
    async with console(doc, fixer=fixer) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        assert "compose project shop" in text_of(wizard.query_one("#pick-intro", Static))
        await to_review(wizard, pilot)
        warning = text_of(wizard.query_one("#review-compose", Static))
        assert "compose would revert" in warning
        body = text_of(wizard.query_one("#review-body", Static))
        assert 'services: "web":' in body
        assert not wizard.query_one("#fix-next", Button).display
        assert not wizard.query_one("#fix-apply", Button).display
        wizard.action_next()  # no way on, even by action
        await pilot.pause()
        assert wizard.step == "review"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, FixWizard)
    assert not fixer.plans


# --- applying ---------------------------------------------------------------------------------


async def test_live_plan_confirms_with_one_press_and_shows_progress_and_result() -> None:
    fixer = FakeFixer(after=Grade("A", 93, ("root-user",)))
    async with console(load(*PLAIN), fixer=fixer) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        await only(wizard, pilot, "limits")
        await to_confirm(wizard, pilot)
        assert not wizard.query_one("#confirm-name", Input).display
        apply = wizard.query_one("#fix-apply", Button)
        assert not apply.disabled and app.focused is apply
        await pilot.press("enter")
        await until_done(wizard, pilot)
        steps = text_of(wizard.query_one("#progress-steps", Static))
        assert "Saved the inspect JSON" in steps and "Updated the container" in steps
        result = text_of(wizard.query_one("#progress-result", Static))
        assert "Applied to worker" in result
        assert "memory-unlimited" in result and "pids-unlimited" in result
        assert "Grade now: A 93" in result  # what the fixer measured, not the prediction
        assert "/state/backups/worker-20261128-120000" in result
        assert app.focused is wizard.query_one("#fix-close", Button)
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, FixWizard)
    (got,) = fixer.plans
    assert got.changes == ("limits",) and not got.recreate
    assert got.update_body["Memory"] > 0 and got.update_body["PidsLimit"] > 0


@pytest.mark.parametrize(
    ("fixer", "shown"),
    [
        (FakeFixer("refused", "it was started with --rm"), "Refused: it was started with --rm"),
        (FakeFixer("rolled-back", "it died within 10 s"), "Rolled back"),
        (
            FakeFixer(raises=RuntimeError("engine went away")),
            "Failed: RuntimeError: engine went away",
        ),
    ],
    ids=["refused", "rolled-back", "raised"],
)
async def test_refusal_rollback_and_errors_are_shown(fixer: FakeFixer, shown: str) -> None:
    async with console(load(*PLAIN), fixer=fixer) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        await to_confirm(wizard, pilot)
        await press_on(pilot, wizard.query_one("#confirm-name", Input), *"worker", "enter")
        await until_done(wizard, pilot)
        assert shown in text_of(wizard.query_one("#progress-result", Static))
        assert not wizard.applying and not app.fixing


async def test_escape_and_quit_wait_while_the_fix_runs() -> None:
    release = asyncio.Event()

    class SlowFixer(FakeFixer):
        async def apply(
            self, fix: FixPlan, progress: Callable[[str], None], *, copy_layer: bool = True
        ) -> FixResult:
            progress("Updating")
            await release.wait()
            return await super().apply(fix, progress, copy_layer=copy_layer)

    fixer = SlowFixer()
    async with console(load(*PLAIN), fixer=fixer) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        await to_confirm(wizard, pilot)
        await press_on(pilot, wizard.query_one("#confirm-name", Input), *"worker", "enter")
        assert wizard.applying and app.fixing
        await pilot.press("escape")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and app.screen is wizard
        assert wizard.query_one("#fix-close", Button).disabled
        release.set()
        await until_done(wizard, pilot)
        assert not app.fixing
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, FixWizard)


async def test_escape_cancels_at_every_step_without_calling_the_fixer() -> None:
    fixer = FakeFixer()
    async with console(load(*PLAIN), fixer=fixer) as (app, pilot):
        for step in ("pick", "review", "confirm"):
            wizard = await open_wizard(app, pilot)
            if step == "review":
                await to_review(wizard, pilot)
            elif step == "confirm":
                await to_confirm(wizard, pilot)
                await press_on(pilot, wizard.query_one("#confirm-name", Input), *"worker")
            assert wizard.step == step
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, FixWizard), step
    assert not fixer.plans


async def test_keyboard_only_from_f_to_the_result() -> None:
    """Tab/Shift+Tab, Space and Enter only: no focus() or clicks."""
    fixer = FakeFixer()
    async with console(load(*PLAIN), fixer=fixer) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        seen: list[str | None] = []

        async def move_to(target: str, key: str = "tab") -> None:
            for _ in range(30):
                focused = app.focused
                if focused is not None and focused.id == target:
                    while focused.has_class("-active"):  # a button's press animation
                        await pilot.pause(0.05)
                    return
                seen.append(focused.id if focused else None)
                await pilot.press(key)
            raise AssertionError(f"{key} never reached #{target}; saw {seen}")

        assert app.focused is wizard.query_one("#change-drop-caps")
        await pilot.press("space")  # untick the first change
        assert "drop-caps" not in ticked(wizard)
        await move_to("change-limits")
        await pilot.press("space")  # and tick the limits
        await move_to("fix-next")
        assert {"change-limits", "opt-memory", "change-non-root"} <= set(seen)
        await move_to("change-limits", "shift+tab")  # and back again
        await move_to("fix-next")
        await pilot.press("enter")
        assert wizard.step == "review"
        await pilot.pause(0.1)  # the preview
        await move_to("fix-next")
        await pilot.press("enter")
        assert wizard.step == "confirm"
        assert app.focused is wizard.query_one("#confirm-name")
        await pilot.press(*"worker", "enter")
        await until_done(wizard, pilot)
        assert app.focused is wizard.query_one("#fix-close")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, FixWizard)
    (got,) = fixer.plans
    assert "drop-caps" not in got.changes and "limits" in got.changes


async def test_the_dialog_fits_80x24() -> None:
    async with console(load(*PLAIN), fixer=FakeFixer(), size=SMALL) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        screen = app.screen.region
        for button in ("#fix-next", "#fix-cancel"):
            region = wizard.query_one(button).region
            assert screen.contains_region(region), button
        assert wizard.query_one("#fix-pick").max_scroll_y > 0  # the rest scrolls


@pytest.mark.parametrize("size", [SMALL, LARGE])
async def test_a_long_name_leaves_the_step_in_the_title(size: tuple[int, int]) -> None:
    name = "billing-" + "x" * 60 + "-worker-7"
    async with console(load(PLAIN[0], name, 1), fixer=FakeFixer(), size=size) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        title = wizard.query_one("#fix-title", Static)
        await pilot.pause()
        content = title.content
        assert isinstance(content, Text | Content)
        shown = content.plain
        assert shown.endswith("step 1 of 4: pick changes"), shown
        assert "-worker-7   step" in shown  # the name keeps its end
        assert len(shown) <= title.size.width, (len(shown), title.size.width)


# --- read-only and no fixer -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("read_only", "fixer"), [(True, FakeFixer()), (False, None)], ids=["read-only", "no-fixer"]
)
async def test_no_fix_action_without_a_fixer_or_in_read_only(
    read_only: bool, fixer: FakeFixer | None
) -> None:
    async with console(load(*PLAIN), fixer=fixer, read_only=read_only) as (app, pilot):
        await pilot.press("f")
        await pilot.pause()
        assert not isinstance(app.screen, FixWizard)
        assert "f" not in app.screen.active_bindings
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert not any("Fix" in t for t in titles)
        app.action_fix()  # even called directly
        await pilot.pause()
        assert not isinstance(app.screen, FixWizard)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert all(action != "Fix" for _, action in app.screen.key_bindings)
    if fixer is not None:
        assert not fixer.plans


async def test_fix_binding_is_shown_when_a_fixer_is_given() -> None:
    async with console(load(*PLAIN), fixer=FakeFixer()) as (app, _):
        assert "f" in app.screen.active_bindings


# --- pure helpers -----------------------------------------------------------------------------


def test_applicable_offers_suggested_and_effective_changes_only() -> None:
    hardened = load("hardened", "api", 0)
    report = audit_container(container_from_inspect(hardened), engine())
    offered = applicable(hardened, engine(), suggest(report))
    assert "unprivileged" not in offered
    assert "limits" in offered  # always editable, though it has all three
    privileged = load(*PRIVILEGED)
    assert "unprivileged" in applicable(privileged, engine(), ())


def test_container_text_is_escaped_but_keeps_its_lines() -> None:
    assert safe_lines('services:\n  "web\x1b[2J":') == 'services:\n  "web\\x1b[2J":'


def test_input_checks() -> None:
    assert split_list(" /tmp, /run  /tmp ") == ("/tmp", "/run")
    assert parse_limit("memory", "64m") == (64 * 1024**2, None)
    assert parse_limit("cpus", "1.5") == (1_500_000_000, None)
    assert parse_limit("pids", "") == (None, None)
    assert parse_limit("pids", "2.5")[1] and parse_limit("memory", "lots")[1]
    for odd in ("nan", "inf", "1e400", "-inf"):
        assert parse_limit("cpus", odd) == (None, f"{odd!r} is not a number of CPUs."), odd
    assert split_list("/tmp:rw,noexec,size=64m /run", commas=False) == (
        "/tmp:rw,noexec,size=64m",
        "/run",
    )


def test_nothing_that_can_break_a_service_is_preticked() -> None:
    risky = {name for name, change in CHANGES.items() if change.risky}
    assert risky == RISKY
    assert set(preticked(tuple(CHANGES))) == {"drop-caps", "no-new-privileges", "default-seccomp"}


def test_limits_start_from_visible_suggestions_only_where_unlimited() -> None:
    assert limit_defaults(load(*PLAIN)) == {"memory": "512m", "cpus": "1", "pids": "256"}
    hardened = load("hardened", "api", 0)
    assert limit_defaults(hardened) == {"memory": "", "cpus": "", "pids": ""}
    assert suggested_options(hardened) == Options()


# --- the console's fixer ----------------------------------------------------------------------


async def test_the_engine_fixer_reports_an_unreachable_engine_as_failed(tmp_path: Path) -> None:
    endpoint = resolve_endpoint(host=f"unix://{tmp_path}/no-engine.sock", env={})
    fixer = EngineFixer(endpoint, State(tmp_path / "state"))
    lines: list[str] = []
    limits = plan(load(*PLAIN), ["limits"], engine(), Options(pids_limit=100))
    result = await fixer.apply(limits, lines.append)
    assert result.status == "failed"
    assert result.container_name == "worker"
    assert str(tmp_path) in result.message
    preview = await fixer.preview(limits)
    assert preview.refusal is not None and str(tmp_path) in preview.refusal
    assert not (tmp_path / "state").exists()  # nothing was attempted


# --- limits, the writable layer, the measured grade --------------------------------------------


async def test_each_limit_is_edited_and_only_those_asked_are_sent() -> None:
    fixer = FakeFixer()
    async with console(load(*PLAIN), fixer=fixer, size=LARGE) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        await only(wizard, pilot, "limits")
        memory = wizard.query_one("#opt-memory", Input)
        assert wizard.query_one("#opt-limits").display and memory.value == "512m"
        memory.value = "64m"
        wizard.query_one("#opt-cpus", Input).value = ""  # leave the CPU alone
        wizard.query_one("#opt-pids", Input).value = "nope"
        await pilot.pause()
        assert wizard.query_one("#fix-next", Button).disabled
        assert "nope" in text_of(wizard.query_one("#fix-problem", Static))
        wizard.query_one("#opt-pids", Input).value = "50"
        await pilot.pause()
        await to_confirm(wizard, pilot)
        await press_on(pilot, wizard.query_one("#fix-apply", Button), "enter")
        await until_done(wizard, pilot)
    (got,) = fixer.plans
    assert got.update_body == {"Memory": 64 * 1024**2, "MemorySwap": 64 * 1024**2, "PidsLimit": 50}


LAYER = LayerSummary(
    changed=("/etc/app.conf", "/srv/data.bin"),
    deleted=("/bin/ls",),
    items=(CopyItem("/etc/app.conf", True), CopyItem("/srv/data.bin", True)),
    size=2048,
)


@pytest.mark.parametrize("copy", [True, False], ids=["copied", "discarded"])
async def test_review_names_the_writable_layer_and_the_choice_reaches_the_fixer(
    copy: bool,
) -> None:
    fixer = FakeFixer(preview=Preview(layer=LAYER))
    async with console(load(*PLAIN), fixer=fixer, size=LARGE) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        assert wizard.plan.recreate
        await to_confirm(wizard, pilot)  # reads the preview
        await press_on(pilot, wizard.query_one("#fix-back", Button), "enter")
        assert wizard.step == "review"
        layer = text_of(wizard.query_one("#review-layer", Static))
        assert "holds 2 added or changed paths (2.0 kB in all)" in layer
        assert "/etc/app.conf" in layer and "/srv/data.bin" in layer and "/bin/ls" in layer
        box = wizard.query_one("#copy-layer", Checkbox)
        assert box.display and box.value
        if not copy:
            await press_on(pilot, box, "space")
            assert "NOT copied" in text_of(wizard.query_one("#review-layer", Static))
        await press_on(pilot, wizard.query_one("#fix-next", Button), "enter")
        await press_on(pilot, wizard.query_one("#confirm-name", Input), *"worker", "enter")
        await until_done(wizard, pilot)
    assert fixer.copies == [copy]


async def test_a_refusal_found_by_the_preview_blocks_the_confirm() -> None:
    fixer = FakeFixer(preview=Preview(refusal="worker is locked by another fix."))
    async with console(load(*PLAIN), fixer=fixer, size=LARGE) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        await to_review(wizard, pilot)
        await pilot.pause(0.1)
        assert "locked by another fix" in text_of(wizard.query_one("#review-layer", Static))
        assert wizard.query_one("#fix-next", Button).disabled
        wizard.action_next()
        await pilot.pause()
        assert wizard.step == "review"
    assert not fixer.plans


async def test_a_read_only_root_with_layer_files_asks_to_untick_the_copy() -> None:
    fixer = FakeFixer(preview=Preview(layer=LAYER))
    async with console(load(*PLAIN), fixer=fixer, size=LARGE) as (app, pilot):
        wizard = await open_wizard(app, pilot)
        await only(wizard, pilot, "read-only")
        await to_review(wizard, pilot)
        await wait_for(pilot, lambda: wizard.preview is not None, "the preview")
        layer = text_of(wizard.query_one("#review-layer", Static))
        assert "cannot be copied into a read-only root file system" in layer
        assert "untick the copy" in layer and "--discard-layer" not in layer
        assert wizard.query_one("#fix-next", Button).disabled
        await press_on(pilot, wizard.query_one("#copy-layer", Checkbox), "space")
        reread = text_of(wizard.query_one("#review-layer", Static))
        assert "NOT copied (the copy is unticked)" in reread
        assert not wizard.query_one("#fix-next", Button).disabled
        await press_on(pilot, wizard.query_one("#fix-next", Button), "enter")
        await press_on(pilot, wizard.query_one("#confirm-name", Input), *"worker", "enter")
        await until_done(wizard, pilot)
        result = text_of(wizard.query_one("#progress-result", Static))
        assert "The 2 changed paths of its writable layer were not copied" in result
    assert fixer.copies == [False]


async def test_an_interrupted_fix_is_followed_to_its_end_and_offered_again_later() -> None:
    journal = Journal(
        fix_id="20261201-120000-worker-abc123", endpoint="unix:///var/run/docker.sock",
        name="worker", old_id="1" * 64, temp_name="worker-new-20261201-120000",
        backup_name="worker-backup-20261201-120000", failed_name="worker-failed-20261201-120000",
        backup_dir="", plan=["drop-caps"], options={},
        original_restart_policy={"Name": "no", "MaximumRetryCount": 0}, old_was_running=True,
        step="verify",
    )  # fmt: skip
    fixer = FakeFixer(message="worker was re-created.", after=Grade("A", 91, ()))
    fixer.waiting = [journal]
    app = DockerTUI(source(load(*PLAIN)), fixer=fixer, interrupted=[journal])
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ResumeScreen)
        # The backup name belongs to Finish: a rollback leaves no backup behind.
        intro = " ".join(text_of(app.screen.query_one("#resume-text", Static)).split())
        assert "keeping the original as worker-backup-20261201-120000; Roll back" in intro
        await pilot.press("escape")  # later
        await pilot.pause()
        assert not isinstance(app.screen, ResumeScreen)
        titles = {c.title: c for c in app.get_system_commands(app.screen)}
        titles["Resume an interrupted fix…"].callback()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ResumeScreen)
        await press_on(pilot, screen.query_one("#finish", Button), "enter")
        await wait_for(pilot, lambda: screen.result is not None, "the resume finishing")
        shown = text_of(screen.query_one("#resume-steps", Static))
        assert "Renaming web-new-20261201-120000 to web." in shown
        assert "Applied to worker" in shown and "Grade now: A 91" in shown
        await press_on(pilot, screen.query_one("#close", Button), "enter")
        assert not isinstance(app.screen, ResumeScreen)
    assert fixer.resumed == [("worker", "finish")]


async def test_ticks_and_choices_say_their_state_without_colour() -> None:
    async with console(load(*PLAIN), fixer=FakeFixer()) as (app, pilot):
        wizard = await open_wizard(app, pilot)

        def mark(selector: str) -> str:
            return wizard.query_one(selector)._button.plain  # type: ignore[attr-defined]

        assert (mark("#change-drop-caps"), mark("#change-non-root")) == ("[x]", "[ ]")
        assert (mark("#preset-hardening"), mark("#preset-strict")) == ("(•)", "( )")

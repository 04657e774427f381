"""The guided tour without an engine: the lessons against the check registry
and the fix wizard's changes, the choice of each lesson's example on the
showcase fleet (held to the check functions themselves, run again on the
container), and the tour screen driven with Pilot: every lesson reached with
next and back, the progress text, `--lesson`, `f` opening the wizard with the
lesson's change ticked, and a hostile container name shown escaped."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.text import Text
from textual.widgets import Checkbox, Static

from dockertui.audit import CHECKS, ContainerReport, audit_container, audit_engine
from dockertui.engine.snapshot import SnapshotSource
from dockertui.fixes.plan import CHANGES
from dockertui.model import Container, container_from_inspect
from dockertui.model.container import LAB_LABEL
from dockertui.tour.lessons import BY_ID, LESSONS
from dockertui.tour.pick import about_containers, checks_of, pick
from dockertui.ui.app import DockerTUI
from dockertui.ui.fix_wizard import FixWizard
from dockertui.ui.main_screen import MainScreen
from dockertui.ui.tour_screen import TourScreen

from showcase import showcase_fixer, showcase_source

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BACKUP_STAMP = "-backup-20261201-101010"


def reports(source: SnapshotSource) -> list[ContainerReport]:
    return [audit_container(c, source.engine) for c in source.containers]


def fires(check: str, container: Container, source: SnapshotSource) -> bool:
    """Whether the check's own function, run again, reports a hit."""
    fn = CHECKS[check].fn
    assert fn is not None
    return bool(fn(container, source.engine))


def fixture_container(case: str, name: str, index: int) -> Container:
    doc = json.loads((FIXTURES / "inspect" / f"{case}.json").read_text())
    doc["Id"] = f"{index:02d}" + doc["Id"][2:]
    doc["Name"] = f"/{name}"
    return container_from_inspect(doc)


# -- the lessons -----------------------------------------------------------------------


def test_the_twelve_lessons_name_real_checks_and_changes() -> None:
    assert len(LESSONS) == 12 and len(BY_ID) == 12
    assert [lesson.id for lesson in LESSONS][:2] == ["root", "capabilities"]
    for lesson in LESSONS:
        assert lesson.explanation and lesson.checks and lesson.cures, lesson.id
        unknown = [c for c in (*lesson.checks, *lesson.not_with) if c not in CHECKS]
        assert not unknown, (lesson.id, unknown)
        assert all(c in CHANGES for c in lesson.changes), lesson.id
        # a lesson the wizard cannot fix says what to do instead
        assert lesson.changes or lesson.by_hand, lesson.id
        assert all(CHECKS[c].scope in ("container", "engine") for c in lesson.checks)


def test_every_change_a_lesson_offers_clears_one_of_its_checks() -> None:
    """What `f` ticks must be about the lesson: each change, planned alone on
    the lesson's example in the showcase, clears a finding of the lesson
    (or, when it cannot apply to that example, is not offered there)."""
    from dockertui.fixes.plan import plan

    source = showcase_source()
    found = reports(source)
    for lesson in LESSONS:
        example = pick(lesson, found)
        if example is None:
            continue
        for change in lesson.changes:
            fix = plan(example.container.raw, [change], source.engine, validate=False)
            if fix.document == example.container.raw:
                continue  # nothing to change on this one
            assert set(fix.cleared) & set(lesson.checks), (lesson.id, change, fix.cleared)


# -- choosing the example --------------------------------------------------------------------


def test_each_container_lesson_shows_a_container_with_its_finding() -> None:
    source = showcase_source()
    found = reports(source)
    shown = {}
    for lesson in LESSONS:
        example = pick(lesson, found)
        if not about_containers(lesson):
            assert example is None, lesson.id
            continue
        if example is None:
            # then truly no container of the showcase fires one of its checks
            for c in source.containers:
                assert not any(fires(k, c, source) for k in checks_of(lesson, "container"))
            continue
        assert any(fires(k, example.container, source) for k in checks_of(lesson, "container"))
        shown[lesson.id] = example.container.name
    # the showcase's cases, as a person would pick them
    assert shown["capabilities"] == "vpn-gateway"  # not the privileged one: it holds all
    assert shown["privileged"] == "legacy-billing"
    assert shown["host-namespaces"] == "node-exporter"
    assert shown["docker-socket"] == "ci-runner"
    assert shown["network"] == "web"
    # seccomp is off only on the privileged container here: it is taken after all
    assert shown["seccomp"] == "legacy-billing"


def test_a_fixs_backup_is_never_the_example() -> None:
    sock = fixture_container("docker-socket", "ci", 1)
    backup = replace(sock, id="02" + sock.id[2:], name="ci" + BACKUP_STAMP)
    base = showcase_source()
    only_backup = SnapshotSource(base.engine, [backup])
    assert pick(BY_ID["docker-socket"], reports(only_backup)) is None
    both = SnapshotSource(base.engine, [backup, sock])
    chosen = pick(BY_ID["docker-socket"], reports(both))
    assert chosen is not None and chosen.container.name == "ci"


def test_on_a_lab_only_the_labs_containers_are_examples() -> None:
    """A worse case outside the lab (someone's own service on the same
    engine) is never offered; with no lab on the engine, it is."""
    base = showcase_source()
    # the same risk, and a name that would win the tie: only the label decides
    theirs = fixture_container("docker-socket", "a-their-ci", 1)
    ours = fixture_container("docker-socket", "lab-ci-runner", 2)
    ours = replace(ours, labels={**ours.labels, LAB_LABEL: "lab"})
    lesson = BY_ID["docker-socket"]
    both = reports(SnapshotSource(base.engine, [theirs, ours]))
    chosen = pick(lesson, both)
    assert chosen is not None and chosen.container.name == "lab-ci-runner"
    alone = pick(lesson, reports(SnapshotSource(base.engine, [theirs])))
    assert alone is not None and alone.container.name == "a-their-ci"


def test_a_running_container_is_shown_before_a_stopped_one() -> None:
    base = showcase_source()
    running = fixture_container("sshd", "b-running", 1)
    created = fixture_container("sshd-created", "a-created", 2)
    assert running.running and not created.running
    chosen = pick(BY_ID["sshd"], reports(SnapshotSource(base.engine, [created, running])))
    assert chosen is not None and chosen.container.name == "b-running"


# -- the screen ----------------------------------------------------------------------------


def text_of(app: DockerTUI, selector: str) -> str:
    """What a Static of the current screen shows, whitespace collapsed."""
    content = app.screen.query_one(selector, Static).content
    if isinstance(content, Text):
        return " ".join(content.plain.split())
    console = Console(width=200, record=True, color_system=None, file=io.StringIO())
    console.print(content)  # type: ignore[arg-type]
    return " ".join(console.export_text().split())


def title_of(app: DockerTUI) -> str:
    return text_of(app, "#tour-title")


async def test_next_reaches_every_lesson_and_back_returns() -> None:
    app = DockerTUI(showcase_source(), fixer=showcase_fixer, tour="root")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TourScreen)
        for number, lesson in enumerate(LESSONS, 1):
            assert f"lesson {number} of 12: {lesson.title}" in title_of(app)
            assert lesson.explanation[0][:40] in text_of(app, "#tour-text")
            await pilot.press("n" if number % 2 else "right")
        assert "lesson 12 of 12" in title_of(app)  # the last one stays
        await pilot.press("p")
        assert "lesson 11 of 12" in title_of(app)
        await pilot.press("left")
        assert "lesson 10 of 12" in title_of(app)
        for _ in range(12):
            await pilot.press("p")
        assert "lesson 1 of 12" in title_of(app)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_a_lesson_opens_directly_on_its_example() -> None:
    app = DockerTUI(showcase_source(), fixer=showcase_fixer, tour="capabilities")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "lesson 2 of 12: Capabilities and the default set" in title_of(app)
        line = text_of(app, "#tour-example")
        assert "Example: vpn-gateway (running)" in line
        body = text_of(app, "#tour-text")
        assert "$ docker run -d --cap-drop ALL --cap-add NET_BIND_SERVICE IMAGE" in body
        assert "vpn-gateway holds beyond it: NET_ADMIN SYS_PTRACE" in body
        assert "Holds dangerous capabilities cap-dangerous" in body


async def test_f_opens_the_wizard_with_the_lessons_change_ticked() -> None:
    app = DockerTUI(showcase_source(), fixer=showcase_fixer, tour="capabilities")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        wizard = app.screen
        assert isinstance(wizard, FixWizard)
        assert wizard.container_name == "vpn-gateway"
        ticked = [n for n in wizard.changes if wizard.query_one(f"#change-{n}", Checkbox).value]
        assert ticked == ["drop-caps"]  # and not the wizard's other suggestions
        assert wizard.plan.changes == ("drop-caps",)
        await pilot.press("escape")
        assert isinstance(app.screen, TourScreen)


async def test_a_risky_change_is_offered_not_ticked() -> None:
    app = DockerTUI(showcase_source(), fixer=showcase_fixer, tour="privileged")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        shown = text_of(app, "#tour-text")
        assert "This lesson's change “Remove --privileged” can break a service" in shown
        assert "so it is not ticked: tick it yourself" in shown
        await pilot.press("f")
        await pilot.pause()
        wizard = app.screen
        assert isinstance(wizard, FixWizard) and wizard.container_name == "legacy-billing"
        assert "unprivileged" in wizard.changes
        assert not wizard.query_one("#change-unprivileged", Checkbox).value


async def test_a_change_that_does_not_apply_to_the_example_is_not_mentioned() -> None:
    """The root lesson's changes include leaving the host's namespaces; its
    example shares none of them, so the lesson neither ticks nor mentions it."""
    from dockertui.fixes.plan import CHANGES

    app = DockerTUI(showcase_source(), fixer=showcase_fixer, tour="root")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TourScreen)
        example = screen.example()
        assert example is not None
        assert not {f.check for f in example.findings} & {"host-network", "host-pid", "host-ipc"}
        assert "host-namespaces" in screen.lesson.changes  # the lesson has it...
        shown = text_of(app, "#tour-text")
        assert CHANGES["host-namespaces"].summary not in shown  # ...but not for this container
        assert "host-namespaces" not in screen.ticked()


async def test_read_only_offers_no_fix() -> None:
    app = DockerTUI(showcase_source(), fixer=showcase_fixer, read_only=True, tour="capabilities")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "Fixes are off in this console (read-only)." in text_of(app, "#tour-text")
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, TourScreen)


async def test_an_engine_lesson_shows_the_engine_findings_and_screen() -> None:
    from dockertui.ui.engine_screen import EngineScreen

    source = showcase_source()
    ids = {f.check for f in audit_engine(source.engine, source.client)}
    assert "engine-outdated" in ids  # the captured 20.10.24 engine
    app = DockerTUI(source, fixer=showcase_fixer, tour="updates")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "The engine: 2 findings of this lesson" in text_of(app, "#tour-example")
        assert "engine-outdated" in text_of(app, "#tour-text")
        await pilot.press("e")
        assert isinstance(app.screen, EngineScreen)
        await pilot.press("escape")
        await pilot.press("n")
        assert "lesson 11 of 12: TLS for remote clients" in title_of(app)
        assert "no finding of this lesson" in text_of(app, "#tour-example")


async def test_a_hostile_container_name_is_shown_escaped() -> None:
    evil = "ci[bold red]x[/]\x1b]0;owned\x07"
    sock = replace(fixture_container("docker-socket", "ci", 1), name=evil)
    base = showcase_source()
    app = DockerTUI(SnapshotSource(base.engine, [sock]), fixer=showcase_fixer, tour="docker-socket")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        line = text_of(app, "#tour-example")
        assert "Example: ci[bold red]x[/]\\x1b]0;owned\\x07 (running)" in line
        assert "\x1b" not in line and "\x07" not in line


async def test_hostile_capabilities_and_state_are_shown_escaped() -> None:
    plain = fixture_container("plain", "odd", 1)
    odd = replace(plain, cap_add=("NET_ADMIN", "X\x1b[2J"), state="running\x1b[31m")
    base = showcase_source()
    app = DockerTUI(SnapshotSource(base.engine, [odd]), fixer=showcase_fixer, tour="capabilities")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        shown = text_of(app, "#tour-example") + text_of(app, "#tour-text")
        assert "(running\\x1b[31m)" in shown
        assert "\\x1b[2J" in shown  # the capability it claims to hold, as it is named
        assert "\x1b" not in shown


def test_an_unknown_lesson_is_one_sentence_and_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dockertui", "tour", "--lesson", "nope\x1b[2J"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and not done.stdout
    assert lines[0].startswith("dockertui: There is no lesson 'nope\\x1b[2J'")
    listed = re.findall(r"[a-z-]+", lines[0].split("the lessons are ", 1)[1])
    assert [w for w in listed if w != "and"] == [lesson.id for lesson in LESSONS]


async def test_help_lists_the_tours_keys() -> None:
    from dockertui.ui.help_screen import HelpScreen

    app = DockerTUI(showcase_source(), fixer=showcase_fixer, tour="root")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = dict(app.keys_of(app.screen_stack[-2]))
        assert keys["n"] == "Next" and keys["p"] == "Back" and keys["f"] == "Fix it"
        assert keys["escape"] == "Leave the tour"
        await pilot.press("escape")
        assert isinstance(app.screen, TourScreen)


async def test_the_palette_opens_the_tour_from_the_console() -> None:
    app = DockerTUI(showcase_source(), fixer=showcase_fixer)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["Guided tour"].callback()
        await pilot.pause()
        assert isinstance(app.screen, TourScreen)
        assert "lesson 1 of 12: Root in a container is root on the host" in title_of(app)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_the_example_is_followed_by_name_through_a_re_create() -> None:
    """What a re-create looks like to the console: the container goes, and
    one of the same name (a new id) comes with the fix in it."""
    from dockertui.engine.watch import ContainerChanged, ContainerRemoved

    unconfined = fixture_container("seccomp-unconfined", "renderer", 1)
    fixed = fixture_container("plain", "renderer", 2)
    base = showcase_source()
    app = DockerTUI(SnapshotSource(base.engine, [unconfined]), fixer=showcase_fixer, tour="seccomp")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        tour = app.screen
        assert isinstance(tour, TourScreen) and tour.example_name == "renderer"
        before = tour.before
        assert before is not None and tour.check_action("fix", ()) is True

        app._on_engine_update(ContainerRemoved(unconfined.id))
        await pilot.pause(0.3)
        assert "not in the fleet right now" in text_of(app, "#tour-example")
        assert tour.check_action("fix", ()) is False

        app._on_engine_update(ContainerChanged(fixed))
        await pilot.pause(0.3)
        now = tour.example()
        assert now is not None and now.container.id == fixed.id and now.score > before.score
        grades = f"{before.grade} {before.score} → now {now.grade} {now.score}"
        assert f"Example: renderer (running) · grade {grades}" in text_of(app, "#tour-example")
        body = text_of(app, "#tour-text")
        assert "✔ cleared since the lesson opened: seccomp-disabled" in body
        assert (
            f"Nothing of this lesson is left to fix on renderer: its grade went from "
            f"{before.grade} {before.score} to {now.grade} {now.score}." in body
        )
        await pilot.press("f")  # nothing left: no wizard
        await pilot.pause()
        assert app.screen is tour


async def test_a_lesson_shows_the_examples_own_flags_its_fix_changes() -> None:
    app = DockerTUI(showcase_source(), fixer=showcase_fixer, tour="privileged")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        body = text_of(app, "#tour-text")
        assert "Its docker run flags, with the lesson's unprivileged:" in body
        assert "- --privileged --security-opt label=disable" in body
        await pilot.press("n", "n", "n")  # network: web publishes on every interface
        body = text_of(app, "#tour-text")
        assert "with the lesson's localhost-ports:" in body
        assert "- -p 18083:53/udp -p 0.0.0.0:18082:8080/tcp" in body
        assert "+ -p 127.0.0.1:18083:53/udp -p 127.0.0.1:18082:8080/tcp" in body


def test_flag_change_is_none_when_no_lesson_change_applies() -> None:
    from dockertui.tour.flags import flag_change

    source = showcase_source()
    by_name = {r.container.name: r for r in reports(source)}
    # seccomp is off on legacy-billing because it is privileged: removing a
    # seccomp option it does not have changes nothing
    assert flag_change(BY_ID["seccomp"], by_name["legacy-billing"], source.engine) is None
    found = flag_change(BY_ID["root"], by_name["worker"], source.engine)
    assert found is not None and found.changes == ("non-root", "no-new-privileges")
    assert found.removed == () and found.added == (
        "--user 1000:1000",
        "--security-opt no-new-privileges:true",
    )

"""The guided tour: one lesson per risk, each shown on a live example.

`TourScreen(state, lesson_id, fix=..., label=...)` is a screen over the
console. It reads the console's own `FleetState` (the app calls
`fleet_changed` after every repaint, so the grade shown is always the one
the audit gives now), takes each lesson from `tour/lessons.py` and its
example from `tour/pick.py`: a container whose findings include the
lesson's checks, and the engine's findings of the lesson's engine checks.

The example is chosen when the lesson opens and followed by name, since a
re-create gives the fixed container a new id; the grade it had then stays
on screen next to the grade it has now. `f` opens the console's fix wizard
(`fix`, the app's `fix_container`) on it with the lesson's changes ticked
(not those that can break a service: the wizard offers those with their
warning). Keys: n/→ next, p/← back, f fix, e the engine screen, Escape
leaves the tour for the console, q quits. Everything from a container goes through
`printable` into Text, never into markup. Styles live in css/tour.tcss."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from dockertui.audit import ContainerReport, Finding
from dockertui.audit import capabilities as caps
from dockertui.fixes.plan import CHANGES, suggest
from dockertui.report.style import GRADE_STYLE, severity_label
from dockertui.text import printable
from dockertui.tour.flags import flag_change
from dockertui.tour.lessons import BY_ID, LESSONS, Extra, Lesson
from dockertui.tour.pick import about_containers, checks_of, lesson_findings, pick
from dockertui.ui.engine_screen import EngineScreen
from dockertui.ui.fleet_state import FleetState
from dockertui.ui.scrolling import KeyScroll
from dockertui.ui.widgets import NOTICE_STYLE

#: Opens the fix wizard on a container with these changes ticked; False
#: when the console does not offer it (it then says why).
FixOpener = Callable[[ContainerReport, Sequence[str]], bool]

MUTED = "dim"
GOOD = "green"
BAD = "red"
HEAD = "bold underline"
COMMAND = "bold"
NOTICE = NOTICE_STYLE  # as the console's header shows it


def grade_text(grade: str, score: int) -> Text:
    return Text().append(f"{grade} {score}", style=GRADE_STYLE.get(grade, ""))


class TourScreen(Screen[None]):
    """The tour (see the module doc)."""

    BINDINGS = [
        Binding("n", "next", "Next"),
        Binding("right", "next", "Next", show=False, priority=True),
        Binding("p", "back", "Back"),
        Binding("left", "back", "Back", show=False, priority=True),
        Binding("f", "fix", "Fix it"),
        Binding("e", "engine", "Engine"),
        Binding("escape", "leave", "Leave the tour"),
        Binding("q", "app.quit", "Quit", show=False),
        Binding("question_mark", "app.help", "Help"),
    ]

    def __init__(
        self,
        state: FleetState,
        lesson: str | None = None,
        *,
        fix: FixOpener | None = None,
        label: str = "",
        notice: str = "",
    ) -> None:
        """`lesson`: the id to start at (default the first); `fix`: None
        when the console offers no fixes (read-only); `label`: where the
        fleet comes from, as the console's header names it; `notice`: what
        the header says in every layout (the demo: that it is simulated),
        shown instead of the label."""
        super().__init__()
        self.state = state
        self.index = [item.id for item in LESSONS].index(BY_ID[lesson].id) if lesson else 0
        self.fix = fix
        self.label = label
        self.notice = notice
        self.example_name: str | None = None  # the container the lesson shows
        self.before: ContainerReport | None = None  # as it was when chosen
        self._last: ContainerReport | None = None  # as last seen in the fleet
        self._shown: tuple[object, ...] = ()  # what the body was drawn from

    @property
    def lesson(self) -> Lesson:
        return LESSONS[self.index]

    @property
    def progress(self) -> str:
        return f"lesson {self.index + 1} of {len(LESSONS)}"

    # -- layout -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        notice = Static(
            Text().append(f" {printable(self.notice)} ", style=NOTICE), id="tour-notice"
        )
        notice.display = bool(self.notice)
        yield notice
        with Horizontal(id="tour-head"):
            yield Static(id="tour-title")
            label = "" if self.notice else printable(self.label)
            yield Static(Text().append(label, style=MUTED), id="tour-source")
        yield Static(id="tour-example")
        with KeyScroll(id="tour-body"):
            yield Static(id="tour-text")
        yield Footer()

    def on_mount(self) -> None:
        self.show_lesson(self.index)

    # -- the example ----------------------------------------------------------------

    def _choose(self) -> None:
        """The lesson's example, chosen from the fleet as it is now."""
        found = pick(self.lesson, self.state.reports.values()) if self.state.engine else None
        self.example_name = found.container.name if found else None
        self.before = self._last = found

    def example(self) -> ContainerReport | None:
        """The chosen container as the fleet shows it now, found by name (a
        re-create gives it another id); None while it is not there."""
        if self.example_name is None:
            return None
        for report in self.state.reports.values():
            if report.container.name == self.example_name:
                self._last = report
                return report
        return None

    def fleet_changed(self) -> None:
        """The console's fleet changed: draw again what it changed."""
        if self.example_name is None and about_containers(self.lesson):
            self._choose()  # the fleet arrived, or a container with the risk did
        self._draw()

    # -- drawing ------------------------------------------------------------------

    def show_lesson(self, index: int) -> None:
        self.index = index
        self._choose()
        self._shown = ()
        self._draw()
        self.query_one("#tour-body", KeyScroll).scroll_home(animate=False)

    def _draw(self) -> None:
        now = self.example()
        drawn_from = (self.index, now, self._last, self.state.engine_findings, self.state.engine)
        if len(drawn_from) == len(self._shown) and all(
            a is b for a, b in zip(drawn_from, self._shown, strict=True)
        ):
            return  # nothing it shows changed
        self._shown = drawn_from
        title = Text().append(f"Tour · {self.progress}: {self.lesson.title}", style="bold")
        self.query_one("#tour-title", Static).update(title)
        self.query_one("#tour-example", Static).update(self._example_line(now))
        self.query_one("#tour-text", Static).update(self._body(now))
        self.refresh_bindings()

    def _example_line(self, now: ContainerReport | None) -> Text:
        lesson = self.lesson
        line = Text()
        if self.state.engine is None:
            return line.append("Waiting for the fleet…", style=MUTED)
        if not about_containers(lesson):
            found = self._engine_findings()
            line.append("The engine: ", style="bold")
            if found:
                line.append(f"{len(found)} finding{'s' if len(found) != 1 else ''} of this lesson")
            else:
                line.append("no finding of this lesson", style=GOOD)
            return line.append(" · e shows the engine screen", style=MUTED)
        if self.before is None:
            return line.append("No container in this fleet shows this risk.", style=MUTED)
        shown = now or self._last or self.before
        line.append("Example: ", style="bold")
        line.append(printable(self.example_name), style="bold")
        line.append(f" ({printable(shown.container.state)})", style=MUTED)
        line.append(" · grade ")
        line.append_text(grade_text(self.before.grade, self.before.score))
        if now is None:
            line.append(" · not in the fleet right now", style=MUTED)
        elif (now.grade, now.score) != (self.before.grade, self.before.score):
            line.append(" → now ")
            line.append_text(grade_text(now.grade, now.score))
        return line

    def _engine_findings(self) -> tuple[Finding, ...]:
        return lesson_findings(self.lesson, self.state.engine_findings)

    def _body(self, now: ContainerReport | None) -> RenderableType:
        lesson = self.lesson
        parts: list[RenderableType] = [Text(p + "\n") for p in lesson.explanation]
        parts.append(self._in_this_fleet(now))
        if lesson.extra is Extra.DEFAULT_CAPS:
            parts.append(self._default_caps(now or self._last))
        parts.append(self._commands("What brings it in", lesson.causes, "No docker run flag does."))
        parts.append(self._commands("What keeps it out", lesson.cures, ""))
        parts.append(self._fix_hint(now))
        return Group(*parts)

    def _in_this_fleet(self, now: ContainerReport | None) -> RenderableType:
        lesson = self.lesson
        rows: list[RenderableType] = [Text().append("In this fleet", style=HEAD)]
        if about_containers(lesson):
            shown = now or self._last
            if shown is None:
                ids = ", ".join(checks_of(lesson, "container"))
                rows.append(
                    Text().append(
                        f"No container has a finding of {ids}: nothing to show here.", MUTED
                    )
                )
            else:
                rows.append(self._container_findings(shown))
        found = self._engine_findings()
        engine_checks = checks_of(lesson, "engine")
        if engine_checks:
            if found:
                rows.append(Text().append("The engine:", style="bold"))
                rows.append(_findings_table(found))
            else:
                rows.append(Text().append("The engine has no finding of this lesson.", style=GOOD))
            engine = self.state.engine
            if engine is not None and not about_containers(lesson):
                seen = Text().append(
                    printable(f"{engine.name or 'engine'} {engine.version}"), MUTED
                )
                seen.append(printable(f", reached at {self.state.client.endpoint}"), MUTED)
                rows.append(seen)
        rows.append(Text())
        return Group(*rows)

    def _container_findings(self, shown: ContainerReport) -> RenderableType:
        own = lesson_findings(self.lesson, shown.findings)
        name = printable(self.example_name)
        rows: list[RenderableType] = []
        if own:
            rows.append(Text().append(f"{name}:", style="bold"))
            rows.append(_findings_table(own))
            if self.state.engine is not None:
                rows.append(self._its_flags(shown))
        else:
            rows.append(
                Text().append(f"{name} has no finding of this lesson any more.", style=GOOD)
            )
        if self.before is not None:
            still = {f.check for f in own}
            cleared = sorted({f.check for f in self.before.findings} & set(self.lesson.checks))
            gone = [c for c in cleared if c not in still]
            if gone:
                rows.append(
                    Text().append(f"✔ cleared since the lesson opened: {', '.join(gone)}", GOOD)
                )
        return Group(*rows)

    def _its_flags(self, shown: ContainerReport) -> RenderableType:
        """Its own flags the lesson's changes take away and add."""
        assert self.state.engine is not None
        found = flag_change(self.lesson, shown, self.state.engine)
        if found is None or not (found.removed or found.added):
            return Text()
        head = Text().append(
            f"Its docker run flags, with the lesson's {', '.join(found.changes)}:", style="bold"
        )
        table = Table.grid(padding=(0, 1))
        table.add_column(width=3, no_wrap=True, justify="right")
        table.add_column(ratio=1)
        for sign, style, some in (("-", BAD, found.removed), ("+", GOOD, found.added)):
            if some:
                flags = Text().append(printable("  ".join(some)), style=COMMAND)
                table.add_row(Text().append(sign, style=style), flags)
        return Group(head, table)

    def _default_caps(self, shown: ContainerReport | None) -> RenderableType:
        text = Text().append(f"Docker's default set ({len(caps.DOCKER_DEFAULT)}): ", style="bold")
        text.append(" ".join(sorted(caps.DOCKER_DEFAULT)))
        if shown is not None:
            extra = sorted(shown.effective_capabilities - caps.DOCKER_DEFAULT)
            text.append(f"\n{printable(self.example_name)} holds beyond it: ", style="bold")
            held = printable(" ".join(extra)) if extra else "nothing"
            text.append(held, style="" if extra else GOOD)
        text.append("\n")
        return text

    @staticmethod
    def _commands(head: str, commands: Sequence[str], empty: str) -> RenderableType:
        rows: list[RenderableType] = [Text().append(head, style=HEAD)]
        if not commands:
            rows.append(Text().append(empty, style=MUTED))
        for command in commands:
            typed, hash_, comment = command.partition("  #")
            line = Text().append("$ ", style=MUTED).append(typed, style=COMMAND)
            if hash_:  # what the command means, after its own "#"
                line.append(f"  #{comment}", style=MUTED)
            rows.append(line)
        rows.append(Text())
        return Group(*rows)

    def _fix_hint(self, now: ContainerReport | None) -> RenderableType:
        lesson = self.lesson
        text = Text().append("Fix it", style=HEAD)
        text.append("\n")
        if not lesson.changes:
            return text.append(lesson.by_hand)
        if now is None:
            return text.append("There is no container here to fix.", MUTED)
        if not lesson_findings(lesson, now.findings):
            text.append(f"Nothing of this lesson is left to fix on {printable(self.example_name)}")
            if self.before is not None:
                text.append(": its grade went from ")
                text.append_text(grade_text(self.before.grade, self.before.score))
                text.append(" to ")
                text.append_text(grade_text(now.grade, now.score))
            return text.append(".")
        if self.fix is None:
            return text.append("Fixes are off in this console (read-only).", MUTED)
        ticked = self.ticked(now)
        risky = [c for c in self.applying(now) if CHANGES[c].risky]
        text.append("Press f: the fix wizard opens on ")
        text.append(printable(self.example_name), style="bold")
        if ticked:
            text.append(" with ")
            text.append("; ".join(CHANGES[c].summary for c in ticked), style="bold")
            text.append(" ticked")
        text.append(".")
        for name in risky:
            text.append(" This lesson's change “")
            text.append(CHANGES[name].summary, style="bold")
            text.append(f"” can break a service ({CHANGES[name].risky}), so it is not ticked: ")
            text.append("tick it yourself if it fits.")
        text.append(" Review, confirm, and watch the score and grade above.")
        return text

    def applying(self, now: ContainerReport | None) -> tuple[str, ...]:
        """The lesson's changes that would clear one of the example's findings
        (the wizard's own suggestion): a lesson's change that does not apply
        to this container is neither ticked nor talked about."""
        if now is None:
            return ()
        wanted = set(suggest(now))
        return tuple(c for c in self.lesson.changes if c in wanted)

    def ticked(self, now: ContainerReport | None = None) -> tuple[str, ...]:
        """The lesson's changes the wizard opens with: those that apply to
        the example and cannot break a service."""
        return tuple(c for c in self.applying(now or self.example()) if not CHANGES[c].risky)

    # -- keys ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "fix":
            now = self.example()
            return (
                bool(self.lesson.changes)
                and self.fix is not None
                and now is not None
                and bool(lesson_findings(self.lesson, now.findings))
            )
        if action == "engine":
            return self.state.engine is not None
        return True

    def action_next(self) -> None:
        if self.index + 1 < len(LESSONS):
            self.show_lesson(self.index + 1)
        else:
            self.notify("That was the last lesson: Escape leaves the tour.", timeout=3)

    def action_back(self) -> None:
        if self.index > 0:
            self.show_lesson(self.index - 1)

    def action_fix(self) -> None:
        report = self.example()
        if report is not None and self.fix is not None and self.check_action("fix", ()):
            self.fix(report, self.ticked())

    def action_engine(self) -> None:
        if self.state.engine is not None:
            self.app.push_screen(
                EngineScreen(self.state.engine, self.state.client, self.state.engine_findings)
            )

    def action_leave(self) -> None:
        self.dismiss()


def _findings_table(findings: Sequence[Finding]) -> Table:
    """One line per finding: severity, title and check id, what was seen."""
    table = Table.grid(padding=(0, 1))
    table.add_column(width=10, no_wrap=True)
    table.add_column(ratio=1)
    for f in findings:
        line = Text().append(printable(f.title), style="bold")
        line.append(f"  {f.check}", style=MUTED)
        if f.detail:
            line.append("\n" + printable(f.detail))
        table.add_row(severity_label(f.severity), line)
    return table

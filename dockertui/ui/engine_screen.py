"""The engine screen: what the daemon is and how it isolates containers,
then every engine and client finding with why it matters and the fix
(the daemon.json change for daemon fixes). Styles live in css/engine.tcss.

`engine_posture(findings)` gives the one-line summary the header shows."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from dockertui.audit import CHECKS, Finding, NotApplicable, Severity, engine_not_applicable
from dockertui.model import ClientFacts, EngineInfo
from dockertui.report.style import STYLE, counts_text
from dockertui.text import printable
from dockertui.ui.engine_settings import settings_view
from dockertui.ui.facts.common import DANGER, MUTED, OK, WARN, Facts, lines, noted, value
from dockertui.ui.finding_view import findings_group
from dockertui.ui.scrolling import KeyScroll
from dockertui.ui.sections import facts_table
from dockertui.ui.services_screen import swarm_line
from dockertui.ui.widgets import NoticeBar


def engine_posture(findings: Sequence[Finding], engine: str = "engine") -> Text:
    """One line for the header: the worst engine finding, or that there is none;
    `engine`: what to call the engine (its name, in a fleet).

    e.g. "engine: MEDIUM icc-enabled — Containers on the default bridge can all talk ..."."""
    text = Text(f"{printable(engine)}: ")
    if not findings:
        text.append("no findings", style=OK)
        return text
    worst = max(findings, key=lambda f: f.severity.rank)  # first of the worst, order kept
    text.append(worst.severity.value.upper(), style=STYLE[worst.severity])
    text.append(f" {worst.check}", style="bold")
    text.append(" — ")
    text.append(printable(worst.title))
    return text


def _runner(engine: EngineInfo) -> str:
    """What runs the containers: Podman has no daemon, only its API service."""
    return "the Podman service" if engine.podman else "the daemon"


def _on_off(flag: bool, on_note: str = "", off_note: str = "", *, good: bool = True) -> Text:
    if flag:
        return noted("on", on_note, OK if good else WARN)
    return noted("off", off_note, WARN if good else OK)


#: What the summary shows for a setting whose check does not apply here.
DOES_NOT_APPLY = "does not apply"


def _or_not_here(engine: EngineInfo, check: str, shown: Text) -> Text:
    """`shown`, or "does not apply" where the setting's check does not apply
    to this engine (Podman's live restore, its icc)."""
    return shown if CHECKS[check].not_applicable(engine) is None else Text(DOES_NOT_APPLY, MUTED)


def _isolation(engine: EngineInfo) -> Facts:
    seccomp = engine.option("seccomp", "profile") or "default"
    return [
        (
            "rootless",
            noted("yes", f"{_runner(engine)} runs as an ordinary user", OK)
            if engine.rootless
            else noted("no", f"{_runner(engine)} runs as root", WARN),
        ),
        ("userns-remap", _on_off(engine.userns, "container root is not host root")),
        (
            "seccomp",
            noted("on", f"profile {seccomp}", OK)
            if engine.has_option("seccomp")
            else noted("off", "no container gets a syscall filter", DANGER),
        ),
        ("AppArmor", _on_off(engine.has_option("apparmor"), "", "not available")),
        ("SELinux", _on_off(engine.has_option("selinux"), "", "not available")),
        (
            "no-new-privileges",
            _or_not_here(
                engine,
                "nnp-daemon-off",
                _on_off(
                    engine.has_option("no-new-privileges"), "for every container", "not by default"
                ),
            ),
        ),
        (
            "icc",
            _or_not_here(
                engine,
                "icc-enabled",
                Text("unknown", style=MUTED)
                if engine.icc is None
                else _on_off(engine.icc, "default bridge allows all traffic", "", good=False),
            ),
        ),
    ]


def engine_summary(engine: EngineInfo, client: ClientFacts) -> RenderableType:
    """Name, versions, OS, kernel, flavor, isolation options, live restore,
    logging, components, and how this client reaches the engine."""
    components = lines(
        value(f"{name} {version}") for name, version in sorted(engine.components.items())
    )
    transport = value(client.endpoint)
    transport.append(f"  context {printable(client.context)}", style=MUTED)
    if client.tls:
        transport.append(
            "  TLS" + (" verified" if client.tls_verify else " unverified"),
            style=OK if client.tls_verify else DANGER,
        )
    rows: Facts = [
        ("name", value(engine.name or "(unknown)", "bold")),
        ("flavor", value(engine.flavor)),
        ("version", value(engine.version or "(unknown)")),
        ("API", value(engine.api_version or "(unknown)")),
        ("OS", value(engine.os or "(unknown)")),
        ("kernel", value(engine.kernel or "(unknown)")),
        ("endpoint", transport),
        *_isolation(engine),
        (
            "live restore",
            _or_not_here(
                engine,
                "live-restore-off",
                _on_off(engine.live_restore, "", "a daemon restart stops containers"),
            ),
        ),
        (
            "logging driver",
            _or_not_here(engine, "log-local-only", value(engine.logging_driver or "(unknown)")),
        ),
        (
            "swarm",
            _or_not_here(
                engine,
                "swarm-active",
                value(engine.swarm_state, MUTED if engine.swarm_state == "inactive" else "")
                if engine.swarm is None or not engine.swarm.manager
                else value(f"{engine.swarm_state}, manager  ").append_text(
                    swarm_line(engine.swarm)  # its services: w on the main screen
                ),
            ),
        ),
        ("components", components),
    ]
    return facts_table(rows)


def engine_report(
    engine: EngineInfo, client: ClientFacts, findings: Sequence[Finding]
) -> list[RenderableType]:
    """The whole engine screen as renderables: summary, dockerd's settings
    with their sources, then findings (each daemon fix with its diff)."""
    head = Text("Engine findings  ", style="bold underline")
    counts: dict[Severity, int] = {}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    head.append_text(counts_text(counts))
    return [
        Group(Text("Engine", style="bold underline"), engine_summary(engine, client)),
        settings_view(engine),
        Group(
            head,
            findings_group(findings, empty="The engine has no findings."),
            *_not_applicable(engine, engine_not_applicable(engine)),
        ),
    ]


def _not_applicable(engine: EngineInfo, found: Sequence[NotApplicable]) -> list[RenderableType]:
    """The checks that do not apply to this engine, each with why: neither
    passed nor failed, so apart from the findings."""
    if not found:
        return []
    rows: Facts = [(n.check, value(n.reason, MUTED)) for n in found]
    return [
        Text(""),
        Text(f"Does not apply to this {engine.flavor} engine  ", style="bold underline").append(
            f"{len(found)} checks, neither passed nor failed", style=MUTED
        ),
        facts_table(rows),
    ]


class EngineScreen(Screen[None]):
    """Full-screen view of the engine; `escape` or `q` closes it, `?` helps,
    ↑/↓ PgUp/PgDn Home/End scroll it."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("question_mark", "app.help", "Help"),
    ]

    def __init__(
        self, engine: EngineInfo, client: ClientFacts, findings: Sequence[Finding]
    ) -> None:
        super().__init__()
        self.engine = engine
        self.client = client
        self.findings = tuple(findings)

    def compose(self) -> ComposeResult:
        summary, settings, found = engine_report(self.engine, self.client, self.findings)
        yield NoticeBar()
        with KeyScroll(id="engine-body"):
            yield Static(summary, id="engine-summary")
            yield Static(settings, id="engine-settings")
            yield Static(found, id="engine-findings")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss()

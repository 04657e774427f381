"""The security panel, the engine screen and the help screen, driven with
Textual's Pilot on reports built from the captured inspect documents."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console, RenderableType
from textual.app import App, ComposeResult
from textual.widgets import Static

from dockertui.audit import (
    CHECKS,
    ContainerReport,
    Finding,
    Fix,
    FixKind,
    Severity,
    audit_engine,
)
from dockertui.audit import capabilities as caps
from dockertui.model import ClientFacts, Container, EngineInfo
from dockertui.ui.engine_screen import EngineScreen, engine_posture
from dockertui.ui.help_screen import HelpScreen
from dockertui.ui.panel import SecurityPanel
from dockertui.ui.sections import LAYERS, render_report

CSS_DIR = Path(__file__).resolve().parents[2] / "css"
CSS_FILES = [CSS_DIR / "panel.tcss", CSS_DIR / "engine.tcss", CSS_DIR / "help.tcss"]
TITLES = [layer.title for layer in LAYERS]
SECRET_VALUES = ("fixture-not-a-secret", "MIIfake")

Build = Callable[..., Container]
Audit = Callable[..., ContainerReport]


def to_text(renderables: Sequence[RenderableType], width: int = 100) -> str:
    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    for renderable in renderables:
        console.print(renderable)
    return console.export_text()


def flat(text: str) -> str:
    """Whitespace collapsed, so wrapped lines compare as one."""
    return " ".join(text.split())


def shown_text(app: App[Any]) -> str:
    """What the panel's displayed Static widgets hold, top to bottom."""
    panel = app.query_one(SecurityPanel)
    return to_text([w.content for w in panel.query(Static) if w.display])  # type: ignore[misc]


class PanelApp(App[None]):
    """The smallest app that hosts the panel."""

    CSS_PATH = CSS_FILES  # type: ignore[assignment]

    def __init__(self, report: ContainerReport | None, engine: EngineInfo) -> None:
        super().__init__()
        self.report = report
        self.engine = engine

    def compose(self) -> ComposeResult:
        yield SecurityPanel(id="panel")

    def on_mount(self) -> None:
        self.query_one(SecurityPanel).show(self.report, self.engine)


class ScreenApp(App[None]):
    """Pushes one screen over an empty default screen."""

    CSS_PATH = CSS_FILES  # type: ignore[assignment]

    def __init__(self, make_screen: Callable[[], Any]) -> None:
        super().__init__()
        self.make_screen = make_screen

    def on_mount(self) -> None:
        self.push_screen(self.make_screen())


async def panel_text(report: ContainerReport | None, engine: EngineInfo) -> tuple[str, str]:
    """(what the widgets show, the panel's own export) after a real render."""
    app = PanelApp(report, engine)
    async with app.run_test(size=(110, 50)) as pilot:
        await pilot.pause()
        panel = app.query_one(SecurityPanel)
        return shown_text(app), panel.export_text(width=100)


# --- the panel ----------------------------------------------------------------------------


async def test_docker_socket_finding_with_why_and_fix(
    container: Build, audit: Audit, engine_info: EngineInfo
) -> None:
    report = audit(container("docker-socket"))
    (finding,) = [f for f in report.findings if f.check == "docker-socket"]
    shown, exported = await panel_text(report, engine_info)
    for text in (flat(shown), flat(exported)):
        assert flat(finding.title) in text
        assert flat(finding.why) in text
        assert flat(finding.fix.summary) in text
        assert flat(finding.fix.command) in text
        assert "← engine socket" in text
    # the finding sits in the Mounts section, the run flags at the bottom
    mounts, resources = exported.index("\nMounts"), exported.index("\nResources")
    assert exported.index(finding.title) < mounts  # named in the heading too
    assert mounts < exported.index(finding.title, mounts) < resources
    assert exported.rstrip().endswith(
        "Equivalent docker run flags:\n-v /var/run/docker.sock:/var/run/docker.sock"
    )


async def test_sections_in_order_with_header(
    container: Build, audit: Audit, engine_info: EngineInfo
) -> None:
    report = audit(container("plain"))
    shown, exported = await panel_text(report, engine_info)
    for text in (shown, exported):
        lines = [line.strip() for line in text.splitlines()]
        positions = [lines.index(title) for title in TITLES]
        assert positions == sorted(positions)
        assert TITLES == [
            "Identity",
            "Capabilities",
            "Syscalls",
            "MAC",
            "Isolation",
            "Mounts",
            "Resources",
            "Exposure",
            "Image",
        ]
        head = lines[0]
        assert head.startswith(f"{report.grade}  dtui-fixture-plain  dockertui-test/busybox:1")
        assert f"score {report.score}" in head
        assert lines[1] == "4 medium · 4 low · 2 info"


async def test_cap_sys_admin_is_explained(
    container: Build, audit: Audit, engine_info: EngineInfo
) -> None:
    report = audit(container("cap-sys-admin"))
    shown, _ = await panel_text(report, engine_info)
    text = flat(shown)
    assert flat(f"SYS_ADMIN {caps.explain('SYS_ADMIN')}") in text
    capabilities, syscalls = shown.index("Capabilities"), shown.index("Syscalls")
    assert capabilities < shown.index("mount file systems") < syscalls
    # the default set is not explained line by line, only listed
    assert caps.explain("CHOWN") not in text


async def test_privileged_says_every_capability(
    container: Build, audit: Audit, engine_info: EngineInfo
) -> None:
    shown, _ = await panel_text(audit(container("privileged")), engine_info)
    assert "privileged: every capability" in flat(shown)
    assert f"every capability ({len(caps.ALL)})" in flat(shown)


async def test_secret_values_never_shown_names_are(
    container: Build, audit: Audit, engine_info: EngineInfo
) -> None:
    c = container("secrets")
    assert any("MIIfake" in v.value for v in c.env)  # guard: the values are there
    shown, exported = await panel_text(audit(c), engine_info)
    for text in (shown, exported):
        for value in SECRET_VALUES:
            assert value not in text
        assert "DB_PASSWORD=***" in text
        assert "TLS_KEY=***" in text
        assert "-e DB_PASSWORD -e API_TOKEN" in text  # the run flags name them
    # secrets-in-env is listed under Identity
    identity, capabilities = exported.index("Identity"), exported.index("\nCapabilities")
    assert identity < exported.index("Holds secret values") < capabilities


async def test_hostile_strings_are_shown_literally(
    container: Build, audit: Audit, engine_info: EngineInfo
) -> None:
    hostile = "[bold]x\x1b[31mred[/]"
    c = container(
        "docker-socket",
        {
            "Name": f"/evil{hostile}",
            "Mounts.0.Source": f"/srv/{hostile}",
            "Config.Image": f"img{hostile}:1",
            "Config.Env": [f"TOKEN{hostile}=fixture-not-a-secret"],
        },
    )
    report = audit(c)
    shown, exported = await panel_text(report, engine_info)
    literal = "[bold]x\\x1b[31mred[/]"
    for text in (shown, exported):
        assert f"evil{literal}" in text  # name, markup not consumed
        assert f"/srv/{literal}" in text  # mount source
        assert f"img{literal}:1" in text  # image
        assert "\x1b" not in text
        assert "fixture-not-a-secret" not in text


async def test_no_selection_shows_a_hint_and_switching_back(
    container: Build, audit: Audit, engine_info: EngineInfo
) -> None:
    app = PanelApp(None, engine_info)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        panel = app.query_one(SecurityPanel)
        assert "Select a container" in shown_text(app)
        assert "Identity" not in shown_text(app)
        panel.show(audit(container("host-network")), engine_info)
        await pilot.pause()
        text = flat(shown_text(app))
        assert "Select a container" not in text
        assert "host network every listening port is on the host" in text
        assert panel.report is not None and panel.report.container.name.endswith("host-network")
        panel.show(None, engine_info)
        await pilot.pause()
        assert "Select a container" in shown_text(app)
        assert "Identity" not in shown_text(app)


def test_every_finding_lands_in_its_section(
    container: Build, audit: Audit, engine_info: EngineInfo, inspect_case: str
) -> None:
    """Each finding's check id appears inside the section CHECKS names
    (image-section checks in the final Image section)."""
    report = audit(container(inspect_case))
    text = to_text(render_report(report, engine_info), width=200)
    lines = [line.strip() for line in text.splitlines()]
    starts = {title: lines.index(title) for title in TITLES}
    bounds = [*sorted(starts.values()), len(lines)]
    for f in report.findings:
        title = next(layer.title for layer in LAYERS if layer.key == CHECKS[f.check].section)
        start = starts[title]
        end = bounds[bounds.index(start) + 1]
        assert any(f"  {f.check}" in line for line in lines[start:end]), (f.check, title)
    assert "\x1b" not in text


def test_ports_and_interfaces(container: Build, audit: Audit, engine_info: EngineInfo) -> None:
    text = to_text(render_report(audit(container("ports-all-interfaces")), engine_info))
    assert "0.0.0.0:18082->8080/tcp  all interfaces" in text
    loopback = to_text(render_report(audit(container("hardened")), engine_info))
    assert "127.0.0.1:18081->8080/tcp  loopback only" in loopback
    assert "all interfaces" not in loopback
    assert "dtui-fixture-net  172.20.0.2  aliases: 74f523b619f7" in loopback


def test_resources_are_human_readable(
    container: Build, audit: Audit, engine_info: EngineInfo
) -> None:
    text = flat(to_text(render_report(audit(container("hardened")), engine_info)))
    assert "memory 64.0 MiB" in text
    assert "cpu 0.5 CPUs" in text
    assert "pids 64" in text
    assert "restart on-failure (max 3 retries)" in text
    assert "health true starting" in text
    assert "root fs read-only" in text
    assert "no-new-privileges on (set on the container)" in text


def test_nnp_from_the_daemon_and_userns_remap(
    container: Build, audit: Audit, make_engine: Callable[..., EngineInfo]
) -> None:
    engine = make_engine(security_options=["name=no-new-privileges", "name=userns"])
    text = flat(to_text(render_report(audit(container("plain"), engine), engine)))
    assert "no-new-privileges on (the daemon's default)" in text
    assert "root yes (remapped: not root on the host)" in text
    host = flat(to_text(render_report(audit(container("host-userns"), engine), engine)))
    assert "root yes (root on the host too)" in host
    assert "user namespace host (opts out of the engine's remapping)" in host


# --- the engine screen --------------------------------------------------------------------


def screen_text(app: App[Any], *ids: str) -> str:
    return to_text([app.screen.query_one(f"#{i}", Static).content for i in ids])  # type: ignore[misc]


async def test_engine_screen_lists_every_finding_and_daemon_change(
    engine_info: EngineInfo,
) -> None:
    findings = audit_engine(engine_info, ClientFacts())
    assert any(f.check == "icc-enabled" for f in findings)  # guard
    app = ScreenApp(lambda: EngineScreen(engine_info, ClientFacts(), findings))
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, EngineScreen)
        text = flat(screen_text(app, "engine-summary", "engine-findings"))
        for f in findings:
            assert flat(f.title) in text
            assert flat(f.why) in text
            if f.fix.kind is FixKind.DAEMON and f.fix.command:
                assert flat(f"daemon: {f.fix.command}") in text
        assert '/etc/docker/daemon.json: "icc": false, then restart dockerd' in text
        assert "20.10.24+dfsg1" in text
        assert "seccomp on (profile default)" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, EngineScreen)


async def test_engine_screen_closes_with_q(engine_info: EngineInfo) -> None:
    app = ScreenApp(lambda: EngineScreen(engine_info, ClientFacts(), []))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert "The engine has no findings." in screen_text(app, "engine-findings")
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, EngineScreen)


async def test_engine_screen_escapes_daemon_strings(
    make_engine: Callable[..., EngineInfo],
) -> None:
    engine = make_engine(
        info={"Name": "host[bold]1\x1b[31m", "Warnings": ["WARNING: [red]odd[/red] \x1b[2J"]}
    )
    findings = audit_engine(engine, ClientFacts())
    assert any(f.check == "daemon-warnings" for f in findings)  # guard
    app = ScreenApp(lambda: EngineScreen(engine, ClientFacts(), findings))
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause()
        text = screen_text(app, "engine-summary", "engine-findings")
        assert "host[bold]1\\x1b[31m" in text
        assert "WARNING: [red]odd[/red] \\x1b[2J" in text
        assert "\x1b" not in text


def test_engine_posture(engine_info: EngineInfo, make_engine: Callable[..., EngineInfo]) -> None:
    findings = audit_engine(engine_info, ClientFacts())
    assert engine_posture(findings).plain == (
        "engine: MEDIUM icc-enabled — Containers on the default bridge can all talk to each other"
    )
    assert engine_posture([]).plain == "engine: no findings"
    plain_tcp = ClientFacts(endpoint="tcp://10.0.0.5:2375", transport="tcp")
    worst = engine_posture(audit_engine(engine_info, plain_tcp)).plain
    assert worst == "engine: CRITICAL tcp-without-tls — The engine API is reachable without TLS"


def test_engine_posture_escapes_titles() -> None:
    # A title may quote a daemon warning: it is printed, never interpreted.
    f = Finding(
        check="daemon-warnings",
        severity=Severity.LOW,
        cis=None,
        title="[bold]warn\x1b[2J",
        detail="",
        fix=Fix(FixKind.DAEMON, "Fix what the daemon warns about."),
    )
    text = engine_posture([f]).plain
    assert text.endswith("[bold]warn\\x1b[2J")


# --- the help screen ----------------------------------------------------------------------


BINDINGS = [
    ("↑/↓", "Move between containers"),
    ("e", "Engine screen"),
    ("question_mark", "This help"),
    ("f", "Fix the selected finding"),
    ("[bold]x", "Markup stays literal"),
]


@pytest.mark.parametrize("key", ["escape", "question_mark", "q"])
async def test_help_screen_lists_bindings_and_closes(key: str) -> None:
    app = ScreenApp(lambda: HelpScreen(BINDINGS))
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app, "help-bindings", "help-legend")
        for binding, description in BINDINGS:
            assert description in text
            if binding != "question_mark":
                assert binding in text
        # keys are shown as typed
        assert re.search(r"^\?\s+This help", text, re.MULTILINE)
        assert "question_mark" not in text
        for word in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO", *TITLES):
            assert word in text
        assert " A   score ≥ 90" in text
        await pilot.press(key)
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)

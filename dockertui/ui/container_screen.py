"""The security panel as a screen of its own, for narrow terminals (Enter
on the table opens it below 120 columns). Its keys are its own: back, fix
this container, help; the panel scrolls with ↑/↓ PgUp/PgDn Home/End."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from dockertui.audit import ContainerReport
from dockertui.model import EngineInfo
from dockertui.ui.panel import SecurityPanel
from dockertui.ui.widgets import NoticeBar


class ContainerScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("q", "close", "Back", show=False),
        Binding("f", "app.fix", "Fix"),  # this container (the app checks it may)
        Binding("question_mark", "app.help", "Help"),
    ]

    def __init__(self, report: ContainerReport, engine: EngineInfo) -> None:
        super().__init__()
        self.container_id = report.container.key  # unique in a fleet of engines
        self._report: ContainerReport | None = report
        self._engine = engine

    def compose(self) -> ComposeResult:
        yield NoticeBar()
        yield SecurityPanel(id="screen-panel")
        yield Footer()

    def on_mount(self) -> None:
        self.show(self._report, self._engine)

    def show(self, report: ContainerReport | None, engine: EngineInfo | None) -> None:
        if engine is not None:
            self.query_one(SecurityPanel).show(report, engine)

    def action_close(self) -> None:
        self.dismiss()

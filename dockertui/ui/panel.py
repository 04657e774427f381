"""The security panel: everything about the selected container, layer by
layer, with each layer's findings, why they matter and how to fix them.

The content is built by `ui.sections` (pure Rich); this widget only places
it. Styles live in css/panel.tcss."""

from __future__ import annotations

import io

from rich.console import Console, RenderableType
from rich.text import Text
from textual.widgets import Static

from dockertui.audit import ContainerReport
from dockertui.model import EngineInfo
from dockertui.ui.scrolling import KeyScroll
from dockertui.ui.sections import HINT, LAYERS, build_sections, flags_text, header, render_report


class SecurityPanel(KeyScroll):
    """A scrolling column: header, one Static per layer, the run flags.

    Call `show(report, engine)` whenever the selection or the selected
    container changes; `show(None, engine)` shows a hint. Safe to call
    before the panel is mounted (it renders on mount)."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        self._hint = Static(Text(HINT), id="panel-hint")
        self._head = Static(id="panel-head")
        self._sections = {
            layer.key: Static(id=f"panel-{layer.key}", classes="panel-section") for layer in LAYERS
        }
        self._flags = Static(id="panel-flags")
        super().__init__(
            self._hint,
            self._head,
            *self._sections.values(),
            self._flags,
            name=name,
            id=id,
            classes=classes,
        )
        self._report: ContainerReport | None = None
        self._engine = EngineInfo()
        self._shown_id: str | None = None

    @property
    def report(self) -> ContainerReport | None:
        """The report on display, or None."""
        return self._report

    def show(self, report: ContainerReport | None, engine: EngineInfo) -> None:
        """Render `report` (the selected container) against `engine`."""
        self._report = report
        self._engine = engine
        if self.is_mounted:
            self._refresh_content()

    def on_mount(self) -> None:
        self._refresh_content()

    def _refresh_content(self) -> None:
        report = self._report
        content = [self._head, *self._sections.values(), self._flags]
        self._hint.display = report is None
        for widget in content:
            widget.display = report is not None
        if report is None:
            self._shown_id = None
            return
        self._head.update(header(report, self._engine))
        for section in build_sections(report, self._engine):
            self._sections[section.key].update(section.body)
        self._flags.update(flags_text(report))
        if report.container.key != self._shown_id:
            self._shown_id = report.container.key
            self.scroll_home(animate=False)

    def renderables(self) -> list[RenderableType]:
        """What the panel shows, top to bottom (for export and tests)."""
        return render_report(self._report, self._engine)

    def export_text(self, width: int = 100) -> str:
        """The panel as plain text, `width` columns wide."""
        console = Console(
            record=True, width=width, file=io.StringIO(), color_system=None, legacy_windows=False
        )
        for renderable in self.renderables():
            console.print(renderable)
        return console.export_text()

"""Small widgets of the main screen: the status header and the events pane."""

from __future__ import annotations

import time

from rich.text import Text
from textual.content import Content
from textual.widgets import Checkbox, RadioButton, RichLog, Static

from dockertui.audit import Severity
from dockertui.report.style import counts_text, severity_label
from dockertui.text import printable
from dockertui.ui.fleet_state import EventLine, FleetState


class StatusHeader(Static):
    """Endpoint, engine, isolation mode, connection state and engine posture."""

    def show(self, state: FleetState, label: str, read_only: bool, posture: Text) -> None:
        top = Text(no_wrap=True, overflow="ellipsis")
        top.append(" dockertui ", style="bold reverse")
        if read_only:
            top.append(" read-only ", style="bold cyan")
        top.append(f" {printable(label)}")
        engine = state.engine
        if engine is not None:
            top.append(f"  {engine.flavor.capitalize()} {printable(engine.version)}")
            top.append(f" API {printable(engine.api_version)}")
            mode = "rootless" if engine.rootless else "userns-remap" if engine.userns else "rootful"
            top.append(f"  {mode}", style="green" if mode != "rootful" else "yellow")
        line = Text(no_wrap=True, overflow="ellipsis")
        if state.connected:
            line.append(" ● live ", style="bold green")
        else:
            line.append(" ○ DISCONNECTED ", style="bold white on red")
            line.append(f" {printable(state.status)} Rows show the last state seen.  ")
        if state.connected:
            totals: dict[Severity, int] = {}
            for report in state.reports.values():
                for sev, n in report.counts().items():
                    totals[sev] = totals.get(sev, 0) + n
            line.append(f" {len(state.reports)} containers: ")
            line.append_text(counts_text(totals, with_info=False))
            line.append("  │  ", style="dim")
            line.append_text(posture)
        both = Text("\n").join([top, line])
        both.no_wrap, both.overflow = True, "ellipsis"
        self.update(both)


class EventsPane(RichLog):
    """Recent engine events in the engine's time order, security-relevant
    ones marked; `flagged_only` keeps just those."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_lines=300, wrap=False, markup=False, **kwargs)  # type: ignore[arg-type]
        self._shown = 0  # state.event_count when last written
        self._order = 0  # state.reordered when last written
        self.flagged_only = False

    def show_new(self, state: FleetState) -> None:
        """Append the lines this pane has not written yet; write them all
        again when one went in before lines already shown."""
        if state.reordered != self._order:
            self.rewrite(state)
            return
        for line in state.new_events(self._shown):
            if line.flagged or not self.flagged_only:
                self.write(render_event(line))
        self._shown = state.event_count

    def rewrite(self, state: FleetState) -> None:
        self.clear()
        for line in state.lines(self.flagged_only):
            self.write(render_event(line))
        self._shown, self._order = state.event_count, state.reordered

    def toggle_flagged(self, state: FleetState) -> bool:
        """Show only flagged events, or every event again; returns which."""
        self.flagged_only = not self.flagged_only
        self.border_title = "flagged events only (!: all)" if self.flagged_only else None
        self.rewrite(state)
        return self.flagged_only


def render_event(line: EventLine) -> Text:
    text = Text(time.strftime("%H:%M:%S ", time.localtime(line.time)), style="dim")
    if line.severity is not None:
        text.append_text(severity_label(line.severity))
        text.append(" ")
        text.append(printable(line.text), style="bold")
        if line.reason:
            text.append(f"  {printable(line.reason)}", style="dim")
    else:
        text.append(printable(line.text), style="dim" if line.quiet else "")
    return text


class Tick(Checkbox):
    """A checkbox whose mark says its state without colour: X when ticked,
    blank when not (NO_COLOR terminals and screen readers see the same)."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "X" if self.value else " "
        return super()._button


class Choice(RadioButton):
    """A radio button whose mark says its state without colour (● or blank)."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "●" if self.value else " "
        return super()._button

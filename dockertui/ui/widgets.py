"""Small widgets: the main screen's status header and events pane, the
notice bar of the other screens, and the wizard's tick boxes and radio
buttons."""

from __future__ import annotations

import time

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, RadioButton, RichLog, SelectionList, Static
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import Selection

from dockertui.audit.identity import engine_mode
from dockertui.report.style import counts_text, severity_label
from dockertui.text import printable
from dockertui.ui.fleet_state import EventLine, FleetState, Link

#: How a notice the command line passes in (the demo: that it is simulated) looks.
NOTICE_STYLE = "bold black on yellow"


class NoticeBar(Static):
    """One line at the top of a screen with the app's notice (`DockerTUI(notice=)`),
    so that the container, engine and fix screens say it too; hidden when
    there is none."""

    DEFAULT_CSS = "NoticeBar { height: 1; dock: top; }"

    def on_mount(self) -> None:
        notice = str(getattr(self.app, "notice", "") or "")
        self.display = bool(notice)
        if notice:
            self.update(Text(f" {printable(notice)} ", style=NOTICE_STYLE))


class StatusHeader(Static):
    """Endpoint, engine, isolation mode, connection state and engine posture.

    Laid out for its width on every render: pieces that do not fit are left
    out, least useful first, and the engine's worst finding moves to a third
    line rather than be cut (css/app.tcss lets the header grow to three)."""

    def __init__(self, **kwargs: str | None) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._identity: list[tuple[int, Text]] = []
        self._status: list[Text] = []
        self._posture: tuple[Text, Text] | None = None
        self._reason: Text | None = None  # a fleet: why its first engine down is

    def show(
        self,
        state: FleetState,
        label: str,
        read_only: bool,
        posture: Text,
        *,
        connecting: bool = False,
        notice: str = "",
    ) -> None:
        """`connecting`: no snapshot and no failure yet (the first paint).
        `notice`: a warning the caller wants seen in every layout, kept
        next to the name (the demo's "simulated engine")."""
        # (how soon a piece is left out, text); 0 never.
        identity = [(0, Text(" dockertui ", style="bold reverse"))]
        if notice:
            identity.append((0, Text(f" {printable(notice)} ", style=NOTICE_STYLE)))
        if read_only:
            identity.append((0, Text(" read-only ", style="bold cyan")))
        identity += _plain_tcp(state)
        if state.several:
            identity.append((0, Text(f"{len(state.engines)} engines")))
        else:
            identity += _one_engine(state, label)
        status: list[Text] = []
        self._posture = None
        self._reason = None
        if state.several:
            status += _links(state)
            down = [v for v in state.engines.values() if not v.connected and v.reason]
            if down:
                self._reason = Text(f" {printable(down[0].name)}: {printable(down[0].reason)}")
                self._reason.stylize("red" if down[0].link is Link.REFUSED else "yellow")
        if connecting:
            status.append(Text(f" connecting to {printable(label)}…", style="bold"))
        elif not state.connected:
            if not state.several:
                refused = state.first.link is Link.REFUSED
                mark = " ✗ REFUSED " if refused else " ○ DISCONNECTED "
                status.append(Text(mark, style="bold white on red"))
                status.append(Text(f"{printable(state.status)} Rows show the last state seen."))
        else:
            # counted as the scan's Total line counts: containers and engine
            totals = state.totals()
            engines = "engines" if state.several else "engine"
            many = "container" if len(state.reports) == 1 else "containers"
            counts = Text(f"{len(state.reports)} {many} + {engines}: ")
            counts.append_text(counts_text(dict(totals), with_info=False))
            if not state.several:
                status.append(Text(" ● live", style="bold green"))
            status.append(counts)
            # "engine: MEDIUM icc-enabled" is kept whole; " — title" is cut to fit.
            cut = posture.plain.find(" — ")
            self._posture = (posture, Text()) if cut < 0 else (posture[:cut], posture[cut:])
        self._identity, self._status = identity, status
        self._fit_height()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_height()

    def _fit_height(self) -> None:
        # Two lines or three, depending on the width (set, not left to
        # `height: auto`, whose measure Textual keeps for a width it has seen).
        height = len(self._lines(self.size.width or self.app.size.width))
        if self.styles.height is None or self.styles.height.value != height:
            self.styles.height = height

    def render(self) -> Text:
        text = Text("\n").join(self._lines(self.size.width))
        text.no_wrap = True
        return text

    def _lines(self, width: int) -> list[Text]:
        width = max(1, width)
        lines = [_fit(self._identity, width), _joined(self._status, "  ")]
        if self._reason is not None:  # a fleet with an engine down: why, before the posture
            return [_clip(line, width) for line in [*lines, self._reason]]
        if self._posture is not None:
            head, tail = self._posture
            room = width - lines[1].cell_len - 5  # "  │  "
            if room >= head.cell_len:
                lines[1].append("  │  ", style="dim")
                lines[1].append_text(_clip(head + tail, room))
            else:
                lines.append(_clip(Text(" ") + head + tail, width))
        return [_clip(line, width) for line in lines]


def _one_engine(state: FleetState, label: str) -> list[tuple[int, Text]]:
    """The engine's context (never left out), address, version, API and mode."""
    pieces = [(0, Text(f"context {printable(state.client.context)}", style="bold"))]
    pieces.append((1, Text(printable(state.client.endpoint or label))))
    engine = state.engine
    if engine is not None:
        pieces.append((3, Text(f"{engine.flavor.capitalize()} {printable(engine.version)}")))
        pieces.append((4, Text(f"API {printable(engine.api_version)}")))
        mode = engine_mode(engine)
        style = "green" if mode.remaps_root else "yellow"
        pieces.append((2, Text(mode.value, style=style)))
    return pieces


def _plain_tcp(state: FleetState) -> list[tuple[int, Text]]:
    """The red warning for each engine reached over tcp without TLS (--insecure)."""
    plain = [v for v in state.engines.values() if v.client.plain_tcp]
    if not plain:
        return []
    who = "" if not state.several else " (" + ", ".join(printable(v.name) for v in plain) + ")"
    return [(0, Text(f" plain tcp, no TLS{who} ", style="bold white on red"))]


#: How each link to an engine of a fleet is drawn: mark and style.
LINK_LOOK = {
    Link.LIVE: ("●", "bold green"),
    Link.CONNECTING: ("…", "bold"),
    Link.RECONNECTING: ("○", "bold yellow"),
    Link.REFUSED: ("✗", "bold red"),
}


def _links(state: FleetState) -> list[Text]:
    """Each engine of a fleet with the state of its link: "● a live"."""
    pieces = []
    for view in state.engines.values():
        mark, style = LINK_LOOK[view.link]
        pieces.append(Text(f" {mark} {printable(view.name)} {view.link.value}", style=style))
    return pieces


def _joined(pieces: list[Text], gap: str) -> Text:
    return Text(gap).join(pieces)


def _fit(pieces: list[tuple[int, Text]], width: int) -> Text:
    """The pieces, two spaces apart, leaving out those that do not fit,
    the highest number first."""
    kept = list(pieces)
    while len(kept) > 1 and _joined([t for _, t in kept], "  ").cell_len > width:
        worst = max(range(len(kept)), key=lambda i: kept[i][0])
        if kept[worst][0] == 0:
            break
        del kept[worst]
    return _joined([t for _, t in kept], "  ")


def _clip(text: Text, width: int) -> Text:
    """`text` in `width` cells, ending in "…" when it was longer."""
    if text.cell_len <= width:
        return text
    clipped = text.copy()
    clipped.truncate(width, overflow="ellipsis")
    return clipped


class EventsPane(RichLog):
    """Recent engine events in the engine's time order, security-relevant
    ones marked; `flagged_only` keeps just those."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_lines=300, wrap=True, markup=False, **kwargs)  # type: ignore[arg-type]
        self._seen = 0  # state.event_count when last written
        self._last = 0.0  # the time of the latest line written (or left out)
        self.flagged_only = False

    def show_new(self, state: FleetState) -> None:
        """Append the lines this pane has not written yet, in one write;
        write them all again only when one belongs before a line shown."""
        fresh = state.new_events(self._seen)
        if not fresh:
            return
        if fresh[0].time < self._last:
            self.rewrite(state)
            return
        self._write([line for line in fresh if line.flagged or not self.flagged_only])
        self._seen, self._last = state.event_count, fresh[-1].time

    def rewrite(self, state: FleetState) -> None:
        self.clear()
        self._write(state.lines(self.flagged_only))
        self._seen = state.event_count
        self._last = state.events[-1].time if state.events else 0.0

    def _write(self, lines: list[EventLine]) -> None:
        if lines:  # one write of many lines costs about what one line does
            self.write(Text("\n").join(render_event(line) for line in lines))

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
    """A checkbox whose mark says its state without colour: [x] ticked, [ ]
    not (NO_COLOR terminals and screen readers see the same)."""

    @property
    def _button(self) -> Content:
        return _mark(self, f"[{'x' if self.value else ' '}]")


class Choice(RadioButton):
    """A radio button whose mark says its state without colour: (•) or ( )."""

    @property
    def _button(self) -> Content:
        return _mark(self, f"({'•' if self.value else ' '})")


def _mark(button: Checkbox | RadioButton, glyphs: str) -> Content:
    # Textual draws its button as ▐X▌ in the button's colours, the same X
    # ticked or not; the glyphs here carry the state, the colours only help.
    return Content.assemble((glyphs, button.get_visual_style("toggle--button")))


class Picks(SelectionList[str]):
    """A selection list whose marks say their state without colour: [x] or [ ]."""

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        segments = list(line)
        if len(segments) < 4 or "".join(s.text for s in segments[:3]) != "▐X▌":
            return line  # not a line with a mark (or a Textual that draws it otherwise)
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return line
        ticked = isinstance(option, Selection) and option.value in self.selected
        style = segments[1].style
        mark = Segment("[x]" if ticked else "[ ]", style)
        return Strip([mark, *segments[3:]], line.cell_length)

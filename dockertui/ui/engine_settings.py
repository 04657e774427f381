"""The engine screen's "Settings" part: each of dockerd's settings with its
value and where it comes from (command line, daemon.json, default), or, when
they could not be read here, why, and what the engine API shows of them.

Pure Rich, no markup parsed: values come from the daemon's files and
command line, and are passed through `printable`."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from dockertui.model import EngineInfo
from dockertui.model.daemon import Setting, Source, show
from dockertui.model.settings import engine_settings
from dockertui.ui.facts.common import MUTED, WARN, Facts, value
from dockertui.ui.sections import facts_table

#: How each source reads beside a value.
_SOURCE_STYLE = {
    Source.COMMAND_LINE: "cyan",
    Source.FILE: "green",
    Source.API: MUTED,
    Source.DEFAULT: MUTED,
}


def _source(setting: Setting) -> Text:
    text = value(show(setting.value), "bold" if setting.source is not Source.DEFAULT else "")
    text.append("  ")
    if setting.source is Source.COMMAND_LINE:
        text.append(value(f"command line: {setting.origin}", _SOURCE_STYLE[setting.source]))
    elif setting.source is Source.FILE:
        text.append(value(setting.origin, _SOURCE_STYLE[setting.source]))
    else:
        text.append(setting.source.value, style=_SOURCE_STYLE[setting.source])
    return text


def _origin_line(engine: EngineInfo) -> Text:
    daemon = engine.daemon
    if daemon is None:
        return value(engine.daemon_unread or "Settings not read.", MUTED)
    config = daemon.config
    line = Text(f"dockerd pid {daemon.pid}: its command line and ", style=MUTED)
    line.append(value(config.path))
    line.append(" (not present)" if config.text is None else "", style=MUTED)
    if not daemon.verified:
        line.append(
            f" ({daemon.identified.value}: its descriptors are not readable here, so that "
            "this dockerd serves the socket is not verified)",
            style=WARN,
        )
    return line


def settings_view(engine: EngineInfo) -> RenderableType:
    """Heading, where the settings were read (or why not), notes, then the rows."""
    parts: list[RenderableType] = [Text("Settings", style="bold underline"), _origin_line(engine)]
    if engine.daemon is not None:
        parts.extend(value(note, WARN) for note in engine.daemon.notes)
    rows: Facts = [(s.key, _source(s)) for s in engine_settings(engine)]
    if rows:
        parts.append(facts_table(rows))
    return Group(*parts)

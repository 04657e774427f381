"""The exact change a daemon fix asks for, made against dockerd's real
settings: a unified diff of daemon.json with the setting merged into the
user's file (every other line kept as written: only the changed lines
differ), or, when the setting comes from dockerd's command line, a diff of
that command line, since the same setting in daemon.json would stop dockerd
from starting. When the setting is in both places already (dockerd would
refuse to start so), the change also removes it from daemon.json, so that
what it proposes starts.

One function, `daemon_change`, used by the engine checks, the engine screen
and the JSON report. Pure: dockertui never writes the daemon's config."""

from __future__ import annotations

import difflib
import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dockertui.model.daemon import BY_KEY, DaemonSettings, Source, Value

#: Where a command-line flag is set on most hosts.
STARTED_FROM = "its systemd unit (systemctl edit docker) or /etc/default/docker"


@dataclass(frozen=True)
class DaemonChange:
    """`diff` is empty when no exact change can be made (`note` says why).
    A change may touch both places: the command line (`was` replaced by
    `becomes`) and the file (`sets` merged in, `removes` taken out)."""

    key: str
    value: Value
    where: Source  # FILE or COMMAND_LINE: where `key` itself is changed
    path: str  # the configuration file
    diff: str
    note: str = ""
    was: str = ""  # the command line's arguments for it, as written ("": untouched)
    becomes: str = ""  # what replaces them ("": nothing, they go)
    already: bool = False  # the settings already give it: only a restart is missing
    sets: tuple[tuple[str, Value], ...] = ()  # daemon.json keys given a value
    removes: tuple[str, ...] = ()  # daemon.json keys taken out
    #: What the change's reader must know for dockerd to start after it (a
    #: conflicting key removed, placeholder paths to fill): also in `note`.
    caution: str = ""

    @property
    def command(self) -> str:
        """The change in one line, as a finding's fix command shows it."""
        if self.already:
            return f"restart dockerd: its settings already give {fragment(self.key, self.value)}"
        parts = []
        if self.was:
            change = (
                f"{self.becomes} in place of {self.was}" if self.becomes else f"remove {self.was}"
            )
            parts.append(f"where dockerd is started ({STARTED_FROM}): {change}")
        edits = [fragment(k, v) for k, v in self.sets] + [
            f"remove {json.dumps(k)}" for k in self.removes
        ]
        if edits:
            parts.append(f"{self.path}: {', '.join(edits)}")
        return "; ".join(parts) + ", then restart dockerd"


def _json_value(value: Value) -> bool | str | list[str]:
    return list(value) if isinstance(value, tuple) else value


def fragment(key: str, value: Value) -> str:
    """The setting as daemon.json writes it: `"icc": false`."""
    return f"{json.dumps(key)}: {json.dumps(_json_value(value))}"


def _flag_text(key: str, value: bool | str) -> str:
    flag = BY_KEY[key].flags[-1]  # the long name
    if isinstance(value, bool):
        return f"{flag}={'true' if value else 'false'}"
    return f"{flag}={value}"


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def _unified(before: str, after: str, old_name: str, new_name: str) -> str:
    return "".join(difflib.unified_diff(_lines(before), _lines(after), old_name, new_name))


_SPACE = re.compile(r"\s*")


def _skip(text: str, at: int) -> int:
    """`at` moved past any whitespace."""
    match = _SPACE.match(text, at)
    return match.end() if match else at


_INDENTED = re.compile(r"^([ \t]+)\S", re.MULTILINE)


@dataclass(frozen=True)
class _Pair:
    key: str
    start: int  # where its key starts
    value_start: int
    end: int  # where its value ends


def _pairs(text: str) -> tuple[int, int, list[_Pair]] | None:
    """The top-level object's `{` and `}` positions and each key/value pair's
    span, as written; None when the text is not one JSON object."""
    decoder = json.JSONDecoder()
    at = _skip(text, 0)
    if text[at : at + 1] != "{":
        return None
    opened = at
    at = _skip(text, at + 1)
    pairs: list[_Pair] = []
    try:
        while text[at : at + 1] != "}":
            start = at
            key, at = decoder.raw_decode(text, at)
            at = _skip(text, at)
            if not isinstance(key, str) or text[at : at + 1] != ":":
                return None
            value_start = _skip(text, at + 1)
            _, at = decoder.raw_decode(text, value_start)
            pairs.append(_Pair(key, start, value_start, at))
            at = _skip(text, at)
            if text[at : at + 1] == ",":
                at = _skip(text, at + 1)
            elif text[at : at + 1] != "}":
                return None
    except ValueError:
        return None
    return opened, at, pairs


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _edited(text: str, sets: Mapping[str, Value], removes: tuple[str, ...]) -> str | None:
    """The file's text with the keys of `sets` given their values (in place,
    or added after the last key, the way the file separates its keys) and
    `removes` taken out; every other character as written. None when the
    file's layout gives no way to do so (an empty object)."""
    found = _pairs(text)
    if found is None or not found[2]:
        return None
    opened, closed, pairs = found
    last_of = {p.key: p for p in pairs}
    pieces: list[str] = []  # each kept pair as written, its value replaced where set
    after: list[str] = []  # the text that followed each one up to the next pair
    for n, pair in enumerate(pairs):
        if pair.key in removes:
            continue
        value = text[pair.value_start : pair.end]
        if pair.key in sets and last_of[pair.key] is pair:
            value = _dump(_json_value(sets[pair.key]))
        pieces.append(text[pair.start : pair.value_start] + value)
        after.append(text[pair.end : pairs[n + 1].start] if n + 1 < len(pairs) else "")
    if len(pairs) > 1:
        separator = text[pairs[-2].end : pairs[-1].start]  # the one before the last key
    else:
        lead = text[opened + 1 : pairs[0].start]
        separator = ",\n" + lead.rsplit("\n", 1)[-1] if "\n" in lead else ", "
    for key, new in sets.items():
        if key not in last_of:
            pieces.append(f"{_dump(key)}: {_dump(_json_value(new))}")
            after.append("")
    if not pieces:
        return text[: opened + 1] + text[closed:]
    body = "".join(
        piece + (after[n] or separator if n + 1 < len(pieces) else "")
        for n, piece in enumerate(pieces)
    )
    return text[: pairs[0].start] + body + text[pairs[-1].end :]


def _indent(text: str) -> str:
    """The file's own indentation: that of its first indented line (2 spaces
    for a file with none)."""
    match = _INDENTED.search(text)
    return match.group(1) if match else "  "


def _merged_text(text: str | None, document: dict[str, Any], sets: Mapping[str, Value],
                 removes: tuple[str, ...]) -> str:  # fmt: skip
    """daemon.json's text after the change: edited in place where its layout
    allows (and the result reads back as the merged document), else the
    merged document written with the file's own indentation."""
    merged = {k: v for k, v in document.items() if k not in removes}
    merged.update({k: _json_value(v) for k, v in sets.items()})
    if text is not None and text.strip():
        edited = _edited(text, sets, removes)
        try:
            if edited is not None and json.loads(edited) == merged:
                return edited
        except ValueError:
            pass
    return json.dumps(merged, indent=_indent(text or ""), ensure_ascii=False) + "\n"


def _file_diff(
    settings: DaemonSettings, sets: Mapping[str, Value], removes: tuple[str, ...]
) -> str:
    config = settings.config
    after = _merged_text(config.text, config.document, sets, removes)
    old_name = config.path if config.text is not None else "/dev/null"
    return _unified(config.text or "", after, old_name, config.path)


def _command_line_edit(settings: DaemonSettings, key: str, value: Value) -> tuple[str, str, str]:
    """The command line's diff giving `key` the value `value`, the arguments
    it replaces and those that replace them."""
    spec = BY_KEY[key]
    at = settings.flags.positions[key]
    new_tokens: list[str] = []
    if value != spec.default:
        if isinstance(value, tuple):
            new_tokens = [f"{spec.flags[-1]}={v}" for v in value]
        else:
            new_tokens = [_flag_text(key, value)]
    argv = list(settings.argv)
    changed = [*argv[: at[0]], *new_tokens]
    changed += [t for i, t in enumerate(argv[at[0] :], start=at[0]) if i not in at]
    name = f"dockerd command line (pid {settings.pid})"
    diff = _unified(shlex.join(argv), shlex.join(changed), name, name)
    return diff, shlex.join(argv[i] for i in at), shlex.join(new_tokens)


def daemon_change(
    settings: DaemonSettings, key: str, value: Value, placeholders: Mapping[str, Value] = {}
) -> DaemonChange:
    """The change that gives `key` the value `value` in dockerd's settings:
    on its command line when it is set there, else in its configuration file;
    none (`already`) when they give it already and dockerd was not restarted.
    A key set both on the command line and in the file (dockerd refuses to
    start so) is also removed from the file. `placeholders`: settings the
    value needs (the certificates of tlsverify), added to the file with these
    values where they are set nowhere, and named in the note as values to
    replace."""
    config = settings.config
    on_command_line = key in settings.flags.values
    current = settings.setting(key)
    removes = (key,) if key in settings.conflicts else ()
    sets: dict[str, Value] = {}
    if not on_command_line and not (
        key in config.document and current.source is Source.FILE and current.value == value
    ):
        sets[key] = value
    sets.update(
        {k: v for k, v in placeholders.items() if settings.setting(k).source is Source.DEFAULT}
    )
    edit_command_line = on_command_line and current.value != value
    where = Source.COMMAND_LINE if on_command_line else Source.FILE
    others = [k for k in settings.conflicts if k != key]
    still = (
        f"dockerd will not start until {', '.join(others)} is set in one place only "
        f"(its command line or {config.path})."
        if others
        else ""
    )
    if not edit_command_line and not removes and not sets:
        return DaemonChange(
            key, value, current.source, config.path, "",
            " ".join(filter(None, (
                f"{current.describe()} already; dockerd applies it at its next restart.", still
            ))),
            already=True, caution=still,
        )  # fmt: skip
    notes = []
    diff = was = becomes = ""
    if edit_command_line:
        diff, was, becomes = _command_line_edit(settings, key, value)
        notes.append(
            f"{key} is set on dockerd's command line: change it where dockerd is started "
            f"({STARTED_FROM}), not in daemon.json, where the same setting would stop dockerd "
            "from starting."
        )
    cautions = []
    if removes:
        cautions.append(
            f"{key} is set both on dockerd's command line and in {config.path}, so dockerd "
            f"would not start: the change also removes it from {config.path}."
        )
    added = [k for k in placeholders if k in sets]
    if added:
        cautions.append(
            f"{', '.join(added)} are placeholders: put the files there (or change the paths) "
            "before restarting dockerd, which does not start without them."
        )
    if still:
        cautions.append(still)
    if sets or removes:
        if not config.valid:
            return DaemonChange(
                key, value, where, config.path, "",
                f"{config.error} Make it valid first; dockerd does not start with it as it is.",
            )  # fmt: skip
        diff += _file_diff(settings, sets, removes)
    return DaemonChange(
        key, value, where, config.path, diff, " ".join(notes + cautions), was, becomes,
        sets=tuple(sets.items()), removes=removes, caution=" ".join(cautions),
    )  # fmt: skip

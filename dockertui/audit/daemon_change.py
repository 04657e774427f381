"""The exact change a daemon fix asks for, made against dockerd's real
settings: a unified diff of daemon.json with the setting merged into the
user's file (the other keys kept, re-dumped with an indent of 2), or, when
the setting comes from dockerd's command line, a diff of that command line,
since the same setting in daemon.json would stop dockerd from starting.

One function, `daemon_change`, used by the engine checks, the engine screen
and the JSON report. Pure: dockertui never writes the daemon's config."""

from __future__ import annotations

import difflib
import json
import shlex
from dataclasses import dataclass

from dockertui.model.daemon import BY_KEY, DaemonSettings, Source, Value

#: Where a command-line flag is set on most hosts.
STARTED_FROM = "its systemd unit (systemctl edit docker) or /etc/default/docker"


@dataclass(frozen=True)
class DaemonChange:
    """`diff` is empty when no exact change can be made (`note` says why)."""

    key: str
    value: Value
    where: Source  # FILE or COMMAND_LINE
    path: str  # the file, or "dockerd command line"
    diff: str
    note: str = ""
    was: str = ""  # the command line's arguments for it, as written
    becomes: str = ""  # what replaces them ("": nothing, they go)
    already: bool = False  # the settings already give it: only a restart is missing

    @property
    def command(self) -> str:
        """The change in one line, as a finding's fix command shows it."""
        if self.already:
            return f"restart dockerd: its settings already give {fragment(self.key, self.value)}"
        if self.where is Source.COMMAND_LINE:
            change = (
                f"{self.becomes} in place of {self.was}" if self.becomes else (f"remove {self.was}")
            )
            return f"where dockerd is started ({STARTED_FROM}): {change}, then restart dockerd"
        return f"{self.path}: {fragment(self.key, self.value)}, then restart dockerd"


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


def _file_change(settings: DaemonSettings, key: str, value: Value) -> DaemonChange:
    config = settings.config
    if not config.valid:
        return DaemonChange(
            key, value, Source.FILE, config.path, "",
            f"{config.error} Make it valid first; dockerd does not start with it as it is.",
        )  # fmt: skip
    merged = dict(config.document)
    merged[key] = _json_value(value)
    after = json.dumps(merged, indent=2) + "\n"
    before = config.text or ""
    old_name = config.path if config.text is not None else "/dev/null"
    diff = _unified(before, after, old_name, config.path)
    return DaemonChange(key, value, Source.FILE, config.path, diff)


def _command_line_change(settings: DaemonSettings, key: str, value: Value) -> DaemonChange:
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
    note = (
        f"{key} is set on dockerd's command line: change it where dockerd is started "
        f"({STARTED_FROM}), not in daemon.json, where the same setting would stop dockerd "
        "from starting."
    )
    was = shlex.join(argv[i] for i in at)
    return DaemonChange(
        key, value, Source.COMMAND_LINE, "dockerd command line", diff, note, was,
        shlex.join(new_tokens),
    )  # fmt: skip


def daemon_change(settings: DaemonSettings, key: str, value: Value) -> DaemonChange:
    """The change that gives `key` the value `value` in dockerd's settings:
    on its command line when it is set there, else in its configuration file;
    none (`already`) when they give it already and dockerd was not restarted."""
    current = settings.setting(key)
    if current.value == value and current.source is not Source.DEFAULT:
        return DaemonChange(
            key, value, current.source, current.origin, "",
            f"{current.describe()} already; dockerd applies it at its next restart.",
            already=True,
        )  # fmt: skip
    if key in settings.flags.values:
        return _command_line_change(settings, key, value)
    return _file_change(settings, key, value)

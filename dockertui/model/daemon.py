"""dockerd's settings as they really are: each with its value and where it
comes from (daemon.json, dockerd's command line, the engine API, or the
default). Pure: the command line arrives as a list of strings (from
/proc/<pid>/cmdline) and daemon.json as text; nothing here reads a file.

dockerd refuses to start when one setting is both a flag and a key of its
configuration file; a conflict seen here is recorded, never resolved."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

DEFAULT_CONFIG_FILE = "/etc/docker/daemon.json"
#: A rootless dockerd's, without --config-file: $XDG_CONFIG_HOME/docker/daemon.json.
ROOTLESS_CONFIG_FILE = "~/.config/docker/daemon.json"


def default_config_file(rootless: bool) -> str:
    """The file a dockerd reads without --config-file, as a person names it."""
    return ROOTLESS_CONFIG_FILE if rootless else DEFAULT_CONFIG_FILE


#: A setting's value: a flag, a word, or a list (hosts, registries, plugins).
Value = bool | str | tuple[str, ...]


class Kind(Enum):
    BOOL = "bool"
    TEXT = "text"
    LIST = "list"  # a repeatable flag; a JSON array in daemon.json


class Source(Enum):
    """Where a setting's value comes from."""

    FILE = "daemon.json"
    COMMAND_LINE = "command line"
    API = "engine API"
    DEFAULT = "default"


@dataclass(frozen=True)
class Spec:
    key: str  # the daemon.json key
    flags: tuple[str, ...]  # dockerd's names for it: "--icc", "-H"
    kind: Kind
    default: Value


#: The settings the engine checks judge, and a few they explain, by
#: daemon.json key. Defaults are dockerd's own on Linux.
SPECS: tuple[Spec, ...] = (
    Spec("icc", ("--icc",), Kind.BOOL, True),
    Spec("userns-remap", ("--userns-remap",), Kind.TEXT, ""),
    Spec("live-restore", ("--live-restore",), Kind.BOOL, False),
    Spec("no-new-privileges", ("--no-new-privileges",), Kind.BOOL, False),
    Spec("seccomp-profile", ("--seccomp-profile",), Kind.TEXT, ""),
    Spec("selinux-enabled", ("--selinux-enabled",), Kind.BOOL, False),
    Spec("userland-proxy", ("--userland-proxy",), Kind.BOOL, True),
    Spec("iptables", ("--iptables",), Kind.BOOL, True),
    Spec("hosts", ("-H", "--host"), Kind.LIST, ()),
    Spec("tls", ("--tls",), Kind.BOOL, False),
    Spec("tlsverify", ("--tlsverify",), Kind.BOOL, False),
    Spec("tlscacert", ("--tlscacert",), Kind.TEXT, "~/.docker/ca.pem"),
    Spec("tlscert", ("--tlscert",), Kind.TEXT, "~/.docker/cert.pem"),
    Spec("tlskey", ("--tlskey",), Kind.TEXT, "~/.docker/key.pem"),
    Spec("authorization-plugins", ("--authorization-plugin",), Kind.LIST, ()),
    Spec("insecure-registries", ("--insecure-registry",), Kind.LIST, ()),
    Spec("log-driver", ("--log-driver",), Kind.TEXT, "json-file"),
    Spec("log-level", ("-l", "--log-level"), Kind.TEXT, "info"),
    Spec("debug", ("-D", "--debug"), Kind.BOOL, False),
    Spec("experimental", ("--experimental",), Kind.BOOL, False),
    Spec("data-root", ("--data-root",), Kind.TEXT, "/var/lib/docker"),
)
BY_KEY: dict[str, Spec] = {s.key: s for s in SPECS}
_BY_FLAG: dict[str, Spec] = {flag: s for s in SPECS for flag in s.flags}
_CONFIG_FLAG = "--config-file"
_BOOL_WORDS = {"true": True, "1": True, "false": False, "0": False}


@dataclass(frozen=True)
class Setting:
    """One setting in effect: `origin` is what set it ("--icc=false", the
    file's path), empty for a default."""

    key: str
    value: Value
    source: Source
    origin: str = ""
    #: Why a default is in effect although the file names the key (a value
    #: of the wrong kind, or a file that does not parse), "" otherwise.
    problem: str = ""

    def describe(self) -> str:
        """Where the value comes from, in words: "dockerd command line: --icc=false"."""
        if self.problem:
            return f"the default, for now: {self.problem}"
        if self.source is Source.COMMAND_LINE:
            return f"dockerd command line: {self.origin}"
        if self.source is Source.FILE:
            return f"set in {self.origin}"
        if self.source is Source.API:
            return "as the engine API reports it"
        return f"default: not set in {self.origin} or on the command line"


def show(value: Value) -> str:
    """A value as a person reads it: on/off, a word, a list, or "(none)"."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return ", ".join(value) if value else "(none)"
    return value or "(none)"


@dataclass(frozen=True)
class Flags:
    """What dockerd's command line sets: by daemon.json key, the value and
    the arguments that set it, as written."""

    values: dict[str, Value] = field(default_factory=dict)
    written: dict[str, tuple[str, ...]] = field(default_factory=dict)
    positions: dict[str, tuple[int, ...]] = field(default_factory=dict)  # indices in argv
    config_file: str = ""  # --config-file, when given
    notes: tuple[str, ...] = ()


def _flag_value(spec: Spec, raw: str) -> Value | None:
    if spec.kind is Kind.BOOL:
        return _BOOL_WORDS.get(raw.lower())
    return raw


def parse_argv(argv: list[str]) -> Flags:
    """dockerd's arguments (argv[0] included) as pflag reads them:
    `--icc=false`, `--log-driver syslog`, `-H unix://..`, `-Hfd://`, a bare
    bool flag (`--live-restore`, `-D`) for true. A bool flag followed by a
    lone true/false takes it as its value. Unknown flags are skipped."""
    values: dict[str, Value] = {}
    written: dict[str, list[str]] = {}
    positions: dict[str, list[int]] = {}
    notes: list[str] = []
    config_file = ""
    args = argv[1:]
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if not arg.startswith("-") or arg in ("-", "--"):
            continue
        name, eq, raw = arg.partition("=")
        if not eq and not arg.startswith("--") and len(arg) > 2:
            name, raw, eq = arg[:2], arg[2:], "="  # -Hunix:///x
        spec = _BY_FLAG.get(name)
        if name == _CONFIG_FLAG or spec is None:
            takes_value = name == _CONFIG_FLAG
            if takes_value and not eq and i < len(args):
                raw = args[i]
                i += 1
            if takes_value:
                config_file = raw
            continue
        used, start = [arg], i  # args[i - 1] is argv[i]
        if not eq:
            following = args[i] if i < len(args) else None
            if spec.kind is Kind.BOOL:
                if following is not None and following.lower() in ("true", "false"):
                    raw = following
                    used.append(following)
                    i += 1
                else:
                    raw = "true"
            elif following is not None:
                raw = following
                used.append(following)
                i += 1
            else:
                notes.append(f"{name} has no value on dockerd's command line.")
                continue
        value = _flag_value(spec, raw)
        if value is None:
            notes.append(f"{name}={raw} on dockerd's command line is not true or false.")
            continue
        if spec.kind is Kind.LIST:
            assert isinstance(value, str)
            before = values.get(spec.key, ())
            assert isinstance(before, tuple)
            values[spec.key] = (*before, value)
            written[spec.key] = [*written.get(spec.key, []), *used]
        else:
            values[spec.key] = value  # the last one wins, as in pflag
            written[spec.key] = used
        positions[spec.key] = [*positions.get(spec.key, []), *range(start, start + len(used))]
    return Flags(
        values,
        {k: tuple(v) for k, v in written.items()},
        {k: tuple(v) for k, v in positions.items()},
        config_file,
        tuple(notes),
    )


@dataclass(frozen=True)
class ConfigFile:
    """daemon.json as read: `text` None when there is no such file;
    `document` the parsed object (empty when missing or invalid)."""

    path: str = DEFAULT_CONFIG_FILE
    text: str | None = None
    document: dict[str, Any] = field(default_factory=dict)
    error: str = ""  # why the text is not a usable configuration

    @property
    def valid(self) -> bool:
        return not self.error


def parse_config(path: str, text: str | None) -> ConfigFile:
    """daemon.json's text (None: the file does not exist). Empty text is an
    empty configuration, as dockerd reads it; invalid JSON or a document that
    is not an object is an error in words, never an exception."""
    if text is None or not text.strip():
        return ConfigFile(path, text)
    try:
        document = json.loads(text)
    except ValueError as err:
        return ConfigFile(path, text, error=f"{path} is not valid JSON ({err}).")
    if not isinstance(document, dict):
        return ConfigFile(path, text, error=f"{path} holds a JSON {type(document).__name__}, "
                          "not an object.")  # fmt: skip
    return ConfigFile(path, text, document)


def _file_value(spec: Spec, raw: object) -> Value | None:
    if spec.kind is Kind.BOOL:
        return raw if isinstance(raw, bool) else None
    if spec.kind is Kind.TEXT:
        return raw if isinstance(raw, str) else None
    if isinstance(raw, list) and all(isinstance(v, str) for v in raw):
        return tuple(raw)
    return None


class Identified(Enum):
    """How the dockerd serving the socket was told from the others."""

    SOCKET_HOLDER = "socket holder"  # it holds the listening socket: verified
    COMMAND_LINE = "inferred from the command line"  # its descriptors were closed to us


@dataclass(frozen=True)
class DaemonSettings:
    """The settings of one running dockerd, read from its command line and
    its configuration file; `identified` says whether that dockerd is known
    to serve the socket or was inferred from its command line."""

    pid: int
    argv: tuple[str, ...]
    flags: Flags
    config: ConfigFile
    identified: Identified = Identified.SOCKET_HOLDER

    @property
    def verified(self) -> bool:
        """The settings are those of the dockerd holding the socket."""
        return self.identified is Identified.SOCKET_HOLDER

    @property
    def conflicts(self) -> tuple[str, ...]:
        """Keys set both on the command line and in the file (dockerd refuses
        to start with one: a file edited since it started)."""
        return tuple(k for k in self.flags.values if k in self.config.document)

    @property
    def notes(self) -> tuple[str, ...]:
        """What could not be read as dockerd would read it, in sentences."""
        found = list(self.flags.notes)
        if self.config.error:
            found.append(self.config.error)
        for key in self.conflicts:
            found.append(
                f"{key} is set both on dockerd's command line and in {self.config.path}: "
                "dockerd would refuse to start so; the file changed since it started."
            )
        for key, raw in self.config.document.items():
            spec = BY_KEY.get(key)
            if spec is not None and _file_value(spec, raw) is None:
                found.append(f"{key} in {self.config.path} is not a {spec.kind.value}.")
        return tuple(found)

    def setting(self, key: str) -> Setting:
        """The value of `key` in effect, and where it comes from: the command
        line, else the file, else dockerd's default."""
        spec = BY_KEY[key]
        if key in self.flags.values:
            origin = " ".join(self.flags.written.get(key, ()))
            return Setting(key, self.flags.values[key], Source.COMMAND_LINE, origin)
        path = self.config.path
        if key in self.config.document:
            value = _file_value(spec, self.config.document[key])
            if value is not None:
                return Setting(key, value, Source.FILE, path)
            problem = (
                f"{path} sets {key} to {json.dumps(self.config.document[key])}, which is not "
                f"a {spec.kind.value}: dockerd would refuse to start with this file"
            )
            return Setting(key, spec.default, Source.DEFAULT, path, problem)
        if self.config.error:
            problem = f"{path} could not be read as dockerd reads it, so nothing in it is known"
            return Setting(key, spec.default, Source.DEFAULT, path, problem)
        return Setting(key, spec.default, Source.DEFAULT, path)

    def settings(self) -> tuple[Setting, ...]:
        return tuple(self.setting(s.key) for s in SPECS)


def config_path(argv: list[str], default: str = DEFAULT_CONFIG_FILE) -> str:
    """The configuration file dockerd reads: its --config-file, else `default`
    (/etc/docker/daemon.json; a rootless dockerd's is in its user's home)."""
    return parse_argv(argv).config_file or default


def daemon_settings(
    pid: int,
    argv: list[str],
    config_text: str | None,
    default: str = DEFAULT_CONFIG_FILE,
    identified: Identified = Identified.SOCKET_HOLDER,
) -> DaemonSettings:
    """Settings from a dockerd's argv and the text of the file
    `config_path(argv, default)` names (None: that file does not exist)."""
    flags = parse_argv(argv)
    path = flags.config_file or default
    return DaemonSettings(pid, tuple(argv), flags, parse_config(path, config_text), identified)

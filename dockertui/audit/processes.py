"""Whether a container runs an SSH server: seen in its process list when the
engine gave one, otherwise judged from the command it is configured to start
(Entrypoint + Cmd). The sshd-running check and the panel both read this."""

from __future__ import annotations

import posixpath
import shlex
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from dockertui.model import Container

#: Shells whose `-c` script is read for the programs it starts.
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})
#: Programs that start the next word as the real command (init wrappers,
#: env, exec); their own options are skipped.
WRAPPERS = frozenset({"tini", "dumb-init", "env", "exec", "nohup", "setsid"})
#: Wrappers that take a user before the command (gosu app sshd -D).
USER_WRAPPERS = frozenset({"gosu", "su-exec"})
#: The characters of what separates two commands in a shell script (; && || | & ( ) { }).
PUNCTUATION = frozenset(";&|(){}")


class Source(Enum):
    """How the answer was reached."""

    PROCESSES = "seen running"  # the process list of a running container
    CONFIGURED = "from the configured command"  # Entrypoint + Cmd


@dataclass(frozen=True)
class SshdState:
    found: bool
    source: Source
    evidence: str  # the process or the configured command that starts it, or ""


def program(word: str) -> str:
    """The program a command word names: "/usr/sbin/sshd" and "sshd:" are "sshd"."""
    return posixpath.basename(word.strip().rstrip(":"))


def _is_sshd(word: str) -> bool:
    return program(word) == "sshd"  # sshd, not sshd-keygen or sshd_config


def _commands(script: str) -> list[list[str]]:
    """A shell script split into simple commands (words), as far as shlex can."""
    commands: list[list[str]] = []
    for line in script.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|(){}")
        lexer.whitespace_split = True
        current: list[str] = []
        try:
            for token in lexer:
                if set(token) <= PUNCTUATION:
                    commands.append(current)
                    current = []
                else:
                    current.append(token)
        except ValueError:  # an unbalanced quote: fall back to plain words
            current = line.split()
        commands.append(current)
    return [words for words in commands if words]


def _starts_sshd(words: list[str], depth: int = 0) -> bool:
    """Whether this argv runs sshd, directly, through a wrapper or a shell."""
    i = 0
    while i < len(words) and "=" in words[i] and not words[i].startswith(("/", "-")):
        i += 1  # VAR=value before the command
    if i >= len(words) or depth > 3:
        return False
    first = program(words[i])
    rest = words[i + 1 :]
    if _is_sshd(words[i]):
        return True
    if first in WRAPPERS or first in USER_WRAPPERS:
        while rest and (rest[0].startswith("-") or "=" in rest[0]):
            rest = rest[1:]  # the wrapper's own options, "--" and env assignments
        return _starts_sshd(rest[1:] if first in USER_WRAPPERS else rest, depth + 1)
    if first in SHELLS:
        # -c, or options that include it (-ec, -xc): the script is the next word
        flag = next(
            (j for j, w in enumerate(rest) if w[:1] == "-" and w[1:2] != "-" and "c" in w[1:]),
            None,
        )
        if flag is not None and flag + 1 < len(rest):
            return any(_starts_sshd(cmd, depth + 1) for cmd in _commands(rest[flag + 1]))
    return False


@lru_cache(maxsize=4096)
def configured_sshd(command: tuple[str, ...], entrypoint: tuple[str, ...] = ()) -> bool:
    """Whether the configured Entrypoint + Cmd starts sshd. Behind an
    entrypoint script, Cmd is what the script is given to run (the usual
    `exec "$@"`), so Cmd naming sshd counts too."""
    if _starts_sshd(list(command)):
        return True
    cmd = command[len(entrypoint) :] if command[: len(entrypoint)] == entrypoint else ()
    return bool(entrypoint) and _starts_sshd(list(cmd))


def sshd_state(c: Container) -> SshdState:
    """Seen in the process list when there is one, else from the configuration."""
    if c.running and c.processes is not None:
        seen = next((p for p in c.processes if _is_sshd(p.strip().split(" ", 1)[0])), "")
        return SshdState(bool(seen), Source.PROCESSES, seen)
    found = configured_sshd(c.command, c.entrypoint)
    return SshdState(found, Source.CONFIGURED, shlex.join(c.command) if found else "")

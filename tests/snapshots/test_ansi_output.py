"""`--ansi` on the wire: the console runs in a pseudo-terminal that claims
truecolour (COLORTERM=truecolor, TERM=xterm-256color), is driven through
its screens with real key presses, and every byte it writes is read. With
`--ansi` no SGR sequence may choose a 256-colour (38;5 / 48;5) or an RGB
(38;2 / 48;2) colour: only the terminal's own 16. Without `--ansi` the same
run does use RGB, which shows the check sees the colours the terminal gets.

The text the terminal gets also keeps the spaces between styled pieces
("Runs as root  root-user"), whatever an SVG viewer makes of them."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent / "ansi_console.py"
ROOT = SCRIPT.parent.parent.parent
#: Enter (the panel, at 80 columns a screen), Esc, the engine screen, the
#: help, the wizard (Tab, Space ticks), the palette, a sort, the filter.
KEYS = ["\r", "\x1b", "e", "\x1b", "?", "\x1b", "f", "\t", "\t", " ", "\x1b", "\x10", "\x1b"]
KEYS += ["s", "s", "/", "w", "\r", "\x1b"]
SGR = re.compile(rb"\x1b\[([0-9;:]*)m")
CSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def run_in_pty(args: list[str], keys: list[str], size: tuple[int, int]) -> bytes:
    """Everything the console writes to a terminal of `size` while `keys` are
    typed one by one, each once the output has settled."""
    cols, rows = size
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor")
        env.pop("NO_COLOR", None)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        os.execve(sys.executable, [sys.executable, str(SCRIPT), *args], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    out = bytearray()

    def settle(quiet: float = 0.4, most: float = 15.0, until: bytes = b"") -> None:
        # Read until `until` has come and the console was then quiet for `quiet` s.
        end, last = time.monotonic() + most, time.monotonic()
        while time.monotonic() < end and (until not in out or time.monotonic() - last < quiet):
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                out.extend(chunk)
                last = time.monotonic()

    try:
        settle(quiet=0.5, most=60.0, until=b"legacy-billing")  # the first paint of the fleet
        for key in keys:
            os.write(fd, key.encode())
            settle()
        os.write(fd, b"\x03")  # Ctrl+C: quit
        settle()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)
    return bytes(out)


def colour_codes(output: bytes) -> tuple[list[str], set[int]]:
    """(the extended colours chosen, as "38;5;n" / "48;2;r;g;b", and every
    other SGR parameter used)."""
    extended: list[str] = []
    plain: set[int] = set()
    for match in SGR.finditer(output):
        params = [p for p in re.split(rb"[;:]", match.group(1)) if p] or [b"0"]
        i = 0
        while i < len(params):
            code = int(params[i])
            if code in (38, 48) and i + 1 < len(params):
                kind = int(params[i + 1])
                take = 3 if kind == 5 else 5 if kind == 2 else 2
                extended.append(";".join(p.decode() for p in params[i : i + take]))
                i += take
                continue
            plain.add(code)
            i += 1
    return extended, plain


def screen_text(output: bytes) -> str:
    return CSI.sub(b"", output).decode("utf-8", "replace")


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_ansi_sends_only_the_16_terminal_colours(size: tuple[int, int]) -> None:
    output = run_in_pty(["--ansi"], KEYS, size)
    text = screen_text(output)
    assert "legacy-billing" in text and "Fix legacy-billing" in text  # the screens were drawn
    extended, plain = colour_codes(output)
    assert extended == [], sorted(set(extended))[:10]
    assert plain & set(range(30, 38)) and plain & {39, 49}  # the 16 colours, and the defaults


def test_ansi_disconnected_look_is_16_colours_too() -> None:
    output = run_in_pty(["--ansi", "--disconnected"], [], (120, 40))
    assert "DISCONNECTED" in screen_text(output)
    extended, _ = colour_codes(output)
    assert extended == [], sorted(set(extended))[:10]


def test_without_ansi_the_same_run_uses_rgb() -> None:
    # The check above can fail: the default look sends RGB colours.
    output = run_in_pty([], KEYS[:1], (80, 24))
    assert "legacy-billing" in screen_text(output)
    extended, _ = colour_codes(output)
    assert any(code.startswith(("38;2;", "48;2;")) for code in extended)


def test_the_terminal_gets_the_spaces_between_styled_pieces() -> None:
    text = screen_text(run_in_pty(["--ansi"], [], (160, 48)))
    assert "legacy-billing  acme/billing:2019" in text
    assert "Runs as root  root-user" in text
    assert "engine: MEDIUM icc-enabled" in text
    assert "fix (recreate): " in text

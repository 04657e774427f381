"""Make untrusted text (container names, labels, commands, daemon warnings)
safe for the terminal: no control characters, no Rich markup."""

from __future__ import annotations

import re

from rich.markup import escape

# C0 and C1 control characters and DEL: ESC starts terminal sequences, CR and
# BS can overwrite what was printed before.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(value: object) -> str:
    """`value` as text with every control character shown as \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def markup_safe(value: object) -> str:
    """`value` ready to embed in a Rich markup string."""
    return escape(printable(value))

"""Which values of a container are secrets, and how text that may carry
them is masked before it leaves the process.

Environment values are never shown; but an entrypoint often expands them
into its command line (`redis-server --requirepass "$REDIS_PASSWORD"`), and
command lines are shown (the processes, PID 1, the findings). `mask` hides
the container's secret values and the argument of password-like options."""

from __future__ import annotations

import re
from collections.abc import Callable

from dockertui.model import Container

_SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS"
)
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_NOT_SECRET = {"GPG_KEY"}
#: An option whose name says it takes a secret, and its argument
#: (--password=x, --requirepass x, -api-key x, token=x).
_SECRET_OPTION = re.compile(
    r"(?i)((?:^|\s)-{0,2}[\w.-]*(?:pass(?:word|wd)?|secret|token|api[-_]?key)[\w.-]*)([= ])"
    r"(?!\*\*\*)(\S+)"
)
#: Values shorter than this are not masked where they appear (a "1" or a
#: "yes" would blank half a command line).
_SHORTEST = 4
MASK = "***"


def secret_names(c: Container) -> list[str]:
    """The environment variables that hold a secret value, sorted (the panel marks them)."""
    names = set()
    for var in c.env:
        upper = var.name.upper()
        if not var.value or upper in _NOT_SECRET or upper.endswith("_FILE"):
            continue
        if _SECRET_NAME.search(upper) or _PRIVATE_KEY.search(var.value):
            names.add(var.name)
    return sorted(names)


def masker(c: Container) -> Callable[[str], str]:
    """A function that masks `c`'s secrets in a command line of its (the
    secret values found once, for all of its processes)."""
    names = set(secret_names(c))
    values = [v.value for v in c.env if v.name in names and len(v.value) >= _SHORTEST]

    def hide(text: str) -> str:
        for value in values:
            text = text.replace(value, MASK)
        return _SECRET_OPTION.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)

    return hide


def mask(text: str, c: Container) -> str:
    """`text` (a command line of `c`'s) with its secrets replaced by ***."""
    return masker(c)(text)

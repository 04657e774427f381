"""Shell text for `docker run` flags: quoting, sizes, CPU counts and durations.

Pure code shared by the `docker run` renderers (run_command, run_storage,
run_networks, run_settings) and the compose rendering. Every value goes
through `shlex.quote`, so anything a container holds (names, labels,
commands, paths) reaches the shell as one literal word.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from decimal import Decimal

_NANO = Decimal(1_000_000_000)
_UNITS = (("g", 1024**3), ("m", 1024**2), ("k", 1024))
#: Go duration units, largest first, in nanoseconds.
_DURATIONS = (("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000))


def quote(value: str) -> str:
    return shlex.quote(value)


def flag(name: str, value: str) -> str:
    """`name value` with the value quoted for a POSIX shell."""
    return f"{name} {quote(value)}"


def flags(name: str, values: Iterable[str]) -> list[str]:
    """One `name value` per value, in order."""
    return [flag(name, v) for v in values]


def docker_size(n: int) -> str:
    """Bytes in the unit `docker run --memory` accepts: 67108864 -> '64m'."""
    for unit, size in _UNITS:
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


def docker_cpus(nano_cpus: int) -> str:
    """NanoCpus as `--cpus` takes it: 1500000000 -> '1.5'."""
    value = format(Decimal(nano_cpus) / _NANO, "f")
    return value.rstrip("0").rstrip(".") if "." in value else value


def go_duration(nanoseconds: int) -> str:
    """Nanoseconds as Go's time.ParseDuration (and compose) read them, in the
    largest unit that keeps the value exact: 30000000000 -> '30s',
    1500000000 -> '1500ms'."""
    for unit, size in _DURATIONS:
        if nanoseconds % size == 0:
            return f"{nanoseconds // size}{unit}"
    return f"{nanoseconds}ns"


def csv_field(key: str, value: str) -> str:
    """One `--mount` / `--gpus` field, CSV-quoted when it holds a comma or quote."""
    field = f"{key}={value}"
    if any(ch in field for ch in ',"'):
        field = '"' + field.replace('"', '""') + '"'
    return field


def ulimit_name(name: str) -> str:
    """A ulimit's name as `docker run --ulimit` and the create API take it:
    Podman's inspect says RLIMIT_NOFILE where Docker says nofile, and
    Podman's own create refuses its own spelling."""
    return name.strip().lower().removeprefix("rlimit_")

"""The pick step's choices, as pure code: which changes to offer and tick,
what the limit inputs start with, and reading what was typed.

No widgets here (fix_wizard.py holds the screen); tests feed documents."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from dockertui.fixes.describe import diff
from dockertui.fixes.plan import (
    CHANGES,
    SUGGESTED_MEMORY,
    SUGGESTED_NANO_CPUS,
    SUGGESTED_PIDS,
    Options,
    plan,
)
from dockertui.fixes.run_command import docker_cpus, docker_size
from dockertui.fixes.validate import capability_problem, nano_cpus, parse_size
from dockertui.model import EngineInfo
from dockertui.text import printable

_WORDS = re.compile(r"[\s,]+")


def limit_defaults(doc: dict[str, Any]) -> dict[str, str]:
    """What the limit inputs start with: a suggestion for each limit the
    container does not have, blank (left alone) for each it has."""
    host = doc.get("HostConfig") or {}
    unlimited_cpu = not (host.get("NanoCpus") or host.get("CpuQuota") or host.get("CpuShares"))
    pids = host.get("PidsLimit")
    return {
        "memory": "" if host.get("Memory") else docker_size(SUGGESTED_MEMORY),
        "cpus": docker_cpus(SUGGESTED_NANO_CPUS) if unlimited_cpu else "",
        "pids": str(SUGGESTED_PIDS) if not pids or pids < 0 else "",
    }


def suggested_options(doc: dict[str, Any]) -> Options:
    """The Options the wizard starts from (the limit suggestions included)."""
    values = {kind: parse_limit(kind, text)[0] for kind, text in limit_defaults(doc).items()}
    return Options(memory=values["memory"], nano_cpus=values["cpus"], pids_limit=values["pids"])


def applicable(
    doc: dict[str, Any], engine: EngineInfo, suggested: Sequence[str]
) -> tuple[str, ...]:
    """The changes worth offering, in catalogue order: the suggested ones and
    every other one that changes the container's configuration."""
    wanted = set(suggested) | {"limits"}  # always editable, even when all three are set
    options = suggested_options(doc)
    for name in CHANGES:
        if name not in wanted and diff(plan(doc, [name], engine, options, validate=False)):
            wanted.add(name)
    return tuple(name for name in CHANGES if name in wanted)


def preticked(suggested: Sequence[str]) -> tuple[str, ...]:
    """The suggested changes that cannot break a service: ticked at the start."""
    return tuple(name for name in suggested if not CHANGES[name].risky)


def split_list(text: str, *, commas: bool = True) -> tuple[str, ...]:
    """Words separated by spaces (and commas unless `commas` is False: a
    tmpfs spec holds commas), in order, without repeats."""
    seen: dict[str, None] = {}
    for word in (_WORDS if commas else re.compile(r"\s+")).split(text.strip()):
        if word:
            seen.setdefault(word, None)
    return tuple(seen)


def keep_problem(names: Sequence[str]) -> str | None:
    return capability_problem(names)


def parse_limit(kind: str, text: str) -> tuple[int | None, str | None]:
    """(value, problem) of a limit typed in the wizard; blank leaves it alone."""
    text = text.strip()
    if not text:
        return None, None
    if kind == "memory":
        size = parse_size(text)
        if size is None:
            return None, f"{printable(text)!r} is not a size such as 512m or 1g."
        return size, None
    try:
        number = float(text)
    except ValueError:
        return None, f"{printable(text)!r} is not a number."
    if kind == "cpus":
        value = nano_cpus(number)
        if value is None:
            return None, f"{printable(text)!r} is not a number of CPUs."
        return value, None
    if not number.is_integer():
        return None, f"{printable(text)!r} is not a whole number of processes."
    return int(number), None

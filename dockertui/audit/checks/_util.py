"""Small helpers shared by the check modules."""

from __future__ import annotations

import shlex

from dockertui.model import Container


def name_arg(c: Container) -> str:
    """The container's name as a safe shell argument."""
    return shlex.quote(c.name or c.short_id)


def listing(items: list[str]) -> str:
    return ", ".join(items)

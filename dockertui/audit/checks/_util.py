"""Small helpers shared by the check modules."""

from __future__ import annotations

import shlex

from dockertui.model import Container


def name_arg(c: Container) -> str:
    """The container's name as a safe shell argument."""
    return shlex.quote(c.name or c.short_id)


def security_opts(c: Container) -> dict[str, str]:
    """SecurityOpt as key -> value. Docker accepts both `key=value` and the
    older `key:value`; a bare `no-new-privileges` means true."""
    parsed: dict[str, str] = {}
    for opt in c.security_opt:
        if "=" in opt:
            key, _, value = opt.partition("=")
        elif ":" in opt:
            key, _, value = opt.partition(":")
        else:
            key, value = opt, "true"
        parsed.setdefault(key.strip().lower(), value.strip())
    return parsed


def label_options(c: Container) -> list[str]:
    """Every `label=...` value (SELinux options may repeat)."""
    values = []
    for opt in c.security_opt:
        key, sep, value = opt.replace(":", "=", 1).partition("=")
        if sep and key.strip().lower() == "label":
            values.append(value.strip().lower())
    return values


def listing(items: list[str]) -> str:
    return ", ".join(items)

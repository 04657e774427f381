"""Reading HostConfig.SecurityOpt: the one parser the checks, the panel and
the table share."""

from __future__ import annotations

from dockertui.model import Container


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

"""Reading HostConfig.SecurityOpt: the one parser the checks, the panel and
the table share."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from dockertui.model import Container


def security_opts(c: Container) -> Mapping[str, str]:
    """SecurityOpt as key -> value. Docker accepts both `key=value` and the
    older `key:value`; a bare `no-new-privileges` means true."""
    return _parsed(c.security_opt)


@lru_cache(maxsize=4096)
def _parsed(security_opt: tuple[str, ...]) -> Mapping[str, str]:
    """Parsed once per distinct SecurityOpt list; read-only, as it is shared."""
    parsed: dict[str, str] = {}
    for opt in security_opt:
        if "=" in opt:
            key, _, value = opt.partition("=")
        elif ":" in opt:
            key, _, value = opt.partition(":")
        else:
            key, value = opt, "true"
        parsed.setdefault(key.strip().lower(), value.strip())
    return MappingProxyType(parsed)


def label_options(c: Container) -> list[str]:
    """Every `label=...` value (SELinux options may repeat)."""
    values = []
    for opt in c.security_opt:
        key, sep, value = opt.replace(":", "=", 1).partition("=")
        if sep and key.strip().lower() == "label":
            values.append(value.strip().lower())
    return values

"""Who a container really is on the host: the effective user rule, in one place."""

from __future__ import annotations

from dockertui.model import Container, EngineInfo


def is_root(user: str) -> bool:
    """Config.User means root when empty, 0, root, 0:<group> or root:<group>."""
    name = user.strip().partition(":")[0]
    return name in ("", "0", "root")


def effective_user(c: Container) -> str:
    """The user the container's main process runs as, for display."""
    return c.user if c.user else "root"


def root_is_remapped(c: Container, engine: EngineInfo) -> bool:
    """True when root in this container is not root on the host."""
    return engine.rootless or (engine.userns and c.userns_mode != "host")

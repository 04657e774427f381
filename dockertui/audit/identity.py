"""Who a container really is on the host: the effective user rule and the
engine's mode, in one place."""

from __future__ import annotations

from enum import Enum

from dockertui.model import Container, EngineInfo


class EngineMode(Enum):
    """How the engine maps container root onto the host."""

    ROOTFUL = "rootful"  # the daemon runs as root, container root is host root
    USERNS = "userns-remap"  # the daemon runs as root, container root is remapped
    ROOTLESS = "rootless"  # the daemon itself runs as an ordinary user

    @property
    def remaps_root(self) -> bool:
        return self is not EngineMode.ROOTFUL


def engine_mode(engine: EngineInfo) -> EngineMode:
    if engine.rootless:
        return EngineMode.ROOTLESS
    return EngineMode.USERNS if engine.userns else EngineMode.ROOTFUL


def is_root(user: str) -> bool:
    """Config.User means root when empty, 0, root, 0:<group> or root:<group>."""
    name = user.strip().partition(":")[0]
    return name in ("", "0", "root")


def effective_user(c: Container) -> str:
    """The user the container's main process runs as, for display."""
    return c.user if c.user else "root"


def root_is_remapped(c: Container, engine: EngineInfo) -> bool:
    """True when root in this container is not root on the host."""
    mode = engine_mode(engine)
    return mode is EngineMode.ROOTLESS or (mode is EngineMode.USERNS and c.userns_mode != "host")

"""Who a container really is on the host: the effective user rule and the
engine's mode, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from dockertui.model import Container, EngineInfo
from dockertui.model.kernel import InEffect, ProcessView


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


@dataclass(frozen=True)
class UserInEffect:
    """Who the container's processes really run as (the kernel's word)."""

    uid: int  # PID 1's effective UID inside the container
    gid: int
    pid1_text: str  # "PID 1 (sleep 1000) runs as 65534:65534"
    root_text: str  # which processes run as root, "" when none
    root: bool  # any process runs as root inside the container
    no_new_privileges: bool
    #: A non-root process still holds capabilities (ambient or file ones):
    #: dropping the user did not drop the powers.
    keeps_capabilities: bool = False


def _short(command: str, limit: int = 40) -> str:
    text = command  # untrusted: every display escapes it
    return text if len(text) <= limit else text[: limit - 1] + "…"


def root_processes(k: InEffect) -> tuple[ProcessView, ...]:
    """The processes that run as root inside the container (effective UID 0)."""
    return tuple(p for p in k.processes if k.container_uid(p) == 0)


def process_named(k: InEffect, p: ProcessView) -> str:
    """A process in a finding: PID 1, or its command (never its host PID,
    which changes at every restart and would make each report look new)."""
    return f"PID 1 ({_short(p.command)})" if p is k.pid1 else f"process {_short(p.command)!r}"


def user_in_effect(c: Container) -> UserInEffect | None:
    """The users the kernel shows for a running container; None when its
    view is not known here, or PID 1's user has no id in the container's
    user namespace (then the configuration is all there is)."""
    k = c.kernel
    if not isinstance(k, InEffect):
        return None
    p1 = k.pid1
    uid = k.container_uid(p1)
    gid = k.gid_map.to_container(p1.egid)
    if uid is None or gid is None:
        return None
    root = root_processes(k)
    if not root:
        root_text = ""
    elif len(root) == 1:
        root_text = f"{process_named(k, root[0])} runs as UID 0"
    else:
        root_text = f"{process_named(k, root[0])} and {len(root) - 1} more run as UID 0"
    return UserInEffect(
        uid=uid,
        gid=gid,
        pid1_text=f"PID 1 ({_short(p1.command)}) runs as {uid}:{gid}",
        root_text=root_text,
        root=bool(root),
        no_new_privileges=bool(p1.no_new_privs),
        keeps_capabilities=any(p.cap_eff or p.cap_amb for p in k.processes if p not in root),
    )


def effective_user(c: Container) -> str:
    """The configured user of the main process (`Config.User`, "root" when
    empty): the report's and the JSON's `user`, stable whatever the kernel shows."""
    return c.user if c.user else "root"


def shown_user(c: Container) -> str:
    """The user for the tables: the configured one, and where the kernel
    shows PID 1 as another user, both ("root→65534")."""
    configured = effective_user(c)
    seen = user_in_effect(c)
    if seen is None or seen.uid < 0:
        return configured
    name = c.user.partition(":")[0]
    if is_root(c.user) != (seen.uid == 0) or (name.isdecimal() and int(name) != seen.uid):
        return f"{configured}→{seen.uid}"
    return configured


def root_is_remapped(c: Container, engine: EngineInfo) -> bool:
    """True when root in this container is not root on the host."""
    mode = engine_mode(engine)
    return mode is EngineMode.ROOTLESS or (mode is EngineMode.USERNS and c.userns_mode != "host")

"""What confines a container's processes: AppArmor, SELinux, seccomp,
no-new-privileges and the masked kernel paths.

One judgement each, as an enum. The checks (audit/checks/mac.py and
syscalls.py), the security panel and the fleet table all read these, so a
check, the panel line and the table cell of one container can never
disagree.

A container that is not running has no profile in effect. Its state is then
judged from its configuration: what the engine will apply when it starts
(`from_config` is True), and the panel and the findings say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from dockertui.audit.security_options import label_options, security_opts
from dockertui.model import Container, EngineInfo

#: What moby's strconv.ParseBool accepts as true (lower-cased).
TRUE_VALUES = ("", "true", "1", "t")


class AppArmor(Enum):
    CONFINED = "confined"  # runs under a profile
    AT_START = "at start"  # not running: the engine applies its profile when it starts
    UNCONFINED = "unconfined"  # runs, or will run, without a profile
    NOT_ENFORCED = "not enforced"  # the engine has no AppArmor: nothing applies


@dataclass(frozen=True)
class AppArmorState:
    kind: AppArmor
    profile: str  # the profile in effect, or asked for; "" for the engine's default
    from_config: bool  # judged from the configuration: the container is not running
    privileged: bool = False

    @property
    def bad(self) -> bool:
        return self.kind is AppArmor.UNCONFINED


def apparmor_state(c: Container, engine: EngineInfo) -> AppArmorState:
    requested = security_opts(c).get("apparmor", "")
    if not engine.has_option("apparmor"):
        return AppArmorState(AppArmor.NOT_ENFORCED, c.apparmor_profile or requested, not c.running)
    if c.privileged or requested == "unconfined":
        return AppArmorState(AppArmor.UNCONFINED, "unconfined", not c.running, c.privileged)
    if not c.running:
        # The engine picks the profile at every start (its default unless asked
        # otherwise), so a stopped or never-started container's AppArmorProfile
        # says only how it ran last time.
        return AppArmorState(AppArmor.AT_START, requested, True)
    profile = c.apparmor_profile or requested
    if profile in ("", "unconfined"):
        return AppArmorState(AppArmor.UNCONFINED, profile or "unconfined", False)
    return AppArmorState(AppArmor.CONFINED, profile, False)


class SELinux(Enum):
    CONFINED = "confined"  # a process label the engine enforces
    DISABLED = "disabled"  # --security-opt label=disable
    PRIVILEGED = "privileged"  # privileged containers run unconfined
    NO_LABEL = "no label"  # the engine gave it no process label
    NOT_ENFORCED = "not enforced"  # the engine has no SELinux


@dataclass(frozen=True)
class SELinuxState:
    kind: SELinux
    label: str  # the process label, "" when there is none
    options: tuple[str, ...]  # every label=... option

    @property
    def bad(self) -> bool:
        return self.kind in (SELinux.DISABLED, SELinux.PRIVILEGED, SELinux.NO_LABEL)


def selinux_state(c: Container, engine: EngineInfo) -> SELinuxState:
    options = tuple(label_options(c))
    if not engine.has_option("selinux"):
        kind = SELinux.NOT_ENFORCED
    elif "disable" in options:
        kind = SELinux.DISABLED
    elif c.privileged:
        kind = SELinux.PRIVILEGED
    elif not c.process_label:
        kind = SELinux.NO_LABEL
    else:
        kind = SELinux.CONFINED
    return SELinuxState(kind, c.process_label, options)


class Seccomp(Enum):
    DEFAULT = "default"  # the engine's default profile
    CUSTOM = "custom"  # a profile of its own: review it
    UNCONFINED = "unconfined"  # --security-opt seccomp=unconfined
    PRIVILEGED = "privileged"  # privileged containers run without a filter
    ENGINE_NONE = "engine none"  # the engine applies no seccomp at all


@dataclass(frozen=True)
class SeccompState:
    kind: Seccomp
    profile: str  # the custom profile (a path or inline JSON), else ""

    @property
    def off(self) -> bool:
        """No system call filter at all."""
        return self.kind in (Seccomp.UNCONFINED, Seccomp.PRIVILEGED, Seccomp.ENGINE_NONE)


def seccomp_state(c: Container, engine: EngineInfo) -> SeccompState:
    if c.privileged:
        return SeccompState(Seccomp.PRIVILEGED, "")
    profile = security_opts(c).get("seccomp")
    if profile is not None and profile.lower() == "unconfined":
        return SeccompState(Seccomp.UNCONFINED, "")
    if not engine.has_option("seccomp"):
        return SeccompState(Seccomp.ENGINE_NONE, "")
    if profile is not None:
        return SeccompState(Seccomp.CUSTOM, profile)
    return SeccompState(Seccomp.DEFAULT, "")


class NoNewPrivileges(Enum):
    CONTAINER = "on, set on the container"
    DAEMON = "on, the daemon's default"
    OFF_EXPLICIT = "switched off on the container"
    OFF = "off"


@dataclass(frozen=True)
class NoNewPrivilegesState:
    kind: NoNewPrivileges
    value: str  # the container's own setting, "" when it has none

    @property
    def on(self) -> bool:
        return self.kind in (NoNewPrivileges.CONTAINER, NoNewPrivileges.DAEMON)


def no_new_privileges_state(c: Container, engine: EngineInfo) -> NoNewPrivilegesState:
    value = security_opts(c).get("no-new-privileges")
    if value is not None:
        if value.lower() in TRUE_VALUES:
            return NoNewPrivilegesState(NoNewPrivileges.CONTAINER, value)
        return NoNewPrivilegesState(NoNewPrivileges.OFF_EXPLICIT, value)
    if engine.has_option("no-new-privileges"):
        return NoNewPrivilegesState(NoNewPrivileges.DAEMON, "")
    return NoNewPrivilegesState(NoNewPrivileges.OFF, "")


class MaskedPaths(Enum):
    DEFAULT = "default"  # the engine's list (MaskedPaths unset)
    LISTED = "listed"  # an explicit list
    UNMASKED = "unmasked"  # systempaths=unconfined: nothing masked
    PRIVILEGED = "privileged"  # privileged containers see every path


def masked_paths_state(c: Container) -> MaskedPaths:
    if c.privileged:
        return MaskedPaths.PRIVILEGED
    unconfined = security_opts(c).get("systempaths", "").lower() == "unconfined"
    if c.masked_paths == () or unconfined:
        return MaskedPaths.UNMASKED
    return MaskedPaths.DEFAULT if c.masked_paths is None else MaskedPaths.LISTED

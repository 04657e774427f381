"""Facts for the panel's kernel-facing sections: Identity, Capabilities,
Syscalls and MAC (AppArmor / SELinux).

Every judgement here is read from audit/ (identity, capabilities,
confinement), the same predicates the checks use: a line is marked red or
yellow exactly when its check reports a finding that counts."""

from __future__ import annotations

from rich.text import Text

from dockertui.audit import ContainerReport
from dockertui.audit import capabilities as caps
from dockertui.audit.confinement import (
    AppArmor,
    MaskedPaths,
    NoNewPrivileges,
    Seccomp,
    SELinux,
    apparmor_state,
    masked_paths_state,
    no_new_privileges_state,
    seccomp_state,
    selinux_state,
)
from dockertui.audit.identity import (
    EngineMode,
    engine_mode,
    is_root,
    root_is_remapped,
    user_in_effect,
)
from dockertui.audit.secrets import secret_names
from dockertui.model import Container, EngineInfo
from dockertui.text import printable
from dockertui.ui.facts.common import DANGER, MUTED, OK, WARN, Facts, noted, value


def user_namespace(c: Container, engine: EngineInfo) -> Text:
    """The container's user namespace mode; host is bad only where the engine remaps."""
    if c.userns_mode != "host":
        return noted(c.userns_mode or "engine default", "", MUTED)
    if engine_mode(engine) is EngineMode.USERNS:
        return noted("host", "opts out of the engine's remapping", DANGER)
    return noted("host", "no effect: the engine does not remap users", MUTED)


def _root(c: Container, engine: EngineInfo) -> Text:
    """Whether root runs in it: as the kernel shows it when it was read
    (audit/identity.user_in_effect, as the root-user check judges), else as
    configured."""
    seen = user_in_effect(c)
    remapped = root_is_remapped(c, engine)
    if seen is not None and not is_root(c.user):
        if not seen.root:
            return Text("no", style=OK)
        return noted("yes", f"{printable(seen.root_text)}, verified", WARN if remapped else DANGER)
    if seen is not None and not seen.root:
        return noted("no", f"drops to UID {seen.uid} at start, verified", WARN)
    if not is_root(c.user):
        return Text("no", style=OK)
    if remapped:
        return noted("yes", "remapped: not root on the host", WARN)
    return noted("yes", "root on the host too", DANGER)


_MODE = {
    EngineMode.ROOTLESS: ("rootless", "the engine runs as an ordinary user", OK),
    EngineMode.USERNS: (
        "userns-remap",
        "container root maps to an unprivileged host user",
        OK,
    ),
    EngineMode.ROOTFUL: ("rootful, no user namespace remapping", "the daemon runs as root", WARN),
}


def identity_facts(report: ContainerReport, engine: EngineInfo) -> Facts:
    """User as configured, root or not, user namespaces, the engine's mode, env names."""
    c = report.container
    if c.user:
        user = value(c.user, "bold")
    else:
        user = noted("root", "Config.User is empty: the image's default", "bold")
    root = _root(c, engine)
    mode, note, style = _MODE[engine_mode(engine)]
    secrets = set(secret_names(c))
    env = Text(", ").join([value(v.masked, DANGER if v.name in secrets else "") for v in c.env])
    if secrets:
        env.append("  (values of the red ones are secrets)", style=MUTED)
    return [
        ("user", user),
        ("root", root),
        ("user namespace", user_namespace(c, engine)),
        ("engine", noted(mode, note, style)),
        ("environment", env if env.plain else Text("none", style=MUTED)),
    ]


def _explained(name: str) -> Text:
    out = Text(name, style=DANGER if name in caps.DANGEROUS else WARN)
    out.append(f"  {caps.explain(name)}", style="")
    return out


def _listed(names: list[Text], style: str, empty: str, empty_style: str) -> Text:
    """Several explained names, one per line, under one mark (`style`)."""
    if not names:
        return Text(empty, style=empty_style)
    out = Text("\n").join(names)
    out.style = style
    return out


def capability_facts(report: ContainerReport, engine: EngineInfo) -> Facts:
    """The effective set and its delta against Docker's default set: what is
    added (each explained), dangerous, dropped, and could still be dropped."""
    c = report.container
    held = caps.delta(c.cap_add, c.cap_drop, privileged=c.privileged)
    facts: Facts = []
    if held.privileged:
        facts.append(
            ("privileged", noted("yes", "privileged: every capability and every device", DANGER))
        )
    if held.every:
        facts.append(("effective", noted("every capability", f"{len(held.held)}", DANGER)))
    else:
        facts.append(("effective", value(", ".join(sorted(held.held)) or "none", "")))
    if held.every:
        why = "privileged" if held.privileged else "--cap-add ALL"
        added = noted(
            f"{len(held.added)} beyond Docker's defaults", f"{why}: {caps.explain('ALL')}", WARN
        )
    else:
        added = _listed(
            [_explained(n) for n in sorted(held.added)],
            WARN,
            "none beyond Docker's defaults",
            OK,
        )
    facts.append(("added", added))
    if held.every:
        dangerous = noted("all of them", ", ".join(caps.DANGEROUS), DANGER)
    else:
        dangerous = _listed([_explained(n) for n in held.dangerous], DANGER, "none", OK)
    facts.append(("dangerous", dangerous))
    dropped = value(", ".join(sorted(held.dropped)) or "none", OK if held.dropped else MUTED)
    if held.ignored_drops:
        dropped.append(
            f"  (--cap-drop {', '.join(sorted(held.ignored_drops))} ignored: privileged)",
            style=DANGER,
        )
    facts.append(("dropped", dropped))
    kept = held.kept_hardening
    facts.append(
        (
            "could drop",
            noted(", ".join(kept), "default capabilities few services need", WARN)
            if kept
            else Text("nothing from the hardening list", style=OK),
        )
    )
    return facts


def _seccomp(c: Container, engine: EngineInfo) -> Text:
    state = seccomp_state(c, engine)
    if state.kind is Seccomp.PRIVILEGED:
        return noted("none", "privileged containers run without seccomp", DANGER)
    if state.kind is Seccomp.UNCONFINED:
        return noted("unconfined", "seccomp=unconfined: every system call allowed", DANGER)
    if state.kind is Seccomp.ENGINE_NONE:
        return noted("none", "the engine does not apply seccomp", DANGER)
    if state.kind is Seccomp.CUSTOM:
        source = (
            f"inline JSON, {len(state.profile)} characters"
            if state.profile.startswith("{")
            else printable(state.profile[:80])
        )
        return noted("custom profile", f"{source}; review it", "")
    return noted("default", "the engine's default profile", OK)


def _no_new_privileges(c: Container, engine: EngineInfo) -> Text:
    state = no_new_privileges_state(c, engine)
    if state.kind is NoNewPrivileges.CONTAINER:
        return noted("on", "set on the container", OK)
    if state.kind is NoNewPrivileges.DAEMON:
        return noted("on", "the daemon's default", OK)
    if state.kind is NoNewPrivileges.OFF_EXPLICIT:
        return noted("off", f"no-new-privileges={state.value} on the container", DANGER)
    return noted("off", "neither the container nor the daemon sets it", WARN)


def _masked_paths(c: Container) -> Text:
    state = masked_paths_state(c)
    if state is MaskedPaths.PRIVILEGED:
        return noted("none", "privileged: /proc and /sys are unmasked", DANGER)
    if state is MaskedPaths.UNMASKED:
        return noted("empty", "systempaths=unconfined: kernel paths exposed", DANGER)
    if state is MaskedPaths.DEFAULT or c.masked_paths is None:
        return noted("default", "the engine's list", OK)
    return noted("default", f"{len(c.masked_paths)} paths masked", OK)


def syscall_facts(report: ContainerReport, engine: EngineInfo) -> Facts:
    """Seccomp profile, no-new-privileges and where it comes from, masked paths."""
    c = report.container
    return [
        ("seccomp", _seccomp(c, engine)),
        ("no-new-privileges", _no_new_privileges(c, engine)),
        ("masked paths", _masked_paths(c)),
    ]


def apparmor_text(c: Container, engine: EngineInfo) -> Text:
    """The AppArmor line: confined, confined at start, unconfined or not enforced."""
    state = apparmor_state(c, engine)
    if state.kind is AppArmor.NOT_ENFORCED:
        shown = noted(state.profile or "none", "", MUTED)
        shown.append("  (the engine has no AppArmor: nothing is enforced)", style=MUTED)
        return shown
    if state.kind is AppArmor.AT_START:
        profile = state.profile or "the engine's default profile"
        return noted(f"{profile} at start", "not running: applied when it starts", OK)
    if state.kind is AppArmor.UNCONFINED:
        why = "privileged" if state.privileged else "apparmor=unconfined or no profile"
        when = "will start unconfined" if state.from_config else "not confined by AppArmor"
        return noted("unconfined", f"{when}: {why}", DANGER)
    return noted(state.profile, "enforced by the engine", OK)


def _selinux(c: Container, engine: EngineInfo) -> Text:
    state = selinux_state(c, engine)
    if state.kind is SELinux.NOT_ENFORCED:
        out = value(state.label or "no process label", MUTED)
    elif state.bad:
        out = value(state.label or "no process label", DANGER)
    else:
        out = value(state.label, OK)
    if state.options:
        out.append("  options: ", style=MUTED)
        out.append(printable(", ".join(f"label={opt}" for opt in state.options)))
    if state.kind is SELinux.PRIVILEGED:
        out.append("  (privileged: not confined)", style=DANGER)
    if state.kind is SELinux.NOT_ENFORCED:
        out.append("  (the engine has no SELinux: labels are not enforced)", style=MUTED)
    else:
        out.append("  (the engine enforces SELinux)", style=MUTED)
    return out


def mac_facts(report: ContainerReport, engine: EngineInfo) -> Facts:
    """AppArmor profile and SELinux labels, and whether the engine enforces either."""
    c = report.container
    return [("AppArmor", apparmor_text(c, engine)), ("SELinux", _selinux(c, engine))]

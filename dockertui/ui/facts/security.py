"""Facts for the panel's kernel-facing sections: Identity, Capabilities,
Syscalls and MAC (AppArmor / SELinux)."""

from __future__ import annotations

from rich.text import Text

from dockertui.audit import ContainerReport
from dockertui.audit import capabilities as caps
from dockertui.audit.identity import is_root, root_is_remapped
from dockertui.audit.security_options import label_options, security_opts
from dockertui.model import Container, EngineInfo
from dockertui.text import printable
from dockertui.ui.facts.common import DANGER, MUTED, OK, WARN, Facts, lines, noted, value

#: What moby's strconv.ParseBool accepts as true for no-new-privileges.
_TRUE = ("", "true", "1", "t")


def identity_facts(report: ContainerReport, engine: EngineInfo) -> Facts:
    """User as configured, root or not, user namespaces, the engine's mode, env names."""
    c = report.container
    remapped = root_is_remapped(c, engine)
    if c.user:
        user = value(c.user, "bold")
    else:
        user = noted("root", "Config.User is empty: the image's default", "bold")
    if not is_root(c.user):
        root = Text("no", style=OK)
    elif remapped:
        root = noted("yes", "remapped: not root on the host", WARN)
    else:
        root = noted("yes", "root on the host too", DANGER)
    if c.userns_mode == "host":
        userns = noted("host", "opts out of the engine's remapping", DANGER)
    else:
        userns = noted(c.userns_mode or "engine default", "", MUTED)
    if engine.rootless:
        mode = noted("rootless", "the engine runs as an ordinary user", OK)
    elif engine.userns:
        mode = noted("userns-remap", "container root maps to an unprivileged host user", OK)
    else:
        mode = noted("rootful, no user namespace remapping", "the daemon runs as root", WARN)
    env = Text(", ").join([value(var.masked) for var in c.env])
    return [
        ("user", user),
        ("root", root),
        ("user namespace", userns),
        ("engine", mode),
        ("environment", env if env.plain else Text("none", style=MUTED)),
    ]


def _explained(name: str) -> Text:
    style = DANGER if name == "ALL" or name in caps.DANGEROUS else WARN
    out = Text(name, style=style)
    out.append(f"  {caps.explain(name)}")
    return out


def capability_facts(report: ContainerReport, engine: EngineInfo) -> Facts:
    """The effective set, what was added or is dangerous (each explained), what was dropped."""
    c = report.container
    held = report.effective_capabilities
    facts: Facts = []
    if c.privileged:
        facts.append(
            ("privileged", noted("yes", "privileged: every capability and every device", DANGER))
        )
    if held >= caps.ALL:
        facts.append(("effective", noted("every capability", f"{len(held)}", DANGER)))
    else:
        facts.append(("effective", value(", ".join(sorted(held)) or "none", "")))
    added = caps.normalize_all(c.cap_add) - caps.DOCKER_DEFAULT
    named = sorted(added - {"ALL"})
    if "ALL" in added:
        named.insert(0, "ALL")
    facts.append(("added", lines((_explained(n) for n in named), "none beyond Docker's defaults")))
    dangerous = [n for n in caps.DANGEROUS if n in held and n not in added]
    if dangerous:
        facts.append(("dangerous", lines(_explained(n) for n in dangerous)))
    dropped = sorted(caps.normalize_all(c.cap_drop))
    drop_text = value(", ".join(dropped) or "none", OK if dropped else MUTED)
    if c.privileged and dropped:
        drop_text.append("  (ignored: privileged)", style=DANGER)
    facts.append(("dropped", drop_text))
    return facts


def _seccomp(c: Container, engine: EngineInfo) -> Text:
    profile = security_opts(c).get("seccomp")
    if c.privileged:
        return noted("none", "privileged containers run without seccomp", DANGER)
    if profile is not None and profile.lower() == "unconfined":
        return noted("unconfined", "seccomp=unconfined: every system call allowed", DANGER)
    if profile is not None:
        source = (
            f"inline JSON, {len(profile)} characters"
            if profile.startswith("{")
            else printable(profile[:80])
        )
        return noted("custom profile", source, WARN)
    if not engine.has_option("seccomp"):
        return noted("none", "the engine does not apply seccomp", DANGER)
    return noted("default", "the engine's default profile", OK)


def _no_new_privileges(c: Container, engine: EngineInfo) -> Text:
    own = security_opts(c).get("no-new-privileges")
    if own is not None:
        if own.lower() in _TRUE:
            return noted("on", "set on the container", OK)
        return noted("off", f"no-new-privileges={own} on the container", DANGER)
    if engine.has_option("no-new-privileges"):
        return noted("on", "the daemon's default", OK)
    return noted("off", "neither the container nor the daemon sets it", WARN)


def _masked_paths(c: Container) -> Text:
    unconfined = security_opts(c).get("systempaths", "").lower() == "unconfined"
    if c.privileged:
        return noted("none", "privileged: /proc and /sys are unmasked", DANGER)
    if c.masked_paths == () or unconfined:
        return noted("empty", "systempaths=unconfined: kernel paths exposed", DANGER)
    if c.masked_paths is None:
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


def _apparmor(c: Container, engine: EngineInfo) -> Text:
    profile = c.apparmor_profile or security_opts(c).get("apparmor", "")
    if c.privileged and not profile:
        profile = "unconfined"
    if not engine.has_option("apparmor"):
        shown = noted(profile or "none", "", MUTED)
        shown.append("  (the engine has no AppArmor: nothing is enforced)", style=MUTED)
        return shown
    if profile in ("", "unconfined"):
        return noted(profile or "none", "not confined by AppArmor", DANGER)
    return noted(profile, "enforced by the engine", OK)


def _selinux(c: Container, engine: EngineInfo) -> Text:
    labels = label_options(c)
    out = value(c.process_label or "no process label", "" if c.process_label else MUTED)
    if labels:
        out.append("  options: ", style=MUTED)
        style = DANGER if "disable" in labels and engine.has_option("selinux") else ""
        out.append(printable(", ".join(f"label={opt}" for opt in labels)), style=style)
    if engine.has_option("selinux"):
        out.append("  (the engine enforces SELinux)", style=OK)
    else:
        out.append("  (the engine has no SELinux: labels are not enforced)", style=MUTED)
    return out


def mac_facts(report: ContainerReport, engine: EngineInfo) -> Facts:
    """AppArmor profile and SELinux labels, and whether the engine enforces either."""
    c = report.container
    return [("AppArmor", _apparmor(c, engine)), ("SELinux", _selinux(c, engine))]

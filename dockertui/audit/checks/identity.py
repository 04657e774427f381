"""Who the container runs as: user, user namespaces, secrets it carries
(CIS 4.1, 5.31)."""

from __future__ import annotations

from dockertui.audit.finding import FixKind
from dockertui.audit.identity import (
    EngineMode,
    engine_mode,
    is_root,
    root_is_remapped,
    user_in_effect,
)
from dockertui.audit.registry import PASS, Outcome, container_check, fail
from dockertui.audit.secrets import secret_names
from dockertui.audit.severity import Severity
from dockertui.model import Container, EngineInfo


@container_check(
    "root-user",
    cis="4.1",
    severity=Severity.MEDIUM,
    title="Runs as root",
    why="Without user namespaces, root in a container is root on the host as far as the "
    "kernel is concerned: one escape, one writable host mount or one kernel bug away "
    "from owning the machine.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create with --user <uid>:<gid>, or set USER in the image.",
    section="identity",
    also=(Severity.LOW,),
)
def root_user(c: Container, engine: EngineInfo) -> Outcome:
    seen = user_in_effect(c)
    if not is_root(c.user):
        if seen is None or not seen.root:
            return PASS
        # configured as a user, yet the kernel shows a process running as root
        return fail(
            f"User is {c.user}, but {seen.root_text} (verified).",
            severity=Severity.LOW if root_is_remapped(c, engine) else Severity.MEDIUM,
            fix_summary="Find what runs as root: a setuid program is stopped by re-creating "
            "with no-new-privileges; a docker exec -u 0 only by limiting who may use the "
            "Docker API.",
            command="--security-opt no-new-privileges",
        )
    shown = c.user or "not set, so root"
    if seen is not None and not seen.root and not seen.keeps_capabilities:
        guard = (
            ""
            if seen.no_new_privileges
            else " Without no-new-privileges a setuid program in the image could take root back."
        )
        return fail(
            f"User is {shown}, but it drops to UID {seen.uid} at start, verified: "
            f"{seen.pid1_text}.{guard}",
            severity=Severity.LOW,
            title=f"Starts as root, then drops to UID {seen.uid}",
            command=f"--user {seen.uid}:{seen.gid}",
        )
    if seen is None:
        verified = ""
    elif seen.root:
        verified = f" Verified: {seen.root_text}."
    else:  # it drops its user but keeps capabilities: not lowered
        verified = (
            f" {seen.pid1_text}, but it keeps capabilities (ambient or file ones), "
            "verified: the drop does not drop the powers."
        )
    if root_is_remapped(c, engine):
        rootless = engine_mode(engine) is EngineMode.ROOTLESS
        how = "a rootless engine" if rootless else "user-namespace remapping"
        return fail(
            f"User is {shown}, but {how} maps it to an unprivileged user on the host.{verified}",
            severity=Severity.LOW,
            command="--user 1000:1000",
        )
    return fail(f"User is {shown} (UID 0 on the host too).{verified}", command="--user 1000:1000")


@container_check(
    "host-userns",
    cis="5.31",
    severity=Severity.MEDIUM,
    title="Leaves the user namespace remapping (userns=host)",
    why="The daemon remaps container root to an unprivileged host user, but this "
    "container opts out: its root is the host's root again.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create without --userns=host.",
    section="identity",
    also=(Severity.INFO,),
)
def host_userns(c: Container, engine: EngineInfo) -> Outcome:
    if c.userns_mode != "host":
        return PASS
    if engine_mode(engine) is not EngineMode.USERNS:
        return fail(
            "--userns=host is set, but the daemon does not remap users, so it changes nothing.",
            severity=Severity.INFO,
            command="remove --userns=host",
        )
    return fail(
        "--userns=host bypasses the daemon's user remapping.", command="remove --userns=host"
    )


@container_check(
    "secrets-in-env",
    cis=None,
    severity=Severity.HIGH,
    title="Secrets in environment variables",
    why="Environment variables are readable by anyone who can inspect the container or "
    "read /proc inside it, end up in logs and crash reports, and are inherited by every "
    "child process.",
    fix=FixKind.RECREATE,
    fix_summary="Pass secrets as files (Docker secrets, a read-only bind mount, or a "
    "*_FILE variable) instead of values.",
    section="identity",
)
def secrets_in_env(c: Container, engine: EngineInfo) -> Outcome:
    names = secret_names(c)
    if not names:
        return PASS
    return fail(
        f"Holds secret values in {', '.join(names)} (values not shown).",
        command=" ".join(f"-e {n}_FILE=/run/secrets/{n.lower()}" for n in names),
    )

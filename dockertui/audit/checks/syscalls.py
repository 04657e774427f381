"""Seccomp, no-new-privileges and masked paths (CIS 5.22, 5.26)."""

from __future__ import annotations

from dockertui.audit.finding import FixKind
from dockertui.audit.registry import NOT_APPLICABLE, PASS, Outcome, container_check, fail
from dockertui.audit.security_options import security_opts
from dockertui.audit.severity import Severity
from dockertui.model import Container, EngineInfo

#: What moby's strconv.ParseBool accepts as true (lower-cased).
_TRUE = ("", "true", "1", "t")


@container_check(
    "seccomp-disabled",
    cis="5.22",
    severity=Severity.HIGH,
    title="Seccomp is disabled",
    why="Seccomp blocks the rarely used system calls (kexec_load, open_by_handle_at, "
    "module loading, new namespaces) through which most kernel escapes start; "
    "without it the whole kernel surface is open.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create without seccomp=unconfined so the engine's default profile "
    "applies (or give a custom profile).",
    section="syscalls",
    also=(Severity.INFO,),
)
def seccomp_disabled(c: Container, engine: EngineInfo) -> Outcome:
    if c.privileged:
        return fail(
            "Privileged containers run without any seccomp filter.",
            command="remove --privileged",
            fix_summary="Re-create without --privileged; the default seccomp profile then applies.",
        )
    profile = security_opts(c).get("seccomp")
    if profile is None:
        return PASS
    if profile.lower() == "unconfined":
        return fail(
            "--security-opt seccomp=unconfined turns syscall filtering off.",
            command="remove --security-opt seccomp=unconfined",
        )
    return fail(
        "Runs under a custom seccomp profile; review that it still blocks what the "
        "default profile blocks.",
        severity=Severity.INFO,
        title="Uses a custom seccomp profile",
        fix_summary="Compare the profile with the engine's default.",
    )


@container_check(
    "no-new-privileges",
    cis="5.26",
    severity=Severity.MEDIUM,
    title="Processes can gain privileges (no-new-privileges is off)",
    why="Without no-new-privileges a process can raise its privileges through set-user-ID "
    "programs such as su or a planted binary, turning a foothold as a plain user into root.",
    fix=FixKind.RECREATE,
    fix_summary='Re-create with --security-opt no-new-privileges (or set "no-new-privileges": '
    "true in daemon.json for every container).",
    section="syscalls",
)
def no_new_privileges(c: Container, engine: EngineInfo) -> Outcome:
    value = security_opts(c).get("no-new-privileges")
    if value is not None:
        if value.lower() in _TRUE:
            return PASS
        return fail(
            f"--security-opt no-new-privileges={value} switches it off explicitly.",
            command="--security-opt no-new-privileges",
        )
    if engine.has_option("no-new-privileges"):
        return PASS
    return fail(
        "Neither the container nor the daemon sets no-new-privileges.",
        command="--security-opt no-new-privileges",
    )


@container_check(
    "masked-paths-off",
    cis=None,
    severity=Severity.HIGH,
    title="Kernel paths under /proc and /sys are unmasked",
    why="Docker normally hides kernel interfaces such as /proc/kcore, /proc/sysrq-trigger "
    "and /sys/firmware; with them exposed a process can read kernel memory or crash "
    "the host.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create without --security-opt systempaths=unconfined.",
    section="syscalls",
)
def masked_paths_off(c: Container, engine: EngineInfo) -> Outcome:
    if c.privileged:
        return NOT_APPLICABLE  # privileged already says everything
    unconfined = security_opts(c).get("systempaths", "").lower() == "unconfined"
    if c.masked_paths == () or unconfined:
        return fail(
            "MaskedPaths is empty (systempaths=unconfined).",
            command="remove --security-opt systempaths=unconfined",
        )
    return PASS

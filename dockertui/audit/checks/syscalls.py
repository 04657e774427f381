"""Seccomp, no-new-privileges and masked paths (CIS 5.22, 5.26), judged by
audit/confinement.py."""

from __future__ import annotations

from dockertui.audit.confinement import (
    MaskedPaths,
    NoNewPrivileges,
    Seccomp,
    masked_paths_state,
    no_new_privileges_state,
    seccomp_state,
)
from dockertui.audit.finding import FixKind
from dockertui.audit.registry import NOT_APPLICABLE, PASS, Outcome, container_check, fail
from dockertui.audit.severity import Severity
from dockertui.model import Container, EngineInfo


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
    state = seccomp_state(c, engine)
    if state.kind is Seccomp.PRIVILEGED:
        return fail(
            "Privileged containers run without any seccomp filter.",
            command="remove --privileged",
            fix_summary="Re-create without --privileged; the default seccomp profile then applies.",
        )
    if state.kind is Seccomp.UNCONFINED:
        return fail(
            "--security-opt seccomp=unconfined turns syscall filtering off.",
            command="remove --security-opt seccomp=unconfined",
        )
    if state.kind is Seccomp.ENGINE_NONE:
        return fail(
            "The engine applies no seccomp filter (seccomp-daemon), so this container has none.",
            fix_summary="Run the engine on a kernel with seccomp; its default profile then applies.",
        )
    if state.kind is Seccomp.CUSTOM:
        return fail(
            "Runs under a custom seccomp profile; review that it still blocks what the "
            "default profile blocks.",
            severity=Severity.INFO,
            title="Uses a custom seccomp profile",
            fix_summary="Compare the profile with the engine's default.",
        )
    return PASS


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
    state = no_new_privileges_state(c, engine)
    if state.on:
        return PASS
    if state.kind is NoNewPrivileges.OFF_EXPLICIT:
        return fail(
            f"--security-opt no-new-privileges={state.value} switches it off explicitly.",
            command="--security-opt no-new-privileges",
        )
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
    state = masked_paths_state(c)
    if state is MaskedPaths.PRIVILEGED:
        return NOT_APPLICABLE  # privileged already says everything
    if state is MaskedPaths.UNMASKED:
        return fail(
            "MaskedPaths is empty (systempaths=unconfined).",
            command="remove --security-opt systempaths=unconfined",
        )
    return PASS

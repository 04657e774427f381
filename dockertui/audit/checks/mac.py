"""Mandatory access control: AppArmor and SELinux (CIS 5.2, 5.3), judged by
audit/confinement.py."""

from __future__ import annotations

from dockertui.audit.confinement import AppArmor, SELinux, apparmor_state, selinux_state
from dockertui.audit.finding import FixKind
from dockertui.audit.registry import NOT_APPLICABLE, PASS, Outcome, container_check, fail
from dockertui.audit.severity import Severity
from dockertui.model import Container, EngineInfo


@container_check(
    "apparmor-disabled",
    cis="5.2",
    severity=Severity.MEDIUM,
    title="No AppArmor profile",
    why="AppArmor limits which files and kernel interfaces a container may touch even "
    "as root; without a profile that second line of defence is gone.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create without apparmor=unconfined so docker-default applies, or "
    "with --security-opt apparmor=<profile>.",
    section="mac",
)
def apparmor_disabled(c: Container, engine: EngineInfo) -> Outcome:
    state = apparmor_state(c, engine)
    if state.kind is AppArmor.NOT_ENFORCED:
        return NOT_APPLICABLE
    if not state.bad:
        return PASS
    verb = "will start" if state.from_config else "runs"
    because = " because it is privileged" if state.privileged else ""
    seen = " (judged from its configuration: it is not running)" if state.from_config else ""
    return fail(
        f"AppArmor is on in the daemon but this container {verb} unconfined{because}{seen}.",
        command="--security-opt apparmor=docker-default",
    )


@container_check(
    "selinux-disabled",
    cis="5.3",
    severity=Severity.MEDIUM,
    title="SELinux confinement is off",
    why="SELinux labels keep a container's processes away from host files and other "
    "containers' data even when it runs as root; disabling labels removes that barrier.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create without label=disable so the engine assigns a confining label.",
    section="mac",
)
def selinux_disabled(c: Container, engine: EngineInfo) -> Outcome:
    state = selinux_state(c, engine)
    if state.kind is SELinux.NOT_ENFORCED:
        return NOT_APPLICABLE
    if state.kind is SELinux.DISABLED:
        return fail(
            "--security-opt label=disable turns SELinux labelling off.",
            command="remove --security-opt label=disable",
        )
    if state.kind is SELinux.PRIVILEGED:
        return fail(
            "Privileged containers run without SELinux confinement.", command="remove --privileged"
        )
    if state.kind is SELinux.NO_LABEL:
        return fail(
            "The container runs with no SELinux process label.",
            command="--security-opt label=type:container_t",
        )
    return PASS

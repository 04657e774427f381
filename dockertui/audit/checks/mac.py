"""Mandatory access control: AppArmor and SELinux (CIS 5.2, 5.3)."""

from __future__ import annotations

from dockertui.audit.finding import FixKind
from dockertui.audit.registry import NOT_APPLICABLE, PASS, Outcome, container_check, fail
from dockertui.audit.security_options import label_options, security_opts
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
    if not engine.has_option("apparmor"):
        return NOT_APPLICABLE
    requested = security_opts(c).get("apparmor", "")
    if not c.running and not requested and not c.privileged:
        # The engine picks the profile at every start (docker-default unless
        # asked otherwise), so a stopped or never-started container's empty
        # AppArmorProfile says nothing about how it will run.
        return PASS
    profile = c.apparmor_profile or requested
    if c.privileged or profile in ("", "unconfined") or requested == "unconfined":
        return fail(
            "AppArmor is on in the daemon but this container runs unconfined.",
            command="--security-opt apparmor=docker-default",
        )
    return PASS


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
    if not engine.has_option("selinux"):
        return NOT_APPLICABLE
    labels = label_options(c)
    if "disable" in labels:
        return fail(
            "--security-opt label=disable turns SELinux labelling off.",
            command="remove --security-opt label=disable",
        )
    if c.privileged:
        return fail(
            "Privileged containers run without SELinux confinement.", command="remove --privileged"
        )
    if not c.process_label:
        return fail(
            "The container runs with no SELinux process label.",
            command="--security-opt label=type:container_t",
        )
    return PASS

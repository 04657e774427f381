"""Privileged mode and capabilities (CIS 5.4, 5.5)."""

from __future__ import annotations

from dockertui.audit import capabilities as caps
from dockertui.audit.checks._util import listing
from dockertui.audit.finding import FixKind
from dockertui.audit.registry import PASS, Hit, Outcome, container_check, fail
from dockertui.audit.severity import Severity
from dockertui.model import Container, EngineInfo


@container_check(
    "privileged",
    cis="5.5",
    severity=Severity.CRITICAL,
    title="Runs privileged",
    why="A privileged container holds every capability, sees every host device and "
    "runs without seccomp or AppArmor: root inside it can mount the host's disks "
    "and take the whole machine.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create without --privileged and add back only the capabilities "
    "and devices the service needs.",
    section="capabilities",
)
def privileged(c: Container, engine: EngineInfo) -> Outcome:
    if not c.privileged:
        return PASS
    waiting = " It is not running yet, but will start with these powers." if not c.running else ""
    return fail(
        "HostConfig.Privileged is true: all capabilities, all host devices, "
        f"no seccomp filter, no AppArmor profile.{waiting}",
        command="remove --privileged; add --cap-add <CAP> / --device <DEV> for what it needs",
    )


@container_check(
    "cap-added",
    cis="5.4",
    severity=Severity.MEDIUM,
    title="Adds capabilities beyond the default set",
    why="Every capability added is a kernel power root in the container gains on top "
    "of Docker's defaults; most services need none of them.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create without the extra --cap-add flags, keeping only those the "
    "service has been shown to need.",
    section="capabilities",
)
def cap_added(c: Container, engine: EngineInfo) -> Outcome:
    held = _delta(c)
    if not held.added:
        return PASS
    if held.privileged:
        return fail(
            f"Privileged: holds all {len(held.held)} capabilities, "
            f"{len(held.added)} of them beyond Docker's defaults.",
            command="remove --privileged; add --cap-add <CAP> for only what it needs",
        )
    added = sorted(held.added)
    if held.every:
        return fail(
            f"--cap-add ALL: {len(held.added)} capabilities beyond Docker's defaults.",
            command="remove --cap-add ALL; add --cap-add <CAP> for only what it needs",
        )
    return fail(
        f"--cap-add {listing(added)}",
        command=" ".join(f"remove --cap-add {name}" for name in added),
    )


@container_check(
    "cap-dangerous",
    cis="5.4",
    severity=Severity.HIGH,
    title="Holds dangerous capabilities",
    why="These capabilities are the common roads from a container to the host kernel: "
    "mounting file systems, loading modules, tracing processes, reading raw memory.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create with --cap-drop ALL and add back only what the service needs.",
    section="capabilities",
    also=(Severity.CRITICAL,),
)
def cap_dangerous(c: Container, engine: EngineInfo) -> Outcome:
    held = _delta(c)
    if held.every:
        return fail(
            "Holds every capability ("
            + ("privileged" if held.privileged else "--cap-add ALL")
            + "): "
            + caps.explain("ALL")
            + ".",
            severity=Severity.CRITICAL,
            command="--cap-drop ALL --cap-add <only what it needs>",
        )
    found = held.dangerous
    if not found:
        return PASS
    detail = "; ".join(f"{name}: {caps.explain(name)}" for name in found)
    return [
        Hit(
            detail,
            severity=Severity.CRITICAL if held.critical else Severity.HIGH,
            command=" ".join(f"--cap-drop {name}" for name in found),
        )
    ]


@container_check(
    "cap-not-dropped",
    cis="5.4",
    severity=Severity.LOW,
    title="Keeps default capabilities it likely does not need",
    why="Docker's default set still includes powers such as raw sockets (spoofing "
    "other containers' traffic) and creating device files; dropping what a service "
    "does not use shrinks what an intruder inherits.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create with --cap-drop ALL and an explicit --cap-add list, or drop "
    "the hardening list.",
    section="capabilities",
)
def cap_not_dropped(c: Container, engine: EngineInfo) -> Outcome:
    held = _delta(c)
    kept = list(held.kept_hardening)
    if not kept:
        return PASS
    ignored = " (privileged: its --cap-drop flags are ignored)" if held.privileged else ""
    return fail(
        f"Still holds the default capabilities {listing(kept)}{ignored}.",
        command=" ".join(f"--cap-drop {name}" for name in kept),
    )


def _delta(c: Container) -> caps.CapabilityDelta:
    return caps.delta(c.cap_add, c.cap_drop, privileged=c.privileged)

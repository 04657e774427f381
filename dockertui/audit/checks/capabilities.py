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
    added = sorted(caps.normalize_all(c.cap_add) - caps.DOCKER_DEFAULT)
    if not added:
        return PASS
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
    held = caps.effective(c.cap_add, c.cap_drop, privileged=c.privileged)
    if held >= caps.ALL:
        return fail(
            "Holds every capability ("
            + ("privileged" if c.privileged else "--cap-add ALL")
            + "): "
            + caps.explain("ALL")
            + ".",
            severity=Severity.CRITICAL,
            command="--cap-drop ALL --cap-add <only what it needs>",
        )
    found = [name for name in caps.DANGEROUS if name in held]
    if not found:
        return PASS
    severity = Severity.CRITICAL if caps.CRITICAL_CAPS & set(found) else Severity.HIGH
    detail = "; ".join(f"{name}: {caps.explain(name)}" for name in found)
    return [
        Hit(
            detail,
            severity=severity,
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
    drop = caps.normalize_all(c.cap_drop)
    if c.privileged:  # privileged ignores every drop
        kept = sorted(caps.HARDENING_DROP)
    elif "ALL" in drop:
        return PASS
    else:
        kept = sorted((caps.DOCKER_DEFAULT & set(caps.HARDENING_DROP)) - drop)
    if not kept:
        return PASS
    return fail(
        f"Still holds {listing(kept)}.",
        command=" ".join(f"--cap-drop {name}" for name in kept),
    )

"""Resource limits, restart policy, ulimits and health (CIS 5.11, 5.12, 5.15,
5.19, 5.27, 5.29)."""

from __future__ import annotations

from dockertui.audit.checks._util import name_arg
from dockertui.audit.finding import FixKind
from dockertui.audit.limits import (
    MAX_RETRIES,
    cpu_limited,
    has_healthcheck,
    memory_limited,
    pids_limited,
    restart_bounded,
)
from dockertui.audit.registry import PASS, Outcome, container_check, fail
from dockertui.audit.severity import Severity
from dockertui.model import Container, EngineInfo


@container_check(
    "memory-unlimited",
    cis="5.11",
    severity=Severity.MEDIUM,
    title="No memory limit",
    why="Without a memory limit one leaking or attacked container can take all the host's "
    "memory, and the kernel's out-of-memory killer then picks victims among the others.",
    fix=FixKind.UPDATE,
    fix_summary="Set a limit live with docker update (send --memory-swap with --memory).",
    section="resources",
)
def memory_unlimited(c: Container, engine: EngineInfo) -> Outcome:
    if memory_limited(c):
        return PASS
    return fail(
        "HostConfig.Memory is 0 (unlimited).",
        command=f"docker update --memory 512m --memory-swap 512m {name_arg(c)}",
    )


@container_check(
    "cpu-unlimited",
    cis="5.12",
    severity=Severity.LOW,
    title="No CPU limit or weight",
    why="A container with no CPU limit or share can keep every core busy and slow the host "
    "and its neighbours to a crawl.",
    fix=FixKind.UPDATE,
    fix_summary="Set --cpus (or --cpu-shares) live with docker update.",
    section="resources",
)
def cpu_unlimited(c: Container, engine: EngineInfo) -> Outcome:
    if cpu_limited(c):
        return PASS
    return fail(
        "CpuShares, NanoCpus and CpuQuota are all 0.",
        command=f"docker update --cpus 1 {name_arg(c)}",
    )


@container_check(
    "pids-unlimited",
    cis="5.29",
    severity=Severity.MEDIUM,
    title="No process limit",
    why="Without a PIDs limit a fork bomb in one container exhausts the host's process "
    "table and nothing else on the machine can start a process.",
    fix=FixKind.UPDATE,
    fix_summary="Set --pids-limit live with docker update.",
    section="resources",
)
def pids_unlimited(c: Container, engine: EngineInfo) -> Outcome:
    if pids_limited(c):
        return PASS
    shown = "unset" if c.pids_limit is None else str(c.pids_limit)
    return fail(
        f"PidsLimit is {shown} (unlimited).",
        command=f"docker update --pids-limit 256 {name_arg(c)}",
    )


@container_check(
    "restart-policy",
    cis="5.15",
    severity=Severity.LOW,
    title="Restarts without bound",
    why="A container that restarts forever hides a crash loop, and an attacker's crash of "
    "it is retried endlessly; a bounded on-failure policy surfaces the problem.",
    fix=FixKind.UPDATE,
    fix_summary=f"Set --restart on-failure:{MAX_RETRIES} live with docker update.",
    section="resources",
)
def restart_policy(c: Container, engine: EngineInfo) -> Outcome:
    if restart_bounded(c):
        return PASS
    if c.restart_policy == "on-failure":
        detail = (
            f"Restart policy is on-failure with {c.restart_max_retries or 'unlimited'} retries."
        )
    else:
        detail = f"Restart policy is {c.restart_policy}."
    return fail(detail, command=f"docker update --restart on-failure:{MAX_RETRIES} {name_arg(c)}")


@container_check(
    "ulimit-default",
    cis="5.19",
    severity=Severity.INFO,
    title="Uses the daemon's default ulimits",
    why="Without its own ulimits the container inherits the daemon's, which are often "
    "generous (open files, processes); set tighter ones where the service allows.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create with --ulimit for the limits that matter (nofile, nproc).",
    section="resources",
)
def ulimit_default(c: Container, engine: EngineInfo) -> Outcome:
    if c.ulimits:
        return PASS
    return fail("No --ulimit is set.", command="--ulimit nofile=1024:2048")


@container_check(
    "healthcheck-missing",
    cis="5.27",
    severity=Severity.LOW,
    title="No health check",
    why="Without a health check nobody, the engine included, notices when the service hangs "
    "or has been tampered with and stops answering; restarts and alerts never happen.",
    fix=FixKind.RECREATE,
    fix_summary="Add HEALTHCHECK to the image or --health-cmd when re-creating.",
    section="resources",
)
def healthcheck_missing(c: Container, engine: EngineInfo) -> Outcome:
    test = c.healthcheck
    if has_healthcheck(c):
        return PASS
    detail = (
        "The health check is disabled (NONE)."
        if test
        else "Neither image nor container defines one."
    )
    return fail(
        detail, command="--health-cmd '<command that proves it works>' --health-interval 30s"
    )

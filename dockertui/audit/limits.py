"""Resource limits and the restart policy, judged once for the checks
(audit/checks/resources.py), the panel and the fix wizard."""

from __future__ import annotations

from dockertui.model import Container

#: The most restarts an on-failure policy may allow and still count as bounded.
MAX_RETRIES = 5


def memory_limited(c: Container) -> bool:
    return c.memory > 0


def cpu_limited(c: Container) -> bool:
    """A CPU limit or weight of any kind: --cpus, --cpu-quota or --cpu-shares."""
    return bool(c.cpu_shares or c.nano_cpus or c.cpu_quota)


def pids_limited(c: Container) -> bool:
    return c.pids_limit is not None and c.pids_limit > 0


def restart_bounded(c: Container) -> bool:
    """False for always, unless-stopped and on-failure with no or too many retries."""
    if c.restart_policy in ("always", "unless-stopped"):
        return False
    if c.restart_policy == "on-failure":
        return 0 < c.restart_max_retries <= MAX_RETRIES
    return True


def has_healthcheck(c: Container) -> bool:
    """A health check test that is not NONE."""
    test = c.healthcheck
    return bool(test) and test is not None and test[0].upper() != "NONE"

"""Limits, restart policy, ulimits, health checks, image tags and sshd."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from dockertui.audit import Severity
from dockertui.audit.checks.image import image_tag
from dockertui.model import Container


@pytest.mark.parametrize(
    ("pids_limit", "detail"),
    [
        (None, "PidsLimit is unset (unlimited)."),
        (0, "PidsLimit is 0 (unlimited)."),
        (-1, "PidsLimit is -1 (unlimited)."),  # older engines keep -1 as given
        (1, None),
        (64, None),
    ],
)
def test_pids_limit(
    pids_limit: int | None,
    detail: str | None,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    # Edited copies of `pids-limit-minus-one` (dockerd 20.10 stored -1 as null).
    c = container("pids-limit-minus-one", {"HostConfig.PidsLimit": pids_limit})
    assert c.pids_limit == pids_limit
    found = findings_of(audit(c), "pids-unlimited")
    assert [(f.severity, f.detail) for f in found] == (
        [(Severity.MEDIUM, detail)] if detail else []
    )
    if detail:
        assert found[0].fix.command == (
            "docker update --pids-limit 256 dtui-fixture-pids-limit-minus-one"
        )


def test_memory_limit_and_update_command(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    assert container("cpu-shares-only").memory == 128 * 1024 * 1024
    (finding,) = findings_of(audit(container("limits-none-restart-always")), "memory-unlimited")
    # send MemorySwap with Memory, or docker update refuses the change
    assert finding.fix.command == (
        "docker update --memory 512m --memory-swap 512m dtui-fixture-limits-none-restart-always"
    )


@pytest.mark.parametrize(
    ("edits", "fires"),
    [
        ({}, True),
        ({"HostConfig.CpuShares": 512}, False),
        ({"HostConfig.NanoCpus": 500000000}, False),
        ({"HostConfig.CpuQuota": 50000, "HostConfig.CpuPeriod": 100000}, False),
        ({"HostConfig.CpuPeriod": 100000}, True),  # a period alone limits nothing
    ],
)
def test_cpu_limits(
    edits: dict[str, Any],
    fires: bool,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    found = findings_of(audit(container("plain", edits)), "cpu-unlimited")
    assert [f.detail for f in found] == (
        ["CpuShares, NanoCpus and CpuQuota are all 0."] if fires else []
    )


@pytest.mark.parametrize(
    ("case", "detail"),
    [
        ("limits-none-restart-always", "Restart policy is always."),
        ("restart-unless-stopped", "Restart policy is unless-stopped."),
        ("restart-on-failure-0", "Restart policy is on-failure with unlimited retries."),
        ("restart-on-failure-10", "Restart policy is on-failure with 10 retries."),
        ("hardened", None),  # on-failure:3
        ("plain", None),  # no policy
    ],
)
def test_restart_policy_fixtures(
    case: str,
    detail: str | None,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    found = findings_of(audit(container(case)), "restart-policy")
    assert [(f.severity, f.detail) for f in found] == ([(Severity.LOW, detail)] if detail else [])


@pytest.mark.parametrize(("retries", "fires"), [(1, False), (5, False), (6, True), (0, True)])
def test_restart_on_failure_bounds(
    retries: int,
    fires: bool,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    c = container("restart-on-failure-10", {"HostConfig.RestartPolicy.MaximumRetryCount": retries})
    found = findings_of(audit(c), "restart-policy")
    assert len(found) == (1 if fires else 0)
    if fires:
        assert found[0].fix.command == (
            "docker update --restart on-failure:5 dtui-fixture-restart-on-failure-10"
        )


def test_ulimits_are_parsed(container: Callable[..., Container]) -> None:
    assert container("ulimits").ulimits == ("nofile=1024:1024",)
    assert container("plain").ulimits == ()


@pytest.mark.parametrize(
    ("case", "edits", "detail"),
    [
        ("healthcheck-none", {}, "The health check is disabled (NONE)."),
        ("plain", {}, "Neither image nor container defines one."),
        ("plain", {"Config.Healthcheck": {"Test": []}}, "Neither image nor container defines one."),
        ("healthy", {}, None),
        ("hardened", {}, None),  # State.Health still "starting": it has one
        ("plain", {"Config.Healthcheck": {"Test": ["CMD-SHELL", "wget -q localhost"]}}, None),
    ],
)
def test_healthcheck(
    case: str,
    edits: dict[str, Any],
    detail: str | None,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    found = findings_of(audit(container(case, edits)), "healthcheck-missing")
    assert [(f.severity, f.detail) for f in found] == ([(Severity.LOW, detail)] if detail else [])


def test_health_status_is_read(container: Callable[..., Container]) -> None:
    assert container("healthy").health_status == "healthy"
    assert container("hardened").health_status == "starting"
    assert container("healthcheck-none").healthcheck == ("NONE",)


# --- image-latest -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "tag"),
    [
        ("nginx", None),
        ("nginx:latest", "latest"),
        ("nginx:1.27", "1.27"),
        ("registry:5000/app", None),
        ("registry:5000/app:2.0", "2.0"),
        ("nginx@sha256:0123abcd", "@digest"),
        ("nginx:latest@sha256:0123abcd", "@digest"),
        ("docker.io/library/nginx:latest", "latest"),
    ],
)
def test_image_tag(reference: str, tag: str | None) -> None:
    assert image_tag(reference) == tag


@pytest.mark.parametrize(
    ("image", "detail"),
    [
        ("dockertui-test/busybox", "dockertui-test/busybox uses no tag, so latest."),
        ("dockertui-test/busybox:latest", "dockertui-test/busybox:latest uses the latest tag."),
        ("registry:5000/app", "registry:5000/app uses no tag, so latest."),
        ("dockertui-test/busybox:1", None),
        ("nginx:latest@sha256:0123abcd", None),  # pinned by digest
        ("registry:5000/app:2.0", None),
    ],
)
def test_image_latest(
    image: str,
    detail: str | None,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    found = findings_of(audit(container("image-latest", {"Config.Image": image})), "image-latest")
    assert [(f.severity, f.detail) for f in found] == ([(Severity.LOW, detail)] if detail else [])


def test_image_latest_fix_pins_a_digest(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    c = container("image-latest", {"Config.Image": "nginx:latest"})
    (finding,) = findings_of(audit(c), "image-latest")
    assert finding.fix.command == "nginx@sha256:<digest>"


@pytest.mark.parametrize("image", ["", "sha256:06d45795f402"])
def test_image_latest_not_applicable_without_a_name(
    image: str,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    # Edited: a container created straight from an image id.
    c = container("image-latest", {"Config.Image": image, "Image": "sha256:06d45795f402"})
    assert findings_of(audit(c), "image-latest") == []


# --- sshd ---------------------------------------------------------------------------------


def test_sshd_fixture_with_its_top(
    container: Callable[..., Container],
    top_processes: Callable[[str], tuple[str, ...]],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    assert top_processes("sshd") == ("/usr/sbin/sshd -D",)
    c = replace(container("sshd"), processes=top_processes("sshd"))
    (finding,) = findings_of(audit(c), "sshd-running")
    assert (finding.severity, finding.detail) == (
        Severity.MEDIUM,
        "An sshd process is running, seen in its process list: /usr/sbin/sshd -D",
    )
    assert finding.fix.kind.value == "image"


def test_plain_fixture_with_its_top_passes(
    container: Callable[..., Container],
    top_processes: Callable[[str], tuple[str, ...]],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    assert top_processes("plain") == ("/bin/sleep 100000",)
    c = replace(container("plain"), processes=top_processes("plain"))
    report = audit(c)
    assert findings_of(report, "sshd-running") == []
    # It answers with or without the process list: the same pass either way.
    assert report.passed == audit(container("plain")).passed


def test_sshd_without_processes_is_judged_from_the_command(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    c = container("sshd")
    assert c.processes is None
    (finding,) = findings_of(audit(c), "sshd-running")
    assert finding.detail.endswith("so this is judged from the configured command.")
    # With a process list that shows no sshd, it passes: what runs wins.
    assert findings_of(audit(replace(c, processes=("/bin/sh",))), "sshd-running") == []


@pytest.mark.parametrize(
    ("processes", "fires"),
    [
        (("sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups",), True),
        (("sshd: root@pts/0",), True),
        (("sshd",), True),
        (("/bin/sh -c sleep 1", "/usr/sbin/sshd"), True),
        (("/usr/bin/ssh-agent",), False),
        (("/usr/sbin/sshd-keygen",), False),
        (("/bin/echo sshd",), False),
        ((), False),
    ],
)
def test_sshd_process_names(
    processes: tuple[str, ...],
    fires: bool,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    c = container("sshd", processes=processes)
    assert len(findings_of(audit(c), "sshd-running")) == (1 if fires else 0)

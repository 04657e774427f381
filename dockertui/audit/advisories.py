"""A bundled table of engine and runtime versions with known container
escapes, and the version comparison that reads it. Pure data and logic."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dockertui.audit.severity import Severity


@dataclass(frozen=True)
class Advisory:
    component: str  # "Engine", "runc" or "containerd", as /version Components names them
    fixed_in: str  # first fixed version in the affected line
    cves: str
    summary: str
    severity: Severity
    affected_from: str = "0"  # the advisory covers versions >= this


ADVISORIES: tuple[Advisory, ...] = (
    Advisory(
        "Engine",
        "1.3.1",
        "CVE-2014-5277, CVE-2014-3566",
        "registry traffic could fall back to plain HTTP or SSLv3 (POODLE)",
        Severity.HIGH,
    ),
    Advisory(
        "Engine",
        "1.3.2",
        "CVE-2014-6407, CVE-2014-6408",
        "crafted images could write outside the container and escape",
        Severity.HIGH,
    ),
    Advisory(
        "Engine",
        "1.3.3",
        "CVE-2014-9356, CVE-2014-9357, CVE-2014-9358",
        "path traversal and code execution through crafted images",
        Severity.HIGH,
    ),
    Advisory(
        "Engine",
        "18.09.2",
        "CVE-2019-5736",
        "a container could overwrite the host's runc binary and run as root on the host",
        Severity.HIGH,
    ),
    Advisory(
        "Engine",
        "19.03.1",
        "CVE-2019-14271",
        "docker cp could load code from a malicious container into the host",
        Severity.HIGH,
    ),
    Advisory(
        "runc",
        "1.0.0-rc7",
        "CVE-2019-5736",
        "a container could overwrite the host's runc binary and run as root on the host",
        Severity.HIGH,
    ),
    Advisory(
        "runc",
        "1.1.12",
        "CVE-2024-21626",
        "a leaked file descriptor let a container reach the host file system",
        Severity.HIGH,
        affected_from="1.0.0-rc93",
    ),
    Advisory(
        "runc",
        "1.2.8",
        "CVE-2025-31133, CVE-2025-52565, CVE-2025-52881",
        "mount races on masked paths and /dev/console let a container write to the host's /proc",
        Severity.HIGH,
    ),
    Advisory(
        "runc",
        "1.3.3",
        "CVE-2025-31133, CVE-2025-52565, CVE-2025-52881",
        "mount races on masked paths and /dev/console let a container write to the host's /proc",
        Severity.HIGH,
        affected_from="1.3.0",
    ),
    Advisory(
        "containerd",
        "1.3.9",
        "CVE-2020-15257",
        "host-network containers could take over containerd-shim",
        Severity.MEDIUM,
    ),
    Advisory(
        "containerd",
        "1.4.3",
        "CVE-2020-15257",
        "host-network containers could take over containerd-shim",
        Severity.MEDIUM,
        affected_from="1.4.0",
    ),
)

#: Markers of a distribution build, which may carry backported fixes.
_DISTRO = re.compile(r"\+deb|dfsg|\+ds\d|ubuntu|\.el\d|\.fc\d|suse|\+dfsg", re.IGNORECASE)


#: Pre-release markers, in their sort order (alpha < beta < rc).
_PRERELEASE = re.compile(r"(?<![a-z])(alpha|beta|rc)\.?(\d*)")


def is_distro_build(version: str, commit: str = "") -> bool:
    return bool(_DISTRO.search(version) or _DISTRO.search(commit))


def version_key(version: str) -> tuple[tuple[int, ...], tuple[int, str]]:
    """Comparable key: numbers first, then pre-releases (rc, beta) before the release.

    "1.0.0-rc6" < "1.0.0-rc93" < "1.0.0" < "1.1.5+ds1" < "1.1.12".
    """
    core = version.strip().lstrip("v").split("+", 1)[0]
    # Debian writes pre-releases with "~" ("1.0.0~rc6"); what follows "-" or "~"
    # is a pre-release only when it names one ("rc93", "beta3"), otherwise it is
    # a packaging suffix of the release itself ("1.1.12-0ubuntu2", "1.6.20~ds1").
    main, _, pre = core.replace("~", "-", 1).partition("-")
    numbers = tuple(int(n) for n in re.findall(r"\d+", main)[:4]) or (0,)
    numbers = numbers + (0,) * (4 - len(numbers))
    tag = _PRERELEASE.search(pre.lower())
    if not tag:
        return numbers, (1, "")
    return numbers, (0, f"{tag.group(1)}{int(tag.group(2) or 0):08d}")


def older(version: str, than: str) -> bool:
    return version_key(version) < version_key(than)


def affecting(
    components: dict[str, str], commits: dict[str, str] | None = None
) -> list[tuple[Advisory, str, bool]]:
    """The advisories that apply: (advisory, installed version, distro build?).

    An Engine line-specific advisory only applies to that component; a
    component missing from /version is not judged."""
    commits = commits or {}
    found = []
    for adv in ADVISORIES:
        installed = components.get(adv.component)
        if not installed:
            continue
        if older(installed, adv.fixed_in) and not older(installed, adv.affected_from):
            distro = is_distro_build(installed, commits.get(adv.component, ""))
            found.append((adv, installed, distro))
    return found

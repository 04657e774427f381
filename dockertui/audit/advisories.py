"""A bundled, dated table of engine and runtime versions with known
container escapes, the reader of a newer table (`scan --advisories FILE`,
the format in docs/advisories.md), and the version comparison that reads
them. Pure data and logic: the caller reads the file."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

from dockertui.audit.severity import WORST_FIRST, Severity


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

#: The day the bundled table was last checked against the projects' advisories.
CHECKED = "2026-11-28"


@dataclass(frozen=True)
class AdvisoryTable:
    advisories: tuple[Advisory, ...]
    checked: str  # YYYY-MM-DD
    source: str = "bundled"  # or the file it was read from

    @property
    def as_of(self) -> str:
        """ "advisories checked as of 2026-11-28" (and the file, for a loaded one)."""
        where = "" if self.source == "bundled" else f", from {self.source}"
        return f"advisories checked as of {self.checked}{where}"


BUNDLED = AdvisoryTable(ADVISORIES, CHECKED)
_ACTIVE: ContextVar[AdvisoryTable | None] = ContextVar("advisories", default=None)
#: The table of the whole process (the console's --advisories), unless `using`.
_INSTALLED = BUNDLED


def active() -> AdvisoryTable:
    """The table engine-outdated judges with: the bundled one unless
    `install`ed for the process or `using` for a block."""
    return _ACTIVE.get() or _INSTALLED


def install(table: AdvisoryTable) -> None:
    """Judge with `table` everywhere in this process from now on (every task
    and thread the console starts), unless a block says `using`."""
    global _INSTALLED
    _INSTALLED = table


@contextmanager
def using(table: AdvisoryTable) -> Iterator[None]:
    """Judge with `table` inside the block (tasks started in it inherit it)."""
    token = _ACTIVE.set(table)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


_FIELDS = ("component", "fixed_in", "cves", "summary", "severity")


def _advisory(entry: object, n: int, name: str) -> Advisory:
    if not isinstance(entry, dict):
        raise ValueError(f"{name}: advisory {n} is not an object.")
    missing = [f for f in _FIELDS if not isinstance(entry.get(f), str) or not entry[f].strip()]
    if missing:
        raise ValueError(f"{name}: advisory {n} needs {', '.join(missing)} as text.")
    affected_from = entry.get("affected_from", "0")
    if not isinstance(affected_from, str):
        raise ValueError(f"{name}: advisory {n} has an affected_from that is not text.")
    try:
        severity = Severity.parse(entry["severity"])
    except ValueError:
        raise ValueError(
            f"{name}: advisory {n} has severity {entry['severity']!r}; use one of "
            f"{', '.join(s.value for s in WORST_FIRST)}."
        ) from None
    return Advisory(
        entry["component"], entry["fixed_in"], entry["cves"], entry["summary"], severity,
        affected_from or "0",
    )  # fmt: skip


def load_table(text: str, name: str) -> AdvisoryTable:
    """A table from the JSON text of file `name`. Raises ValueError with one
    sentence naming what is wrong."""
    try:
        document = json.loads(text)
    except ValueError as err:
        raise ValueError(f"{name} is not valid JSON ({err}).") from None
    if not isinstance(document, dict) or not isinstance(document.get("advisories"), list):
        raise ValueError(f'{name} needs an object with an "advisories" list.')
    checked = document.get("checked")
    try:
        date.fromisoformat(checked if isinstance(checked, str) else "")
    except ValueError:
        raise ValueError(
            f'{name} needs "checked": the date it was checked, as YYYY-MM-DD.'
        ) from None
    found = tuple(_advisory(e, n, name) for n, e in enumerate(document["advisories"], 1))
    return AdvisoryTable(found, str(checked), name)


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
    components: dict[str, str],
    commits: dict[str, str] | None = None,
    table: AdvisoryTable | None = None,
) -> list[tuple[Advisory, str, bool]]:
    """The advisories of `table` (the active one) that apply: (advisory,
    installed version, distro build?).

    An Engine line-specific advisory only applies to that component; a
    component missing from /version is not judged."""
    commits = commits or {}
    found = []
    for adv in (table or active()).advisories:
        installed = components.get(adv.component)
        if not installed:
            continue
        if older(installed, adv.fixed_in) and not older(installed, adv.affected_from):
            distro = is_distro_build(installed, commits.get(adv.component, ""))
            found.append((adv, installed, distro))
    return found

"""The security panel and the checks say the same thing: for every captured
container, on the captured engines and on edited copies of them (AppArmor,
SELinux, userns-remap, rootless, no seccomp: hosts the capture machine is
not), a panel line is marked red or yellow exactly when the check behind it
reports a finding that counts (low or worse).

Both sides read the same predicates in audit/; this test is what keeps a
panel line from drifting away from its check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.style import Style
from rich.text import Text

from dockertui.audit import Severity, audit_container, audit_engine
from dockertui.model import ClientFacts, Container, EngineInfo
from dockertui.ui import columns
from dockertui.ui.facts.common import DANGER, WARN
from dockertui.ui.sections import LAYERS

#: Edited copies of the captured /info (security options it did not have).
ENGINES: dict[str, dict[str, Any]] = {
    "captured": {},
    "apparmor": {"security_options": ["name=apparmor"]},
    "selinux": {"security_options": ["name=selinux"]},
    "userns": {"security_options": ["name=userns"]},
    "rootless": {"security_options": ["name=rootless"]},
    "no-seccomp": {"info": {"SecurityOptions": []}},
}

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MOUNT_ROWS = ("bind", "volume", "tmpfs", "npipe")

#: (section, fact label) -> the checks that judge it. A label not listed here
#: (swap, ulimits, networks, cgroupns, ...) has no check of its own.
JUDGED_BY: dict[tuple[str, str], tuple[str, ...]] = {
    ("identity", "root"): ("root-user",),
    ("identity", "user namespace"): ("host-userns",),
    ("identity", "engine"): ("userns-disabled",),
    ("identity", "environment"): ("secrets-in-env",),
    ("capabilities", "privileged"): ("privileged",),
    ("capabilities", "added"): ("cap-added",),
    ("capabilities", "dangerous"): ("cap-dangerous",),
    ("capabilities", "could drop"): ("cap-not-dropped",),
    ("syscalls", "seccomp"): ("seccomp-disabled",),
    ("syscalls", "no-new-privileges"): ("no-new-privileges",),
    # privileged: the masked-path check leaves it to the privileged one
    ("syscalls", "masked paths"): ("masked-paths-off", "privileged"),
    ("mac", "AppArmor"): ("apparmor-disabled",),
    ("mac", "SELinux"): ("selinux-disabled",),
    ("isolation", "network"): ("host-network",),
    ("isolation", "pid"): ("host-pid",),
    ("isolation", "ipc"): ("host-ipc",),
    ("isolation", "uts"): ("host-uts",),
    ("isolation", "userns"): ("host-userns",),
    ("isolation", "devices"): ("host-devices",),
    ("isolation", "device rules"): ("host-devices",),
    ("isolation", "cgroup parent"): ("cgroup-parent",),
    ("mounts", "mounts"): ("docker-socket", "sensitive-mount", "mount-propagation"),
    ("mounts", "root fs"): ("rootfs-writable",),
    ("resources", "memory"): ("memory-unlimited",),
    ("resources", "cpu"): ("cpu-unlimited",),
    ("resources", "pids"): ("pids-unlimited",),
    ("resources", "restart"): ("restart-policy",),
    ("resources", "health"): ("healthcheck-missing",),
    ("exposure", "host network"): ("host-network",),
    ("exposure", "ports"): ("port-all-interfaces", "port-privileged"),
    ("image", "image"): ("image-latest",),
    ("image", "ssh server"): ("sshd-running",),
}
BAD = {Style.parse(DANGER), Style.parse(WARN)}


def marked_bad(text: Text) -> bool:
    """The line's mark: its own style, or else the worst of its pieces."""
    if str(text.style):
        return Style.parse(str(text.style)) in BAD
    return any(Style.parse(str(span.style)) in BAD for span in text.spans)


def _cases() -> list[tuple[str, str]]:
    """Every captured Docker container on every Docker engine variant, and
    every captured Podman container on the captured Podman service."""
    docker = sorted(p.stem for p in (FIXTURES / "inspect").glob("*.json"))
    podman = sorted(f"podman/{p.stem}" for p in (FIXTURES / "podman" / "inspect").glob("*.json"))
    return [(c, e) for c in docker for e in ENGINES] + [(c, "podman") for c in podman]


def _lines(report: Any, engine: EngineInfo) -> dict[tuple[str, str], bool]:
    """Every judged panel line of the report: (section, label) -> marked bad."""
    marks: dict[tuple[str, str], bool] = {}
    for layer in LAYERS:
        for label, text in layer.facts(report, engine):
            key = (layer.key, "mounts" if label in MOUNT_ROWS else label)
            marks[key] = marks.get(key, False) or marked_bad(text)
    return marks


@pytest.mark.parametrize(("case", "engine_name"), _cases())
def test_panel_marks_agree_with_the_checks(
    case: str,
    engine_name: str,
    container: Callable[..., Container],
    make_engine: Callable[..., EngineInfo],
    podman_engine: EngineInfo,
) -> None:
    engine = podman_engine if engine_name == "podman" else make_engine(**ENGINES[engine_name])
    report = audit_container(container(case), engine)
    findings = list(report.findings) + audit_engine(engine, ClientFacts())
    assert not [f for f in findings if f.title.startswith("Check failed")]
    failed = {f.check for f in findings if f.severity >= Severity.LOW}
    marks = _lines(report, engine)
    checked = 0
    for key, checks in JUDGED_BY.items():
        if key not in marks:
            continue  # the line is not shown for this container (e.g. privileged: no)
        checked += 1
        fails = bool(failed & set(checks))
        assert marks[key] is fails, (
            f"{key}: panel says {'bad' if marks[key] else 'fine'}, "
            f"{', '.join(checks)} {'failed' if fails else 'did not fail'}"
        )
    assert checked >= 25  # most lines are judged for every container


@pytest.mark.parametrize(("case", "engine_name"), _cases())
def test_table_cells_agree_with_the_checks(
    case: str,
    engine_name: str,
    container: Callable[..., Container],
    make_engine: Callable[..., EngineInfo],
    podman_engine: EngineInfo,
) -> None:
    """The fleet table's User, Caps, Seccomp, MAC and Exposure cells say what
    the checks found (the issue's "(at start)" cell beside a passing check
    and a panel saying "not confined" is what this keeps from coming back)."""
    engine = podman_engine if engine_name == "podman" else make_engine(**ENGINES[engine_name])
    report = audit_container(container(case), engine)
    counted = [f for f in report.findings if f.severity >= Severity.LOW]
    failed = {f.check for f in counted}

    def cell(key: str) -> Text:
        cell = columns.BY_KEY[key].cell(report, engine)
        return cell if isinstance(cell, Text) else Text(cell)

    mac_bad = {"apparmor-disabled", "selinux-disabled"} & failed
    assert (Style.parse("red") == Style.parse(str(cell("mac").style))) is bool(mac_bad)
    assert (cell("seccomp").plain == "off") is ("seccomp-disabled" in failed)
    assert ("+" in cell("caps").plain or "ALL" in cell("caps").plain) is ("cap-added" in failed)
    root_on_host = any(f.check == "root-user" and f.severity is Severity.MEDIUM for f in counted)
    assert (Style.parse("red") == Style.parse(str(cell("user").style))) is root_on_host
    if not report.container.host_network:
        all_interfaces = [f for f in counted if f.check == "port-all-interfaces"]
        yellow = [e for e in columns.exposure_entries(report) if str(e.style) == "yellow"]
        assert len(yellow) == len(all_interfaces)

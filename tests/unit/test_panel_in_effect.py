"""The panel's in-effect rows and the fleet table's marker, built from
containers captured with their /proc files (tests/fixtures/proc): a marker
per layer in the section it belongs to, danger only for a looser
difference, one line and no rows when the kernel was not read, the root
line agreeing with the root-user check, a process's command escaped, and
the scan's summary marking the same containers."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import pytest
from rich.console import Console, RenderableType
from rich.style import Style
from rich.text import Text

from dockertui.audit import Severity, audit_container, audit_fleet
from dockertui.audit.in_effect import Verdict, compare, differs
from dockertui.model import ClientFacts, Container, EngineInfo
from dockertui.model.kernel import InEffect, Unverifiable
from dockertui.report import table
from dockertui.report.style import DIFFERS_MARK
from dockertui.ui import columns
from dockertui.ui.facts import in_effect
from dockertui.ui.facts.common import DANGER, WARN
from dockertui.ui.facts.security import identity_facts
from dockertui.ui.sections import build_sections, header, render_report

PROC_CASES = ("drops-to-nobody", "bind-only-nnp", "host-network-listener", "root-with-exec")


def to_text(renderables: Sequence[RenderableType], width: int = 120) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, record=True)
    for r in renderables:
        console.print(r)
    return console.export_text()


def section_text(c: Container, engine: EngineInfo, key: str) -> str:
    (section,) = [s for s in build_sections(audit_container(c, engine), engine) if s.key == key]
    return " ".join(to_text([section.body]).split())


def marked(text: Text, style: str) -> list[str]:
    """The parts of `text` drawn in `style` (its spans and its own style)."""
    wanted = Style.parse(style)
    parts = [text.plain[s.start : s.end] for s in text.spans if Style.parse(str(s.style)) == wanted]
    return parts + ([text.plain] if text.style and Style.parse(str(text.style)) == wanted else [])


def test_each_layer_has_its_marker_in_its_section(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    c = container("proc/drops-to-nobody")
    identity = section_text(c, engine_info, "identity")
    assert "in effect differs user: PID 1 runs as UID 65534; configured root (not set)" in identity
    assert "verified user namespace: off: container root is host root" in identity
    assert "PID 1 sleep 100000 as UID 65534" in identity and "processes no others" in identity
    syscalls = section_text(c, engine_info, "syscalls")
    assert "verified seccomp: filtering" in syscalls and "verified no-new-privileges" in syscalls
    assert "verified memory limit: 64 MiB" in section_text(c, engine_info, "resources")
    assert "verified capabilities:" in section_text(c, engine_info, "capabilities")
    assert "listening nothing" in section_text(c, engine_info, "exposure")
    # Every layer compare() judged is shown once, in one section or another.
    whole = " ".join(to_text(render_report(audit_container(c, engine_info), engine_info)).split())
    for x in compare(c, engine_info):
        assert whole.count(f"{x.verdict.value} {x.layer.value}: ") == 1, x.layer


def test_a_looser_difference_is_danger_and_a_stricter_one_is_not(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    def in_effect_rows(c: Container) -> list[Text]:
        return [t for _, t in in_effect.rows(c, compare(c, engine_info), "identity")]

    stricter = in_effect_rows(container("proc/drops-to-nobody"))[0]
    assert stricter.plain.startswith("differs ")
    assert not marked(stricter, DANGER)
    looser = in_effect_rows(container("proc/root-with-exec"))[0]
    assert looser.plain.startswith("differs ")
    assert "differs " in marked(looser, DANGER)
    assert any("1 other process as root" in part for part in marked(looser, DANGER))


@pytest.mark.parametrize("why", list(Unverifiable))
def test_not_verifiable_is_one_line_and_no_rows(
    container: Callable[..., Container], engine_info: EngineInfo, why: Unverifiable
) -> None:
    c = replace(container("proc/drops-to-nobody"), kernel=why)
    report = audit_container(c, engine_info)
    text = to_text(render_report(report, engine_info))
    assert text.count("not verifiable here") == 1
    assert f"in effect: not verifiable here: {why.value}" in " ".join(text.split())
    for word in ("verified ", "differs ", "PID 1 ", "listening "):
        assert word not in text
    assert header(report).plain.count("in effect") == 0  # without the engine: no claim


def test_the_table_marks_the_containers_that_differ(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    row = columns.BY_KEY["state"]
    for case in PROC_CASES:
        c = container(f"proc/{case}")
        cell = row.cell(audit_container(c, engine_info), engine_info).plain
        assert cell.endswith(f" {DIFFERS_MARK}") == differs(c, engine_info), case
    # A root process where the document promises user 1000 is marked; a
    # service dropping from root to nobody (the root-user finding says so,
    # lowered) and a container whose kernel agrees are not.
    assert differs(container("proc/root-with-exec"), engine_info)
    assert not differs(container("proc/drops-to-nobody"), engine_info)
    assert not differs(container("proc/bind-only-nnp"), engine_info)
    stopped = replace(container("proc/drops-to-nobody"), kernel=Unverifiable.NOT_RUNNING)
    assert row.cell(audit_container(stopped, engine_info), engine_info).plain == "running"


def test_the_user_column_shows_who_pid_1_really_is(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    user = columns.BY_KEY["user"]
    drops = user.cell(audit_container(container("proc/drops-to-nobody"), engine_info), engine_info)
    assert drops.plain == "root→65534" and not marked(drops, "red")
    execd = user.cell(audit_container(container("proc/root-with-exec"), engine_info), engine_info)
    assert execd.plain == "1000:1000" and marked(execd, "red")  # a root process runs in it


@pytest.mark.parametrize("case", PROC_CASES)
def test_the_root_line_agrees_with_the_root_user_check(
    container: Callable[..., Container], engine_info: EngineInfo, case: str
) -> None:
    c = container(f"proc/{case}")
    assert isinstance(c.kernel, InEffect)
    report = audit_container(c, engine_info)
    counts = [f for f in report.findings if f.check == "root-user" and f.severity > Severity.INFO]
    (root,) = [t for label, t in identity_facts(report, engine_info) if label == "root"]
    assert bool(marked(root, DANGER) or marked(root, WARN)) == bool(counts), root.plain
    if counts and not c.user:
        assert root.plain.startswith("no") == ("drops to UID" in counts[0].detail)


def test_a_process_command_is_shown_escaped(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    c = container("proc/root-with-exec")
    assert isinstance(c.kernel, InEffect)
    evil = "[bold red]pwned[/] \x1b[2J\x07"
    procs = tuple(replace(p, command=evil) for p in c.kernel.processes)
    c = replace(c, kernel=replace(c.kernel, pid1=procs[0], processes=procs))
    text = to_text(render_report(audit_container(c, engine_info), engine_info), width=200)
    assert "[bold red]pwned[/] \\x1b[2J\\x07" in text
    assert "\x1b" not in text and "\x07" not in text
    assert Verdict.DIFFERS.value in text


def scan_table(made: list[Container], engine: EngineInfo, **kw: Any) -> str:
    client = ClientFacts(endpoint="unix:///var/run/docker.sock", context="default")
    out = io.StringIO()
    fleet = audit_fleet(engine, client, made)
    table.render(fleet, Console(file=out, width=100, color_system=None), **kw)
    return out.getvalue()


def test_the_scan_summary_marks_them_too_with_its_key(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    drops = replace(container("proc/drops-to-nobody"), name="drops")
    execd = replace(container("proc/root-with-exec"), name="execd")
    same = replace(container("proc/bind-only-nnp"), name="same")
    text = scan_table([drops, execd, same], engine_info)
    (line,) = [ln for ln in text.splitlines() if " execd " in ln]
    assert f"running {DIFFERS_MARK}" in line
    (line,) = [ln for ln in text.splitlines() if " drops " in ln]
    assert DIFFERS_MARK not in line
    (line,) = [ln for ln in text.splitlines() if " same " in ln]
    assert DIFFERS_MARK not in line
    assert f"{DIFFERS_MARK} after a state:" in text
    assert DIFFERS_MARK not in scan_table([same], engine_info)  # no key for nothing
    detail = " ".join(scan_table([drops, same], engine_info, expand={drops.id}).split())
    assert "user root→65534" in detail
    assert "in effect: 9 of 10 layers verified, differs: user" in detail


#: Captured containers with their inspect edited to promise more (or less)
#: than their kernel shows: looser and stricter differences on several layers.
EDITED = [
    ("proc/drops-to-nobody", {}),
    ("proc/root-with-exec", {}),
    ("proc/drops-to-nobody", {"HostConfig.CapDrop": ["ALL"]}),
    ("proc/bind-only-nnp", {"HostConfig.SecurityOpt": []}),
    ("proc/bind-only-nnp", {"HostConfig.Memory": 32 << 20, "HostConfig.PidsLimit": 50}),
    ("proc/host-network-listener", {"HostConfig.NetworkMode": "bridge"}),
]


@pytest.mark.parametrize(("case", "edits"), EDITED)
def test_a_row_is_danger_exactly_when_a_finding_counts_it(
    container: Callable[..., Container],
    engine_info: EngineInfo,
    case: str,
    edits: dict[str, Any],
) -> None:
    """An in-effect row is red exactly when the check that judges its layer
    (root-user for the user, kernel-differs for the others) reports a
    finding that counts: the panel and the checks read the one comparison."""
    c = container(case, edits)
    report = audit_container(c, engine_info)
    counted = [f for f in report.findings if f.severity > Severity.INFO]
    for x in compare(c, engine_info):
        (text,) = [
            t
            for _, t in in_effect.section_rows(compare(c, engine_info), in_effect.SECTION[x.layer])
            if t.plain.split(":", 1)[0].endswith(f"  {x.layer.value}")
        ]
        if x.layer.value == "user":
            judged = bool(marked(text, DANGER)) <= any(f.check == "root-user" for f in counted)
        else:
            judged = bool(marked(text, DANGER)) == any(
                f.check == "kernel-differs" and x.layer.value in f.detail for f in counted
            )
        assert judged, (x.layer, text.plain, [f.detail for f in counted])


def test_the_edited_cases_hold_looser_differences(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    looser = {
        x.layer.value
        for case, edits in EDITED
        for x in compare(container(case, edits), engine_info)
        if x.looser
    }
    assert {"capabilities", "memory limit", "host namespaces", "user"} <= looser, looser


def test_a_configured_value_is_shown_escaped(
    container: Callable[..., Container], engine_info: EngineInfo
) -> None:
    c = container("proc/root-with-exec", {"Config.User": "1000:1000\x1b]0;owned\x07"})
    text = to_text(render_report(audit_container(c, engine_info), engine_info), width=200)
    assert "configured 1000:1000\\x1b]0;owned\\x07" in text
    assert "\x1b" not in text and "\x07" not in text

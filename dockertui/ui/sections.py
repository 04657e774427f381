"""The security panel's content, as Rich renderables: a header, one section
per layer (facts, then that layer's findings), and the equivalent
`docker run` flags. Pure Rich, no Textual, so it can be rendered anywhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from dockertui.audit import CHECKS, ContainerReport, Finding, Severity
from dockertui.audit.in_effect import compare
from dockertui.fixes.run_command import run_flags
from dockertui.model import EngineInfo
from dockertui.report import kernel_text
from dockertui.report.style import GRADE_STYLE, counts_text, severity_label
from dockertui.text import printable
from dockertui.ui import facts
from dockertui.ui.facts import Facts
from dockertui.ui.facts import in_effect as kernel
from dockertui.ui.finding_view import findings_group

FactsFn = Callable[[ContainerReport, EngineInfo], Facts]


@dataclass(frozen=True)
class Layer:
    """One section of the panel: the check section it collects and its facts."""

    key: str  # the Check.section whose findings it lists
    title: str
    facts: FactsFn


#: The panel's sections, in the order they are shown.
LAYERS: tuple[Layer, ...] = (
    Layer("identity", "Identity", facts.identity_facts),
    Layer("capabilities", "Capabilities", facts.capability_facts),
    Layer("syscalls", "Syscalls", facts.syscall_facts),
    Layer("mac", "MAC", facts.mac_facts),
    Layer("isolation", "Isolation", facts.isolation_facts),
    Layer("mounts", "Mounts", facts.mount_facts),
    Layer("resources", "Resources", facts.resource_facts),
    Layer("exposure", "Exposure", facts.exposure_facts),
    Layer("image", "Image", facts.image_facts),
)
LAYER_KEYS = tuple(layer.key for layer in LAYERS)
#: Where a finding goes when its check names no panel section (an unknown
#: check id, say from a newer audit): the last section, never dropped.
FALLBACK = "image"

HINT = "Select a container to see what it can do to the host."


@dataclass(frozen=True)
class Section:
    """A rendered section: its key, title and body (facts and findings)."""

    key: str
    title: str
    body: RenderableType


def section_of(f: Finding) -> str:
    """The panel section a finding belongs to (`CHECKS[f.check].section`)."""
    check = CHECKS.get(f.check)
    return check.section if check is not None and check.section in LAYER_KEYS else FALLBACK


def facts_table(rows: Facts) -> Table:
    """Label / value rows; values wrap, labels never do."""
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(style="dim", no_wrap=True, min_width=14)
    table.add_column(ratio=1)
    for label, text in rows:
        table.add_row(label, text)
    return table


#: High and critical findings named in the panel's heading.
TOP_FINDINGS = 3


def header(report: ContainerReport, engine: EngineInfo | None = None) -> Text:
    """Name, image, state, grade and score, then the counts by severity and,
    given the engine, what the kernel's view says (report/kernel_text.py)."""
    c = report.container
    text = Text()
    text.append(f" {report.grade} ", style=GRADE_STYLE.get(report.grade, ""))
    text.append(" ")
    text.append(printable(c.name or c.short_id), style="bold")
    text.append(f"  {printable(c.image)}")
    if c.engine:  # one engine of several
        text.append(f"  on {printable(c.engine)}", style="cyan")
    text.append(f"  {printable(c.state)}", style="green" if c.state == "running" else "dim")
    text.append(f"  score {report.score}")
    text.append("\n")
    text.append_text(counts_text(dict(report.counts())))
    if engine is not None:
        text.append("\n")
        text.append_text(kernel_text.summary(c, engine))
    # The worst findings first, so the reason a container is dangerous shows
    # without scrolling; every finding follows in its section below.
    for f in [f for f in report.findings if f.severity >= Severity.HIGH][:TOP_FINDINGS]:
        text.append("\n")
        text.append_text(severity_label(f.severity))
        text.append(f" {printable(f.title)}", style="bold")
        text.append(f"  {f.check}", style="dim")
    return text


def build_sections(report: ContainerReport, engine: EngineInfo) -> list[Section]:
    """Every layer, in order: its title, its facts (configured, then in
    effect), then its findings (worst first)."""
    comparisons = compare(report.container, engine)
    by_layer: dict[str, list[Finding]] = {key: [] for key in LAYER_KEYS}
    for f in report.findings:
        by_layer[section_of(f)].append(f)
    sections = []
    for layer in LAYERS:
        title = Text(layer.title, style="bold underline")
        body = Group(
            title,
            facts_table(
                [
                    *layer.facts(report, engine),
                    *kernel.rows(report.container, comparisons, layer.key),
                ]
            ),
            findings_group(by_layer[layer.key]),
        )
        sections.append(Section(layer.key, layer.title, body))
    return sections


def flags_text(report: ContainerReport) -> Text:
    """ "Equivalent docker run flags:" and the flags (names of env vars only)."""
    text = Text("Equivalent docker run flags:", style="bold")
    text.append("\n")
    flags = run_flags(report.container)
    if flags:
        text.append(printable(" ".join(flags)))
    else:
        text.append("none: the engine's defaults", style="dim")
    return text


def render_report(report: ContainerReport | None, engine: EngineInfo) -> list[RenderableType]:
    """The whole panel as a list of renderables, top to bottom."""
    if report is None:
        return [Text(HINT, style="dim")]
    return [
        header(report, engine),
        *(s.body for s in build_sections(report, engine)),
        flags_text(report),
    ]

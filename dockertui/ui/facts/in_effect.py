"""What the kernel enforces, beside what the panel's sections say is
configured: one "in effect" row per section with a marker per layer
("verified" / "differs"), the processes' users and the listening sockets
(the header's one line is report/kernel_text.py's).

The judgement is `audit.in_effect.compare`, the one the checks, the fleet
table's marker and the JSON report use; this module only places it. A
container the kernel could not be asked about gets the header's one line
with the reason, and no rows."""

from __future__ import annotations

from rich.text import Text

from dockertui.audit.identity import root_processes
from dockertui.audit.in_effect import Comparison, Layer, Verdict
from dockertui.model import Container
from dockertui.model.kernel import InEffect, ProcessView
from dockertui.ui.facts.common import DANGER, MUTED, OK, Facts, lines, value

#: The panel section (sections.LAYERS key) each layer's comparison goes to.
SECTION: dict[Layer, str] = {
    Layer.USER: "identity",
    Layer.USER_NAMESPACE: "identity",
    Layer.CAPABILITIES: "capabilities",
    Layer.SECCOMP: "syscalls",
    Layer.NO_NEW_PRIVILEGES: "syscalls",
    Layer.MAC: "mac",
    Layer.NAMESPACES: "isolation",
    Layer.MEMORY: "resources",
    Layer.PIDS: "resources",
    Layer.CPU: "resources",
}
#: The label of a section's first in-effect row (the others have none).
LABEL = "in effect"
#: The most of a process's command line the panel shows.
COMMAND_CAP = 60
#: The root processes (other than PID 1) named by their command.
ROOT_NAMED = 3


def marker(x: Comparison) -> Text:
    """ "verified" (green), or "differs": danger when the kernel enforces
    less than configured, else plain (a note: stricter than promised)."""
    if x.verdict is Verdict.VERIFIED:
        return Text("verified", style=OK)
    if x.verdict is Verdict.DIFFERS:
        return Text("differs ", style=DANGER if x.looser else "bold")
    return Text(x.verdict.value, style=MUTED)


def comparison_text(x: Comparison) -> Text:
    """The marker, the layer, what the kernel shows and, when they differ,
    what is configured."""
    out = Text()
    out.append_text(marker(x))
    out.append(f"  {x.layer.value}: ")
    out.append_text(value(x.in_effect, DANGER if x.looser else ""))
    if x.differs:
        out.append_text(value(f"; configured {x.configured}", MUTED))  # a user, a label
        if x.looser:
            out.append(" (the kernel enforces less)", style=DANGER)
    return out


def section_rows(comparisons: tuple[Comparison, ...], section: str) -> Facts:
    """The in-effect rows of one panel section: one per layer it shows,
    the first labelled "in effect". None when the kernel was not read."""
    found = [
        x
        for x in comparisons
        if x.verdict is not Verdict.NOT_VERIFIABLE and SECTION[x.layer] == section
    ]
    return [(LABEL if i == 0 else "", comparison_text(x)) for i, x in enumerate(found)]


def command(p: ProcessView) -> str:
    """A process's command line, at most COMMAND_CAP characters (not yet escaped)."""
    shown = p.command or "?"
    return shown if len(shown) <= COMMAND_CAP else shown[: COMMAND_CAP - 1] + "…"


def _uid(k: InEffect, p: ProcessView) -> str:
    inside = k.container_uid(p)
    shown = "root (UID 0)" if inside == 0 else f"UID {inside if inside is not None else '?'}"
    if inside != p.euid:
        shown += f" (host UID {p.euid})"
    return shown


def process_rows(c: Container) -> Facts:
    """PID 1's command and user, how many others run and which of them as root."""
    k = c.kernel
    if not isinstance(k, InEffect):
        return []
    first = Text()
    first.append_text(value(command(k.pid1), "bold"))
    first.append(f"  as {_uid(k, k.pid1)}")
    others = [p for p in k.processes if p is not k.pid1]
    root = [p for p in root_processes(k) if p is not k.pid1]
    if not others:
        rest = Text("no others", style=MUTED)
    else:
        rest = Text(f"{len(others)} other{'s' if len(others) > 1 else ''}")
        rest.append(f", {len(root)} as root: " if root else ", none as root")
        if root:
            rest.append_text(value(", ".join(command(p) for p in root[:ROOT_NAMED])))
            if len(root) > ROOT_NAMED:
                rest.append(f" +{len(root) - ROOT_NAMED} more", style=MUTED)
    return [("PID 1", first), ("processes", rest)]


def listening_rows(c: Container) -> Facts:
    """The sockets the container's processes listen on (TCP) or are bound to (UDP)."""
    k = c.kernel
    if not isinstance(k, InEffect):
        return []
    found = [value(s.describe()) for s in k.listeners]
    return [("listening", lines(found, "nothing"))]


#: The rows of the kernel's own facts (no configured twin) per section.
_EXTRA = {"identity": process_rows, "exposure": listening_rows}


def rows(c: Container, comparisons: tuple[Comparison, ...], section: str) -> Facts:
    """Everything in effect that one panel section shows, after its configured facts."""
    extra = _EXTRA.get(section)
    return [*section_rows(comparisons, section), *(extra(c) if extra else [])]

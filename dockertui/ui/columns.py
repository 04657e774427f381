"""The fleet table's columns: what each cell shows and how each sorts, and
the `/` filter. Pure functions of a ContainerReport (no Textual)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from dockertui.audit import ContainerReport
from dockertui.audit import capabilities as caps
from dockertui.audit.security_options import security_opts
from dockertui.model import EngineInfo
from dockertui.report.style import GRADE_STYLE, severity_label
from dockertui.text import printable

STOPPED = ("exited", "created", "dead")
EXPOSURE_SHOWN = 1  # ports listed in the cell; the panel lists them all


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    cell: Callable[[ContainerReport, EngineInfo], Text | str]
    sort: Callable[[ContainerReport], Any]
    width: int | None = None


def _grade(r: ContainerReport, e: EngineInfo) -> Text:
    return Text(f" {r.grade} ", style=GRADE_STYLE.get(r.grade, ""))


def _worst(r: ContainerReport, e: EngineInfo) -> Text:
    return severity_label(r.worst) if r.worst else Text("none", style="green")


def _state(r: ContainerReport, e: EngineInfo) -> Text:
    state = r.container.state
    style = "green" if state == "running" else "yellow" if state == "paused" else "dim"
    return Text(state, style=style)


def _user(r: ContainerReport, e: EngineInfo) -> Text:
    from dockertui.audit.identity import is_root, root_is_remapped

    user = printable(r.user)
    if is_root(r.container.user):
        remapped = root_is_remapped(r.container, e)
        return Text(user + (" (remapped)" if remapped else ""), style="" if remapped else "red")
    return Text(user)


def caps_summary(r: ContainerReport) -> Text:
    """Effective count, with what was added (+n) and dropped (-n) against the default."""
    held = r.effective_capabilities
    if r.container.privileged:
        return Text("ALL priv", style="bold red")
    text = Text(str(len(held)))
    added = held - caps.DOCKER_DEFAULT
    dropped = caps.DOCKER_DEFAULT - held
    if added:
        danger = any(name in added for name in caps.DANGEROUS)
        text.append(f" +{len(added)}", style="bold red" if danger else "yellow")
    if dropped:
        text.append(f" -{len(dropped)}", style="green")
    return text


def seccomp_summary(r: ContainerReport) -> Text:
    c = r.container
    profile = security_opts(c).get("seccomp")
    if c.privileged or (profile or "").lower() == "unconfined":
        return Text("off", style="bold red")
    return Text("custom" if profile else "default")


def mac_summary(r: ContainerReport, e: EngineInfo) -> Text:
    c = r.container
    if e.has_option("selinux"):
        return Text(
            printable(
                c.process_label.split(":")[2]
                if c.process_label.count(":") >= 2
                else c.process_label or "none"
            )
        )
    if e.has_option("apparmor"):
        profile = c.apparmor_profile or ("unconfined" if c.privileged else "")
        if profile in ("", "unconfined"):
            return Text(profile or "(at start)", style="red" if profile else "dim")
        return Text(printable(profile))
    return Text("—", style="dim")


def exposure_summary(r: ContainerReport) -> Text:
    c = r.container
    if c.host_network:
        return Text("host net", style="bold red")
    if not c.ports:
        return Text("—", style="dim")
    text = Text()
    shown = sorted(c.ports, key=lambda p: not p.all_interfaces)[:EXPOSURE_SHOWN]
    for i, p in enumerate(shown):
        if i:
            text.append(", ")
        where = p.host_ip or "0.0.0.0"
        text.append(
            f"{printable(where)}:{printable(p.host_port or '*')}",
            style="yellow" if p.all_interfaces else "",
        )
    if len(c.ports) > len(shown):
        text.append(f" +{len(c.ports) - len(shown)}", style="dim")
    return text


COLUMNS: tuple[Column, ...] = (
    Column(
        "name", "Name", lambda r, e: Text(printable(r.container.name)), lambda r: r.container.name
    ),
    Column(
        "image",
        "Image",
        lambda r, e: Text(printable(r.container.image)),
        lambda r: r.container.image,
    ),
    Column(
        "state", "State", _state, lambda r: (r.container.state not in STOPPED, r.container.state)
    ),
    Column("grade", "Grade", _grade, lambda r: r.score),
    Column("worst", "Worst", _worst, lambda r: -(r.worst.rank if r.worst else -1)),
    Column("user", "User", _user, lambda r: r.user),
    Column("caps", "Caps", lambda r, e: caps_summary(r), lambda r: len(r.effective_capabilities)),
    Column(
        "seccomp", "Seccomp", lambda r, e: seccomp_summary(r), lambda r: seccomp_summary(r).plain
    ),
    Column(
        "mac",
        "MAC",
        mac_summary,
        lambda r: r.container.apparmor_profile or r.container.process_label,
    ),
    Column(
        "exposure",
        "Exposure",
        lambda r, e: exposure_summary(r),
        lambda r: exposure_summary(r).plain,
    ),
)
BY_KEY = {c.key: c for c in COLUMNS}
#: What fits at 80 columns; Enter shows the rest in the panel.
NARROW = tuple(BY_KEY[k] for k in ("name", "state", "grade", "worst", "user", "caps", "exposure"))


def worst_first(r: ContainerReport) -> tuple[int, int, str]:
    """The default order: worst severity first, then lowest score, then name."""
    return (-(r.worst.rank if r.worst else -1), r.score, r.container.name)


def order(
    reports: list[ContainerReport], sort_key: str | None, reverse: bool
) -> list[ContainerReport]:
    if sort_key is None:
        return sorted(reports, key=worst_first, reverse=reverse)
    column = BY_KEY[sort_key]
    return sorted(reports, key=lambda r: (column.sort(r), worst_first(r)), reverse=reverse)


def matches(r: ContainerReport, query: str) -> bool:
    """Every word of the query must match the name, the image, a label
    (key or key=value) or a finding's check id. Case-insensitive."""
    c = r.container
    haystack = [c.name.lower(), c.image.lower()]
    haystack += [k.lower() for k in c.labels]
    haystack += [f"{k}={v}".lower() for k, v in c.labels.items()]
    haystack += [f.check for f in r.findings]
    return all(any(word in item for item in haystack) for word in query.lower().split())


def visible(
    reports: list[ContainerReport], query: str, hide_stopped: bool
) -> list[ContainerReport]:
    return [
        r
        for r in reports
        if (not hide_stopped or r.container.state not in STOPPED)
        and (not query or matches(r, query))
    ]

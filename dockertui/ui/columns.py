"""The fleet table's columns: what each cell shows and how each sorts, and
the `/` filter. Pure functions of a ContainerReport (no Textual)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from dockertui.audit import ContainerReport
from dockertui.audit import capabilities as caps
from dockertui.audit.confinement import (
    AppArmor,
    Seccomp,
    SELinux,
    apparmor_state,
    seccomp_state,
    selinux_state,
)
from dockertui.audit.identity import is_root, root_is_remapped, shown_user, user_in_effect
from dockertui.audit.in_effect import differs
from dockertui.audit.ports import exposures
from dockertui.fixes.names import leftover_of
from dockertui.model import EngineInfo
from dockertui.report.style import DIFFERS_MARK, GRADE_STYLE, severity_label
from dockertui.text import printable

STOPPED = ("exited", "created", "dead")
#: The widest the name, image and exposure columns get; the panel shows it all.
NAME_CAP, IMAGE_CAP, EXPOSURE_CAP, ENGINE_CAP = 24, 28, 40, 20
#: The narrowest the name column gets to make room for another column.
NAME_FLOOR = 16


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    cell: Callable[[ContainerReport, EngineInfo], Text]
    sort: Callable[[ContainerReport], Any]
    #: Most cells this column takes; a longer value is shortened in the middle.
    cap: int = 32


def _grade(r: ContainerReport, e: EngineInfo) -> Text:
    return Text(f" {r.grade} ", style=GRADE_STYLE.get(r.grade, ""))


def _worst(r: ContainerReport, e: EngineInfo) -> Text:
    return severity_label(r.worst) if r.worst else Text("none", style="green")


def _state(r: ContainerReport, e: EngineInfo) -> Text:
    state = r.container.state
    if state == "running" and r.container.health_status == "unhealthy":
        text = Text("unhealthy", style="bold red")  # running, failing its health check
    else:
        style = "green" if state == "running" else "yellow" if state == "paused" else "dim"
        text = Text(state, style=style)
    if differs(r.container, e):
        text.append(f" {DIFFERS_MARK}", style="bold")
    return text


def _user(r: ContainerReport, e: EngineInfo) -> Text:
    """The user as audit/identity.shown_user shows it ("root→65534" when
    the kernel shows PID 1 as another); red while root runs in it, as the
    kernel says when it was read, else as configured."""
    user = printable(shown_user(r.container))
    seen = user_in_effect(r.container)
    if seen.root if seen is not None else is_root(r.container.user):
        remapped = root_is_remapped(r.container, e)
        return Text(user + (" (remapped)" if remapped else ""), style="" if remapped else "red")
    return Text(user)


def caps_summary(r: ContainerReport) -> Text:
    """Effective count, with what was added (+n) and dropped (-n) against the default."""
    c = r.container
    held = caps.delta(c.cap_add, c.cap_drop, privileged=c.privileged)
    if held.privileged:
        return Text("ALL priv", style="bold red")
    text = Text(str(len(held.held)))
    if held.added:
        text.append(f" +{len(held.added)}", style="bold red" if held.dangerous else "yellow")
    if held.dropped:
        text.append(f" -{len(held.dropped)}", style="green")
    return text


#: The engine sorting assumes (it has no engine at hand): one that applies
#: seccomp. On one that does not, every row says "off" and the order is moot.
_SECCOMP_ENGINE = EngineInfo(security_options=("name=seccomp",))


def seccomp_summary(r: ContainerReport, e: EngineInfo = _SECCOMP_ENGINE) -> Text:
    state = seccomp_state(r.container, e)
    if state.off:
        return Text("off", style="bold red")
    return Text("custom" if state.kind is Seccomp.CUSTOM else "default")


def mac_summary(r: ContainerReport, e: EngineInfo) -> Text:
    c = r.container
    selinux = selinux_state(c, e)
    if selinux.kind is not SELinux.NOT_ENFORCED:
        if selinux.kind is SELinux.DISABLED:
            return Text("label off", style="red")
        if selinux.kind is SELinux.PRIVILEGED:
            return Text("unconfined", style="red")
        if selinux.kind is SELinux.NO_LABEL:
            return Text("no label", style="red")
        label = selinux.label
        return Text(printable(label.split(":")[2] if label.count(":") >= 2 else label))
    state = apparmor_state(c, e)
    if state.kind is AppArmor.UNCONFINED:
        return Text("unconfined", style="red")
    if state.kind is AppArmor.AT_START:
        return Text(f"{printable(state.profile or 'default')} (at start)", style="dim")
    if state.kind is AppArmor.CONFINED:
        return Text(printable(state.profile))
    return Text("—", style="dim")


def exposure_entries(r: ContainerReport) -> list[Text]:
    """One entry per published port, those on every interface first."""
    c = r.container
    if c.host_network:
        return [Text("host net", style="bold red")]
    entries = []
    for p in sorted(exposures(c), key=lambda p: not p.all_interfaces):
        entries.append(
            Text(
                f"{printable(p.address)}:{printable(p.host_port or '*')}",
                style="yellow" if p.all_interfaces else "",
            )
        )
    return entries


def exposure_summary(r: ContainerReport, width: int | None = None) -> Text:
    """The published ports, as many whole ones as fit in `width` cells (all
    of them without a width), then "+N more"; never a port cut short."""
    entries = exposure_entries(r)
    if not entries:
        return Text("—", style="dim")
    for shown in range(len(entries), 0, -1):
        text = Text(", ").join(entries[:shown])
        if shown < len(entries):
            text.append(f" +{len(entries) - shown} more", style="dim")
        if width is None or text.cell_len <= width or shown == 1:
            return text
    raise AssertionError("unreachable")  # pragma: no cover


COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "Name",
        lambda r, e: Text(printable(r.container.name)),
        lambda r: r.container.name,
        cap=NAME_CAP,
    ),
    Column(
        "engine",
        "Engine",
        lambda r, e: Text(printable(r.container.engine), style="cyan"),
        lambda r: r.container.engine,
        cap=ENGINE_CAP,
    ),
    Column(
        "image",
        "Image",
        lambda r, e: Text(printable(r.container.image)),
        lambda r: r.container.image,
        cap=IMAGE_CAP,
    ),
    Column(
        "state", "State", _state, lambda r: (r.container.state not in STOPPED, r.container.state)
    ),
    Column("grade", "Grade", _grade, lambda r: r.score),
    Column("worst", "Worst", _worst, lambda r: -(r.worst.rank if r.worst else -1)),
    Column("user", "User", _user, lambda r: r.user),
    Column("caps", "Caps", lambda r, e: caps_summary(r), lambda r: len(r.effective_capabilities)),
    Column("seccomp", "Seccomp", seccomp_summary, lambda r: seccomp_summary(r).plain),
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
        cap=EXPOSURE_CAP,
    ),
)
BY_KEY = {c.key: c for c in COLUMNS}
#: Which columns stay when not all fit: the first ones of this order. The
#: first CORE come before the name is widened, the others after.
CORE = 6
PRIORITY = (
    "name",
    "engine",  # only in a fleet of engines: on one engine its cells are empty
    "state",
    "grade",
    "worst",
    "exposure",
    "user",
    "caps",
    "image",
    "seccomp",
    "mac",
)


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


def is_leftover(r: ContainerReport) -> bool:
    """Whether the container is one a dockertui fix left behind (a backup...)."""
    return leftover_of(r.container.name) is not None


@dataclass(frozen=True)
class Row:
    report: ContainerReport
    under: bool = False  # a leftover shown indented under its original
    stale: bool = False  # its engine (one of several) is not live: dimmed


def arrange(ordered: list[ContainerReport]) -> list[Row]:
    """The rows in `ordered`'s order, each leftover of a fix moved under
    its original (newest first) when the original is among them."""
    # By engine and name: a backup on one engine is not the child of a
    # container of the same name on another.
    names = {(r.container.engine, r.container.name) for r in ordered}
    children: dict[tuple[str, str], list[ContainerReport]] = {}
    top: list[ContainerReport] = []
    for r in ordered:
        left = leftover_of(r.container.name)
        if left is not None and (r.container.engine, left.original) in names:
            children.setdefault((r.container.engine, left.original), []).append(r)
        else:
            top.append(r)
    rows: list[Row] = []

    def place(r: ContainerReport, under: bool) -> None:
        rows.append(Row(r, under))
        mine = children.get((r.container.engine, r.container.name), [])
        kids = sorted(mine, key=lambda k: k.container.name)
        for kid in reversed(kids):
            place(kid, True)

    for r in top:
        place(r, False)
    return rows


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
    """The reports the filter lets through; `hide_stopped` also hides what
    fixes left behind (backups are stopped; the others are bookkeeping)."""
    return [
        r
        for r in reports
        if (not hide_stopped or (r.container.state not in STOPPED and not is_leftover(r)))
        and (not query or matches(r, query))
    ]


# -- fitting the table to its width -------------------------------------------

UNDER = "└ "  # before the name of a leftover shown under its original


def middle_ellipsis(text: Text, width: int) -> Text:
    """`text` in at most `width` cells: its start and its end, "…" between."""
    if text.cell_len <= width:
        return text
    if width <= 1:
        return Text("…"[:width])
    head = (width - 1) // 2
    tail = width - 1 - head
    while True:
        cut = text[:head] + Text("…") + text[len(text) - tail :] if tail else text[:head] + "…"
        if cut.cell_len <= width or head + tail == 0:
            return cut
        if tail >= head:
            tail -= 1
        else:
            head -= 1


def _content(column: Column, row: Row, engine: EngineInfo, width: int | None) -> Text:
    r = row.report
    text = exposure_summary(r, width) if column.key == "exposure" else column.cell(r, engine)
    if column.key == "name" and row.under:
        # Under its original the name would repeat it: what it is, and when.
        left = leftover_of(r.container.name)
        what = f"{left.kind.value}-{left.stamp}" if left is not None else r.container.name
        text = Text(UNDER) + Text(printable(what))
    if is_leftover(r) or row.stale:
        text = text.copy()
        text.stylize("dim")
    return text


def render(column: Column, row: Row, engine: EngineInfo, width: int | None = None) -> Text:
    """The cell of `column` for `row`, in at most `width` cells (the
    column's cap when None): a value too long keeps its start and its end."""
    return middle_ellipsis(
        _content(column, row, engine, width), width if width is not None else column.cap
    )


@dataclass(frozen=True)
class Measure:
    """The cells one row wants for each of COLUMNS, and the fewest it can take."""

    want: tuple[int, ...]
    need: tuple[int, ...]


def measure(row: Row, engine: EngineInfo) -> Measure:
    want: list[int] = []
    need: list[int] = []
    for column in COLUMNS:
        natural = render(column, row, engine).cell_len
        want.append(natural)
        if column.key == "name":
            need.append(min(natural, NAME_FLOOR))
        elif column.key == "exposure":  # the first port and "+N more"
            need.append(min(natural, _content(column, row, engine, 0).cell_len))
        else:
            need.append(natural)
    return Measure(tuple(want), tuple(need))


@dataclass(frozen=True)
class Placed:
    column: Column
    width: int


def label_width(column: Column, sort_key: str | None) -> int:
    return len(column.label) + (2 if column.key == sort_key else 0)  # " ▲"


def fit(
    measures: list[Measure], available: int, *, gap: int, sort_key: str | None = None
) -> tuple[Placed, ...]:
    """The columns to show in `available` cells (`gap` more per column for
    its padding) and their widths: whole columns, by PRIORITY, as many as fit
    at the width their values need (the name from NAME_FLOOR, the exposure
    from its first port and "+N more"). The name widens to what its values
    want before the columns after the first CORE; the exposure last, with
    what is left. In COLUMNS order."""
    index = {c.key: i for i, c in enumerate(COLUMNS)}
    want: dict[str, int] = {}
    need: dict[str, int] = {}
    for column in COLUMNS:
        i = index[column.key]
        label = label_width(column, sort_key)
        want[column.key] = max([label, *(m.want[i] for m in measures)])
        need[column.key] = max([label, *(m.need[i] for m in measures)])
    widths: dict[str, int] = {}
    used = 0
    # The engine column only where some row names an engine (several engines).
    left_out = {"engine"} if not any(m.want[index["engine"]] for m in measures) else set()

    def add(keys: tuple[str, ...]) -> None:
        nonlocal used
        for key in keys:
            if key in left_out:
                continue
            if widths and used + need[key] + gap > available:
                return
            widths[key] = need[key]
            used += need[key] + gap

    def grow(key: str) -> None:
        nonlocal used
        if key in widths:
            more = max(0, min(available - used, want[key] - widths[key]))
            widths[key] += more
            used += more

    add(PRIORITY[:CORE])
    grow("name")  # whole names before the columns after the first ones
    if len(widths) == len(set(PRIORITY[:CORE]) - left_out):
        add(PRIORITY[CORE:])
    grow("exposure")  # more ports once every column that fits has its place
    return tuple(Placed(c, widths[c.key]) for c in COLUMNS if c.key in widths)

"""The swarm's services (a manager's): one row each with its grade, worst
finding and the security settings of its task template; Enter shows one
service's template and its findings, each fix the `docker service update`
command that removes it. Nothing here runs a command. Service names,
images, mounts and labels are untrusted: every one goes through `value`
(dockertui/text.py `printable`) before it is shown. Styles live in
css/services.tcss."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from dockertui.audit import Severity
from dockertui.audit import capabilities as caps
from dockertui.audit.checks.mounts import mount_risk
from dockertui.audit.service import ServiceReport
from dockertui.model import Mount
from dockertui.model.service import PublishMode, Service
from dockertui.model.swarm import Swarm
from dockertui.report.style import GRADE_STYLE, STYLE, counts_text
from dockertui.text import printable
from dockertui.ui.facts.common import DANGER, MUTED, OK, WARN, Facts, lines, noted, value
from dockertui.ui.finding_view import findings_group
from dockertui.ui.fleet_state import FleetState
from dockertui.ui.scrolling import KeyScroll
from dockertui.ui.sections import facts_table
from dockertui.ui.widgets import NoticeBar


@dataclass(frozen=True)
class SwarmServices:
    """One manager's services as the console has them: `engine` is its name
    in a fleet ("" when the console watches one engine)."""

    engine: str
    swarm: Swarm | None
    services: tuple[ServiceReport, ...]


def swarms_of(state: FleetState) -> list[SwarmServices]:
    """The managers with services, in the fleet's order of engines."""
    return [
        SwarmServices(name, view.engine.swarm if view.engine else None, state.services[name])
        for name, view in state.engines.items()
        if state.services.get(name)
    ]


# --- what a row and the detail say (pure: the tests read these) ----------------------------


def _risky(s: Service) -> list[Mount]:
    return [m for m in _mounts(s) if mount_risk(m)]


def _mounts(s: Service) -> list[Mount]:
    return [Mount(m.type, m.source, m.target, m.read_only, m.propagation) for m in s.mounts]


def settings_line(r: ServiceReport) -> Text:
    """The template's security settings in one line: capabilities added and
    dropped, user, root file system, risky mounts, published ports."""
    s = r.service
    out = Text()

    def part(text: str, style: str = "") -> None:
        if out.plain:
            out.append(" · ", style=MUTED)
        out.append_text(value(text, style))  # names and paths are untrusted

    added = sorted(caps.delta(s.cap_add, s.cap_drop).added)
    if added:
        part("+" + ",".join(added), DANGER if set(added) & caps.CRITICAL_CAPS else WARN)
    if s.cap_drop:
        part("-" + ",".join(caps.normalize(c) for c in s.cap_drop), OK)
    part(f"user {r.user}", WARN if r.user == "root" else "")
    part("ro" if s.read_only else "rw", OK if s.read_only else MUTED)
    for m in _risky(s):
        part(f"{mount_risk(m)} {m.destination}", DANGER)
    for p in s.ports:
        part(p.describe(), WARN if p.mode is PublishMode.INGRESS else "")
    return out


def template_facts(r: ServiceReport, networks: dict[str, str]) -> Facts:
    """Every security setting of the task template, one row each."""
    s = r.service
    effective = sorted(r.effective_capabilities)
    privileges = [
        noted(
            "seccomp",
            printable(s.seccomp) or "the engine's default profile",
            DANGER if s.seccomp == "unconfined" else "",
        ),
        noted(
            "AppArmor",
            printable(s.apparmor) or "the engine's default",
            DANGER if s.apparmor == "disabled" else "",
        ),
        noted(
            "no-new-privileges",
            "not a field of this engine's service spec"
            if s.no_new_privileges is None
            else ("on" if s.no_new_privileges else "off"),
            OK if s.no_new_privileges else WARN,
        ),
        noted(
            "SELinux",
            "disabled" if s.selinux_disabled else (printable(s.selinux_label) or "default"),
            DANGER if s.selinux_disabled else "",
        ),
    ]
    if s.credential_spec:
        privileges.append(noted("credential spec", printable(s.credential_spec)))
    return [
        ("image", value(s.image)),
        ("mode", value(s.mode_text)),
        ("user", value(r.user, WARN if r.user == "root" else "")),
        (
            "capabilities",
            lines(
                [
                    noted("add", ", ".join(s.cap_add) or "none", "", WARN if s.cap_add else MUTED),
                    noted("drop", ", ".join(s.cap_drop) or "none", "", OK if s.cap_drop else MUTED),
                    noted(
                        "held",
                        f"{len(effective)}: {', '.join(effective)}" if effective else "none",
                        "",
                        MUTED,
                    ),
                ]
            ),
        ),
        ("privileges", lines(privileges)),
        ("root fs", value("read-only", OK) if s.read_only else value("writable", WARN)),
        ("init", value({True: "yes", False: "no", None: "the engine's default"}[s.init])),
        (
            "mounts",
            lines(
                noted(
                    f"{m.type} {m.source or '(anonymous)'} -> {m.target}"
                    + (" (ro)" if m.read_only else ""),
                    mount_risk(mount),
                    DANGER if mount_risk(mount) else "",
                    DANGER,
                )
                for m, mount in zip(s.mounts, _mounts(s), strict=True)
            ),
        ),
        (
            "ports",
            lines(
                noted(
                    p.describe(),
                    "open on every node of the swarm"
                    if p.mode is PublishMode.INGRESS
                    else "open on the nodes that run a task",
                    WARN if p.mode is PublishMode.INGRESS else "",
                )
                for p in s.ports
            ),
        ),
        ("networks", lines(value(networks.get(n, n)) for n in s.networks)),
        ("secrets", lines(value(name) for name in s.secrets)),  # by name: values never read
        ("configs", lines(value(name) for name in s.configs)),
        ("sysctls", lines(value(f"{k}={v}") for k, v in sorted(s.sysctls.items()))),
        (
            "limits",
            value(
                f"memory {s.memory_limit or 'unlimited'}, "
                f"cpus {s.nano_cpus / 1e9 if s.nano_cpus else 'unlimited'}, "
                f"pids {s.pids_limit or 'unlimited'}"
            ),
        ),
    ]


def swarm_line(swarm: Swarm | None) -> Text:
    """Managers, nodes, auto-lock, certificate lifetimes and raft snapshots."""
    if swarm is None:
        return Text("not in a swarm", style=MUTED)
    out = Text()
    out.append(f"{swarm.managers} manager{'s' * (swarm.managers != 1)}, ")
    out.append(f"{swarm.nodes} node{'s' * (swarm.nodes != 1)}")
    if swarm.autolock is not None:
        out.append("  autolock ")
        out.append("on" if swarm.autolock else "off", style=OK if swarm.autolock else WARN)
    if swarm.node_cert_expiry is not None:
        out.append(f"  node certs {swarm.node_cert_expiry // 86400} d")
    if swarm.root_ca is not None:
        out.append(f"  root CA until {swarm.root_ca.not_after:%Y-%m-%d}")
    if swarm.snapshot_interval is not None:
        out.append(f"  raft snapshot every {swarm.snapshot_interval} entries", style=MUTED)
    return out


def service_report(r: ServiceReport, networks: dict[str, str]) -> RenderableType:
    """One service: its heading, its template's settings, its findings."""
    head = Text()
    head.append(f" {r.grade} ", style=GRADE_STYLE.get(r.grade, ""))
    head.append(" ")
    head.append_text(value(r.service.name, "bold"))
    head.append(f"  score {r.score}  ")
    counts: dict[Severity, int] = {}
    for f in r.findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    head.append_text(counts_text(counts))
    note = Text(
        "Each fix is the docker service update command to run on a manager; "
        "dockertui shows it, never runs it. A detail names the container setting "
        "the template's field becomes in each task.",
        style=MUTED,
    )
    return Group(
        head,
        Text(""),
        facts_table(template_facts(r, networks)),
        Text(""),
        Text("Findings", style="bold underline"),
        note,
        findings_group(r.findings, empty="The template has no findings."),
    )


def preview(r: ServiceReport) -> RenderableType:
    """Under the list: the highlighted service's settings and each finding
    that is not informational, with the command that fixes it."""
    rows = [settings_line(r)]
    for f in r.findings:
        if f.severity is Severity.INFO:
            continue
        line = Text()
        line.append(f"{f.severity.value.upper():<9}", style=STYLE[f.severity])
        line.append(f"{f.check}  ", style="bold")
        line.append_text(value(f.fix.command or f.fix.summary, OK if f.fix.command else MUTED))
        rows.append(line)
    rows.append(Text("Enter: the whole template and why each finding matters.", style=MUTED))
    return Group(*rows)


# --- the screens ---------------------------------------------------------------------------


#: The narrowest terminal whose main-screen footer shows w (Services)
#: beside Fix and Help; narrower, w still opens this screen, unlisted there.
SERVICES_IN_FOOTER = 90
#: The list's columns; the last (the template's settings) gets what is left.
COLUMNS = ("grade", "worst", "service", "mode", "template")
TEMPLATE_MIN = 12


class ServicesScreen(Screen[None]):
    """Every service of the managers the console watches; Enter opens one,
    `escape` or `q` closes."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("question_mark", "app.help", "Help"),
    ]

    def __init__(self, swarms: Sequence[SwarmServices]) -> None:
        super().__init__()
        self.swarms = tuple(swarms)
        self._rows: dict[str, tuple[SwarmServices, ServiceReport]] = {}

    def compose(self) -> ComposeResult:
        yield NoticeBar()
        head = Text("Swarm services  ", style="bold")
        for swarm in self.swarms:
            if swarm.engine:
                head.append_text(value(f"{swarm.engine}: ", "bold"))
            head.append_text(swarm_line(swarm.swarm))
            head.append("  ")
        yield Static(head, id="services-head")
        yield ServiceTable(id="services", cursor_type="row", zebra_stripes=False)
        with KeyScroll(id="services-preview"):
            yield Static(id="service-preview")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(ServiceTable)
        several = len(self.swarms) > 1
        rows: list[tuple[str, list[Text]]] = []
        for swarm in self.swarms:
            for r in swarm.services:
                key = f"{swarm.engine}/{r.service.id}"
                self._rows[key] = (swarm, r)
                top = next((f for f in r.findings if f.severity is not Severity.INFO), None)
                worst = (
                    Text(top.severity.value.upper(), style=STYLE[top.severity])
                    if top
                    else Text("·", style=MUTED)
                )
                name = value(f"{swarm.engine}/{r.service.name}" if several else r.service.name)
                grade = Text(f" {r.grade} ", style=GRADE_STYLE.get(r.grade, ""))
                rows.append(
                    (key, [grade, worst, name, value(r.service.mode_text), settings_line(r)])
                )
        # The template's settings take what the other columns leave, cut to
        # fit (the preview below shows them whole): no sideways scrolling.
        widths = [max([len(label), *(cells[i].cell_len for _, cells in rows)])
                  for i, label in enumerate(COLUMNS[:-1])]  # fmt: skip
        rest = max(TEMPLATE_MIN, self.app.size.width - sum(widths) - 2 * len(COLUMNS) - 1)
        for label in COLUMNS[:-1]:
            table.add_column(label)
        table.add_column(COLUMNS[-1], width=rest)
        for key, cells in rows:
            cells[-1].truncate(rest, overflow="ellipsis")
            table.add_row(*cells, key=key)
        table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        found = self._rows.get(str(event.row_key.value))
        if found is not None:
            self.query_one("#service-preview", Static).update(preview(found[1]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        found = self._rows.get(str(event.row_key.value))
        if found is not None:
            swarm, report = found
            names = {n.id: n.name for n in swarm.swarm.networks} if swarm.swarm else {}
            self.app.push_screen(ServiceScreen(report, names))

    def action_close(self) -> None:
        self.dismiss()


class ServiceTable(DataTable[Text]):
    """The services; Enter opens the selected one."""

    BINDINGS = [Binding("enter", "select_cursor", "Details")]


class ServiceScreen(Screen[None]):
    """One service: its template and its findings with their fixes."""

    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("q", "close", "Back", show=False),
        Binding("question_mark", "app.help", "Help"),
    ]

    def __init__(self, report: ServiceReport, networks: dict[str, str]) -> None:
        super().__init__()
        self.report = report
        self.networks = networks

    def compose(self) -> ComposeResult:
        yield NoticeBar()
        with KeyScroll(id="service-body"):
            yield Static(service_report(self.report, self.networks), id="service-detail")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss()

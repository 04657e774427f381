"""What the console knows about the fleet, updated from engine updates.

No Textual here: the app applies each update and asks this object which
rows to show, in which order; tests can drive it directly.

Event lines are kept in the order of the engine's own event times (each
line carries the time of the event it is about, never the arrival time),
one line per exec session, and a health check only when its status
changes."""

from __future__ import annotations

import shlex
import time
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from enum import Enum

from dockertui.audit import ContainerReport, Finding, Severity, audit_container, audit_engine
from dockertui.audit.runner import audit_exec
from dockertui.audit.service import ServiceReport, audit_services
from dockertui.audit.totals import severity_totals
from dockertui.engine.fleet_watch import FromEngine
from dockertui.engine.watch import (
    Connected,
    ContainerChanged,
    ContainerRemoved,
    Disconnected,
    EngineEvent,
    ExecStarted,
    ServicesListed,
    Update,
)
from dockertui.model import ClientFacts, Container, EngineInfo, ExecSession
from dockertui.model.container import row_key

EVENT_HISTORY = 300


@dataclass(frozen=True)
class EventLine:
    time: float  # the engine's time of the event this line is about
    text: str  # plain, untrusted pieces included: the pane escapes it
    event: EngineEvent | None
    severity: Severity | None = None  # set when the event is security-relevant
    reason: str = ""
    quiet: bool = False  # routine news (a health status), shown dim
    seq: int = field(default=0, compare=False)  # the how-manieth line added (set on adding)

    @property
    def flagged(self) -> bool:
        """Security-relevant: what the pane's "flagged only" view keeps."""
        return self.severity is not None


class Link(Enum):
    """How the console stands with one engine."""

    CONNECTING = "connecting"  # no snapshot and no failure yet
    LIVE = "live"
    RECONNECTING = "reconnecting"  # down, slow or dropped: retrying
    REFUSED = "refused"  # it turned us away (TLS, permissions): retrying too


@dataclass
class EngineView:
    """One engine of the fleet: what it is, its findings and the link to it."""

    name: str  # "" when the console watches one engine
    client: ClientFacts
    engine: EngineInfo | None = None
    findings: list[Finding] = field(default_factory=list)
    link: Link = Link.CONNECTING
    reason: str = ""  # the last failure, one sentence
    retry_in: float = 0.0
    generation: int = 0  # bumps on every full snapshot of this engine

    @property
    def connected(self) -> bool:
        return self.link is Link.LIVE

    @property
    def status(self) -> str:
        if self.link is Link.LIVE:
            return "live"
        if self.link is Link.CONNECTING:
            return "connecting…"
        if not self.retry_in:  # a context that cannot be used: never dialled
            return f"disconnected: {self.reason}"
        return f"disconnected: {self.reason} Retrying in {self.retry_in:g} s."


@dataclass
class FleetState:
    """`client`: the engine of a one-engine console; `clients`: each engine of
    a fleet by name (engine.fleet_watch), whose updates come as FromEngine."""

    client: ClientFacts
    clients: dict[str, ClientFacts] | None = None
    reports: dict[str, ContainerReport] = field(default_factory=dict)  # by Container.key
    events: deque[EventLine] = field(default_factory=lambda: deque(maxlen=EVENT_HISTORY))
    generation: int = 0  # bumps on every full snapshot of any engine
    event_count: int = 0  # every event line ever added, to find the new ones
    engines: dict[str, EngineView] = field(init=False)
    #: Each swarm manager's services, by engine name (audit/service.py).
    services: dict[str, tuple[ServiceReport, ...]] = field(default_factory=dict)
    # Container key -> time of a start event that came before the container's
    # first inspect answer: its start alert waits for that answer.
    _starts: dict[str, float] = field(default_factory=dict)
    _totals: Counter[Severity] | None = None

    def __post_init__(self) -> None:
        given = self.clients or {"": self.client}
        self.engines = {name: EngineView(name, facts) for name, facts in given.items()}

    # -- the fleet as a whole, and its first engine for one-engine screens ---

    @property
    def several(self) -> bool:
        return len(self.engines) > 1

    @property
    def first(self) -> EngineView:
        return next(iter(self.engines.values()))

    @property
    def engine(self) -> EngineInfo | None:
        """The first engine that answered (the only one, on one engine)."""
        return next((v.engine for v in self.engines.values() if v.engine), None)

    @property
    def engine_findings(self) -> list[Finding]:
        """Every engine's findings (of the ones that answered)."""
        return [f for v in self.engines.values() for f in v.findings]

    @property
    def connected(self) -> bool:
        """At least one engine is live."""
        return any(v.connected for v in self.engines.values())

    @property
    def status(self) -> str:
        return (
            self.first.status
            if not self.several
            else ", ".join(f"{v.name} {v.link.value}" for v in self.engines.values())
        )

    def view_of(self, report: ContainerReport) -> EngineView:
        """The engine a container was read from."""
        return self.engines[report.container.engine]

    def engine_of(self, report: ContainerReport) -> EngineInfo:
        engine = self.view_of(report).engine
        assert engine is not None  # a report exists only once its engine answered
        return engine

    def keys_of(self, engine: str) -> list[str]:
        """The row keys of one engine's containers."""
        return [k for k, r in self.reports.items() if r.container.engine == engine]

    def add_event(self, line: EventLine) -> None:
        """Add a line in event-time order (after lines of the same time)."""
        line = replace(line, seq=self.event_count + 1)
        at = len(self.events)
        while at > 0 and self.events[at - 1].time > line.time:
            at -= 1
        if at == len(self.events):
            self.events.append(line)
        else:
            if len(self.events) == self.events.maxlen:
                if at == 0:
                    return  # older than all the history kept
                self.events.popleft()
                at -= 1
            self.events.insert(at, line)
        self.event_count += 1

    def new_events(self, seen: int) -> list[EventLine]:
        """The lines added since `seen` lines had been added that are still
        kept, in time order (a late one may come before lines added earlier)."""
        if seen >= self.event_count:
            return []
        return [line for line in self.events if line.seq > seen]

    def lines(self, flagged_only: bool = False) -> list[EventLine]:
        """Every line kept, oldest first; only the flagged ones if asked."""
        return [e for e in self.events if e.flagged or not flagged_only]

    def apply(self, update: Update | FromEngine) -> tuple[str, str]:
        """Apply one update; returns what changed: ("reset", engine), ("upsert",
        key), ("remove", key), ("status", engine), ("event", ""), or ("none", "")
        when nothing shown changed. A plain update is the first engine's (whose
        name, on one engine, is "")."""
        if isinstance(update, FromEngine):
            view = self.engines.get(update.engine)
            if view is None:
                return ("none", "")
            done = self._apply(view, update.update)
        else:
            done = self._apply(self.first, update)
        if done[0] in ("reset", "upsert", "remove"):
            self._totals = None  # the reports changed
        return done

    def totals(self) -> Counter[Severity]:
        """The header's totals (audit/totals.py), counted again only after the
        reports changed: on a fleet of 800 a count is half a refresh."""
        if self._totals is None:
            self._totals = severity_totals(self.reports.values(), self.engine_findings)
        return self._totals

    def _apply(self, view: EngineView, update: Update) -> tuple[str, str]:
        name = view.name
        match update:
            case Connected(engine=engine, containers=containers):
                view.engine = engine
                view.findings = audit_engine(engine, view.client)
                view.link, view.reason = Link.LIVE, ""
                self.services.pop(name, None)  # a manager's come next (ServicesListed)
                for key in self.keys_of(name):
                    del self.reports[key]
                for c in containers:
                    c = self._stamped(c, name)
                    self.reports[c.key] = audit_container(c, engine)
                view.generation += 1
                self.generation += 1
                return ("reset", name)
            case Disconnected(reason=reason, retry_in=delay, refused=refused):
                view.link = Link.REFUSED if refused else Link.RECONNECTING
                view.reason, view.retry_in = reason, delay
                return ("status", name)  # which engine: its rows dim
            case ContainerChanged(container=container):
                if view.engine is None:
                    return ("status", "")
                container = self._stamped(container, name)
                before = self.reports.get(container.key)
                if before is not None and before.container == container:
                    return ("none", "")  # the same answer again: nothing to redo
                report = audit_container(container, view.engine)
                self.reports[container.key] = report
                started = self._starts.pop(container.key, None)
                if started is not None:
                    self._alert_on_start(report, started)
                return ("upsert", container.key)
            case ContainerRemoved(container_id=cid):
                key = row_key(name, cid)
                self._starts.pop(key, None)
                if self.reports.pop(key, None) is None:
                    return ("none", "")
                return ("remove", key)
            case EngineEvent(action="top"):
                return ("none", "")  # our own process-list reads: not news
            case EngineEvent(type="container", action="start"):
                self.add_event(self._event_line(update, name))
                # What the alert judges (privileged, mounts) is fixed at create:
                # the report before the start's re-inspect is enough.
                key = row_key(name, update.actor_id)
                known = self.reports.get(key)
                if known is None:
                    self._starts[key] = update.time
                else:
                    self._alert_on_start(known, update.time)
                return ("event", "")
            case EngineEvent(type="container") if update.action.startswith("health_status"):
                return self._health(update, view)
            case EngineEvent():
                self.add_event(self._event_line(update, name))
                return ("event", "")
            case ExecStarted(session=session, time=when):
                owner = self.reports.get(row_key(name, session.container_id))
                if owner is None:
                    return ("none", "")
                self.add_event(self._exec_line(session, owner, when or time.time()))
                return ("event", "")
            case ServicesListed():
                return self.services_listed(view, update)
        return ("status", "")

    def services_listed(self, view: EngineView, update: ServicesListed) -> tuple[str, str]:
        """A swarm manager's services, listed (again): each audited, and the
        engine's findings redone with the swarm facts that came with them
        (nodes, overlay networks). ("services", engine name)."""
        if view.engine is None:
            return ("none", "")
        view.engine = replace(view.engine, swarm=update.engine.swarm)
        view.findings = audit_engine(view.engine, view.client)
        self.services[view.name] = audit_services(update.services, view.engine)
        return ("services", view.name)

    @staticmethod
    def _stamped(container: Container, engine: str) -> Container:
        return container if container.engine == engine else replace(container, engine=engine)

    def _health(self, event: EngineEvent, view: EngineView) -> tuple[str, str]:
        """A health status change: the event says it all, no re-inspect."""
        status = event.action.partition(":")[2].strip()
        report = self.reports.get(row_key(view.name, event.actor_id))
        if report is None or view.engine is None or report.container.health_status == status:
            return ("none", "")
        container = replace(report.container, health_status=status)
        self.reports[container.key] = audit_container(container, view.engine)
        text = f"{self._on(view.name)}{container.name}: health {status}"
        self.add_event(EventLine(event.time, text, event, quiet=True))
        return ("upsert", container.key)

    def _on(self, engine: str) -> str:
        """ "engine: " before an event line of a fleet, "" on one engine."""
        return f"{engine}: " if engine else ""

    def _event_line(self, event: EngineEvent, engine: str) -> EventLine:
        name = event.name or event.actor_id[:12]
        text = f"{self._on(engine)}{event.type} {event.action} {name}".strip()
        return EventLine(event.time, text, event)

    def _exec_line(self, session: ExecSession, owner: ContainerReport, when: float) -> EventLine:
        """One line per exec session: who runs what, flagged by the exec checks."""
        c = owner.container
        who = session.user or f"{c.user or 'root'}, the container's user"
        text = f"{self._on(c.engine)}{c.name}: exec {shlex.join(session.command)} (as {who})"
        findings = audit_exec(session, c, self.engine_of(owner))
        if not findings:
            return EventLine(when, text, None)
        titles = "; ".join(f.title for f in findings)
        worst = max(findings, key=lambda f: f.severity.rank).severity
        return EventLine(when, text, None, worst, titles)

    def _alert_on_start(self, report: ContainerReport, when: float) -> None:
        """A privileged container, or one holding the engine socket, started."""
        c = report.container
        reasons = []
        if c.privileged:
            reasons.append("privileged")
        if any(f.check == "docker-socket" for f in report.findings):
            reasons.append("holds the Docker socket")
        if reasons:
            self.add_event(
                EventLine(
                    when,
                    f"{self._on(c.engine)}{c.name} started: {' and '.join(reasons)}",
                    None,
                    Severity.CRITICAL,
                    "It can take over the host from inside the container.",
                )
            )

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
from collections import deque
from dataclasses import dataclass, field, replace

from dockertui.audit import ContainerReport, Finding, Severity, audit_container, audit_engine
from dockertui.audit.runner import audit_exec
from dockertui.engine.watch import (
    Connected,
    ContainerChanged,
    ContainerRemoved,
    Disconnected,
    EngineEvent,
    ExecStarted,
    Update,
)
from dockertui.model import ClientFacts, EngineInfo, ExecSession

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


@dataclass
class FleetState:
    client: ClientFacts
    engine: EngineInfo | None = None
    engine_findings: list[Finding] = field(default_factory=list)
    reports: dict[str, ContainerReport] = field(default_factory=dict)
    connected: bool = False
    status: str = "connecting…"
    events: deque[EventLine] = field(default_factory=lambda: deque(maxlen=EVENT_HISTORY))
    generation: int = 0  # bumps on every full snapshot
    event_count: int = 0  # every event line ever added, to find the new ones
    # Container id -> time of a start event that came before the container's
    # first inspect answer: its start alert waits for that answer.
    _starts: dict[str, float] = field(default_factory=dict)

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

    def apply(self, update: Update) -> tuple[str, str]:
        """Apply one update; returns what changed: ("reset", ""), ("upsert", id),
        ("remove", id), ("status", ""), ("event", ""), or ("none", "") when
        nothing shown changed."""
        match update:
            case Connected(engine=engine, containers=containers):
                self.engine = engine
                self.engine_findings = audit_engine(engine, self.client)
                self.reports = {c.id: audit_container(c, engine) for c in containers}
                self.connected = True
                self.status = "live"
                self.generation += 1
                return ("reset", "")
            case Disconnected(reason=reason, retry_in=delay):
                self.connected = False
                self.status = f"disconnected: {reason} Retrying in {delay:g} s."
                return ("status", "")
            case ContainerChanged(container=container):
                if self.engine is None:
                    return ("status", "")
                before = self.reports.get(container.id)
                if before is not None and before.container == container:
                    return ("none", "")  # the same answer again: nothing to redo
                report = audit_container(container, self.engine)
                self.reports[container.id] = report
                started = self._starts.pop(container.id, None)
                if started is not None:
                    self._alert_on_start(report, started)
                return ("upsert", container.id)
            case ContainerRemoved(container_id=cid):
                self._starts.pop(cid, None)
                if self.reports.pop(cid, None) is None:
                    return ("none", "")
                return ("remove", cid)
            case EngineEvent(action="top"):
                return ("none", "")  # our own process-list reads: not news
            case EngineEvent(type="container", action="start"):
                self.add_event(self._event_line(update))
                # What the alert judges (privileged, mounts) is fixed at create:
                # the report before the start's re-inspect is enough.
                known = self.reports.get(update.actor_id)
                if known is None:
                    self._starts[update.actor_id] = update.time
                else:
                    self._alert_on_start(known, update.time)
                return ("event", "")
            case EngineEvent(type="container") if update.action.startswith("health_status"):
                return self._health(update)
            case EngineEvent():
                self.add_event(self._event_line(update))
                return ("event", "")
            case ExecStarted(session=session, time=when):
                owner = self.reports.get(session.container_id)
                if owner is None:
                    return ("none", "")
                self.add_event(self._exec_line(session, owner, when or time.time()))
                return ("event", "")
        return ("status", "")

    def _health(self, event: EngineEvent) -> tuple[str, str]:
        """A health status change: the event says it all, no re-inspect."""
        status = event.action.partition(":")[2].strip()
        report = self.reports.get(event.actor_id)
        if report is None or self.engine is None or report.container.health_status == status:
            return ("none", "")
        container = replace(report.container, health_status=status)
        self.reports[container.id] = audit_container(container, self.engine)
        self.add_event(
            EventLine(event.time, f"{container.name}: health {status}", event, quiet=True)
        )
        return ("upsert", container.id)

    def _event_line(self, event: EngineEvent) -> EventLine:
        name = event.name or event.actor_id[:12]
        return EventLine(event.time, f"{event.type} {event.action} {name}".strip(), event)

    def _exec_line(self, session: ExecSession, owner: ContainerReport, when: float) -> EventLine:
        """One line per exec session: who runs what, flagged by the exec checks."""
        c = owner.container
        who = session.user or f"{c.user or 'root'}, the container's user"
        text = f"{c.name}: exec {shlex.join(session.command)} (as {who})"
        findings = audit_exec(session, c, self.engine)
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
                    f"{c.name} started: {' and '.join(reasons)}",
                    None,
                    Severity.CRITICAL,
                    "It can take over the host from inside the container.",
                )
            )

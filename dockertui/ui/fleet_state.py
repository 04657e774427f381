"""What the console knows about the fleet, updated from engine updates.

No Textual here: the app applies each update and asks this object which
rows to show, in which order; tests can drive it directly."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

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
from dockertui.model import ClientFacts, EngineInfo

EVENT_HISTORY = 300


@dataclass(frozen=True)
class EventLine:
    time: float
    text: str  # already safe: built from printable() pieces by the pane
    event: EngineEvent | None
    severity: Severity | None = None  # set when the event is security-relevant
    reason: str = ""


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

    def add_event(self, line: EventLine) -> None:
        self.events.append(line)
        self.event_count += 1

    def new_events(self, seen: int) -> list[EventLine]:
        """The lines added since `seen` lines had been added (at most the history)."""
        fresh = min(self.event_count - seen, len(self.events))
        return list(self.events)[len(self.events) - fresh :] if fresh > 0 else []

    def apply(self, update: Update) -> tuple[str, str]:
        """Apply one update; returns what changed: ("reset", ""), ("upsert", id),
        ("remove", id), ("status", ""), ("event", "")."""
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
                report = audit_container(container, self.engine)
                self.reports[container.id] = report
                if container.running and (before is None or not before.container.running):
                    self._alert_on_start(report)
                return ("upsert", container.id)
            case ContainerRemoved(container_id=cid):
                self.reports.pop(cid, None)
                return ("remove", cid)
            case EngineEvent(action="top"):
                return ("status", "")  # our own process-list reads: not news
            case EngineEvent():
                self.add_event(self._event_line(update))
                return ("event", "")
            case ExecStarted(session=session):
                owner = self.reports.get(session.container_id)
                if owner is None:
                    return ("event", "")
                for finding in audit_exec(session, owner.container):
                    self.add_event(
                        EventLine(
                            time.time(),
                            f"{owner.container.name}: {finding.title}: {finding.detail}",
                            None,
                            finding.severity,
                            finding.why,
                        )
                    )
                return ("event", "")
        return ("status", "")

    def _event_line(self, event: EngineEvent) -> EventLine:
        name = event.name or event.actor_id[:12]
        return EventLine(event.time, f"{event.type} {event.action} {name}".strip(), event)

    def _alert_on_start(self, report: ContainerReport) -> None:
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
                    time.time(),
                    f"{c.name} started: {' and '.join(reasons)}",
                    None,
                    Severity.CRITICAL,
                    "It can take over the host from inside the container.",
                )
            )

"""The simulated engine as it starts: the built-in networks and the fleet's,
and every member of the teaching fleet created in its state (running for
a while, exited, crash-looping, created and never started), with what it
wrote into its writable layer. Pure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockertui.demo import facts
from dockertui.demo.fleet import NETWORKS, Member, RunState
from dockertui.demo.records import FileEntry, Network, Status, hex_id

if TYPE_CHECKING:
    from dockertui.demo.engine import DemoEngine

_DAY = 86400.0


def networks(now: float) -> dict[str, Network]:
    """The built-in networks (bridge with icc on, host, none) and the fleet's."""
    made = [
        Network(
            hex_id("network", "bridge"),
            "bridge",
            "bridge",
            "172.17.0.0/16",
            "172.17.0.1",
            now - 90 * _DAY,
            options=dict(facts.BRIDGE_OPTIONS),
        ),
        Network(hex_id("network", "host"), "host", "host", "", "", now - 90 * _DAY),
        Network(hex_id("network", "none"), "none", "null", "", "", now - 90 * _DAY),
    ]
    for n, spec in enumerate(NETWORKS):
        made.append(
            Network(
                hex_id("network", spec.name),
                spec.name,
                "bridge",
                spec.subnet,
                spec.gateway,
                now - (60 - n) * _DAY,
                labels=dict(spec.labels),
                internal=spec.internal,
            )
        )
    return {n.name: n for n in made}


def seed(engine: DemoEngine, fleet: list[Member], now: float) -> None:
    """Create every member in its state, as if it had been there a while."""
    for n, member in enumerate(fleet):
        age = (3 + (n * 5) % 40) * _DAY + n * 3607.0
        c = engine.create(member.create, member.name, at=now - age)
        c.member = member
        if member.state == RunState.CREATED:
            continue
        c.generation += 1
        c.ever_started = True
        c.apparmor = c.apparmor or ("unconfined" if c.host.get("Privileged") else "docker-default")
        c.started_at = now - age / (2 + n % 3)
        c.pid = engine.next_pid()
        for a in c.attachments:
            a.endpoint_id = hex_id("endpoint", c.id, a.network, c.generation)
        if member.state == RunState.EXITED:
            c.status, c.exit_code = Status.EXITED, member.exit_code
            c.finished_at = c.started_at + 41.3
            c.pid = 0
            for a in c.attachments:
                a.endpoint_id = ""
        elif member.state == RunState.CRASH_LOOP:
            c.status, c.exit_code = Status.RESTARTING, member.exit_code
            c.restart_count = 14 + n
            c.started_at = now - 9.0
            c.finished_at = now - 8.2
            c.pid = 0
            for a in c.attachments:
                a.endpoint_id = ""
        else:
            c.status = Status.RUNNING
            if c.has_healthcheck:
                c.health = "healthy"
                c.health_log = []
        for path, text in _LAYERS.get(member.name, {}).items():
            c.layer[path] = FileEntry(text.encode(), 0o644, mtime=c.started_at or c.created)


#: What some members wrote into their writable layer (a re-create must carry it).
_LAYERS: dict[str, dict[str, str]] = {
    "web": {"/run/nginx.pid": "1\n", "/var/cache/nginx/client_temp/.keep": ""},
    "legacy-crm": {
        "/root/.bash_history": "vi /etc/crm/crm.properties\nservice crm restart\n",
        "/var/log/crm/crm.log": "2026-11-30 23:59:58 INFO nightly export done (4212 rows)\n",
        "/etc/crm/crm.properties": "db.host=10.0.4.12\nexport.dir=/var/lib/crm/export\n",
    },
    "grafana": {"/usr/share/grafana/plugins-bundled/.installed": "grafana-piechart-panel 1.6.4\n"},
}

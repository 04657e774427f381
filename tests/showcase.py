"""A fixed, realistic fleet built from the captured inspect documents, for
SVG snapshot tests and the README screenshots: deterministic, no engine."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from dockertui.engine.contexts import ContextEntry
from dockertui.engine.endpoint import Endpoint, TLSFiles
from dockertui.engine.fleet_watch import FromEngine
from dockertui.engine.snapshot import SnapshotSource
from dockertui.engine.watch import Disconnected
from dockertui.fixes.layer import CopyItem, LayerSummary
from dockertui.fixes.outcome import FixResult
from dockertui.fixes.plan import FixPlan
from dockertui.fixes.session import Preview
from dockertui.fixes.state import Journal, Result
from dockertui.model import (
    ClientFacts,
    Container,
    PortBinding,
    container_from_inspect,
    engine_from_api,
)
from dockertui.model.daemon import daemon_settings

FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: showcase name -> (captured case, image shown)
FLEET = {
    "ci-runner": ("docker-socket", "gitlab/gitlab-runner:v17.5"),
    "legacy-billing": ("privileged", "acme/billing:2019"),
    "node-exporter": ("host-pid", "prom/node-exporter:v1.8.2"),
    "vpn-gateway": ("cap-net-admin-ptrace", "acme/vpn:3.1"),
    "postgres": ("secrets", "postgres:16.4"),
    "backup-agent": ("sensitive-mounts", "restic/restic:0.17"),
    "web": ("ports-all-interfaces", "nginx:1.27"),
    "worker": ("plain", "acme/worker:latest"),
    "cron": ("exited", "acme/cron:1.4"),
    "api": ("hardened", "acme/api:2.8.1"),
}


def _load(case: str) -> dict:
    return json.loads((FIXTURES / "inspect" / f"{case}.json").read_text())


def showcase_containers() -> list[Container]:
    made = []
    for index, (name, (case, image)) in enumerate(FLEET.items()):
        doc = _load(case)
        doc["Id"] = f"{index:02d}" + doc["Id"][2:]
        doc["Name"] = f"/{name}"
        doc.setdefault("Config", {})["Image"] = image
        made.append(container_from_inspect(doc))
    return made


#: dockerd's settings as a systemd host has them: -H fd:// on its command
#: line and a daemon.json of the operator's own (its keys kept in each diff).
SHOWCASE_DAEMON = daemon_settings(
    1187,
    ["/usr/bin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock"],
    '{\n    "log-driver": "json-file",\n    "log-opts": {"max-size": "10m", "max-file": "3"}\n}\n',
)


def showcase_source() -> SnapshotSource:
    docs = [
        json.loads((FIXTURES / "engine" / f"{n}.json").read_text())
        for n in ("info", "version", "bridge")
    ]
    engine = replace(engine_from_api(*docs), name="prod-host-1", daemon=SHOWCASE_DAEMON)
    client = ClientFacts(endpoint="unix:///var/run/docker.sock", context="default")
    return SnapshotSource(
        engine,
        showcase_containers(),
        client=client,
        label="unix:///var/run/docker.sock (context default)",
    )


#: The names busy_source adds: a long one, and what a fix of legacy-billing left.
LONG_NAME = "payments-reconciliation-worker-eu-west-1"
BACKUP_NAME = "legacy-billing-backup-20261201-101010"
FAILED_NAME = "legacy-billing-failed-20261201-101010"
MANY_PORTS = tuple(
    PortBinding(str(port), "tcp", "0.0.0.0" if port % 2 else "127.0.0.1", str(30000 + port))
    for port in range(8001, 8007)
)


def busy_source() -> SnapshotSource:
    """The showcase, plus a long name, a container with six published ports
    and two containers a fix of legacy-billing left (its backup and the
    failed new one), for the layout's tests and snapshots."""
    base = showcase_source()
    by_name = {c.name: c for c in base.containers}
    extra = [
        replace(by_name["worker"], id="a1" + "0" * 62, name=LONG_NAME),
        replace(by_name["web"], id="a2" + "0" * 62, name="gateway", ports=MANY_PORTS),
        replace(by_name["cron"], id="a3" + "0" * 62, name=BACKUP_NAME),
        replace(by_name["cron"], id="a4" + "0" * 62, name=FAILED_NAME),
    ]
    return SnapshotSource(
        base.engine, [*base.containers, *extra], client=base.client, label=base.label
    )


#: The engines of fleet_source: a down one, and one with a plain-tcp warning.
FLEET_DOWN = "edge-2"
FLEET_DOWN_REASON = (
    "The engine at tcp://10.0.8.2:2376 did not answer within 5 seconds; check that it "
    "listens there and that no firewall drops the traffic."
)


def fleet_source() -> SnapshotSource:
    """The showcase over three engines watched together: prod-host-1 with the
    whole showcase, build with two of its containers under the SAME ids (two
    hosts cloned from one image), and edge-2, lost after its snapshot, whose
    rows dim while the header says why."""
    base = showcase_source()
    by_name = {c.name: c for c in base.containers}
    facts = {
        "prod-host-1": base.client,
        "build": ClientFacts(endpoint="ssh://ci@build", context="build", name="build"),
        FLEET_DOWN: ClientFacts(
            endpoint="tcp://10.0.8.2:2376", context=FLEET_DOWN, transport="tcp", tls=True,
            tls_verify=True, name=FLEET_DOWN,
        ),
    }  # fmt: skip
    fleet = {
        "prod-host-1": (facts["prod-host-1"], base.containers),
        "build": (facts["build"], [by_name["worker"], by_name["cron"]]),
        FLEET_DOWN: (facts[FLEET_DOWN], [by_name["web"]]),
    }
    lost = FromEngine(FLEET_DOWN, Disconnected(FLEET_DOWN_REASON, 5.0))
    return SnapshotSource(
        base.engine, (), label="prod-host-1, build, edge-2", fleet=fleet, updates=[lost]
    )


def showcase_contexts() -> tuple[Callable[[], list[ContextEntry]], Callable[[str], Any]]:
    """A context store for the picker: the default context (watched), two
    remote ones and a broken one; switching is refused (no engine here)."""
    certs = TLSFiles(Path("/home/ops/.docker/ca.pem"), None, None)
    entries = [
        ContextEntry(
            "default", "Current DOCKER_HOST based configuration", True,
            Endpoint("unix:///var/run/docker.sock", "default", "default", "unix", False, False, None),
        ),
        ContextEntry(
            "prod-eu", "payments cluster, eu-west", False,
            Endpoint("tcp://10.0.8.2:2376", "prod-eu", "--context", "tcp", True, True, certs),
        ),
        ContextEntry(
            "build", "CI runners", False,
            Endpoint("ssh://ci@build.internal", "build", "--context", "ssh", False, False, None),
        ),
        ContextEntry(
            "old-lab", "", False, None,
            "The Docker host 'ftp://lab' (in context 'old-lab') has the unsupported scheme "
            "'ftp'; write it as unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST.",
        ),
    ]  # fmt: skip

    def switch(name: str) -> Any:
        raise ValueError(f"The showcase has no engine behind context {name}.")

    return (lambda: entries), switch


class ShowcaseFixer:
    """A fixer that changes nothing: the console offers fixes (the `f` key and
    the wizard) as it does on a real engine, the review shows a writable
    layer with a few files of the container's own, and a fix "applies" at once."""

    layer = LayerSummary(
        changed=("/etc/nginx/conf.d/site.conf", "/var/cache/app", "/var/cache/app/index.db"),
        deleted=("/etc/nginx/conf.d/default.conf",),
        items=(CopyItem("/etc/nginx/conf.d/site.conf", True), CopyItem("/var/cache/app", True)),
        size=184_320,
    )

    async def preview(self, plan: FixPlan) -> Preview:
        return Preview(layer=self.layer if plan.recreate else LayerSummary())

    async def apply(
        self, plan: FixPlan, progress: Callable[[str], None], *, copy_layer: bool = True
    ) -> FixResult:
        progress(f"Updating {plan.container.name} (showcase: nothing changes)")
        return FixResult(Result.APPLIED, plan.container.name, new_id=plan.container.id)

    async def resume(
        self, journal: Journal, action: str, progress: Callable[[str], None]
    ) -> FixResult:
        return FixResult(Result.ROLLED_BACK, journal.name)

    def pending(self) -> list[Journal]:
        return []


showcase_fixer = ShowcaseFixer()

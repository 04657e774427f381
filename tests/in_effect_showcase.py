"""A small fleet whose kernel view was read: the containers captured with
their /proc files (tests/fixtures/proc, scripts/capture_proc_fixtures.py),
each given the kernel facts the reader makes of those files, plus one that
is not running. For the in-effect SVG snapshots: deterministic, no engine."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from dockertui.engine.kernel_facts import read_container, read_host
from dockertui.engine.snapshot import SnapshotSource
from dockertui.model import ClientFacts, Container, container_from_inspect, engine_from_api
from dockertui.model.kernel import Unverifiable

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROC = FIXTURES / "proc"

#: showcase name -> (captured /proc case, image shown)
FLEET = {
    "mailer": ("drops-to-nobody", "acme/mailer:5.2"),
    "edge-proxy": ("bind-only-nnp", "acme/edge:1.9"),
    "metrics-agent": ("host-network-listener", "acme/metrics:0.9"),
    "reports": ("root-with-exec", "acme/reports:3.0"),
}
#: A container that is not running: the kernel has nothing to say of it.
STOPPED = ("cron", "exited", "acme/cron:1.4")


def _named(doc: dict, index: int, name: str, image: str) -> Container:
    doc["Id"] = f"e{index:01d}" + doc["Id"][2:]
    doc["Name"] = f"/{name}"
    doc.setdefault("Config", {})["Image"] = image
    return container_from_inspect(doc)


def in_effect_containers() -> list[Container]:
    pids = json.loads((PROC / "manifest.json").read_text())
    host_ns = {p.name: os.readlink(p) for p in (PROC / "host" / "self" / "ns").iterdir()}
    made = []
    for index, (name, (case, image)) in enumerate(FLEET.items()):
        doc = json.loads((PROC / case / "inspect.json").read_text())
        folder = PROC / case
        kernel = read_container(
            pids[case]["pids"], proc=folder / "proc", cgroup=folder / "cgroup", host_ns=host_ns
        )
        made.append(replace(_named(doc, index, name, image), kernel=kernel))
    name, case, image = STOPPED
    doc = json.loads((FIXTURES / "inspect" / f"{case}.json").read_text())
    made.append(replace(_named(doc, len(made), name, image), kernel=Unverifiable.NOT_RUNNING))
    return made


def in_effect_source() -> SnapshotSource:
    docs = [
        json.loads((FIXTURES / "engine" / f"{n}.json").read_text())
        for n in ("info", "version", "bridge")
    ]
    empty = PROC / "host" / "no-such-folder"  # no firewall: the capture's /etc is not kept
    engine = replace(
        engine_from_api(*docs),
        name="prod-host-1",
        host=read_host(PROC / "host", etc=empty, run=empty),
    )
    client = ClientFacts(endpoint="unix:///var/run/docker.sock", context="default")
    return SnapshotSource(
        engine,
        in_effect_containers(),
        client=client,
        label="unix:///var/run/docker.sock (context default)",
    )

"""The /proc files captured from real running containers
(tests/fixtures/proc, made by scripts/capture_proc_fixtures.py), as the
reader makes them into the kernel's view of each container and of its host."""

from __future__ import annotations

import json
import os
from pathlib import Path

from dockertui.engine.kernel_facts import read_container, read_host
from dockertui.model.kernel import HostView, InEffect, Unverifiable

PROC_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "proc"


def captured_kernel(case: str) -> InEffect | Unverifiable:
    """What the reader makes of the /proc files captured for proc/<case>."""
    name = case.removeprefix("proc/")
    pids = json.loads((PROC_FIXTURES / "manifest.json").read_text())[name]["pids"]
    host_ns = {p.name: os.readlink(p) for p in (PROC_FIXTURES / "host" / "self" / "ns").iterdir()}
    folder = PROC_FIXTURES / name
    return read_container(pids, proc=folder / "proc", cgroup=folder / "cgroup", host_ns=host_ns)


def captured_host() -> HostView:
    """The capture host's addresses (no firewall: its /etc is not read)."""
    empty = PROC_FIXTURES / "host" / "no-such-folder"
    return read_host(PROC_FIXTURES / "host", etc=empty, run=empty)

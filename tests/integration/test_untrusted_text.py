"""Text from a container is untrusted: a real container whose command,
label and mount path carry terminal controls (ESC, BEL and the C1 CSI,
U+009B, which some terminals obey like ESC [) must reach the panel, the
scan table and the JSON and SARIF reports only in escaped form. The same
container mounts the host's /var/run, the folder that holds the engine
socket, which the checks and the panel must call what it is."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from console_support import plain

from dockertui.audit import audit_container
from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.gateway import EngineGateway
from dockertui.engine.inventory import inspect_container, read_engine
from dockertui.ui.sections import render_report

import harness

pytestmark = pytest.mark.engine

CSI = "\u009b"
COMMAND = ["sh", "-c", f"echo \x1b]0;owned\x07 {CSI}2J; sleep 100000"]
DESTINATION = f"/host{CSI}run"
#: Any C0 control but newline, DEL, or any C1 control, raw.
RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def hostile(containers: harness.Containers) -> Iterator[str]:
    yield containers.create(
        "untrusted",
        command=COMMAND,
        labels={"note": f"a\x1b[31mred{CSI}2J"},
        host={"binds": [f"/var/run:{DESTINATION}:ro"]},
    )


def _scan(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "dockertui", "scan", "-H", harness.BASE_URL, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def test_the_panel_shows_controls_escaped_and_names_the_socket_folder(hostile: str) -> None:
    async def panel_text() -> str:
        client = await EngineGateway.open(resolve_endpoint(host=harness.BASE_URL))
        try:
            engine = await read_engine(client)
            container = await inspect_container(client, hostile)
        finally:
            await client.close()
        assert container is not None
        report = audit_container(container, engine)
        finding = next(f for f in report.findings if f.check == "docker-socket")
        assert "the folder that holds the engine socket" in finding.detail
        return "\n".join(plain(r, width=160) for r in render_report(report, engine))

    text = asyncio.run(panel_text())
    assert RAW_CONTROL.search(text) is None, repr(RAW_CONTROL.search(text))
    # The command is shown, with every control spelled out.
    assert "\\x1b]0;owned\\x07" in text
    assert "\\x9b2J" in text
    assert "socket folder" in text
    assert "/host\\x9brun" in text


def test_reports_carry_no_raw_controls(hostile: str, containers: harness.Containers) -> None:
    name = containers.name("untrusted")
    for args in (
        ("--filter", f"name={name}"),
        ("--filter", f"name={name}", "-v"),
        ("--format", "json"),
        ("--format", "sarif"),
    ):
        out = _scan(*args)
        assert RAW_CONTROL.search(out) is None, (args, RAW_CONTROL.search(out))
    report = json.loads(_scan("--format", "json"))
    (mine,) = [c for c in report["containers"] if c["id"] == hostile]
    details = [f["detail"] for f in mine["findings"] if f["check"] == "docker-socket"]
    # JSON keeps the value (escaped by the encoder), so a reader gets it exactly.
    assert any(DESTINATION in d for d in details), details

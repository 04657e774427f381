"""A real single-node swarm (`docker swarm init` on a private dockerd in a
network namespace of its own: tests/swarm_support.py; never the main
engine), with a service made by the docker CLI with --cap-add SYS_ADMIN and
an engine socket bind-mounted, and a hardened one. `dockertui scan` reports
the services with the container checks' findings and their `docker service
update` fixes, and the swarm-level findings; the watcher lists the services
again after a service event; the console's services screen (Pilot) shows
them with their fixes; and the fix a finding shows, run as shown, removes
that finding."""

from __future__ import annotations

import asyncio
import json
import shlex
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from console_support import plain, until
from integration_support import run_cli
from private_engine import PrivateDockerd
from swarm_support import (
    DOCKER,
    ENCRYPTED_OVERLAY,
    HARDENED,
    PLAIN_OVERLAY,
    RISKY,
    docker,
    leave,
    start_swarm,
    wait_for_task,
)
from textual.widgets import Static

from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.watch import ServicesListed, Update, Watcher
from dockertui.ui.app import DockerTUI
from dockertui.ui.main_screen import MainScreen
from dockertui.ui.services_screen import ServiceScreen, ServicesScreen, ServiceTable

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def swarm() -> Iterator[PrivateDockerd]:
    engine = start_swarm()
    try:
        wait_for_task(engine, RISKY)
        yield engine
    finally:
        leave(engine)


def _scan(engine: PrivateDockerd, *args: str) -> subprocess.CompletedProcess[bytes]:
    return run_cli(["scan", "-H", engine.base_url, *args])


def _document(engine: PrivateDockerd) -> dict[str, Any]:
    done = _scan(engine, "--format", "json")
    assert done.returncode == 0, done.stderr.decode()
    assert b"fixture-not-a-secret" not in done.stdout  # an env value, never shown
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def _service(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in document["engine"]["services"] if s["name"] == name)


def _finding(service: dict[str, Any], check: str) -> dict[str, Any] | None:
    return next((f for f in service["findings"] if f["check"] == check), None)


def test_scan_reports_the_services_with_service_update_fixes(swarm: PrivateDockerd) -> None:
    document = _document(swarm)
    assert {s["name"] for s in document["engine"]["services"]} == {RISKY, HARDENED}
    risky = _service(document, RISKY)
    assert risky["template"]["cap_add"] == ["CAP_SYS_ADMIN"]
    assert risky["template"]["secrets"] == ["dtui-db-password"]  # by name
    cap = _finding(risky, "cap-dangerous")
    assert cap is not None and cap["severity"] == "critical"
    assert cap["fix"] == {
        "kind": "swarm",
        "summary": cap["fix"]["summary"],
        "command": f"docker service update --cap-drop SYS_ADMIN {RISKY}",
    }
    socket = _finding(risky, "docker-socket")
    assert socket is not None and socket["severity"] == "critical"
    assert (
        socket["fix"]["command"] == f"docker service update --mount-rm /var/run/docker.sock {RISKY}"
    )
    ports = _finding(risky, "port-all-interfaces")
    assert ports is not None and "every node of the swarm" in ports["detail"]
    hardened = _service(document, HARDENED)
    assert _finding(hardened, "cap-not-dropped") is None
    assert _finding(hardened, "rootfs-writable") is None
    assert _finding(hardened, "root-user") is None


def test_scan_reports_swarm_level_findings_with_their_cis_numbers(swarm: PrivateDockerd) -> None:
    document = _document(swarm)
    found = [(f["check"], f["cis"], f["detail"]) for f in document["engine_findings"]]
    assert (
        "swarm-autolock-off",
        "7.5",
        "Spec.EncryptionConfig.AutoLockManagers is false.",
    ) in found
    overlays = [detail for check, _, detail in found if check == "overlay-unencrypted"]
    assert f"{PLAIN_OVERLAY} is not encrypted." in overlays
    assert not any(ENCRYPTED_OVERLAY in d for d in overlays)
    assert "swarm-managers" not in {check for check, _, _ in found}  # one node, one manager
    assert document["engine"]["swarm"]["manager"] is True
    assert {n["name"] for n in document["engine"]["swarm"]["networks"]} >= {
        PLAIN_OVERLAY,
        ENCRYPTED_OVERLAY,
        "ingress",
    }


def test_sarif_and_table_show_the_services(swarm: PrivateDockerd) -> None:
    done = _scan(swarm, "--format", "sarif")
    assert done.returncode == 0, done.stderr.decode()
    results = json.loads(done.stdout)["runs"][0]["results"]
    located = {
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"])
        for r in results
    }
    assert ("docker-socket", f"service/{RISKY}") in located
    assert ("cap-dangerous", f"service/{RISKY}") in located
    table = _scan(swarm)
    assert table.returncode == 0, table.stderr.decode()
    text = table.stdout.decode()
    assert "Services (2, on this swarm manager)" in text
    assert RISKY in text.split("Services (2")[1]
    verbose = _scan(swarm, "-v").stdout.decode()
    assert f"docker service update --cap-drop SYS_ADMIN {RISKY}" in verbose


def test_the_watcher_lists_the_services_again_after_a_service_event(
    swarm: PrivateDockerd,
) -> None:
    listed: list[ServicesListed] = []
    extra = "dtui-late"

    async def watch() -> None:
        watcher = Watcher(resolve_endpoint(host=swarm.base_url))
        seen = asyncio.Event()

        def emit(update: Update) -> None:
            if isinstance(update, ServicesListed):
                listed.append(update)
                if any(s.name == extra for s in update.services):
                    seen.set()

        task = asyncio.create_task(watcher.run(emit))
        try:
            while not listed:
                await asyncio.sleep(0.05)
            await asyncio.to_thread(
                docker, swarm, "service", "create", "--detach", "--quiet", "--name", extra,
                "--cap-add", "NET_ADMIN", "dockertui-test/tools:1",
            )  # fmt: skip
            await asyncio.wait_for(seen.wait(), 30)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        assert watcher.counts.service_lists >= 1

    try:
        asyncio.run(watch())
    finally:
        docker(swarm, "service", "rm", extra)
    assert {s.name for s in listed[0].services} == {RISKY, HARDENED}  # after the snapshot
    late = next(s for s in listed[-1].services if s.name == extra)
    assert late.cap_add == ("CAP_NET_ADMIN",)


async def test_the_console_lists_the_services_and_shows_their_fixes(swarm: PrivateDockerd) -> None:
    app = DockerTUI(Watcher(resolve_endpoint(host=swarm.base_url)), read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: bool(app.state.services.get("")), 30,
                    lambda: f"no services listed: {app.state.status!r}")  # fmt: skip
        assert app.check_action("services", ()) is True  # the key shows now
        assert ("w", "Services") in app.keys_of(app.screen)  # and the help lists it
        assert "Swarm services" in {c.title for c in app.get_system_commands(app.screen)}
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, ServicesScreen), 5, "no services screen")
        table = app.screen.query_one(ServiceTable)
        assert table.row_count == 2
        assert plain(table.get_row_at(0)[2]) == RISKY  # worst first
        await pilot.pause()
        preview = plain(app.screen.query_one("#service-preview", Static).content, width=200)
        assert f"docker service update --mount-rm /var/run/docker.sock {RISKY}" in preview
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ServiceScreen), 5, "no service screen")
        detail = plain(app.screen.query_one("#service-detail", Static).content, width=200)
        assert "(engine socket)" in detail and "dtui-db-password" in detail
        assert f"docker service update --cap-drop SYS_ADMIN {RISKY}" in detail
        assert "fixture-not-a-secret" not in detail
        await pilot.press("escape", "escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), 5, "not back on the table")


def _run_shown(engine: PrivateDockerd, command: str) -> None:
    """The fix as shown, against this engine: `docker service update ...`."""
    words = shlex.split(command)
    assert words[:3] == ["docker", "service", "update"], command
    subprocess.run([DOCKER, "-H", engine.base_url, *words[1:]], check=True,
                   capture_output=True, timeout=120)  # fmt: skip


def test_the_fixes_shown_remove_their_findings_when_run(swarm: PrivateDockerd) -> None:
    # Last in this module (pytest runs a module in order): it changes the risky service.
    risky = _service(_document(swarm), RISKY)
    for check in ("cap-dangerous", "docker-socket"):
        found = _finding(risky, check)
        assert found is not None
        _run_shown(swarm, found["fix"]["command"])
    after = _service(_document(swarm), RISKY)
    assert _finding(after, "cap-dangerous") is None
    assert _finding(after, "cap-added") is None
    assert _finding(after, "docker-socket") is None
    assert after["template"]["mounts"] == []

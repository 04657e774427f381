"""Podman's Docker-compatible API (`podman system service` on a private
socket, tests/harness.py), end to end: the console lists its containers
and follows its events; a guided fix is applied and rolled back through
the same fix machinery as on Docker, with the container's state and data
checked after each step; the engine checks that cannot judge Podman are
reported as not applicable, with their sentence, in the scan's JSON and
table and on the engine screen.

Podman differs in named ways the fixes handle: no /containers/{id}/update
(live changes re-create), ulimits named RLIMIT_NOFILE in inspect (refused
by its own create), name filters matched without the leading slash."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest
from console_support import (
    apply_in_wizard,
    cell,
    console_showing,
    describe,
    pick_only,
    row_ids,
    select,
    squash,
    until,
    widget_text,
)
from integration_support import run_cli, text

from dockertui.audit import CHECKS
from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.fleet_watch import FleetWatcher
from dockertui.engine.watch import Watcher
from dockertui.fixes.session import EngineFixer
from dockertui.fixes.state import State
from dockertui.model.container import row_key
from dockertui.ui.app import DockerTUI
from dockertui.ui.engine_screen import EngineScreen
from dockertui.ui.fix_wizard import FixWizard

import harness

pytestmark = pytest.mark.engine

CONNECT = 20.0
LIVE = 15.0
VERIFY = ("--verify-seconds", "2")
DATA = "kept across the fix\n"
#: What Podman's /info cannot tell, or has no such thing for.
NOT_ON_PODMAN = {"live-restore-off", "icc-enabled", "authz-plugin-missing", "experimental"}


class Pod:
    """One test's containers on the Podman service, removed afterwards
    (with every backup, replaced and failed copy a fix left of them)."""

    def __init__(self, service: harness.PodmanService, api: docker.APIClient) -> None:
        self.service = service
        self.api = api
        self.word = uuid.uuid4().hex[:8]
        self.names: list[str] = []

    @property
    def url(self) -> str:
        return self.service.url

    def create(self, short: str, **host: Any) -> tuple[str, str]:
        """(name, id) of a started busybox with a file in its writable layer."""
        name = f"dtui-{harness.SESSION}-pod-{self.word}-{short}"
        self.names.append(name)
        cid = self.api.create_container(
            self.service.image(self.api, "dockertui-test/busybox"),
            name=name,
            labels={harness.LABEL: harness.SESSION},
            stop_timeout=1,
            host_config=self.service.host_config(self.api, **host),
        )["Id"]
        self.api.start(cid)
        self.sh(cid, f"printf '{DATA}' > /srv.txt")
        return name, cid

    def sh(self, ref: str, script: str) -> str:
        exec_id = self.api.exec_create(ref, ["sh", "-c", script])["Id"]
        out = self.api.exec_start(exec_id).decode()
        assert self.api.exec_inspect(exec_id)["ExitCode"] == 0, out
        return out

    def inspect(self, ref: str) -> dict[str, Any]:
        return self.api.inspect_container(ref)

    def fix(self, state: Path, *args: str) -> Any:
        return run_cli(["fix", "--host", self.url, *args], env={"DOCKERTUI_STATE_DIR": str(state)})

    def copies(self, name: str) -> list[str]:
        """The names of the containers a fix left beside `name`."""
        found = self.api.containers(all=True, filters={"name": f"{name}-"})
        return sorted(n.lstrip("/") for c in found for n in c["Names"])

    def cleanup(self) -> None:
        for entry in self.api.containers(all=True, filters={"label": harness.LABEL}):
            names = [n.lstrip("/") for n in entry["Names"]]
            if any(n.startswith(tuple(self.names)) for n in names):
                with contextlib.suppress(docker.errors.NotFound):
                    self.api.remove_container(entry["Id"], force=True, v=True)


@pytest.fixture
def pod(podman: tuple[harness.PodmanService, docker.APIClient]) -> Iterator[Pod]:
    made = Pod(*podman)
    yield made
    made.cleanup()


def assert_running_with_data(pod: Pod, name: str) -> dict[str, Any]:
    doc = pod.inspect(name)
    assert doc["State"]["Running"], doc["State"]
    assert pod.sh(name, "cat /srv.txt") == DATA  # the writable layer came along
    return doc


def console(pod: Pod, state: Path, ids: list[str]) -> Any:
    """The console on the Podman socket as the CLI builds it, once it shows
    `ids`: (app, its pilot's context)."""
    endpoint = resolve_endpoint(host=pod.url, env={})
    fixer = EngineFixer(endpoint, State(state), verify_seconds=2.0)
    app = DockerTUI(Watcher(endpoint), fixer=fixer)
    return app, console_showing(app, ids, CONNECT)


# --- the console -------------------------------------------------------------------------------


async def test_the_console_lists_podman_containers_and_follows_its_events(
    pod: Pod, tmp_path: Path
) -> None:
    name, first = await asyncio.to_thread(pod.create, "listed")
    app, running = console(pod, tmp_path / "state", [first])
    async with running as pilot:
        assert app.state.engine is not None and app.state.engine.podman
        assert cell(app, first, "state") == "running"

        def flagged() -> list[str]:
            lines = app.state.lines(flagged_only=True)
            return [line.text for line in lines if line.text.startswith(f"{name}: exec ")]

        # Podman's `exec` event names no session: the one made now is found
        # and judged; the one before the console started (the data) is not news.
        await asyncio.to_thread(pod.sh, first, "id")
        await until(pilot, flagged, LIVE, "no alert for a root exec")
        # (an older session would have been judged first, in the same pass)
        assert [text.split(" (")[0] for text in flagged()] == [f"{name}: exec sh -c id"]
        # a container made after the snapshot arrives through Podman's event stream
        _, later = await asyncio.to_thread(pod.create, "later")
        await until(pilot, lambda: later in row_ids(app), LIVE, lambda: describe(app, [later]))
        await asyncio.to_thread(pod.api.stop, first, timeout=1)
        await until(
            pilot,
            lambda: cell(app, first, "state") == "exited",
            LIVE,
            lambda: describe(app, [first]),
        )
        await asyncio.to_thread(pod.api.remove_container, later, force=True)
        await until(pilot, lambda: later not in row_ids(app), LIVE, lambda: describe(app, [later]))


async def test_the_engine_screen_says_what_does_not_apply_to_podman(
    pod: Pod, tmp_path: Path
) -> None:
    _, cid = await asyncio.to_thread(pod.create, "engine")
    app, running = console(pod, tmp_path / "state", [cid])
    async with running as pilot:
        await pilot.press("e")
        await until(
            pilot, lambda: isinstance(app.screen, EngineScreen), LIVE, lambda: f"{app.screen!r}"
        )
        shown = squash(widget_text(app.screen))
        assert "Does not apply to this podman engine" in shown
        for check in NOT_ON_PODMAN:
            assert squash(f"{check} {CHECKS[check].not_on_podman}") in shown, check
        assert "live restore does not apply" in shown and "icc does not apply" in shown
        # what does apply is still judged: rootful Podman maps no user namespace
        assert "User namespace remapping is off" in shown
        assert "Live restore is off" not in shown  # no finding for it
        await pilot.press("escape")


# --- fixes, applied and rolled back --------------------------------------------------------------


async def test_a_drop_caps_fix_from_the_wizard_then_its_rollback(pod: Pod, tmp_path: Path) -> None:
    state = tmp_path / "state"
    name, old_id = await asyncio.to_thread(pod.create, "caps", restart_policy={"Name": "always"})
    app, running = console(pod, state, [old_id])
    async with running as pilot:
        await select(pilot, old_id, LIVE)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, FixWizard), LIVE, "no wizard")
        wizard = app.screen
        assert isinstance(wizard, FixWizard)
        await pick_only(pilot, wizard, "drop-caps")
        assert wizard.plan.changes == ("drop-caps",) and wizard.plan.recreate
        result = await apply_in_wizard(pilot, wizard, 60.0)
        assert result.status == "applied", result.message
        new_id = result.new_id

        def renamed() -> bool:  # Podman's rename and start events reach the rows
            reports = app.state.reports
            new, old = reports.get(new_id), reports.get(old_id)
            return (
                new is not None
                and (new.container.name, new.container.state) == (name, "running")
                and old is not None
                and old.container.name.startswith(f"{name}-backup-")
                and old.container.state == "exited"
            )

        await until(pilot, renamed, LIVE, lambda: describe(app, [new_id, old_id]))

    fixed = await asyncio.to_thread(assert_running_with_data, pod, name)
    assert fixed["Id"] == new_id != old_id
    assert {"SETPCAP", "SETFCAP"} <= set(fixed["HostConfig"]["CapDrop"])
    harden = harness.effective_caps_of_pid1(pod.api, fixed["Id"])
    assert "SETPCAP" not in harden and "SETFCAP" not in harden  # the kernel agrees
    assert fixed["HostConfig"]["RestartPolicy"]["Name"] == "always"
    (backup,) = [n for n in pod.copies(name) if "-backup-" in n]
    assert not pod.inspect(backup)["State"]["Running"]  # stopped, policy kept: not restarted

    undone = await asyncio.to_thread(pod.fix, state, "--rollback", name, "--yes", *VERIFY)
    assert undone.returncode == 0, text(undone.stderr)
    back = await asyncio.to_thread(assert_running_with_data, pod, name)
    assert back["Id"] == old_id  # the original itself, under its name again
    assert "SETPCAP" not in back["HostConfig"]["CapDrop"]
    (replaced,) = [n for n in pod.copies(name) if "-replaced-" in n]
    assert pod.inspect(replaced)["Id"] == fixed["Id"]


def test_a_limits_fix_re_creates_on_podman_and_rolls_back(pod: Pod, tmp_path: Path) -> None:
    state = tmp_path / "state"
    name, old_id = pod.create("limits")
    assert pod.inspect(old_id)["HostConfig"]["Memory"] == 0

    dry = pod.fix(state, name, "--plan", "limits", "--memory", "256m", "--dry-run")
    assert dry.returncode == 0, text(dry.stderr)
    assert "limits (re-create)" in text(dry.stdout)  # no live update on Podman

    done = pod.fix(state, name, "--plan", "limits", "--memory", "256m", "--yes", *VERIFY)
    assert done.returncode == 0, text(done.stderr)
    assert "re-created with limits and verified" in text(done.stdout)
    fixed = assert_running_with_data(pod, name)
    assert fixed["Id"] != old_id
    assert fixed["HostConfig"]["Memory"] == fixed["HostConfig"]["MemorySwap"] == 256 * 2**20
    assert {u["Name"] for u in fixed["HostConfig"]["Ulimits"]} == {"RLIMIT_NOFILE", "RLIMIT_NPROC"}

    undone = pod.fix(state, "--rollback", name, "--yes", *VERIFY)
    assert undone.returncode == 0, text(undone.stderr)
    back = assert_running_with_data(pod, name)
    assert back["Id"] == old_id and back["HostConfig"]["Memory"] == 0


# --- the scan ------------------------------------------------------------------------------------


def test_scan_reports_the_checks_that_do_not_apply_to_podman(pod: Pod) -> None:
    name, _ = pod.create("scan")
    scanned = run_cli(["scan", "--host", pod.url, "--format", "json"])
    assert scanned.returncode in (0, 1), text(scanned.stderr)
    report = json.loads(scanned.stdout)
    assert report["engine"]["flavor"] == "podman"
    skipped = {n["check"]: n for n in report["not_applicable"]}
    assert set(skipped) >= NOT_ON_PODMAN
    for check, entry in skipped.items():
        assert entry["reason"] == CHECKS[check].not_on_podman
        assert entry["title"] == CHECKS[check].title
    assert not set(skipped) & {f["check"] for f in report["engine_findings"]}
    assert name in {c["name"] for c in report["containers"]}

    table = run_cli(["scan", "--host", pod.url, "-v"])
    shown = squash(text(table.stdout))
    assert "Not applicable to this podman engine (neither passed nor failed):" in shown
    assert squash(f"live-restore-off: {CHECKS['live-restore-off'].not_on_podman}") in shown


def test_a_scan_of_docker_and_podman_together_says_it_per_engine(pod: Pod) -> None:
    name, _ = pod.create("both")
    scanned = run_cli(["scan", "-H", harness.BASE_URL, "-H", pod.url, "--format", "json"])
    assert scanned.returncode in (0, 1), text(scanned.stderr)
    docker_doc, podman_doc = json.loads(scanned.stdout)["engines"]
    assert (docker_doc["engine"]["flavor"], podman_doc["engine"]["flavor"]) == ("docker", "podman")
    assert docker_doc["not_applicable"] == []  # dockerd is judged on every engine check
    assert "live-restore-off" in {n["check"] for n in podman_doc["not_applicable"]}
    assert name in {c["name"] for c in podman_doc["containers"]}


async def test_docker_and_podman_in_one_console(
    pod: Pod, docker_api: docker.APIClient, tmp_path: Path
) -> None:
    # Two engines of different kinds side by side: each row under its engine,
    # each engine's screen with its own judgements (icc does not apply to Podman).
    made = harness.Containers(docker_api)
    try:
        on_docker = await asyncio.to_thread(
            made.create, f"both-{pod.word}", host={"network_mode": "none"}, stop_timeout=1
        )
        _, on_podman = await asyncio.to_thread(pod.create, "both")
        docker_ep = resolve_endpoint(host=harness.BASE_URL, env={})
        podman_ep = resolve_endpoint(host=pod.url, env={})
        app = DockerTUI(FleetWatcher([docker_ep, podman_ep]), read_only=True)
        keys = [row_key(docker_ep.name, on_docker), row_key(podman_ep.name, on_podman)]
        async with console_showing(app, keys, CONNECT) as pilot:
            views = app.state.engines
            assert views[podman_ep.name].engine is not None and views[podman_ep.name].engine.podman
            assert (
                views[docker_ep.name].engine is not None and not views[docker_ep.name].engine.podman
            )
            assert {r.container.engine for k, r in app.state.reports.items() if k in keys} == {
                docker_ep.name,
                podman_ep.name,
            }
            podman_checks = {f.check for f in views[podman_ep.name].findings}
            assert "icc-enabled" not in podman_checks
            await select(pilot, keys[1], CONNECT)
            await pilot.press("e")
            await pilot.pause(0.3)
            screen = app.screen
            assert isinstance(screen, EngineScreen) and screen.engine.podman
    finally:
        await asyncio.to_thread(made.cleanup)

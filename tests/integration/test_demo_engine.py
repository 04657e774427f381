"""The simulated engine end to end, through the real clients: `dockertui
scan` and `dockertui fix` as subprocesses on its socket, the gateway's own
requests, and the raw HTTP a Docker client sends (versioned and
unversioned paths, errors, the event stream). No Docker engine is used:
each test starts its own demo engine on a private socket and stops it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from integration_support import run_cli

from dockertui.demo.run import start_demo_engine
from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.errors import Conflict, NotFound
from dockertui.engine.gateway import EngineGateway


@pytest.fixture
def demo() -> Iterator[str]:
    """A frozen demo engine (speed 0): its socket path."""
    path, stop = start_demo_engine(0)
    try:
        yield path
    finally:
        stop()


@pytest.fixture
def state_dir(tmp_path: Path) -> dict[str, str]:
    return {"DOCKERTUI_STATE_DIR": str(tmp_path / "state")}


def scan_json(socket: str) -> dict[str, Any]:
    done = run_cli(["scan", "-H", f"unix://{socket}", "--format", "json"])
    assert done.returncode == 0, done.stderr.decode()
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def fix_args(socket: str, *args: str) -> list[str]:
    """`dockertui fix ARGS --yes` on the demo's socket."""
    return ["fix", *args, "--yes", "-H", f"unix://{socket}"]


def grades(socket: str) -> dict[str, str]:
    return {c["name"]: c["grade"] for c in scan_json(socket)["containers"]}


def test_the_socket_is_private_and_removed_on_stop() -> None:
    path, stop = start_demo_engine(0)
    folder = Path(path).parent
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_ISSOCK(Path(path).stat().st_mode)
    stop()
    assert not folder.exists()


def test_a_scan_of_the_demo_grades_the_lessons(demo: str) -> None:
    doc = scan_json(demo)
    by_name = {c["name"]: c for c in doc["containers"]}
    assert len(by_name) == 21
    assert by_name["payments-api"]["grade"] == "A"
    for name in ("monitoring-agent", "debug-shell", "ci-runner", "backup-agent"):
        assert by_name[name]["grade"] == "F", name
    assert by_name["debug-shell"]["state"] == "created"
    assert by_name["db-migrate"]["state"] == "exited"
    assert by_name["queue-worker"]["state"] == "restarting"
    checks = {name: {f["check"] for f in c["findings"]} for name, c in by_name.items()}
    assert "privileged" in checks["monitoring-agent"]
    assert "docker-socket" in checks["ci-runner"]
    assert "sshd-running" in checks["legacy-crm"]  # from GET /top
    assert "seccomp-disabled" in checks["pdf-renderer"]
    assert "image-latest" in checks["status-page"]
    engine_checks = {f["check"] for f in doc["engine_findings"]}
    assert {"icc-enabled", "userns-disabled", "engine-outdated"} <= engine_checks


def test_a_live_fix_changes_the_grade(demo: str, state_dir: dict[str, str]) -> None:
    assert grades(demo)["cache"] == "B"
    done = run_cli(
        fix_args(
            demo, "cache", "--plan", "limits,restart-policy", "--cpus", "1", "--pids-limit=256"
        ),
        env=state_dir,
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert grades(demo)["cache"] == "A"


def test_a_recreate_fix_changes_the_grade(demo: str, state_dir: dict[str, str]) -> None:
    before = grades(demo)
    assert before["status-page"] == "C"
    done = run_cli(
        fix_args(demo, "status-page", "--plan", "localhost-ports", "--verify-seconds", "1"),
        env=state_dir,
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    after = grades(demo)
    assert after["status-page"] == "B"
    backups = [n for n in after if n.startswith("status-page-backup-")]
    assert len(backups) == 1  # the original, stopped, kept


def test_a_plan_that_crashes_the_service_rolls_back(demo: str, state_dir: dict[str, str]) -> None:
    """web binds :80 and :443 as uid 101 through NET_BIND_SERVICE: the
    strict preset (--cap-drop ALL) makes the new container die after its
    start, so the verification fails and the original runs again."""
    done = run_cli(
        fix_args(demo, "web", "--plan", "drop-caps", "--cap-preset=strict", "--verify-seconds=3"),
        env=state_dir,
    )
    out = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 3, out
    assert "rolled back" in out and "exited with code 1" in out
    doc = scan_json(demo)
    web = next(c for c in doc["containers"] if c["name"] == "web")
    assert web["state"] == "running" and web["grade"] == "B"
    failed = [c for c in doc["containers"] if c["name"].startswith("web-failed-")]
    assert len(failed) == 1 and failed[0]["state"] == "exited"


# -- the API as a Docker client speaks it -----------------------------------------------------


async def _raw(socket: str, method: str, path: str, **kw: Any) -> tuple[int, Any, dict[str, str]]:
    connector = aiohttp.UnixConnector(path=socket)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.request(method, f"http://docker{path}", **kw) as response,
    ):
        body = await response.read()
        try:
            parsed: Any = json.loads(body) if body else None
        except ValueError:
            parsed = body.decode()
        return response.status, parsed, dict(response.headers)


async def test_versioned_and_unversioned_paths_answer_alike(demo: str) -> None:
    status, ping, headers = await _raw(demo, "GET", "/_ping")
    assert (status, ping, headers["Api-Version"]) == (200, "OK", "1.41")
    plain = await _raw(demo, "GET", "/containers/json?all=1")
    versioned = await _raw(demo, "GET", "/v1.41/containers/json?all=1")
    assert plain[1] == versioned[1] and len(plain[1]) == 21
    running = await _raw(demo, "GET", "/v1.41/containers/json")
    assert all(e["State"] in ("running", "restarting") for e in running[1])
    named = await _raw(demo, "GET", '/containers/json?all=1&filters={"name":["^/web$"]}')
    assert [e["Names"] for e in named[1]] == [["/web"]]


async def test_errors_are_the_engines(demo: str) -> None:
    status, body, _ = await _raw(demo, "GET", "/v1.41/containers/nope/json")
    assert (status, body) == (404, {"message": "No such container: nope"})
    status, body, _ = await _raw(demo, "POST", "/v1.41/containers/db/rename?name=web")
    assert status == 409 and 'The container name "/web" is already in use' in body["message"]
    status, body, _ = await _raw(demo, "DELETE", "/v1.41/containers/web")
    assert status == 409 and "Stop the container" in body["message"]
    status, body, _ = await _raw(demo, "GET", "/v1.41/nothing/here")
    assert status == 404 and body == {"message": "page not found"}
    status, _, _ = await _raw(demo, "POST", "/v1.41/containers/web/start")
    assert status == 304  # already started
    gateway = await EngineGateway.open(resolve_endpoint(host=f"unix://{demo}", env={}))
    try:
        with pytest.raises(NotFound):
            await gateway.start_container("nope")
        with pytest.raises(Conflict):
            await gateway.rename_container("db", "cache")
        assert await gateway.inspect_image("nginx:1.25.3") is not None
        assert await gateway.inspect_image("nginx:0.1") is None
    finally:
        await gateway.close()


async def test_the_event_stream_is_chunked_and_follows_since_until_and_filters(demo: str) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=demo)) as session:
        since = time.time()
        async with session.get(
            "http://docker/v1.41/events", params={"since": f"{since:.3f}"}
        ) as stream:
            assert stream.headers.get("Transfer-Encoding") == "chunked"
            await _raw(demo, "POST", "/v1.41/containers/cache/restart")
            seen: list[dict[str, Any]] = []
            while not any(e["Action"] == "restart" for e in seen):
                line = await asyncio.wait_for(stream.content.readline(), 5)
                seen.append(json.loads(line))
        actions = [e["Action"] for e in seen if e["Type"] == "container"]
        assert actions == ["kill", "die", "stop", "start", "restart"]
        event = seen[-1]
        assert event["Actor"]["Attributes"]["name"] == "cache"
        assert event["status"] == "restart" and event["timeNano"] // 10**9 == event["time"]
        # a finished window: the past events of one container, one action, then the end
        until = time.time()
        filters = json.dumps({"container": ["cache"], "type": ["container"], "event": ["die"]})
        params = {"since": f"{since:.6f}", "until": f"{until:.6f}", "filters": filters}
        async with session.get("http://docker/v1.41/events", params=params) as window:
            lines = [json.loads(x) for x in (await window.read()).splitlines() if x.strip()]
        assert [e["Action"] for e in lines] == ["die"]


def test_nothing_of_a_stopped_demo_remains() -> None:
    path, stop = start_demo_engine(2.0)
    stop()
    stop()  # twice is harmless
    assert not os.path.exists(path)


def test_a_dead_demos_folder_is_swept_and_a_live_ones_is_not() -> None:
    """A demo killed with SIGKILL cannot remove its folder; the next demo
    removes it: a socket nobody listens on, or no socket for a minute.
    A folder whose socket answers, or one that is just being made, stays."""
    from dockertui.demo.run import FOLDER_PREFIX, SOCKET_NAME, sweep_stale_folders

    with tempfile.TemporaryDirectory(prefix="dtui-") as under:
        dead, live, empty_old, empty_new = (
            os.path.join(under, FOLDER_PREFIX + name) for name in ("dead", "live", "old", "new")
        )
        for folder in (dead, live, empty_old, empty_new):
            os.mkdir(folder, 0o700)
        gone = socket.socket(socket.AF_UNIX)
        gone.bind(os.path.join(dead, SOCKET_NAME))
        gone.close()  # the file stays, nobody listens: a killed demo
        listening = socket.socket(socket.AF_UNIX)
        listening.bind(os.path.join(live, SOCKET_NAME))
        listening.listen(1)
        an_hour_ago = time.time() - 3600
        os.utime(empty_old, (an_hour_ago, an_hour_ago))
        try:
            removed = sweep_stale_folders(under)
        finally:
            listening.close()
        assert sorted(removed) == sorted([dead, empty_old])
        assert os.path.isdir(live) and os.path.isdir(empty_new)
        assert not os.path.exists(dead) and not os.path.exists(empty_old)

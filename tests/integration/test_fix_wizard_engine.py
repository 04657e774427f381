"""The fix wizard end to end on the REAL engine: the console (Watcher on
/var/run/docker.sock) with the fixer the CLI gives it (fixes.session.make_fixer
over the executor), a plain running container, `f`, keep only the suggested
live `limits` change, confirm, and the engine holds the limits while the
console's row drops the finding. Backups and the audit log go to a
temporary state directory ($DOCKERTUI_STATE_DIR)."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest
from console_support import press_on, select, until
from textual.widgets import Button, Checkbox

from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.watch import Watcher
from dockertui.fixes.plan import Options, plan
from dockertui.fixes.session import EngineFixer
from dockertui.fixes.state import STATE_ENV, State
from dockertui.model import engine_from_api
from dockertui.ui.app import DockerTUI
from dockertui.ui.fix_wizard import FixWizard

import harness

pytestmark = pytest.mark.engine

#: How long the first snapshot may take on a busy shared engine.
CONNECT = 15.0
#: A live update, its re-inspect and the console's update of the row.
APPLIED = 10.0


async def test_live_limits_fix_through_the_wizard(
    containers: harness.Containers,
    docker_api: docker.APIClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(STATE_ENV, str(tmp_path / "state"))
    cid = containers.create("wizard-limits")
    before = docker_api.inspect_container(cid)["HostConfig"]
    assert not before["Memory"] and not before["PidsLimit"]

    endpoint = resolve_endpoint(host=harness.BASE_URL)
    state = State()
    assert state.root == tmp_path / "state"
    app = DockerTUI(Watcher(endpoint), fixer=EngineFixer(endpoint, state, verify_seconds=2.0))
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: cid in app.state.reports, CONNECT, "the container never showed")
        checks = {f.check for f in app.state.reports[cid].findings}
        assert {"memory-unlimited", "pids-unlimited"} <= checks
        await select(pilot, cid, CONNECT)

        await pilot.press("f")
        await pilot.pause()
        wizard = app.screen
        assert isinstance(wizard, FixWizard)
        assert wizard.report.container.id == cid
        assert "limits" in wizard.suggested
        for name in wizard.changes:
            box = wizard.query_one(f"#change-{name}", Checkbox)
            if box.value != (name == "limits"):
                await press_on(pilot, box, "space")
        assert wizard.plan.changes == ("limits",) and not wizard.plan.recreate

        await press_on(pilot, wizard.query_one("#fix-next", Button), "enter")  # review
        await until(pilot, lambda: wizard.preview is not None, APPLIED, "no preview came back")
        assert wizard.preview is not None and wizard.preview.refusal is None
        await press_on(pilot, wizard.query_one("#fix-next", Button), "enter")  # confirm
        assert wizard.step == "confirm"
        await press_on(pilot, wizard.query_one("#fix-apply", Button), "enter")
        await until(
            pilot, lambda: wizard.result is not None, APPLIED, "the fix never reported a result"
        )
        result = wizard.result
        assert result is not None
        assert result.status == "applied", result.message

        host = docker_api.inspect_container(cid)["HostConfig"]
        assert host["Memory"] == 512 * 1024**2 and host["PidsLimit"] == 256  # as shown
        # the grade after is measured on the container the engine now reports
        assert result.after is not None
        assert "memory-unlimited" not in result.after.findings
        shown = " ".join(str(wizard.query_one("#progress-result").render()).split())
        assert f"Grade now: {result.after.grade} {result.after.score}" in shown

        def cleared() -> bool:
            report = app.state.reports.get(cid)
            return report is not None and "memory-unlimited" not in {
                f.check for f in report.findings
            }

        await until(pilot, cleared, APPLIED, "the row still shows memory-unlimited")
        await press_on(pilot, wizard.query_one("#fix-close", Button), "enter")
        assert not isinstance(app.screen, FixWizard)

    entries = state.audit_entries()
    assert [e["result"] for e in entries if e["container_id"] == cid] == ["applied"]
    assert result.backup_dir and Path(result.backup_dir).is_relative_to(tmp_path / "state")


async def test_the_console_fixer_turns_a_refusal_into_a_result(
    containers: harness.Containers,
    docker_api: docker.APIClient,
    tmp_path: Path,
) -> None:
    """What the wizard shows for a refused fix: the executor raises
    FixRefused, the console's fixer returns it as a "refused" result."""
    cid = containers.create(
        "wizard-compose", labels={"com.docker.compose.project": "shop"}, start=False
    )
    doc = docker_api.inspect_container(cid)
    engine_docs = (docker_api.info(), docker_api.version(), None)
    fix = plan(doc, ["limits"], engine_from_api(*engine_docs), Options(pids_limit=100))
    endpoint = resolve_endpoint(host=harness.BASE_URL)
    state = State(tmp_path / "state")
    result = await EngineFixer(endpoint, state).apply(fix, lambda line: None)
    assert result.status == "refused"
    assert "compose" in result.message
    assert docker_api.inspect_container(cid)["HostConfig"]["Memory"] == 0
    assert [e["result"] for e in state.audit_entries()] == ["refused"]

"""`dockertui fix` on the real engine (issue 4, item 6): a hardening re-create
that keeps volumes, networks and configuration; the automatic rollback; a fix
killed between two steps and finished or rolled back from its journal; the
compose refusal; a live update of limits; --read-only. Plus --dry-run,
--rollback and the other preflight refusals.

Every test runs the CLI as a subprocess with its own state directory
(DOCKERTUI_STATE_DIR) and removes what it made: the container, its
`-backup-`, `-failed-`, `-new-` and `-replaced-` siblings, networks and
volumes (named and anonymous). Data is read back with `docker exec cat`
through the engine's API; nothing is sent to a container's address or port.
"""

from __future__ import annotations

import json
import stat
import time
from typing import Any

import pytest
from integration_support import free_tcp_port, text

import harness
from fix_support import (
    HARDENING,
    TOKEN,
    VERIFY,
    Bench,
    assert_one_error_line,
    subnet,
)

# --- (a) hardening keeps everything ------------------------------------------------------------


def test_a_hardening_recreate_keeps_volumes_networks_and_config(bench: Bench) -> None:
    api = bench.api
    vol = bench.volume("a")
    front = bench.network("front")
    back, static_ip = subnet(bench)
    port = free_tcp_port()
    name, old_id = bench.container(
        "a",
        start=False,
        host={
            "binds": [f"{vol}:/data"],
            "port_bindings": {"8080/tcp": ("0.0.0.0", port)},
            "network_mode": front,
            "restart_policy": {"Name": "unless-stopped"},
        },
        volumes=["/cache"],
        ports=[8080],
        environment=["APP_MODE=hardened", f"APP_TOKEN={TOKEN}"],
        command=["sh", "-c", "sleep 100000"],
        working_dir="/tmp",
        labels={"app.role": "web"},
        networking_config=api.create_networking_config(
            {front: api.create_endpoint_config(aliases=["web-front"])}
        ),
    )
    api.connect_container_to_network(old_id, back, aliases=["web-back"], ipv4_address=static_ip)
    api.start(old_id)
    bench.track_volumes(old_id)
    bench.write(old_id, "echo named-data > /data/f && echo anon-data > /cache/f")
    before = bench.inspect(old_id)
    caps_before = harness.effective_caps_of_pid1(api, old_id)
    anon = next(m["Name"] for m in before["Mounts"] if m["Destination"] == "/cache")

    result = bench.fix(
        name, "--plan", "drop-caps", "--plan", "no-new-privileges", "--plan", "localhost-ports",
        "--yes", *VERIFY,
    )  # fmt: skip
    assert result.returncode == 0, text(result.stderr)
    assert "verified" in text(result.stdout)

    after = bench.inspect(name)
    new_id = after["Id"]
    assert new_id != old_id and after["State"]["Running"]
    # the data of both volumes, and the very same volumes
    assert bench.cat(name, "/data/f") == "named-data\n"
    assert bench.cat(name, "/cache/f") == "anon-data\n"
    mounts = {m["Destination"]: m["Name"] for m in after["Mounts"]}
    assert mounts == {"/data": vol, "/cache": anon}
    # networks, aliases and the static IP
    nets = after["NetworkSettings"]["Networks"]
    assert set(nets) == {front, back}
    assert "web-front" in nets[front]["Aliases"] and "web-back" in nets[back]["Aliases"]
    assert old_id[:12] not in nets[front]["Aliases"] + nets[back]["Aliases"]
    assert nets[back]["IPAMConfig"]["IPv4Address"] == static_ip
    assert nets[back]["IPAddress"] == static_ip
    # the port, on 127.0.0.1 only
    assert after["NetworkSettings"]["Ports"]["8080/tcp"] == [
        {"HostIp": "127.0.0.1", "HostPort": str(port)}
    ]
    # capabilities as planned, in the configuration and in PID 1
    assert sorted(after["HostConfig"]["CapDrop"]) == HARDENING
    assert "no-new-privileges:true" in after["HostConfig"]["SecurityOpt"]
    assert harness.effective_caps_of_pid1(api, new_id) == caps_before - set(HARDENING)
    # everything else as it was
    for key in ("Env", "Labels", "Cmd", "Entrypoint", "WorkingDir", "Image", "ExposedPorts"):
        assert after["Config"][key] == before["Config"][key], key
    for key in ("RestartPolicy", "LogConfig", "Binds"):
        if key == "Binds":
            assert after["HostConfig"][key] == [*before["HostConfig"][key], f"{anon}:/cache"]
        else:
            assert after["HostConfig"][key] == before["HostConfig"][key], key
    assert after["Config"]["Hostname"] == new_id[:12]

    # the backup: the original container, stopped, restart policy no, and its inspect JSON
    (backup,) = bench.siblings(name, "backup")
    assert backup["Id"] == old_id
    assert not backup["State"]["Running"]
    assert backup["HostConfig"]["RestartPolicy"]["Name"] == "no"
    (folder,) = list((bench.state / "backups").iterdir())
    saved = json.loads((folder / "container.json").read_text())
    assert (
        saved["Id"] == old_id and saved["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    )
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "container.json").stat().st_mode) == 0o600
    assert json.loads((folder / "image.json").read_text())["Id"] == before["Image"]
    assert bench.siblings(name, "new") == []

    (entry,) = bench.audit()
    assert entry["result"] == "applied" and entry["container_id"] == old_id
    assert entry["plan"] == ["drop-caps", "no-new-privileges", "localhost-ports"]
    assert entry["steps"][-1] == "verify"
    assert [j["state"] for j in bench.journals()] == ["applied"]
    assert TOKEN not in bench.state_files_text()


# --- (b) a new container that exits at once is rolled back ------------------------------------


def test_b_new_container_that_exits_at_once_is_rolled_back(bench: Bench) -> None:
    """The command writes to / : fine for the original, impossible with a
    read-only root file system, so the new container exits at once."""
    vol = bench.volume("b")
    name, old_id = bench.container(
        "b",
        host={
            "binds": [f"{vol}:/data"],
            "restart_policy": {"Name": "on-failure", "MaximumRetryCount": 3},
        },
        command=["sh", "-c", "echo original > /marker.txt && sleep 100000"],
        environment=[f"APP_TOKEN={TOKEN}"],
    )
    bench.track_volumes(old_id)
    bench.write(old_id, "echo kept > /data/f")

    # /marker.txt lives in its writable layer, which a read-only root cannot take:
    # refused before anything changes, unless the layer is discarded on purpose
    refused = bench.fix(name, "--plan", "read-only", "--yes", *VERIFY)
    assert refused.returncode == 2, text(refused.stderr)
    assert_one_error_line(refused, "/marker.txt", "read-only root file system", "--discard-layer")
    assert bench.inspect(name)["Id"] == old_id and bench.inspect(name)["State"]["Running"]

    result = bench.fix(name, "--plan", "read-only", "--discard-layer", "--yes", *VERIFY)
    assert result.returncode == 3, text(result.stderr)
    assert "rolled back" in text(result.stdout)
    assert "exited with code" in text(result.stdout)

    now = bench.inspect(name)
    assert now["Id"] == old_id and now["State"]["Running"]
    assert bench.cat(name, "/marker.txt") == "original\n"  # its own writable layer
    assert bench.cat(name, "/data/f") == "kept\n"
    assert now["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}
    assert not now["HostConfig"]["ReadonlyRootfs"]
    (failed,) = bench.siblings(name, "failed")
    assert failed["HostConfig"]["ReadonlyRootfs"] is True
    assert not failed["State"]["Running"]
    assert failed["HostConfig"]["RestartPolicy"]["Name"] == "no"
    assert bench.siblings(name, "backup") == []
    refusal, entry = bench.audit()
    assert refusal["result"] == "refused"
    assert entry["result"] == "rolled-back"
    assert "rollback-verify" in entry["steps"]
    assert [j["state"] for j in bench.journals()] == ["rolled-back"]
    assert TOKEN not in bench.state_files_text()


# --- (c) killed between two steps: finished or rolled back from the journal -------------------


def _crash(bench: Bench, short: str, crash_after: str) -> tuple[str, str]:
    vol = bench.volume(short)
    return _crash_with(
        bench,
        short,
        crash_after,
        host={"binds": [f"{vol}:/data"], "restart_policy": {"Name": "always"}},
    )


def _crash_with(
    bench: Bench, short: str, crash_after: str, *, host: dict[str, Any], **config: Any
) -> tuple[str, str]:
    """A container with data in /data, whose drop-caps fix is killed right
    after the journal for `crash_after` was written."""
    name, old_id = bench.container(short, host=host, environment=[f"APP_TOKEN={TOKEN}"], **config)
    bench.track_volumes(old_id)
    bench.write(old_id, "echo kept > /data/f")
    result = bench.fix(name, "--plan", "drop-caps", "--yes", *VERIFY, crash_after=crash_after)
    assert result.returncode == 70, text(result.stderr)
    (journal,) = bench.journals()
    assert journal["state"] == "in-progress" and journal["step"] == crash_after
    assert bench.audit() == []  # killed before it could say anything
    return name, old_id


@pytest.mark.parametrize("crash_after", ["create", "rename-new"])
def test_c_interrupted_fix_is_finished_from_the_journal(bench: Bench, crash_after: str) -> None:
    name, old_id = _crash(bench, f"cf-{crash_after}", crash_after)
    # a new fix of the same container is refused while one is pending
    blocked = bench.fix(name, "--plan", "limits", "--yes")
    assert blocked.returncode == 2
    assert_one_error_line(blocked, "interrupted fix", "--resume")

    result = bench.fix("--resume", "--resume-action", "finish", *VERIFY)
    assert result.returncode == 0, text(result.stderr)
    now = bench.inspect(name)
    assert now["Id"] != old_id and now["State"]["Running"]
    assert sorted(now["HostConfig"]["CapDrop"]) == HARDENING
    assert now["HostConfig"]["RestartPolicy"]["Name"] == "always"
    assert bench.cat(name, "/data/f") == "kept\n"
    (backup,) = bench.siblings(name, "backup")
    assert backup["Id"] == old_id and not backup["State"]["Running"]
    assert backup["HostConfig"]["RestartPolicy"]["Name"] == "no"
    assert bench.siblings(name, "new") == [] and bench.siblings(name, "failed") == []
    assert [j["state"] for j in bench.journals()] == ["applied"]
    assert [e["result"] for e in bench.audit()] == ["refused", "applied"]
    again = bench.fix("--resume", "--resume-action", "finish")
    assert again.returncode == 0 and "no interrupted fix" in text(again.stdout)
    assert TOKEN not in bench.state_files_text()


@pytest.mark.parametrize("crash_after", ["stop-old", "start-new"])
def test_c_interrupted_fix_is_rolled_back_from_the_journal(bench: Bench, crash_after: str) -> None:
    name, old_id = _crash(bench, f"cr-{crash_after}", crash_after)
    result = bench.fix("--resume", name, "--resume-action", "rollback", *VERIFY)
    assert result.returncode == 0, text(result.stderr)  # rolled back, as asked
    now = bench.inspect(name)
    assert now["Id"] == old_id and now["State"]["Running"]
    assert now["HostConfig"]["RestartPolicy"]["Name"] == "always"
    assert not now["HostConfig"]["CapDrop"]
    assert bench.cat(name, "/data/f") == "kept\n"
    (failed,) = bench.siblings(name, "failed")  # created before the crash, kept
    assert not failed["State"]["Running"]
    assert failed["HostConfig"]["RestartPolicy"]["Name"] == "no"
    assert bench.siblings(name, "backup") == [] and bench.siblings(name, "new") == []
    assert [j["state"] for j in bench.journals()] == ["rolled-back"]
    assert [e["result"] for e in bench.audit()] == ["rolled-back"]


# --- (d) compose-managed: refused, with the snippet -------------------------------------------


def test_d_compose_container_is_refused_with_the_snippet(bench: Bench) -> None:
    name, cid = bench.container(
        "d",
        labels={
            "com.docker.compose.project": "dtui-itest",
            "com.docker.compose.service": "web",
        },
    )
    result = bench.fix(name, "--plan", "drop-caps", "--plan", "limits", "--memory", "512m", "--yes")
    assert result.returncode == 2
    assert_one_error_line(result, "docker compose", "dtui-itest")
    snippet = text(result.stdout)
    assert snippet.startswith('services:\n  "web":\n    cap_drop:\n')
    assert '      - "SYS_ADMIN"' in snippet and 'mem_limit: "512m"' in snippet
    now = bench.inspect(name)
    assert now["Id"] == cid and now["State"]["Running"]
    assert not now["HostConfig"]["CapDrop"] and now["HostConfig"]["Memory"] == 0
    assert bench.siblings(name, "backup") == [] and bench.siblings(name, "new") == []
    (entry,) = bench.audit()
    assert entry["result"] == "refused" and "compose" in entry["reason"]
    assert not (bench.state / "backups").exists()


# --- (e) live update of memory and pids ------------------------------------------------------


def test_e_live_update_of_limits_on_an_unlimited_container(bench: Bench) -> None:
    name, cid = bench.container("e")
    before = bench.inspect(cid)
    assert before["HostConfig"]["Memory"] == 0 and not before["HostConfig"]["PidsLimit"]
    started = before["State"]["StartedAt"]

    result = bench.fix(name, "--plan", "limits", "--memory", "64m", "--pids-limit", "50", "--yes")
    assert result.returncode == 0, text(result.stderr)
    now = bench.inspect(name)
    assert now["Id"] == cid and now["State"]["StartedAt"] == started  # not restarted
    host = now["HostConfig"]
    assert host["Memory"] == 64 * 1024**2
    assert host["MemorySwap"] == 64 * 1024**2  # sent with it
    assert host["PidsLimit"] == 50
    assert host["NanoCpus"] == 0  # not asked for, not set
    assert bench.siblings(name, "backup") == []
    (entry,) = bench.audit()
    assert entry["result"] == "applied" and entry["steps"] == ["update", "confirm"]
    assert bench.journals() == []  # a live update is one call: nothing to resume
    assert "Grade now:" in text(result.stdout)

    again = bench.fix(name, "--plan", "limits", "--memory", "64m", "--yes")  # as it is
    assert again.returncode == 0 and "nothing was changed" in text(again.stdout)
    # explicit values on a limited container are applied, and only those
    raised = bench.fix(name, "--plan", "limits", "--pids-limit", "80", "--cpus", "0.5", "--yes")
    assert raised.returncode == 0, text(raised.stderr)
    host = bench.inspect(name)["HostConfig"]
    assert (host["Memory"], host["PidsLimit"], host["NanoCpus"]) == (64 * 1024**2, 80, 500_000_000)

    unsaid = bench.fix(name, "--plan", "limits", "--yes")  # no value: no hidden default
    assert unsaid.returncode == 2
    assert_one_error_line(unsaid, "--memory", "--cpus", "--pids-limit")


# --- (f) --read-only refuses and logs --------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "plan"),
    [("global", "limits"), ("global", "drop-caps"), ("fix", "drop-caps")],
)
def test_f_read_only_refuses_and_logs(bench: Bench, where: str, plan: str) -> None:
    name, cid = bench.container(f"f-{where}-{plan}")
    fix = ["fix", "--host", harness.BASE_URL, name, "--plan", plan, "--yes"]
    args = ["--read-only", *fix] if where == "global" else [*fix, "--read-only"]
    result = bench.cli(*args)
    assert result.returncode == 2
    assert_one_error_line(result, "read-only")
    now = bench.inspect(name)
    assert now["Id"] == cid and now["HostConfig"]["Memory"] == 0
    assert not now["HostConfig"]["CapDrop"]
    (entry,) = bench.audit()
    assert entry["result"] == "refused" and "read-only" in entry["reason"]
    assert entry["plan"] == [plan] and entry["container_id"] == cid
    assert entry["container_name"] == name

    rollback = bench.cli("--read-only", "fix", "--host", harness.BASE_URL, "--rollback", name)
    assert rollback.returncode == 2
    assert_one_error_line(rollback, "read-only")
    assert [e["result"] for e in bench.audit()] == ["refused", "refused"]


# --- beyond the six: dry run, --rollback, other refusals ------------------------------------


def test_dry_run_prints_the_diff_and_command_and_changes_nothing(bench: Bench) -> None:
    port = free_tcp_port()
    name, cid = bench.container(
        "dry", host={"port_bindings": {"8080/tcp": ("0.0.0.0", port)}}, ports=[8080],
        environment=[f"APP_TOKEN={TOKEN}"],
    )  # fmt: skip
    result = bench.fix(name, "--plan", "drop-caps,localhost-ports", "--dry-run")
    assert result.returncode == 0, text(result.stderr)
    out = text(result.stdout)
    assert "- ports: 0.0.0.0:" in out and "+ ports: 127.0.0.1:" in out
    assert "docker run -d --name" in out and "--cap-drop SYS_ADMIN" in out
    assert f"-p 127.0.0.1:{port}:8080/tcp" in out
    assert "-e APP_TOKEN " in out and TOKEN not in out
    now = bench.inspect(name)
    assert now["Id"] == cid and not now["HostConfig"]["CapDrop"]
    assert [e["result"] for e in bench.audit()] == ["dry-run"]

    custom = bench.fix(
        name, "--plan", "drop-caps", "--plan", "non-root", "--keep-cap", "NET_BIND_SERVICE",
        "--user", "4242:4242", "--dry-run",
    )  # fmt: skip
    assert custom.returncode == 0, text(custom.stderr)
    out = text(custom.stdout)
    assert "--cap-add NET_BIND_SERVICE --cap-drop ALL" in out and "--user 4242:4242" in out
    assert bench.inspect(name)["Config"]["User"] == ""


def test_verification_waits_for_the_healthcheck(bench: Bench) -> None:
    """Healthy within the window: applied. A change the healthcheck dislikes
    (it writes to /) keeps the container running but unhealthy:
    rolled back."""
    name, old_id = bench.container(
        "health",
        healthcheck={
            "test": ["CMD", "sh", "-c", "echo ok > /.health"],
            "interval": 500_000_000,
            "timeout": 1_000_000_000,
            "retries": 1,
        },
    )
    result = bench.fix(name, "--plan", "no-new-privileges", "--yes", *VERIFY)
    assert result.returncode == 0, text(result.stderr)
    assert "until its healthcheck reports healthy" in text(result.stderr)
    hardened = bench.inspect(name)
    assert hardened["State"]["Health"]["Status"] == "healthy"

    result = bench.fix(name, "--plan", "read-only", "--discard-layer", "--yes", *VERIFY)
    assert result.returncode == 3, text(result.stderr)
    assert "unhealthy" in text(result.stdout)
    now = bench.inspect(name)
    assert now["Id"] == hardened["Id"] and now["State"]["Running"]
    (failed,) = bench.siblings(name, "failed")
    assert failed["HostConfig"]["ReadonlyRootfs"] is True
    assert [b["Id"] for b in bench.siblings(name, "backup")] == [old_id]
    assert [e["result"] for e in bench.audit()] == ["applied", "rolled-back"]


def test_rollback_restores_the_latest_backup(bench: Bench) -> None:
    name, old_id = bench.container("rb", host={"restart_policy": {"Name": "unless-stopped"}})
    assert bench.fix(name, "--plan", "no-new-privileges", "--yes", *VERIFY).returncode == 0
    hardened = bench.inspect(name)["Id"]

    result = bench.fix("--rollback", name, "--yes", *VERIFY)
    assert result.returncode == 0, text(result.stderr)
    now = bench.inspect(name)
    assert now["Id"] == old_id and now["State"]["Running"]
    assert now["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    (replaced,) = bench.siblings(name, "replaced")
    assert replaced["Id"] == hardened and not replaced["State"]["Running"]
    assert bench.siblings(name, "backup") == []
    assert [e["result"] for e in bench.audit()] == ["applied", "rolled-back"]

    none_left = bench.fix("--rollback", name, "--yes")
    assert none_left.returncode == 2
    assert_one_error_line(none_left, "no backup container")


def test_auto_remove_and_dependents_are_refused(bench: Bench) -> None:
    rm_name, _ = bench.container("rm", host={"auto_remove": True})
    result = bench.fix(rm_name, "--plan", "drop-caps", "--yes")
    assert result.returncode == 2
    assert_one_error_line(result, "AutoRemove")

    main_name, main_id = bench.container("main")
    side_name, _ = bench.container("side", host={"network_mode": f"container:{main_id}"})
    result = bench.fix(main_name, "--plan", "drop-caps", "--yes")
    assert result.returncode == 2
    assert_one_error_line(result, side_name, "depends on")
    assert bench.inspect(main_name)["Id"] == main_id
    assert [e["result"] for e in bench.audit()] == ["refused", "refused"]


def test_unconfirmed_fix_without_a_terminal_is_refused(bench: Bench) -> None:
    name, cid = bench.container("noconfirm")
    result = bench.fix(name, "--plan", "drop-caps")
    assert result.returncode == 2
    assert_one_error_line(result, "--yes")
    assert bench.inspect(name)["Id"] == cid
    assert [e["result"] for e in bench.audit()] == ["refused"]


def test_failed_rollback_stays_pending_and_resumes(bench: Bench) -> None:
    """The original cannot start again (another container took its port while
    the fix was interrupted): the rollback fails with exit 4 and stays
    pending; once the port is free, --resume completes it."""
    port = free_tcp_port()
    binding = {"port_bindings": {"8080/tcp": ("0.0.0.0", port)}}
    vol = bench.volume("squat")
    name, old_id = _crash_with(
        bench, "squat", "start-new", host={**binding, "binds": [f"{vol}:/data"]}, ports=[8080]
    )
    _, squatter = bench.container("squatter", host=binding, ports=[8080])

    result = bench.fix("--resume", name, "--resume-action", "rollback", *VERIFY)
    assert result.returncode == 4, text(result.stderr)
    assert "rollback-start-old" in text(result.stdout) and "--resume" in text(result.stdout)
    (journal,) = bench.journals()
    assert journal["state"] == "in-progress" and journal["phase"] == "rollback"
    assert bench.inspect(name)["Id"] == old_id  # renamed back already, not running
    assert not bench.inspect(name)["State"]["Running"]

    bench.api.remove_container(squatter, force=True)
    result = bench.fix("--resume", name, "--resume-action", "finish", *VERIFY)  # rolls back
    assert result.returncode == 3, text(result.stderr)
    now = bench.inspect(name)
    assert now["Id"] == old_id and now["State"]["Running"]
    assert [j["state"] for j in bench.journals()] == ["rolled-back"]
    assert [e["result"] for e in bench.audit()] == ["failed", "rolled-back"]


async def test_console_offers_to_finish_an_interrupted_fix(bench: Bench) -> None:
    """On start the console finds the journal a killed `dockertui fix` left
    and, on Finish, completes the re-create from it."""
    from dockertui.engine.endpoint import resolve_endpoint
    from dockertui.engine.watch import Watcher
    from dockertui.fixes.session import EngineFixer
    from dockertui.fixes.state import State
    from dockertui.ui.app import DockerTUI
    from dockertui.ui.resume_screen import ResumeScreen

    name, old_id = _crash(bench, "console-resume", "create")
    endpoint = resolve_endpoint(host=harness.BASE_URL)
    fixer = EngineFixer(endpoint, State(bench.state), verify_seconds=3)
    (journal,) = fixer.pending()
    assert journal.name == name
    app = DockerTUI(Watcher(endpoint), fixer=fixer, interrupted=[journal])
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.3)
        assert isinstance(app.screen, ResumeScreen)
        await pilot.click("#finish")
        deadline = time.monotonic() + 30
        while [j["state"] for j in bench.journals()] != ["applied"]:
            assert time.monotonic() < deadline, bench.journals()
            await pilot.pause(0.2)
    now = bench.inspect(name)
    assert now["Id"] != old_id and now["State"]["Running"]
    assert sorted(now["HostConfig"]["CapDrop"]) == HARDENING
    assert bench.cat(name, "/data/f") == "kept\n"


def test_a_fix_already_running_elsewhere_is_not_overlapped(bench: Bench) -> None:
    """Another dockertui's temporary container (`<name>-new-<ts>`) on the
    engine means a fix is under way: a second one is refused, not started."""
    name, old_id = bench.container("busy")
    other = bench.api.create_container(
        harness.IMAGE,
        name=f"{name}-new-20260101-000000",
        labels={harness.LABEL: bench.made.session},
    )["Id"]
    bench.made.ids.append(other)
    result = bench.fix(name, "--plan", "drop-caps", "--yes", *VERIFY)
    assert result.returncode == 2
    assert_one_error_line(result, f"{name}-new-20260101-000000 exists", "another fix")
    assert bench.inspect(name)["Id"] == old_id  # untouched
    assert [e["result"] for e in bench.audit()] == ["refused"]

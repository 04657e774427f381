"""Fixes that cannot lose data or race (issue 7), on the real engine: the
writable layer is copied byte for byte; every value is checked before
anything stops; an engine-side lock lets one fix of a container through
whatever the number of processes and state folders; a rollback holds
against the engine's own restarts of a crash-looping container; -P ports
are re-bound; the grade after a fix is the scan's; exit codes and messages
agree across fix, --rollback and --resume.

Every test runs the CLI as a subprocess and removes what it made. Data is
read back through the engine's archive API; nothing is sent to a
container's address or port."""

from __future__ import annotations

import concurrent.futures
import io
import json
import os
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import docker
import pytest
from integration_support import cli_env, run_cli, text

import harness
from fix_support import VERIFY, Bench, assert_one_error_line

pytestmark = pytest.mark.engine


def tree(api: docker.APIClient, ref: str, path: str) -> dict[str, tuple[Any, ...]]:
    """Every member of `path` through GET /archive: (type, mode, uid, gid,
    link target, sha of the content), keyed by name."""
    import hashlib

    stream, _ = api.get_archive(ref, path)
    found: dict[str, tuple[Any, ...]] = {}
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
        for m in tar.getmembers():
            data = tar.extractfile(m).read() if m.isfile() else b""  # type: ignore[union-attr]
            digest = hashlib.sha256(data).hexdigest()
            found[m.name] = (m.type, m.mode, m.uid, m.gid, m.linkname, digest, len(data))
    return found


def exists(api: docker.APIClient, ref: str, path: str) -> bool:
    try:
        api.get_archive(ref, path)
    except docker.errors.NotFound:
        return False
    return True


LAYER_SCRIPT = """
set -e
busybox head -c 300000 /dev/urandom > /srv.bin
busybox mkdir -p /opt/app/conf /srv/app
echo 'listen 8080' > /opt/app/conf/app.conf
echo 'notes kept' > /srv/app/notes.txt
busybox chown -R 1000:1000 /opt/app
busybox chmod 0600 /opt/app/conf/app.conf
busybox ln -s /opt/app/conf/app.conf /etc/app.conf
echo 'extra:x:1001:1001::/tmp:/bin/sh' >> /etc/passwd
busybox rm /bin/ls
echo in-volume > /srv/app/cache/v
echo in-tmp > /tmp/scratch
"""


def _layered(bench: Bench, short: str, **kw: Any) -> tuple[str, str]:
    """A running container whose writable layer holds added, changed,
    linked, owned and deleted files, an anonymous volume inside an added
    folder, and a file in /tmp."""
    name, cid = bench.container(
        short, volumes=["/srv/app/cache"], host={"restart_policy": {"Name": "always"}}, **kw
    )
    bench.track_volumes(cid)
    bench.write(cid, LAYER_SCRIPT)
    return name, cid


def test_the_writable_layer_survives_a_recreate_byte_for_byte(bench: Bench) -> None:
    name, old_id = _layered(bench, "layer")
    api = bench.api
    paths = ("/srv.bin", "/opt", "/srv/app/notes.txt", "/etc/app.conf", "/etc/passwd", "/tmp")
    before = {p: tree(api, old_id, p) for p in paths}

    dry = bench.fix(name, "--plan", "drop-caps", "--dry-run")
    assert dry.returncode == 0, text(dry.stderr)
    out = text(dry.stdout)
    assert "writable layer of " in out and "copied into the new container" in out
    for path in ("/srv.bin", "/opt/app/conf/app.conf", "/etc/passwd", "/srv/app/notes.txt"):
        assert f"  {path}\n" in out, path
    assert "deleted in the layer comes back from the image:\n  /bin/ls" in out
    assert "  /srv/app/cache" not in out  # a volume, carried by the re-create itself

    result = bench.fix(name, "--plan", "drop-caps", "--yes", *VERIFY)
    assert result.returncode == 0, text(result.stderr)
    assert "writable layer were copied over" in text(result.stdout)
    new_id = bench.inspect(name)["Id"]
    assert new_id != old_id
    for path in paths:
        assert tree(api, new_id, path) == before[path], path
    assert bench.cat(name, "/srv/app/cache/v") == "in-volume\n"  # the same volume
    assert exists(api, new_id, "/bin/ls")  # deleted in the layer, back from the image
    dry_run, applied = bench.audit()
    assert dry_run["result"] == "dry-run" and "copy-layer" in applied["steps"]


def test_volumes_inside_image_folders_are_neither_listed_nor_rewritten(bench: Bench) -> None:
    """`-v vol:/var/vol` and a read-only second mount: /var changes only for
    the mount points. The volume's files must keep their inodes (not be
    streamed out and back) and a read-only mount must not stop the fix."""
    vol = bench.volume("varvol")
    name, _ = bench.container("varvol", host={"binds": [f"{vol}:/var/vol", f"{vol}:/var/ro:ro"]})
    bench.write(name, "busybox head -c 200000 /dev/urandom > /var/vol/big")
    inode = bench_inode(bench, name, "/var/vol/big")
    dry = bench.fix(name, "--plan", "no-new-privileges", "--dry-run")
    assert "writable layer" not in text(dry.stdout), text(dry.stdout)
    result = bench.fix(name, "--plan", "no-new-privileges", "--yes", *VERIFY)
    assert result.returncode == 0, text(result.stdout + result.stderr)
    assert bench_inode(bench, name, "/var/vol/big") == inode
    assert bench.inspect(name)["Mounts"][0]["Name"] == vol


def bench_inode(bench: Bench, ref: str, path: str) -> str:
    exec_id = bench.api.exec_create(ref, ["busybox", "stat", "-c", "%i", path])["Id"]
    return bench.api.exec_start(exec_id).decode().strip()


def test_discard_layer_leaves_the_files_in_the_backup_only(bench: Bench) -> None:
    name, old_id = _layered(bench, "discard")
    result = bench.fix(name, "--plan", "drop-caps", "--discard-layer", "--yes", *VERIFY)
    assert result.returncode == 0, text(result.stderr)
    assert "--discard-layer" in text(result.stderr)
    new_id = bench.inspect(name)["Id"]
    assert not exists(bench.api, new_id, "/srv.bin")
    assert exists(bench.api, old_id, "/srv.bin")  # kept in the stopped backup
    (backup,) = bench.siblings(name, "backup")
    assert backup["Id"] == old_id


def test_the_review_names_the_first_twenty_paths_and_the_count(bench: Bench) -> None:
    name, _ = bench.container("many")
    bench.write(name, "for i in $(busybox seq 1 25); do echo $i > /f$i; done")
    out = text(bench.fix(name, "--plan", "no-new-privileges", "--dry-run").stdout)
    assert "holds 25 added or changed paths" in out
    assert "… and 5 more" in out
    listed = [line for line in out.splitlines() if line.startswith("  /f")]
    assert len(listed) == 20


# --- every value checked before anything changes ------------------------------------------


BAD_VALUES = [
    (["--plan", "drop-caps", "--cap-preset", "strict", "--keep-cap", "NET_ADMN"], "did you mean NET_ADMIN"),
    (["--plan", "drop-caps", "--keep-cap", "NOPE"], "'NOPE' is not a Linux capability"),
    (["--plan", "non-root", "--user", "root"], "other than root"),
    (["--plan", "non-root", "--user", "0"], "other than root"),
    (["--plan", "non-root", "--user", "99999999999"], "out of range"),
    (["--plan", "non-root", "--user", "ghost"], "no user 'ghost'"),
    (["--plan", "read-only", "--tmpfs", "tmp"], "absolute"),
    (["--plan", "read-only", "--tmpfs", "/tmp:rw,sise=1m"], "not a tmpfs mount option"),
    (["--plan", "localhost-ports", "--bind-address", "0.0.0.0"], "every interface"),
    (["--plan", "localhost-ports", "--bind-address", "10.254.254.254"], "not an address of this host"),
    (["--plan", "limits", "--cpus", "1000"], "CPUs"),
    (["--plan", "limits", "--memory", "1m"], "at least 6m"),
    (["--plan", "limits"], "Say which limits"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "said"), BAD_VALUES, ids=[" ".join(a[1:]) for a, _ in BAD_VALUES])
def test_a_bad_value_is_refused_before_anything_stops(
    bench: Bench, args: list[str], said: str
) -> None:
    name, cid = bench.container("badval")
    started = bench.inspect(cid)["State"]["StartedAt"]
    result = bench.fix(name, *args, "--yes", *VERIFY)
    assert result.returncode == 2, text(result.stdout + result.stderr)
    assert_one_error_line(result, said)
    now = bench.inspect(name)
    assert now["Id"] == cid and now["State"]["Running"] and now["State"]["StartedAt"] == started
    assert bench.siblings(name, "new") == [] and bench.locks_of(cid) == []


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--plan", "drop-caps", "--memory", "64m"], "--memory goes with --plan limits"),
        (["--plan", "limits", "--memory", "64m", "--user", "1000"], "--user goes with --plan non-root"),
        (["--plan", "limits", "--memory", "64m", "--discard-layer"], "--discard-layer goes with a re-create"),
        (["--plan", "drop-caps", "--tmpfs", "/run"], "--tmpfs goes with --plan read-only"),
        (["--rollback", "--memory", "64m"], "goes with --plan"),
    ],
)  # fmt: skip
def test_options_that_belong_to_no_chosen_plan_are_refused(
    bench: Bench, args: list[str], said: str
) -> None:
    name, cid = bench.container("unused")
    result = bench.fix(name, *args, "--yes")
    assert result.returncode == 2
    assert said in text(result.stderr) and "Traceback" not in text(result.stderr)
    assert bench.inspect(name)["Id"] == cid


def test_tmpfs_options_and_a_named_user_reach_the_container(bench: Bench) -> None:
    name, _ = bench.container("tmpfs")
    result = bench.fix(
        name, "--plan", "read-only,non-root", "--tmpfs", "/tmp:rw,size=1m", "--user", "app",
        "--yes", *VERIFY,
    )  # fmt: skip
    assert result.returncode == 0, text(result.stderr)
    now = bench.inspect(name)
    assert now["HostConfig"]["Tmpfs"] == {"/tmp": "rw,size=1m"}
    assert now["Config"]["User"] == "app"
    mounts = [line.split() for line in bench.cat(name, "/proc/mounts").splitlines()]
    (tmp,) = [m for m in mounts if m[1] == "/tmp"]
    assert tmp[2] == "tmpfs" and "size=1024k" in tmp[3]


# --- the engine-side lock -------------------------------------------------------------------


def _parallel(
    commands: list[list[str]], envs: list[dict[str, str]]
) -> list[subprocess.CompletedProcess[bytes]]:
    with concurrent.futures.ThreadPoolExecutor(len(commands)) as pool:
        running = [
            pool.submit(run_cli, args, env=env) for args, env in zip(commands, envs, strict=True)
        ]
        return [f.result() for f in running]


@pytest.mark.parametrize("folders", ["one state folder", "a folder each"])
def test_parallel_fixes_of_one_container_let_exactly_one_through(
    bench: Bench, tmp_path: Path, folders: str
) -> None:
    n = 5
    name, old_id = bench.container("lock", host={"restart_policy": {"Name": "always"}})
    states = [
        bench.state if folders == "one state folder" else tmp_path / f"s{i}" for i in range(n)
    ]
    command = ["fix", "--host", harness.BASE_URL, name, "--plan", "no-new-privileges", "--yes",
               "--verify-seconds", "4"]  # fmt: skip
    results = _parallel([command] * n, [{"DOCKERTUI_STATE_DIR": str(s)} for s in states])
    codes = sorted(r.returncode for r in results)
    assert codes == [0] + [2] * (n - 1), [text(r.stderr) for r in results]
    for r in results:
        if r.returncode == 2:
            lines = [ln for ln in text(r.stderr).splitlines() if ln.startswith("dockertui: ")]
            assert len(lines) == 1 and "Traceback" not in text(r.stderr), text(r.stderr)
            assert "another dockertui" in lines[0] or "no container" in lines[0], lines[0]
    # names and restart policies consistent, nothing pending, no lock left
    now = bench.inspect(name)
    assert now["Id"] != old_id and now["State"]["Running"]
    assert "no-new-privileges:true" in now["HostConfig"]["SecurityOpt"]
    assert now["HostConfig"]["RestartPolicy"]["Name"] == "always"
    (backup,) = bench.siblings(name, "backup")
    assert backup["Id"] == old_id and backup["HostConfig"]["RestartPolicy"]["Name"] == "no"
    assert bench.siblings(name, "new") == [] and bench.siblings(name, "failed") == []
    for state in set(states):
        for path in (state / "journal").glob("*.json"):
            assert json.loads(path.read_text())["state"] != "in-progress", path
    assert bench.locks_of(old_id, now["Id"]) == []


def _fake_lock(bench: Bench, target: str, *, pid: int, since: str) -> str:
    labels = {
        "dockertui.lock": "1", "dockertui.lock.fix": "20260101-000000-x-abc123",
        "dockertui.lock.target": target, "dockertui.lock.user": "root",
        "dockertui.lock.host": socket.gethostname(), "dockertui.lock.pid": str(pid),
        "dockertui.lock.pid-start": "", "dockertui.lock.since": since,
    }  # fmt: skip
    return str(
        bench.api.create_container(harness.IMAGE, name=f"dockertui-lock-{target}", labels=labels)[
            "Id"
        ]
    )


def test_a_stale_lock_is_reported_and_broken_only_on_request(bench: Bench) -> None:
    name, cid = bench.container("stale")
    dead = 2**22 + 12345  # above the default pid_max: no such process
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    _fake_lock(bench, cid, pid=dead, since=now)
    result = bench.fix(name, "--plan", "no-new-privileges", "--yes", *VERIFY)
    assert result.returncode == 2
    assert_one_error_line(result, "looks abandoned", f"process {dead}", "--break-lock")
    assert bench.inspect(name)["Id"] == cid

    result = bench.fix(name, "--plan", "no-new-privileges", "--break-lock", "--yes", *VERIFY)
    assert result.returncode == 0, text(result.stderr)
    assert bench.locks_of(cid, bench.inspect(name)["Id"]) == []


def test_a_live_lock_is_never_broken(bench: Bench) -> None:
    name, cid = bench.container("live-lock")
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    lock = _fake_lock(bench, cid, pid=os.getpid(), since=now)  # this very test holds it
    try:
        result = bench.fix(name, "--plan", "no-new-privileges", "--break-lock", "--yes")
        assert result.returncode == 2
        assert_one_error_line(result, "being fixed by another dockertui", f"pid {os.getpid()}")
        assert bench.inspect(name)["Id"] == cid
        # the scan and the console do not list lock containers as workloads
        scan = run_cli(["scan", "--host", harness.BASE_URL, "--format", "json"])
        names = {c["name"] for c in json.loads(scan.stdout)["containers"]}
        assert name in names and f"dockertui-lock-{cid}" not in names
    finally:
        bench.api.remove_container(lock, force=True)


# --- a rollback the engine's restarts cannot race ------------------------------------------


def test_parallel_rollbacks_of_crash_looping_containers_all_complete(bench: Bench) -> None:
    """Each original runs as root; its fix (non-root) makes the new container
    exit at once, and `--restart always` has the engine restart it over and
    over while the rollback stops it. All eight end rolled back (exit 3)."""
    n = 8
    made = [
        bench.container(
            f"loop{i}",
            host={"restart_policy": {"Name": "always"}},
            command=["sh", "-c", '[ "$(id -u)" = 0 ] || exit 1; exec sleep 100000'],
        )
        for i in range(n)
    ]
    command = ["fix", "--host", harness.BASE_URL, "--plan", "non-root", "--user", "1000:1000",
               "--yes", "--verify-seconds", "3"]  # fmt: skip
    results = _parallel(
        [[*command[:3], name, *command[3:]] for name, _ in made],
        [{"DOCKERTUI_STATE_DIR": str(bench.state)}] * n,
    )
    for (name, old_id), r in zip(made, results, strict=True):
        assert r.returncode == 3, f"{name}: {text(r.stdout)} {text(r.stderr)}"
        now = bench.inspect(name)
        assert now["Id"] == old_id and now["State"]["Running"], name
        assert now["HostConfig"]["RestartPolicy"]["Name"] == "always", name
        (failed,) = bench.siblings(name, "failed")
        assert not failed["State"]["Running"] and not failed["State"]["Restarting"], name
        assert failed["HostConfig"]["RestartPolicy"]["Name"] == "no", name
        assert bench.locks_of(old_id, failed["Id"]) == [], name
    assert [j["state"] for j in bench.journals()] == ["rolled-back"] * n


# --- -P ports, the grade after, exit codes --------------------------------------------------


def test_localhost_ports_rebinds_publish_all_and_the_scan_agrees(bench: Bench) -> None:
    name, _ = bench.container("publish-all", ports=[8080], host={"publish_all_ports": True})
    port = bench.inspect(name)["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"]
    result = bench.fix(name, "--plan", "localhost-ports", "--yes", *VERIFY)
    assert result.returncode == 0, text(result.stderr)
    now = bench.inspect(name)
    assert now["HostConfig"]["PublishAllPorts"] is False
    assert now["HostConfig"]["PortBindings"] == {
        "8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": port}]
    }
    assert now["NetworkSettings"]["Ports"]["8080/tcp"] == [
        {"HostIp": "127.0.0.1", "HostPort": port}
    ]
    scan = run_cli(
        ["scan", "--host", harness.BASE_URL, "--format", "json", "--filter", f"name={name}"]
    )
    (report,) = [c for c in json.loads(scan.stdout)["containers"] if c["name"] == name]
    assert "port-all-interfaces" not in {f["check"] for f in report["findings"]}
    again = bench.fix(name, "--plan", "localhost-ports", "--dry-run")
    assert "(no configuration change)" in text(again.stdout)


def test_the_grade_after_a_fix_is_the_scans(bench: Bench) -> None:
    name, _ = bench.container("grade")
    result = bench.fix(name, "--plan", "drop-caps,no-new-privileges", "--yes", *VERIFY)
    assert result.returncode == 0, text(result.stderr)
    line = next(ln for ln in text(result.stdout).splitlines() if ln.startswith("Grade now: "))
    scan = run_cli(
        ["scan", "--host", harness.BASE_URL, "--format", "json", "--filter", f"name={name}"]
    )
    (report,) = [c for c in json.loads(scan.stdout)["containers"] if c["name"] == name]
    assert line.startswith(f"Grade now: {report['grade']} ({report['score']})")


def test_rollback_without_a_terminal_says_so_in_one_sentence(bench: Bench) -> None:
    name, _ = bench.container("rb-tty")
    none = bench.fix("--rollback", name)  # no backup: said first, nothing asked
    assert none.returncode == 2
    assert_one_error_line(none, "no backup container")
    assert bench.fix(name, "--plan", "no-new-privileges", "--yes", *VERIFY).returncode == 0
    hardened = bench.inspect(name)["Id"]
    unconfirmed = bench.fix("--rollback", name)
    assert unconfirmed.returncode == 2
    assert_one_error_line(unconfirmed, "without confirmation", "--yes")
    assert bench.inspect(name)["Id"] == hardened
    assert [e["result"] for e in bench.audit()] == ["refused", "applied", "refused"]


def test_an_interrupted_rollback_resumes_to_the_same_exit_as_a_rollback(bench: Bench) -> None:
    name, old_id = bench.container("rb-resume")
    assert bench.fix(name, "--plan", "no-new-privileges", "--yes", *VERIFY).returncode == 0
    crashed = bench.fix("--rollback", name, "--yes", *VERIFY, crash_after="rollback-rename-old")
    assert crashed.returncode == 70, text(crashed.stderr)
    result = bench.fix("--resume", name, "--resume-action", "finish", *VERIFY)
    assert result.returncode == 0, text(result.stdout + result.stderr)
    now = bench.inspect(name)
    assert now["Id"] == old_id and now["State"]["Running"]
    assert [j["state"] for j in bench.journals()] == ["applied", "rolled-back"]


@pytest.mark.parametrize(
    "args",
    [
        ["fix"], ["fix", "x", "--plan", "nope"], ["fix", "--resume", "--resume-action", "finish"],
        ["fix", "--rollback"], ["fix", "x", "--plan", "limits", "--cpus", "abc"],
        ["fix", "x", "--plan", "limits", "--memory", "lots"], ["fix", "--resume", "--plan", "limits"],
        ["fix", "no-such-container-here", "--plan", "drop-caps", "--yes"],
        ["fix", "no-such-container-here", "--plan", "limits", "--memory", "64m", "--dry-run"],
        ["fix", "--rollback", "no-such-container-here", "--yes"],
        ["fix", "x", "--plan", "limits", "--cpus", "nan"], ["fix", "x", "--plan", "limits", "--cpus", "inf"],
    ],
)  # fmt: skip
def test_no_input_ends_in_a_traceback(bench: Bench, args: list[str]) -> None:
    result = bench.cli(args[0], "--host", harness.BASE_URL, *args[1:])
    assert "Traceback" not in text(result.stderr), text(result.stderr)
    assert result.returncode in (0, 2), (result.returncode, text(result.stderr))
    if result.returncode:
        assert text(result.stderr).strip(), "an error says why"


async def test_the_console_neither_lists_nor_reports_lock_containers(bench: Bench) -> None:
    """A lock taken and released while the console watches: no row, no
    event line; the container renamed meanwhile (the control) does arrive."""
    import asyncio

    from dockertui.engine.endpoint import resolve_endpoint
    from dockertui.engine.gateway import EngineGateway
    from dockertui.engine.watch import Connected, ContainerChanged, EngineEvent, Update, Watcher
    from dockertui.fixes.lock import EngineLocks, lock_name

    name, cid = bench.container("watched")
    endpoint = resolve_endpoint(host=harness.BASE_URL)
    updates: list[Update] = []
    task = asyncio.create_task(Watcher(endpoint).run(updates.append))
    gateway = await EngineGateway.open(endpoint)
    try:
        for _ in range(200):
            if any(isinstance(u, Connected) for u in updates):
                break
            await asyncio.sleep(0.05)
        locks = EngineLocks(gateway, "itest-fix")
        await locks.take(cid, bench.inspect(cid)["Image"], name)
        lock_id = bench.inspect(lock_name(cid))["Id"]
        await locks.release()
        bench.api.rename(cid, f"{name}-renamed")
        bench.bases.append(f"{name}-renamed")

        def renamed() -> bool:
            return any(
                isinstance(u, ContainerChanged) and u.container.name == f"{name}-renamed"
                for u in updates
            )

        for _ in range(200):
            if renamed():
                break
            await asyncio.sleep(0.05)
        assert renamed(), "the watcher saw nothing at all"
    finally:
        task.cancel()
        await gateway.close()
    seen = {
        u.actor_id
        if isinstance(u, EngineEvent)
        else getattr(u, "container", None) and u.container.id
        for u in updates
    }
    assert lock_id not in seen
    snapshot = next(u for u in updates if isinstance(u, Connected))
    assert all(not c.name.startswith("dockertui-lock-") for c in snapshot.containers)


async def test_the_lock_holds_on_podman_too(
    podman: tuple[harness.PodmanService, docker.APIClient],
) -> None:
    """Podman answers a taken name with 500 "already in use", not 409: the
    second taker is refused all the same, and the holder releases it."""
    from dockertui.engine.endpoint import resolve_endpoint
    from dockertui.engine.gateway import EngineGateway
    from dockertui.fixes.lock import EngineLocks, Locked

    service, api = podman
    image = service.image(api, "dockertui-test/busybox")
    target = api.create_container(
        image, name=f"dtui-{harness.SESSION}-podlock", labels={harness.LABEL: harness.SESSION}
    )["Id"]
    gateway = await EngineGateway.open(resolve_endpoint(host=service.url))
    try:
        first, second = EngineLocks(gateway, "fix-one"), EngineLocks(gateway, "fix-two")
        await first.take(target, image, "podlock")
        with pytest.raises(Locked, match="being fixed by another dockertui"):
            await second.take(target, image, "podlock")
        await first.take(target, image, "podlock")  # its own lock: adopted, not refused
        await first.release()
        await second.take(target, image, "podlock")
        await second.release()
        assert await first.holder_of(target) is None
    finally:
        await gateway.close()


def test_resume_never_takes_over_a_fix_that_is_still_running(bench: Bench) -> None:
    """While a fix verifies, its journal is in progress: another process in
    the same state folder is told it is running, not offered to resume it."""
    name, old_id = bench.container("running")
    env = {"DOCKERTUI_STATE_DIR": str(bench.state)}
    command = ["fix", "--host", harness.BASE_URL, name, "--plan", "no-new-privileges", "--yes",
               "--verify-seconds", "8"]  # fmt: skip
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        first = pool.submit(run_cli, command, env=env)
        for _ in range(200):  # until it verifies
            if any(j.get("step") == "verify" for j in bench.journals()):
                break
            time.sleep(0.05)
        resumed = bench.fix("--resume", name, "--resume-action", "rollback")
        again = bench.fix(name, "--plan", "drop-caps", "--yes")
        done = first.result()
    assert resumed.returncode == 0 and "no interrupted fix" in text(resumed.stdout)
    assert again.returncode == 2
    assert_one_error_line(again, "being fixed by another dockertui")
    assert done.returncode == 0, text(done.stderr)
    now = bench.inspect(name)
    assert now["Id"] != old_id and "no-new-privileges:true" in now["HostConfig"]["SecurityOpt"]
    assert [j["state"] for j in bench.journals()] == ["applied"]


def test_a_refused_rollback_leaves_no_lock_behind(bench: Bench) -> None:
    name, old_id = bench.container("rb-lock")
    assert bench.fix(name, "--plan", "no-new-privileges", "--yes", *VERIFY).returncode == 0
    current = bench.inspect(name)["Id"]
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    lock = _fake_lock(bench, current, pid=os.getpid(), since=now)  # a live fix holds it
    try:
        result = bench.fix("--rollback", name, "--yes", *VERIFY)
        assert result.returncode == 2
        assert_one_error_line(result, "being fixed by another dockertui")
        assert bench.locks_of(old_id) == []  # the backup's lock was released again
    finally:
        bench.api.remove_container(lock, force=True)
    assert bench.inspect(name)["Id"] == current


def test_rollback_of_a_free_hex_name_touches_no_container_by_id(bench: Bench) -> None:
    """`fix --rollback cafe` with no container named cafe: the engine would
    resolve "cafe" as an id prefix; the rollback looks names up exactly."""
    bystander, bystander_id = bench.container("bystander")
    prefix = bystander_id[:6]
    bench.bases.append(prefix)
    backup = bench.api.create_container(
        harness.IMAGE, name=f"{prefix}-backup-20260101-000000",
        labels={harness.LABEL: bench.made.session}, stop_timeout=1,
    )["Id"]  # fmt: skip
    result = bench.fix("--rollback", prefix, "--yes", *VERIFY)
    assert result.returncode == 0, text(result.stdout + result.stderr)
    assert bench.inspect(prefix)["Id"] == backup and bench.inspect(prefix)["State"]["Running"]
    untouched = bench.inspect(bystander_id)
    assert untouched["Name"] == f"/{bystander}" and untouched["State"]["Running"]


def test_a_stop_cut_short_by_a_kill_does_not_take_the_rolled_back_original_down(
    bench: Bench,
) -> None:
    """busybox sleep ignores SIGTERM, so the engine waits the stop timeout
    out. Killed during that stop, the fix is rolled back while the engine
    still carries the stop out: the rollback must wait for it and start the
    original again, or the engine stops it seconds after 'it runs again'."""
    import signal

    name, old_id = bench.container("cutstop", host={"restart_policy": {"Name": "always"}},
                                   stop_timeout=6)  # fmt: skip
    env = {"DOCKERTUI_STATE_DIR": str(bench.state)}
    command = [sys.executable, "-m", "dockertui", "fix", "--host", harness.BASE_URL, name,
               "--plan", "no-new-privileges", "--yes", *VERIFY]  # fmt: skip
    fix = subprocess.Popen(command, env=cli_env(env), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(400):
            if any(j.get("step") == "stop-old" for j in bench.journals()):
                break
            time.sleep(0.05)
        time.sleep(1.0)  # the stop request is with the engine now
        fix.send_signal(signal.SIGKILL)
    finally:
        fix.wait(30)
    result = bench.fix("--resume", name, "--resume-action", "rollback", *VERIFY)
    assert result.returncode == 0, text(result.stdout + result.stderr)
    time.sleep(7)  # past the moment the killed process's stop would have ended
    now = bench.inspect(name)
    assert now["Id"] == old_id and now["State"]["Running"], now["State"]
    assert now["HostConfig"]["RestartPolicy"]["Name"] == "always"


def test_a_journal_another_fix_has_overtaken_is_not_replayed(bench: Bench, tmp_path: Path) -> None:
    """Killed during verify; from another state folder a second fix breaks
    the abandoned lock and re-creates the container. Resuming the first
    would rename the second fix's containers: it is refused instead."""
    name, _ = bench.container("overtaken")
    crashed = bench.fix(name, "--plan", "drop-caps", "--yes", *VERIFY, crash_after="verify")
    assert crashed.returncode == 70
    first_new = bench.inspect(name)["Id"]
    other = {"DOCKERTUI_STATE_DIR": str(tmp_path / "other")}
    second = run_cli(
        ["fix", "--host", harness.BASE_URL, name, "--plan", "no-new-privileges",
         "--break-lock", "--yes", *VERIFY],
        env=other,
    )  # fmt: skip
    assert second.returncode == 0, text(second.stdout + second.stderr)
    second_new = bench.inspect(name)["Id"]
    assert second_new != first_new
    result = bench.fix("--resume", name, "--resume-action", "rollback", *VERIFY)
    assert result.returncode == 4, text(result.stdout + result.stderr)
    assert "cannot be resumed" in text(result.stdout) and "is now named" in text(result.stdout)
    now = bench.inspect(name)
    assert now["Id"] == second_new and now["State"]["Running"]
    assert [j["state"] for j in bench.journals()] == ["failed"]
    bench.bases.append(name)


def test_two_resumes_of_one_interrupted_fix_let_one_through(bench: Bench) -> None:
    name, old_id = bench.container("tworesume", host={"restart_policy": {"Name": "always"}})
    crashed = bench.fix(name, "--plan", "drop-caps", "--yes", *VERIFY, crash_after="rename-new")
    assert crashed.returncode == 70
    env = {"DOCKERTUI_STATE_DIR": str(bench.state)}
    command = ["fix", "--host", harness.BASE_URL, "--resume", name, "--resume-action", "finish",
               *VERIFY]  # fmt: skip
    first, second = _parallel([command, command], [env, env])
    codes = sorted((first.returncode, second.returncode))
    assert codes in ([0, 0], [0, 2]), [text(r.stdout + r.stderr) for r in (first, second)]
    # (0, 0): the second came once the first had finished: nothing left to resume
    for r in (first, second):
        if r.returncode == 2:
            assert_one_error_line(r, "another dockertui")
    now = bench.inspect(name)
    assert now["Id"] != old_id and now["State"]["Running"]
    assert now["HostConfig"]["RestartPolicy"]["Name"] == "always"
    (backup,) = bench.siblings(name, "backup")
    assert backup["Id"] == old_id and backup["HostConfig"]["RestartPolicy"]["Name"] == "no"
    assert [j["state"] for j in bench.journals()] == ["applied"]
    assert bench.locks_of(old_id, now["Id"]) == []


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "yes"])
def test_what_a_fix_left_behind_is_refused(bench: Bench, dry_run: bool) -> None:
    # as the console's f: a backup is not a workload but what --rollback of
    # its original puts back; it is left as it is
    name, cid = bench.container("web-backup-20261201-140803")
    args = ["--plan", "limits", "--memory", "64m", "--dry-run" if dry_run else "--yes"]
    result = bench.fix(name, *args)
    assert result.returncode == 2, text(result.stdout + result.stderr)
    assert_one_error_line(result, "left behind (backup), not a workload")
    assert bench.inspect(cid)["HostConfig"]["Memory"] == 0

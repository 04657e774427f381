"""`dockertui demo` as a user runs it, with no Docker engine anywhere:
DOCKER_HOST points at a socket that does not exist, the console runs in a
pseudo-terminal of 80x24, shows the simulated fleet under a header that
says it is a simulation, quits on `q` and leaves no socket folder behind.
And `dockertui` itself, finding no engine, says in its one sentence that
the demo runs without one."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

import pytest
from integration_support import ERROR_PREFIX, cli_env, run_cli

ROOT = Path(__file__).resolve().parent.parent.parent
CSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def run_demo_in_pty(
    args: list[str],
    env: dict[str, str],
    wanted: list[bytes],
    raw: bytearray | None = None,
    *,
    end_with: int | None = None,
) -> tuple[int, bytes]:
    """`python -m dockertui ARGS` in an 80x24 pseudo-terminal: read until every
    `wanted` text has appeared on screen (escape sequences removed), then
    press q (or send the signal `end_with`); (exit code, the text it wrote).
    `raw` receives the bytes as written."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "dockertui", *args], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    raw = bytearray() if raw is None else raw

    def text() -> bytes:
        return CSI.sub(b"", bytes(raw))

    def read(until: float) -> bool:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return False
            if not chunk:
                return False
            raw.extend(chunk)
        return time.monotonic() < until

    code = -1
    try:
        deadline = time.monotonic() + 60
        while not all(w in text() for w in wanted) and read(deadline):
            pass
        if end_with is None:
            os.write(fd, b"q")
        else:
            os.kill(pid, end_with)
        deadline = time.monotonic() + 20
        while read(deadline):
            pass
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
    finally:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
    return code, text()


def no_docker_env(tmp_path: Path) -> dict[str, str]:
    """A terminal's environment where no Docker engine can be found: DOCKER_HOST
    at a socket that does not exist, the state folder under `tmp_path`."""
    return cli_env(
        {
            "DOCKER_HOST": f"unix://{tmp_path}/no-such/docker.sock",
            "DOCKERTUI_STATE_DIR": str(tmp_path / "state"),
            "TERM": "xterm-256color",
            "PYTHONPATH": str(ROOT),
        }
    )


def test_the_demo_runs_with_no_docker_at_80x24(tmp_path: Path) -> None:
    env = no_docker_env(tmp_path)
    # A temporary folder of this run's own (short: a socket path has a limit),
    # so that another demo running meanwhile cannot make it look left behind.
    own_tmp = tempfile.mkdtemp(prefix="dtui-")
    env["TMPDIR"] = own_tmp
    # worst first: the rows that fit in 24 lines (payments-api, grade A, is further down)
    wanted = [b"SIMULATED ENGINE", b"monitoring-agent", b"debug-shell", b"ci-runner"]
    code, shown = run_demo_in_pty(["demo", "--speed", "0"], env, wanted)
    missing = [w for w in wanted if w not in shown]
    assert not missing, (missing, shown[-3000:])
    assert code == 0, shown[-2000:]
    left = os.listdir(own_tmp)
    assert not left, f"the demo left {left} behind"
    os.rmdir(own_tmp)
    assert not (tmp_path / "state").exists()  # a demo writes nothing to the user's state


def test_the_demo_read_only_in_the_terminals_own_colours(tmp_path: Path) -> None:
    """--read-only says so in the header; --ansi writes no 256-colour or RGB
    code, the notice included."""
    raw = bytearray()
    wanted = [b"SIMULATED ENGINE", b"read-only", b"monitoring-agent"]
    args = ["demo", "--speed", "0", "--read-only", "--ansi"]
    code, shown = run_demo_in_pty(args, no_docker_env(tmp_path), wanted, raw)
    assert code == 0 and all(w in shown for w in wanted), shown[-2000:]
    codes = re.findall(rb"\x1b\[([0-9;:]*)m", bytes(raw))
    assert codes and not [c for c in codes if re.search(rb"(^|;)[34]8;[25](;|$)", c)]


def test_no_engine_points_at_the_demo(tmp_path: Path) -> None:
    env = {"DOCKER_HOST": f"unix://{tmp_path}/missing.sock"}
    done = run_cli([], env=env, timeout=60)
    err = done.stderr.decode()
    assert done.returncode == 2
    (line,) = err.strip().splitlines()  # still one sentence
    assert line.startswith(ERROR_PREFIX)
    assert f"{tmp_path}/missing.sock" in line and "`dockertui demo`" in line
    assert line.count(". ") == 0 and line.endswith(".")


def test_the_demo_takes_no_engine_options() -> None:
    done = run_cli(["-H", "unix:///var/run/docker.sock", "demo"], timeout=60)
    assert done.returncode == 2
    assert "simulated engine" in done.stderr.decode()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_kill_or_a_closed_session_gives_the_terminal_back(tmp_path: Path, signum: int) -> None:
    """`kill PID`, or an SSH session that drops: the console ends as q ends
    it, leaving the alternate screen and mouse reporting (the terminal was
    left unusable before) and removing the demo's folder."""
    env = no_docker_env(tmp_path)
    own_tmp = tempfile.mkdtemp(prefix="dtui-")
    env["TMPDIR"] = own_tmp
    raw = bytearray()
    code, shown = run_demo_in_pty(
        ["demo", "--speed", "0"],
        env,
        [b"SIMULATED ENGINE", b"monitoring-agent"],
        raw,
        end_with=signum,
    )
    assert b"monitoring-agent" in shown
    assert code == 0, shown[-2000:]
    tail = bytes(raw[raw.rfind(b"monitoring-agent") :])
    assert b"\x1b[?1049l" in tail  # the alternate screen left
    assert b"\x1b[?1000l" in tail  # mouse reporting off
    assert not os.listdir(own_tmp)
    os.rmdir(own_tmp)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--port", "5"], "--port only applies"),
        (["--host", "0.0.0.0", "--max-sessions", "2"], "--host and --max-sessions only apply"),
    ],
)
def test_browser_options_without_serve_are_one_sentence(args: list[str], named: str) -> None:
    """They would be ignored without a word: the user meant --serve."""
    done = run_cli(["demo", *args], timeout=60)
    assert done.returncode == 2
    (line,) = done.stderr.decode().strip().splitlines()
    assert line.startswith(ERROR_PREFIX) and named in line and "--serve" in line

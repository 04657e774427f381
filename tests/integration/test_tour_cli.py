"""`dockertui tour` as a user runs it: on the demo engine with no Docker
anywhere (DOCKER_HOST at a socket that does not exist), in an 80x24
pseudo-terminal, `--lesson capabilities` opens that lesson on the demo's
vpn-gateway under the simulation notice, and q quits; the endpoint options
without --lab, --lab on a missing engine and --lab on an engine without a
lab end in one sentence."""

from __future__ import annotations

from pathlib import Path

from integration_support import ERROR_PREFIX, run_cli
from test_demo_cli import no_docker_env, run_demo_in_pty


def test_the_tour_opens_a_lesson_on_the_demo_at_80x24(tmp_path: Path) -> None:
    env = no_docker_env(tmp_path)
    wanted = [b"SIMULATED ENGINE", b"lesson 2 of 12", b"Example: vpn-gateway", b"Next"]
    code, shown = run_demo_in_pty(["tour", "--lesson", "capabilities", "--speed", "0"], env, wanted)
    missing = [w for w in wanted if w not in shown]
    assert not missing, (missing, shown[-3000:])
    assert code == 0, shown[-2000:]
    assert not (tmp_path / "state").exists()  # the demo's fixes keep their state in its folder


def test_engine_options_need_lab() -> None:
    done = run_cli(["tour", "-H", "unix:///var/run/docker.sock"], timeout=60)
    assert done.returncode == 2
    (line,) = done.stderr.decode().strip().splitlines()
    assert line.startswith(ERROR_PREFIX) and "--lab" in line


def test_lab_on_a_missing_engine_is_one_sentence(tmp_path: Path) -> None:
    done = run_cli(["tour", "--lab", "-H", f"unix://{tmp_path}/missing.sock"], timeout=60)
    assert done.returncode == 2
    (line,) = done.stderr.decode().strip().splitlines()
    assert line.startswith(ERROR_PREFIX) and f"{tmp_path}/missing.sock" in line


def test_lab_on_an_engine_without_a_lab_refuses(tmp_path: Path) -> None:
    """An engine with containers but no lab (here the demo engine, which runs
    services of its own): the tour must not take someone's services as its
    examples and offer to fix them. One sentence pointing at `lab up`; then,
    once a lab-labelled container exists there, the tour opens."""
    import docker

    from dockertui.demo.run import start_demo_engine
    from dockertui.model.container import LAB_LABEL

    socket_path, stop = start_demo_engine(0)
    try:
        done = run_cli(["tour", "--lab", "-H", f"unix://{socket_path}"], timeout=60)
        assert done.returncode == 2
        (line,) = done.stderr.decode().strip().splitlines()
        assert line.startswith(ERROR_PREFIX) and "There is no lab" in line
        assert "dockertui lab up" in line
        api = docker.APIClient(base_url=f"unix://{socket_path}", version="1.41")
        api.create_container("nginx:1.25.3", name="lab-web", labels={LAB_LABEL: "lab"})
        env = no_docker_env(tmp_path)
        wanted = [b"lesson 1 of 12", b"Next"]
        argv = ["tour", "--lab", "-H", f"unix://{socket_path}"]
        code, shown = run_demo_in_pty(argv, env, wanted)
        assert not [w for w in wanted if w not in shown], shown[-3000:]
        assert code == 0, shown[-2000:]
    finally:
        stop()


def test_a_lesson_id_in_capitals_opens_that_lesson(tmp_path: Path) -> None:
    env = no_docker_env(tmp_path)
    wanted = [b"lesson 2 of 12"]
    code, shown = run_demo_in_pty(["tour", "--lesson", "Capabilities", "--speed", "0"], env, wanted)
    assert b"lesson 2 of 12" in shown, shown[-2000:]
    assert code == 0

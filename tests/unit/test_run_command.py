"""run_flags / run_command: the `docker run` flags equivalent to a captured
container, quoted for a shell, with env names only."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

import pytest

from dockertui.fixes.run_command import (
    complete_flags,
    docker_cpus,
    docker_size,
    run_command,
    run_flags,
)
from dockertui.model import Container

#: The fake secret values in tests/fixtures/inspect/secrets.json.
SECRET_VALUES = ("fixture-not-a-secret", "MIIfake", "0123ABCD", "BEGIN RSA PRIVATE KEY")

#: The captures of the run-fidelity containers (tests/fixtures/run): every
#: setting `docker run` can express, running, and what cannot start, created.
RUN_CASES = ("run/complete-running", "run/complete-created")

Build = Callable[..., Container]
Load = Callable[[str], dict[str, Any]]


def test_plain_container_needs_no_security_flags(container: Build) -> None:
    assert run_flags(container("plain")) == []
    # the complete command keeps its label, and the cgroup namespace mode,
    # whose default depends on the host's cgroup version
    assert run_command(container("plain")) == (
        "docker run -d --name dtui-fixture-plain --label dockertui.test=fixture "
        "--cgroupns host dockertui-test/busybox:1 /bin/sleep 100000"
    )


def test_hardened_container_in_stable_order(container: Build) -> None:
    assert run_flags(container("hardened")) == [
        "--user 1000:1000",
        "--cap-drop ALL",
        "--security-opt no-new-privileges:true",
        "--read-only",
        "--tmpfs /tmp",
        "--network dtui-fixture-net",
        "-p 127.0.0.1:18081:8080/tcp",
        "--memory 64m",
        "--memory-swap 64m",
        "--cpus 0.5",
        "--pids-limit 64",
        "--restart on-failure:3",
        "--health-cmd true",
    ]


def test_privileged(container: Build) -> None:
    flags = run_flags(container("privileged"))
    assert flags[0] == "--privileged"
    assert "--privileged" not in run_flags(container("plain"))


def test_capability_names_are_normalised(container: Build) -> None:
    # The fixture says cap_add ["cap_sys_time"], cap_drop ["CAP_NET_RAW"].
    assert run_flags(container("cap-prefixed")) == ["--cap-add SYS_TIME", "--cap-drop NET_RAW"]
    assert run_flags(container("cap-net-admin-ptrace")) == [
        "--cap-add NET_ADMIN",
        "--cap-add SYS_PTRACE",
    ]
    assert "--cap-add ALL" in run_flags(container("cap-add-all"))


def test_security_opts_are_quoted_and_round_trip(container: Build) -> None:
    flags = run_flags(container("seccomp-custom"))
    assert flags == ['--security-opt \'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}\'']
    assert shlex.split(flags[0]) == ["--security-opt", 'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}']
    assert run_flags(container("seccomp-unconfined")) == ["--security-opt seccomp=unconfined"]
    assert run_flags(container("nnp-false")) == ["--security-opt no-new-privileges=false"]
    assert run_flags(container("apparmor-unconfined")) == ["--security-opt apparmor=unconfined"]


def test_empty_masked_paths_become_systempaths_unconfined(container: Build) -> None:
    # The CLI strips systempaths=unconfined and sends MaskedPaths: [] instead.
    assert run_flags(container("masked-paths-off")) == ["--security-opt systempaths=unconfined"]


@pytest.mark.parametrize(
    ("case", "flag"),
    [
        ("host-network", "--network host"),
        ("host-pid", "--pid host"),
        ("host-ipc", "--ipc host"),
        ("host-uts", "--uts host"),
        ("host-userns", "--userns host"),
        ("cgroup-parent", "--cgroup-parent /dtui-fixture"),
    ],
)
def test_namespaces_and_cgroup_parent(container: Build, case: str, flag: str) -> None:
    assert flag in run_flags(container(case))
    assert flag not in run_flags(container("plain"))


def test_devices_and_cgroup_rules(container: Build) -> None:
    assert run_flags(container("devices")) == [
        "--device /dev/null:/dev/xnull:rwm",
        "--device-cgroup-rule 'c 1:3 mr'",
    ]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("docker-socket", ["-v /var/run/docker.sock:/var/run/docker.sock"]),
        ("docker-socket-ro", ["-v /var/run/docker.sock:/var/run/docker.sock:ro"]),
        ("mount-propagation", ["-v /tmp/dtui-fixture-shared:/shared:rshared"]),
        (
            "sensitive-mounts",
            ["-v /etc:/host/etc:ro", "-v /:/hostroot:rslave", "-v /proc:/hostproc:ro"],
        ),
        (
            "named-and-anon-volumes",
            [
                "-v dtui-fixture-vol:/data",
                # the anonymous volume is kept by its name, so its data survives
                "-v a1fd5b487e4e09f7aee59d07e0cbdf6549670e070cdcd4348ba0cc3575bd612b:/cache",
            ],
        ),
    ],
)
def test_mounts(container: Build, case: str, expected: list[str]) -> None:
    assert run_flags(container(case)) == expected


def test_mount_with_a_colon_uses_mount_syntax(container: Build) -> None:
    c = container(
        "docker-socket",
        {"Mounts.0.Source": "/srv/a:b,c", "Mounts.0.RW": False, "Mounts.0.Propagation": "shared"},
    )
    (flag,) = run_flags(c)
    assert shlex.split(flag) == [
        "--mount",
        'type=bind,"source=/srv/a:b,c",target=/var/run/docker.sock,readonly,bind-propagation=shared',
    ]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        # as configured: a running container lists "-p 18083:53/udp" once per
        # address family in NetworkSettings, but it is one flag
        ("ports-all-interfaces", ["-p 18083:53/udp", "-p 0.0.0.0:18082:8080/tcp"]),
        ("ports-ipv6-any", ["-p '[::]:18084:8080/tcp'"]),
        ("ports-created", ["-p 0.0.0.0:18085:8080/tcp"]),
        ("port-privileged", ["-p 127.0.0.1:80:80/tcp"]),
    ],
)
def test_ports(container: Build, case: str, expected: list[str]) -> None:
    assert run_flags(container(case)) == expected


def test_random_host_port_and_publish_all(container: Build) -> None:
    c = container(
        "plain",
        {
            "HostConfig.PortBindings": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]},
            "HostConfig.PublishAllPorts": True,
        },
    )
    assert run_flags(c) == ["-p 127.0.0.1::80/tcp", "-P"]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("cpu-shares-only", ["--memory 128m", "--memory-swap 256m", "--cpu-shares 512"]),
        ("pids-limit-minus-one", []),
        ("limits-none-restart-always", ["--restart always"]),
        ("restart-on-failure-0", ["--restart on-failure"]),
        ("restart-on-failure-10", ["--restart on-failure:10"]),
        ("restart-unless-stopped", ["--restart unless-stopped"]),
        ("ulimits", ["--ulimit nofile=1024:1024"]),
        ("healthcheck-none", ["--no-healthcheck"]),
        ("healthy", ["--health-cmd 'sh -c true'"]),
    ],
)
def test_limits_restart_and_health(container: Build, case: str, expected: list[str]) -> None:
    assert run_flags(container(case)) == expected


def test_edited_limits(container: Build) -> None:
    # Values the captured fixtures do not hold: unlimited swap, fractional
    # CPUs, CPU quota, a shell-form health check and tmpfs options.
    c = container(
        "plain",
        {
            "HostConfig.Memory": 1024**3,
            "HostConfig.MemorySwap": -1,
            "HostConfig.NanoCpus": 1_500_000_000,
            "HostConfig.CpuQuota": 50000,
            "HostConfig.CpuPeriod": 100000,
            "HostConfig.Tmpfs": {"/run": "rw,noexec,size=64m"},
            "Config.Healthcheck": {"Test": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]},
        },
    )
    assert run_flags(c) == [
        "--tmpfs /run:rw,noexec,size=64m",
        "--memory 1g",
        "--memory-swap -1",
        "--cpus 1.5",
        "--cpu-quota 50000",
        "--cpu-period 100000",
        "--health-cmd 'curl -f http://localhost/ || exit 1'",
    ]


def test_size_and_cpu_formats() -> None:
    assert docker_size(67108864) == "64m"
    assert docker_size(3 * 1024**3) == "3g"
    assert docker_size(6 * 1024) == "6k"
    assert docker_size(1000) == "1000"
    assert docker_cpus(1_000_000_000) == "1"
    assert docker_cpus(250_000_000) == "0.25"
    assert docker_cpus(1) == "0.000000001"


def test_podman_ulimit_names_become_docker_names(container: Build) -> None:
    flags = run_flags(container("podman/plain"))
    assert "--ulimit nofile=1024:1024" in flags
    assert "--ulimit nproc=1024:1024" in flags
    assert not any("RLIMIT" in f for f in flags)


def test_secrets_are_named_never_valued(container: Build) -> None:
    c = container("secrets")
    # Guard: the fixture still carries the fake values this test looks for.
    assert any("MIIfake" in v.value for v in c.env)
    flags = run_flags(c)
    assert flags == [
        "-e DB_PASSWORD",
        "-e API_TOKEN",
        "-e GPG_KEY",
        "-e EMPTY_SECRET",
        "-e TLS_KEY",
        "-e PATH_OK",
    ]
    command = run_command(c)
    for value in SECRET_VALUES:
        assert value not in command
        assert all(value not in f for f in flags)


def test_path_home_and_hostname_are_not_passed(container: Build) -> None:
    # A bare -e PATH would copy the caller's PATH over the image's.
    c = container("plain", {"Config.Env": ["PATH=/usr/bin", "HOME=/root", "HOSTNAME=x", "A=1"]})
    assert run_flags(c) == ["-e A"]


def test_entrypoint_goes_to_its_flag(container: Build) -> None:
    c = container(
        "plain",
        {"Config.Entrypoint": ["/bin/sh", "-c"], "Config.Cmd": ["echo hi; sleep 9"]},
        delete=["Config.Labels", "HostConfig.CgroupnsMode"],
    )
    assert run_command(c) == (
        "docker run -d --name dtui-fixture-plain --entrypoint /bin/sh "
        "dockertui-test/busybox:1 -c 'echo hi; sleep 9'"
    )


def test_hostile_name_and_command_are_quoted(container: Build) -> None:
    c = container("plain", {"Name": "/x; rm -rf / #", "Config.Cmd": ["sh", "-c", "$(id)"]})
    argv = shlex.split(run_command(c))
    assert argv[:5] == ["docker", "run", "-d", "--name", "x; rm -rf / #"]
    assert argv[-3:] == ["sh", "-c", "$(id)"]


def test_auto_remove_keeps_rm(container: Build) -> None:
    assert " --rm " in run_command(container("auto-remove"))


def _assert_parseable(c: Container) -> None:
    run, *connects = run_command(c).split(" && ")
    argv = shlex.split(run)
    assert argv[:4] == ["docker", "run", "-d", "--name"]
    assert argv[4] == c.name
    assert c.image in argv
    assert run_flags(c) == run_flags(c)  # stable
    for flag in [*run_flags(c), *complete_flags(c)]:
        assert flag.startswith("-")
        if flag.startswith("-e "):
            assert "=" not in flag  # names only, never a value
        assert len(shlex.split(flag)) <= 2  # one flag, one quoted value
    for connect in connects:
        assert shlex.split(connect)[:3] == ["docker", "network", "connect"]
        assert shlex.split(connect)[-1] == c.name


def test_every_capture_gives_a_parseable_command(container: Build, inspect_case: str) -> None:
    _assert_parseable(container(inspect_case))


@pytest.mark.parametrize("case", RUN_CASES)
def test_the_complete_captures_give_parseable_commands(container: Build, case: str) -> None:
    _assert_parseable(container(case))

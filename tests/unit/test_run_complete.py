"""run_command as a whole: every setting of the captured run-fidelity
containers (tests/fixtures/run) and edited captures, rendered for the Docker
CLI 20.10 with env names only. tests/integration/test_run_fidelity.py runs
the same renderings through the real CLI."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

import pytest

from dockertui.fixes.run_command import complete_flags, run_command, run_flags
from dockertui.fixes.run_format import go_duration
from dockertui.fixes.run_settings import gpus_value
from dockertui.model import Container

from run_captures import complete_running_facts

Build = Callable[..., Container]
Load = Callable[[str], dict[str, Any]]


def _pairs(argv: list[str]) -> list[tuple[str, str]]:
    """(flag, value) for each flag that takes one, in order; bare flags get ""."""
    bare = {"-d", "-t", "-i", "-P", "--rm", "--init", "--read-only", "--privileged"}
    bare |= {"--oom-kill-disable"}
    found, i = [], 0
    while i < len(argv):
        if argv[i] in bare:
            found.append((argv[i], ""))
            i += 1
        elif argv[i].startswith("-"):
            found.append((argv[i], argv[i + 1]))
            i += 2
        else:
            i += 1
    return found


def test_complete_command_of_a_running_container(container: Build, load_inspect: Load) -> None:
    doc = load_inspect("run/complete-running")
    c = container("run/complete-running")
    run, connect = run_command(c).split(" && ")
    nets = doc["NetworkSettings"]["Networks"]
    net1, net2, bind, named, anon, anon_mount, port = complete_running_facts(doc)
    argv = shlex.split(run)
    assert argv[-2:] == ["dockertui-test/busybox:1", "100000"]
    assert _pairs(argv[:-2]) == [
        ("-d", ""),
        ("--name", "dtui-fixture-fid-running"),
        ("--entrypoint", "/bin/sleep"),
        ("--user", "1000:1000"),
        ("--group-add", "4242"),
        ("--cap-add", "NET_ADMIN"),
        ("--cap-drop", "MKNOD"),
        ("--security-opt", "no-new-privileges:true"),
        ("--security-opt", "systempaths=unconfined"),
        ("--read-only", ""),
        ("--hostname", "fidelity-host"),
        ("--domainname", "fidelity.test"),
        ("-w", "/tmp"),
        ("--label", "dockertui.test=fixture"),
        ("--label", "dockertui.test.case=fid-running"),
        ("--label", f"fidelity.hostile={doc['Config']['Labels']['fidelity.hostile']}"),
        ("--label", "fidelity.plain=yes"),
        ("-t", ""),
        ("-i", ""),
        ("--init", ""),
        ("--stop-signal", "SIGUSR1"),
        ("--stop-timeout", "7"),
        ("-e", "FIDELITY_PLAIN"),
        ("-e", "FIDELITY_SPACES"),
        ("-e", "FIDELITY_MULTILINE"),
        ("-v", bind),
        ("-v", named),
        ("-v", f"{anon}:/anon"),  # the anonymous volume, by name: its data is kept
        ("--mount", "type=tmpfs,target=/scratch,tmpfs-size=2097152"),
        ("--mount", "type=volume,source=dtui-fixture-fid-nocopy,target=/nocopy,volume-nocopy"),
        ("--mount", f"type=volume,source={anon_mount},target=/anon-mount"),  # anonymous too
        ("--volumes-from", "dtui-fixture-fid-peer:ro"),
        ("--tmpfs", "/run:rw,size=1m,mode=1777"),
        ("--network", net1),
        ("--ip", nets[net1]["IPAMConfig"]["IPv4Address"]),
        ("--network-alias", "fid-alias-a"),  # not the short id nor the hostname
        ("--network-alias", "fid-alias-b"),
        ("--link", "dtui-fixture-fid-peer:db"),
        ("--mac-address", "02:42:0a:fd:00:99"),
        ("--dns", "192.0.2.53"),
        ("--dns-search", "fidelity.test"),
        ("--dns-option", "ndots:2"),
        ("--add-host", "fidelity-db.test:192.0.2.10"),
        ("-p", f"127.0.0.1:{port}:8080/tcp"),
        ("--expose", "5353/udp"),
        ("--expose", "9090/tcp"),
        ("--ipc", "shareable"),
        ("--cgroupns", "private"),
        ("--device", "/dev/null:/dev/xnull:rwm"),
        ("--device-cgroup-rule", "c 1:3 mr"),
        ("--memory", "64m"),
        ("--memory-swap", "96m"),
        ("--cpus", "0.5"),
        ("--cpu-shares", "512"),
        ("--pids-limit", "100"),
        ("--ulimit", "nofile=1024:2048"),
        ("--memory-reservation", "32m"),
        ("--memory-swappiness", "10"),
        ("--oom-kill-disable", ""),
        ("--shm-size", "128m"),
        ("--oom-score-adj", "100"),
        ("--cpuset-cpus", "0"),
        ("--cpuset-mems", "0"),
        ("--sysctl", "net.ipv4.ip_unprivileged_port_start=0"),
        ("--health-cmd", "true"),
        ("--health-interval", "30s"),
        ("--health-timeout", "5s"),
        ("--health-start-period", "2s"),
        ("--health-retries", "4"),
        ("--log-driver", "json-file"),
        ("--log-opt", "max-file=2"),
        ("--log-opt", "max-size=1m"),
        ("--restart", "on-failure:3"),
    ]
    ipam = nets[net2]["IPAMConfig"]
    assert shlex.split(connect) == [
        *("docker", "network", "connect"),
        *("--ip", ipam["IPv4Address"], "--ip6", ipam["IPv6Address"]),
        *("--alias", "fid-alias-c", "--driver-opt", "fidelity.opt=1"),
        *(net2, "dtui-fixture-fid-running"),
    ]


def test_complete_command_of_a_container_that_cannot_start(container: Build) -> None:
    c = container("run/complete-created")
    (run,) = run_command(c).split(" && ")  # the default bridge only: nothing to connect
    pairs = _pairs(shlex.split(run))
    for expected in [
        ("--rm", ""),
        ("--entrypoint", "/bin/sh"),  # one word; "-c" goes first in the arguments
        ("--privileged", ""),
        ("--cap-add", "ALL"),
        ("--security-opt", "seccomp=unconfined"),
        ("--stop-signal", "9"),
        ("--volume-driver", "local"),
        ("-P", ""),
        ("--expose", "7070/tcp"),
        ("--pid", "host"),
        ("--ipc", "host"),
        ("--uts", "host"),
        ("--userns", "host"),
        ("--cgroup-parent", "/dtui-fidelity"),
        ("--device", "/dev/loop1:/dev/xloop:r"),
        ("--cpu-quota", "50000"),
        ("--cpu-period", "100000"),
        ("--device-read-bps", "/dev/loop0:1048576"),
        ("--device-write-iops", "/dev/loop0:100"),
        ("--gpus", "all"),
        ("--health-cmd", "sh -c 'exit 0'"),  # exec form: the CLI only has the shell form
        ("--health-retries", "2"),
        ("--log-driver", "none"),
    ]:
        assert expected in pairs, expected
    assert not any(flag == "--hostname" for flag, _ in pairs)  # generated from the id
    assert not any(flag == "--network" for flag, _ in pairs)  # the default bridge
    assert shlex.split(run)[-3:] == ["dockertui-test/busybox:1", "-c", "sleep 5"]


def test_environment_values_never_reach_the_complete_command(
    container: Build, load_inspect: Load
) -> None:
    values = [e.partition("=")[2] for e in load_inspect("run/complete-running")["Config"]["Env"]]
    assert values and all(values)
    command = run_command(container("run/complete-running"))
    assert not any(v in command for v in values)


def test_run_flags_stay_security_focused(container: Build) -> None:
    flags = run_flags(container("run/complete-running"))
    names = {f.split()[0] for f in flags}
    assert {"--cap-add", "--read-only", "--security-opt", "--memory", "--group-add"} <= names
    assert not names & {"--label", "--hostname", "--dns", "--health-interval", "--log-opt"}
    assert not names & {"--ip", "--network-alias", "--sysctl", "--init", "--expose"}


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        # a hostname of one's own is kept, the generated one (the short id) is not
        ({"Config.Hostname": "web-1"}, ["--hostname web-1"]),
        ({}, []),
        # with the host's (or another container's) UTS namespace, it is not the container's
        ({"Config.Hostname": "vm", "HostConfig.NetworkMode": "host"}, ["--network host"]),
        ({"Config.Hostname": "vm", "HostConfig.UTSMode": "host"}, ["--uts host"]),
    ],
)
def test_hostname_only_when_chosen(
    container: Build, edits: dict[str, object], expected: list[str]
) -> None:
    flags = complete_flags(container("plain", edits, delete=["Config.Labels"]))
    assert [f for f in flags if f.startswith(("--hostname", "--network", "--uts"))] == expected


def test_health_timings_and_log_options(container: Build) -> None:
    c = container(
        "plain",
        {
            "Config.Healthcheck": {"Interval": 1_500_000_000, "Retries": 3},  # the image's test
            "HostConfig.LogConfig": {"Type": "syslog", "Config": {"tag": "web $x"}},
        },
    )
    flags = complete_flags(c)
    assert "--health-interval 1500ms" in flags and "--health-retries 3" in flags
    assert not any(f.startswith("--health-cmd") for f in flags)
    assert flags[-2:] == ["--log-driver syslog", "--log-opt 'tag=web $x'"]
    none = container("healthcheck-none", {"Config.Healthcheck.Interval": 1_000_000_000})
    assert [f for f in complete_flags(none) if "health" in f] == ["--no-healthcheck"]


def test_go_durations() -> None:
    assert go_duration(30_000_000_000) == "30s"
    assert go_duration(1_500_000_000) == "1500ms"
    assert go_duration(1_500) == "1500ns"
    assert go_duration(2_000) == "2us"


def test_binds_keep_only_the_options_docker_knows(container: Build) -> None:
    # Podman reports its own bind options (rbind); the Docker CLI refuses them
    c = container("docker-socket", {"HostConfig.Binds": ["/srv:/data:rw,rprivate,rbind", "/a:/b"]})
    volumes = [f for f in complete_flags(c) if f.startswith("-v ")]
    assert volumes == ["-v /srv:/data:rw,rprivate", "-v /a:/b"]


def test_anonymous_volume_not_created_yet_stays_anonymous(container: Build) -> None:
    c = container("plain", {"Config.Volumes": {"/cache": {}}}, delete=["Mounts"])
    assert "-v /cache" in complete_flags(c)


def test_legacy_links_on_the_default_bridge(container: Build) -> None:
    c = container(
        "plain",
        {
            "HostConfig.Links": [
                "/db:/dtui-fixture-plain/database",
                "/cache:/dtui-fixture-plain/cache",
            ]
        },
    )
    assert [f for f in complete_flags(c) if f.startswith("--link")] == [
        "--link db:database",
        "--link cache",
    ]


def test_network_named_by_id_and_podman_default_network(container: Build) -> None:
    net_id = container("hardened").raw["NetworkSettings"]["Networks"]["dtui-fixture-net"][
        "NetworkID"
    ]
    c = container(
        "hardened",
        {
            "HostConfig.NetworkMode": net_id[:12],
            "NetworkSettings.Networks.dtui-fixture-net.Aliases": ["web", "74f523b619f7"],
        },
    )
    assert f"--network {net_id[:12]} --network-alias web" in run_command(c)
    assert " && " not in run_command(c)
    # Podman's mode "bridge" is its network "podman": not a second network
    assert " && " not in run_command(container("podman/plain"))


def test_resource_settings_beyond_the_security_ones(container: Build) -> None:
    c = container(
        "plain",
        {
            "HostConfig.MemoryReservation": 32 * 1024**2,
            "HostConfig.MemorySwappiness": 0,
            "HostConfig.CpuRealtimeRuntime": 950,
            "HostConfig.BlkioWeight": 300,
            "HostConfig.BlkioWeightDevice": [{"Path": "/dev/sda", "Weight": 200}],
            "HostConfig.ShmSize": 64 * 1024**2,  # the default: no flag
            "HostConfig.Runtime": "runsc",
            "HostConfig.Sysctls": {"net.core.somaxconn": "1024"},
        },
    )
    flags = complete_flags(c)
    for expected in (
        "--memory-reservation 32m",
        "--memory-swappiness 0",
        "--cpu-rt-runtime 950",
        "--blkio-weight 300",
        "--blkio-weight-device /dev/sda:200",
        "--runtime runsc",
        "--sysctl net.core.somaxconn=1024",
    ):
        assert expected in flags
    assert not any(f.startswith("--shm-size") for f in flags)


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        ({"Count": -1, "Capabilities": [["gpu"]]}, "all"),
        ({"Count": 2, "Capabilities": [["gpu"]], "Driver": "nvidia"}, "2,driver=nvidia"),
        (
            {"DeviceIDs": ["0", "1"], "Capabilities": [["gpu", "compute"]]},
            '"device=0,1",capabilities=compute',
        ),
        ({"Count": 1, "Capabilities": [["tpu"]]}, None),  # not a GPU request: no flag for it
    ],
)
def test_gpu_requests(request_: dict[str, object], expected: str | None) -> None:
    assert gpus_value(request_) == expected

"""What the run-fidelity test (test_run_fidelity.py) makes on the real
engine, and how it runs the Docker CLI: the resources it owns (`World`,
removed even on failure), the two original containers with every setting
`docker run` can express, and bash with `docker` meaning the CLI 20.10 on
the test socket. scripts/capture_run_fixtures.py captures the same two
containers for the unit tests."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.types
from integration_support import create_raw, free_tcp_port

import harness

#: Environment values: only the subprocess environment carries them.
ENV_VALUES = {
    "FIDELITY_PLAIN": "plain-value-1",
    "FIDELITY_SPACES": "two words, 'quoted' \"twice\" $HOME `id`",
    "FIDELITY_MULTILINE": "line one\nline two",
}
HOSTILE_LABEL = "$(touch /tmp/dtui-pwned); `id` 'single' \"double\"\nnext line"


# --- the CLI --------------------------------------------------------------------------------


def _cli_version(path: str) -> str:
    try:
        done = subprocess.run(
            [path, "-H", harness.BASE_URL, "version", "--format", "{{.Client.Version}}"],
            capture_output=True,
            timeout=30,
            env=harness.env_without_docker(),
            check=False,
        )
    except OSError:
        return ""
    return done.stdout.decode().strip()


def find_cli() -> str | None:
    """The Docker CLI 20.10 (the docker.io package's /usr/bin/docker): the
    flags are rendered for it. A newer CLI on PATH may shadow it."""
    candidates = [str(Path(d) / "docker") for d in os.environ.get("PATH", "").split(os.pathsep)]
    for path in dict.fromkeys([*candidates, "/usr/bin/docker"]):
        if os.access(path, os.X_OK) and _cli_version(path).startswith("20.10"):
            return path
    return None


def run_shell(cli: str, command: str) -> subprocess.CompletedProcess[str]:
    """`command` through bash, with `docker` meaning the 20.10 CLI on the
    test engine's socket and the environment values the command names."""
    script = 'docker() { "$DTUI_DOCKER" -H "$DTUI_HOST" "$@"; }\n' + command
    env = {**harness.env_without_docker(), **ENV_VALUES, "DTUI_DOCKER": cli}
    env["DTUI_HOST"] = harness.BASE_URL
    return subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )


# --- the things the test makes ---------------------------------------------------------------


@dataclasses.dataclass
class World:
    api: docker.APIClient
    made: harness.Containers
    folder: Path
    networks: list[str] = dataclasses.field(default_factory=list)
    volumes: list[str] = dataclasses.field(default_factory=list)
    copies: list[str] = dataclasses.field(default_factory=list)
    subnets: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)

    @classmethod
    def open(cls, api: docker.APIClient, session: str = harness.SESSION) -> World:
        """A world for one test session, with a fresh folder for the bind."""
        folder = Path(tempfile.mkdtemp(prefix="dtui-fidelity-"))
        return cls(api, harness.Containers(api, session), folder)

    def name(self, short: str) -> str:
        return self.made.name(f"fid-{short}")

    def network(self, short: str, *, ipv6: bool = False) -> str:
        """A user-defined bridge with a random /24 (and a /64 when `ipv6`)."""
        name = self.name(short)
        for _ in range(10):
            n = uuid.uuid4().int
            v4 = f"10.{200 + n % 50}.{(n >> 8) % 256}"
            v6 = f"fd{(n >> 16) % 256:02x}:{(n >> 24) % 65536:x}:{(n >> 40) % 65536:x}:"
            pools = [docker.types.IPAMPool(subnet=f"{v4}.0/24")]
            if ipv6:
                pools.append(docker.types.IPAMPool(subnet=f"{v6}:/64"))
            try:
                self.api.create_network(
                    name,
                    driver="bridge",
                    ipam=docker.types.IPAMConfig(pool_configs=pools),
                    enable_ipv6=ipv6,
                    labels={harness.LABEL: self.made.session},
                )
            except docker.errors.APIError as err:
                if "overlap" in str(err).lower():
                    continue
                raise
            self.networks.append(name)
            self.subnets[name] = (v4, v6)
            return name
        raise RuntimeError("no free subnet found for the test network")

    def volume(self, short: str) -> str:
        name = self.name(short)
        self.api.create_volume(name, labels={harness.LABEL: self.made.session})
        self.volumes.append(name)
        return name

    def remove_copy(self, name: str) -> None:
        with contextlib.suppress(docker.errors.NotFound):
            self.api.remove_container(name, force=True)

    def cleanup(self) -> None:
        """Remove everything, each step on its own, so one failure does not
        leave the rest behind; raise the first failure at the end."""
        failures: list[Exception] = []

        def attempt(step: Callable[[], object]) -> None:
            try:
                step()
            except docker.errors.NotFound:
                pass
            except Exception as err:
                failures.append(err)

        anonymous = [
            m["Name"]
            for cid in self.made.ids
            for m in _inspect_or_empty(self.api, cid).get("Mounts", [])
            if m.get("Type") == "volume" and m.get("Name") not in self.volumes
        ]
        for name in self.copies:
            attempt(lambda name=name: self.remove_copy(name))
        attempt(self.made.cleanup)
        for name in self.networks:
            attempt(lambda name=name: self.api.remove_network(name))
        for name in [*self.volumes, *anonymous]:
            attempt(lambda name=name: self.api.remove_volume(name, force=True))
        shutil.rmtree(self.folder, ignore_errors=True)
        if failures:
            raise failures[0]


def _inspect_or_empty(api: docker.APIClient, cid: str) -> dict[str, Any]:
    try:
        return api.inspect_container(cid)
    except docker.errors.NotFound:
        return {}


# --- the originals ------------------------------------------------------------------------------


def make_running(world: World) -> dict[str, Any]:
    """A started container with every setting `docker run` can express that
    starts here, on two user-defined networks with static addresses. Its
    inspect document is taken while it runs; then it is stopped, so the copy
    can take the same addresses and host port."""
    api = world.api
    net1, net2 = world.network("net1"), world.network("net2", ipv6=True)
    (v4a, _), (v4b, v6b) = world.subnets[net1], world.subnets[net2]
    named, nocopy = world.volume("named"), world.volume("nocopy")
    (world.folder / "bind").mkdir()
    peer = create_raw(
        world.made,
        "fid-peer",
        host={"network_mode": net1},
        volumes=["/shared"],
        detach=True,
    )
    peer_name = api.inspect_container(peer)["Name"].lstrip("/")
    endpoint = api.create_endpoint_config(
        ipv4_address=f"{v4a}.5", aliases=["fid-alias-a", "fid-alias-b"], links={peer_name: "db"}
    )
    cid = create_raw(
        world.made,
        "fid-running",
        start=False,
        detach=True,
        entrypoint=["/bin/sleep"],
        command=["100000"],
        hostname="fidelity-host",
        domainname="fidelity.test",
        user="1000:1000",
        tty=True,
        stdin_open=True,
        working_dir="/tmp",
        environment=dict(ENV_VALUES),
        labels={"fidelity.plain": "yes", "fidelity.hostile": HOSTILE_LABEL},
        ports=[8080, 9090, (5353, "udp")],
        stop_signal="SIGUSR1",
        stop_timeout=7,
        mac_address="02:42:0a:fd:00:99",
        volumes=["/anon"],
        healthcheck={
            "test": ["CMD-SHELL", "true"],
            "interval": 30_000_000_000,
            "timeout": 5_000_000_000,
            "retries": 4,
            "start_period": 2_000_000_000,
        },
        networking_config=api.create_networking_config({net1: endpoint}),
        host={
            "network_mode": net1,
            "binds": [f"{world.folder / 'bind'}:/bind:ro", f"{named}:/named"],
            "mounts": [
                docker.types.Mount("/scratch", None, type="tmpfs", tmpfs_size=2 * 1024**2),
                docker.types.Mount("/nocopy", nocopy, type="volume", no_copy=True),
                docker.types.Mount("/anon-mount", None, type="volume"),  # anonymous
            ],
            "tmpfs": {"/run": "rw,size=1m,mode=1777"},
            "volumes_from": [f"{peer_name}:ro"],
            "port_bindings": {8080: ("127.0.0.1", free_tcp_port())},
            "dns": ["192.0.2.53"],
            "dns_search": ["fidelity.test"],
            "dns_opt": ["ndots:2"],
            "extra_hosts": {"fidelity-db.test": "192.0.2.10"},
            "restart_policy": {"Name": "on-failure", "MaximumRetryCount": 3},
            "cap_add": ["NET_ADMIN"],
            "cap_drop": ["MKNOD"],
            "security_opt": ["no-new-privileges:true"],
            "read_only": True,
            "log_config": docker.types.LogConfig(
                type="json-file", config={"max-size": "1m", "max-file": "2"}
            ),
            "mem_limit": "64m",
            "memswap_limit": "96m",  # not the engine's default of twice the memory
            "mem_reservation": "32m",
            "mem_swappiness": 10,
            "oom_kill_disable": True,
            "oom_score_adj": 100,
            "nano_cpus": 500_000_000,
            "cpu_shares": 512,
            "cpuset_cpus": "0",
            "cpuset_mems": "0",
            "blkio_weight": 300,
            "pids_limit": 100,
            "ulimits": [docker.types.Ulimit(name="nofile", soft=1024, hard=2048)],
            "shm_size": "128m",
            "sysctls": {"net.ipv4.ip_unprivileged_port_start": "0"},
            "init": True,
            "group_add": ["4242"],
            "ipc_mode": "shareable",
            "cgroupns": "private",
            "devices": ["/dev/null:/dev/xnull:rwm"],
            "device_cgroup_rules": ["c 1:3 mr"],
        },
        raw_host={"MaskedPaths": [], "ReadonlyPaths": []},  # --security-opt systempaths=unconfined
    )
    api.connect_container_to_network(
        cid,
        net2,
        ipv4_address=f"{v4b}.6",
        ipv6_address=f"{v6b}:6",
        aliases=["fid-alias-c"],
        driver_opt={"fidelity.opt": "1"},
    )
    api.start(cid)
    doc = api.inspect_container(cid)
    assert doc["State"]["Running"], doc["State"]
    api.stop(cid, timeout=2)
    return doc


def make_created(world: World) -> dict[str, Any]:
    """A container with the settings that cannot start here (privileged,
    --cap-add ALL, host namespaces, GPUs...), compared through `docker create`."""
    api = world.api
    cid = create_raw(
        world.made,
        "fid-created",
        start=False,
        entrypoint=["/bin/sh", "-c"],  # two words: see normalise()
        command=["sleep 5"],
        environment={"FIDELITY_PLAIN": ENV_VALUES["FIDELITY_PLAIN"]},
        labels={"fidelity.hostile": HOSTILE_LABEL},
        ports=[7070],
        stop_signal="9",
        volumes=["/anon"],
        healthcheck={
            "test": ["CMD", "sh", "-c", "exit 0"],
            "retries": 2,
        },  # exec form: see normalise()
        host={
            "privileged": True,
            "cap_add": ["ALL"],
            "auto_remove": True,
            "publish_all_ports": True,
            "pid_mode": "host",
            "uts_mode": "host",
            "userns_mode": "host",
            "ipc_mode": "host",
            "cgroup_parent": "/dtui-fidelity",
            "volume_driver": "local",
            "log_config": docker.types.LogConfig(type="none"),
            "cpu_quota": 50_000,
            "cpu_period": 100_000,
            "devices": ["/dev/loop1:/dev/xloop:r"],
            "blkio_weight_device": [{"Path": "/dev/loop0", "Weight": 200}],
            "device_read_bps": [{"Path": "/dev/loop0", "Rate": 1024**2}],
            "device_write_iops": [{"Path": "/dev/loop0", "Rate": 100}],
            "security_opt": ["seccomp=unconfined", "apparmor=unconfined", "label=disable"],
        },
        raw_host={
            # what `--gpus all` sends
            "DeviceRequests": [
                {
                    "Driver": "",
                    "Count": -1,
                    "DeviceIDs": None,
                    "Capabilities": [["gpu"]],
                    "Options": {},
                }
            ],
        },
    )
    return api.inspect_container(cid)

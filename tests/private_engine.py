"""A second, private dockerd for tests that must disturb an engine (stop it,
restart it, reconfigure it) without touching the machine's main engine.

It has its own socket, data-root, exec-root and pid file under one
temporary folder, its own bridge interface and no iptables rules, so
nothing it does is seen by the main engine or by other test runs on it.
Its containers use `network_mode: none`. Talks to it over its unix socket
only.

Never start a dockerd with `--bridge none` on a machine whose main engine
uses docker0: a daemon with the default bridge disabled deletes the
docker0 interface at start-up, and the main engine's containers can then
no longer start."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors

import harness


class PrivateDockerd:
    """`start()` runs (or re-runs) the daemon and waits for its API;
    `stop()` sends SIGTERM and waits for the process to exit; `close()`
    stops it and removes everything it made."""

    def __init__(
        self, root: Path | None = None, extra_args: tuple[str, ...] = (), *, netns: bool = False
    ) -> None:
        # A short path: unix socket paths are limited to 107 bytes.
        self.root = root or Path(tempfile.mkdtemp(prefix="dtui-engine-", dir="/tmp"))
        self.socket = self.root / "docker.sock"
        self.base_url = f"unix://{self.socket}"
        self.log = self.root / "dockerd.log"
        self.process: subprocess.Popen[bytes] | None = None
        # Its own bridge (interface names have at most 15 characters).
        self.bridge = f"dtui{os.getpid() % 100000:05d}{self.root.name[-4:]}"[:15]
        #: More dockerd arguments (settings under test: --icc=false, --config-file).
        self.extra_args = extra_args
        #: Run in a network namespace of its own (`ip netns`), bridge included:
        #: then it may use iptables (--icc=false needs them) without touching
        #: the main engine's rules. Its socket file is reachable from here.
        self.netns = f"dtui-{self.root.name[-8:]}" if netns else ""

    def api(self, timeout: float = 30.0) -> docker.APIClient:
        return docker.APIClient(base_url=self.base_url, timeout=timeout)

    def answers(self) -> bool:
        try:
            return harness.ping(self.api(timeout=2.0))
        except docker.errors.DockerException:
            return False  # the socket is not there yet

    def start(self, wait: float = 60.0) -> None:
        dockerd = shutil.which("dockerd")
        if dockerd is None:
            raise RuntimeError("dockerd is not installed: apt-get install -y docker.io")
        self._bridge_up()
        # nsenter, not `ip netns exec`, which remounts /sys and so hides the cgroups.
        inside = ["nsenter", f"--net=/run/netns/{self.netns}"] if self.netns else []
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    *inside,  # nsenter execs dockerd: the same pid
                    dockerd,
                    "--host", self.base_url,
                    "--data-root", str(self.root / "data"),
                    "--exec-root", str(self.root / "exec"),
                    "--pidfile", str(self.root / "dockerd.pid"),
                    "--bridge", self.bridge,
                    "--iptables=false",
                    "--ip-masq=false",
                    "--ip-forward=false",
                    *self.extra_args,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + wait
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the private dockerd did not start:\n{tail}")
            time.sleep(0.2)

    def _bridge_up(self) -> None:
        ip = ["ip"]
        if self.netns:
            if not Path(f"/run/netns/{self.netns}").exists():
                subprocess.run(["ip", "netns", "add", self.netns], check=True)
            ip = ["ip", "-n", self.netns]
            found = subprocess.run([*ip, "link", "show", self.bridge], capture_output=True)
            if found.returncode == 0:
                return
        elif Path(f"/sys/class/net/{self.bridge}").exists():
            return
        # A link-local subnet: routes nothing anyone else uses.
        subprocess.run([*ip, "link", "add", self.bridge, "type", "bridge"], check=True)
        subprocess.run([*ip, "addr", "add", "169.254.213.1/24", "dev", self.bridge], check=True)
        subprocess.run([*ip, "link", "set", self.bridge, "up"], check=True)

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def stop(self, wait: float = 60.0) -> None:
        """SIGTERM, then wait until the process has exited (it stops its
        containers first, up to their stop timeouts)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            api = self.api(timeout=10)
            for entry in api.containers(all=True):
                api.remove_container(entry["Id"], force=True, v=True)
        self.stop()
        # The daemon leaves mounts under data-root (overlay, shm) only when it
        # is killed; unmount whatever is left before removing the folder.
        mounts = Path("/proc/self/mounts").read_text().splitlines()
        for line in reversed(mounts):
            target = line.split()[1]
            if target.startswith(str(self.root)):
                subprocess.run(["umount", "-l", target], check=False, capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)
        if self.netns:
            subprocess.run(["ip", "netns", "del", self.netns], check=False, capture_output=True)
        else:
            subprocess.run(["ip", "link", "del", self.bridge], check=False, capture_output=True)


@contextlib.contextmanager
def running(**options: object) -> Iterator[PrivateDockerd]:
    """A private dockerd started with the test images, removed afterwards
    (for a module-scoped fixture); `options` as PrivateDockerd takes them."""
    private = PrivateDockerd(**options)  # type: ignore[arg-type]
    try:
        private.start()
        harness.ensure_images(private.api())
        yield private
    finally:
        private.close()

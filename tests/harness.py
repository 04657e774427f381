"""The real-engine test harness: start dockerd when none answers, build the
local test images (no registry here), and make labelled containers that are
always removed. Talks to the engine over its unix socket only."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.types

SOCKET = "/var/run/docker.sock"
BASE_URL = f"unix://{SOCKET}"
IMAGE = "dockertui-test/busybox:1"
SSHD_IMAGE = "dockertui-test/sshd:1"
#: The busybox image plus the applets the in-effect tests run: a web server,
#: netcat, and setpriv to drop to another user at start.
TOOLS_IMAGE = "dockertui-test/tools:1"
TOOL_APPLETS = ("httpd", "nc", "setpriv", "su")
LABEL = "dockertui.test"
#: One value per test session, so a run only ever removes its own containers.
SESSION = uuid.uuid4().hex[:8]
APPLETS = ("sh", "sleep", "id", "cat", "ls", "ps", "top", "true", "false", "echo", "wget")
DOCKERD_LOG = Path(tempfile.gettempdir()) / "dockertui-test-dockerd.log"

SSHD_C = """
#include <unistd.h>
int main(void) { for (;;) pause(); }
"""


def ping(client: docker.APIClient | None = None, timeout: float = 2.0) -> bool:
    try:
        api = client or docker.APIClient(base_url=BASE_URL, timeout=timeout)
        return api.ping() is True
    except Exception:
        return False


def ensure_dockerd(wait: float = 60.0) -> None:
    """Start dockerd in the background unless an engine already answers."""
    if ping():
        return
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        raise RuntimeError(
            "No Docker engine answers on /var/run/docker.sock and dockerd is not installed: "
            "apt-get install -y docker.io busybox-static (see README)."
        )
    with DOCKERD_LOG.open("ab") as log:
        subprocess.Popen(
            [dockerd, "--host", BASE_URL],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if ping():
            return
        time.sleep(0.3)
    raise RuntimeError(f"dockerd did not answer within {wait:.0f} s; see {DOCKERD_LOG}")


def _add_file(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def _add_dir(tar: tarfile.TarFile, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    tar.addfile(info)


def busybox_rootfs(
    extra: dict[str, bytes] | None = None, applets: tuple[str, ...] = APPLETS
) -> bytes:
    """A tar of a minimal root file system: static busybox, a few applets,
    /etc/passwd with root, nobody and app (1000), plus `extra` files."""
    busybox = Path("/bin/busybox")
    if not busybox.exists():
        raise RuntimeError("/bin/busybox is missing: apt-get install -y busybox-static")
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for folder in ("bin", "etc", "tmp", "usr", "usr/sbin", "var", "run"):
            _add_dir(tar, folder)
        _add_file(tar, "bin/busybox", busybox.read_bytes(), 0o755)
        for applet in applets:
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type = tarfile.SYMTYPE
            link.linkname = "busybox"
            tar.addfile(link)
        _add_file(
            tar,
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\n"
            b"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
            b"app:x:1000:1000:app:/tmp:/bin/sh\n",
        )
        _add_file(tar, "etc/group", b"root:x:0:\nnogroup:x:65534:\napp:x:1000:\n")
        for name, data in (extra or {}).items():
            _add_file(tar, name, data, 0o755)
    return out.getvalue()


def _has_image(api: docker.APIClient, name: str) -> bool:
    try:
        api.inspect_image(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def sshd_binary() -> Path:
    """A static program that only sleeps, to run as /usr/sbin/sshd (needs gcc)."""
    folder = Path(tempfile.gettempdir()) / "dockertui-test-sshd"
    binary = folder / "sshd"
    if not binary.exists():
        folder.mkdir(exist_ok=True)
        src = folder / "sshd.c"
        src.write_text(SSHD_C)
        subprocess.run(["gcc", "-static", "-O2", "-o", str(binary), str(src)], check=True)
    return binary


def ensure_images(api: docker.APIClient) -> None:
    """Build the test images with `docker import` when they are missing."""
    repo, tag = IMAGE.split(":")
    if not _has_image(api, IMAGE):
        api.import_image_from_data(
            busybox_rootfs(), repository=repo, tag=tag, changes=['CMD ["/bin/sleep","100000"]']
        )
    if not _has_image(api, SSHD_IMAGE):
        repo, tag = SSHD_IMAGE.split(":")
        api.import_image_from_data(
            busybox_rootfs({"usr/sbin/sshd": sshd_binary().read_bytes()}),
            repository=repo,
            tag=tag,
            changes=['CMD ["/usr/sbin/sshd","-D"]'],
        )
    if not _has_image(api, TOOLS_IMAGE):
        repo, tag = TOOLS_IMAGE.split(":")
        api.import_image_from_data(
            busybox_rootfs(applets=APPLETS + TOOL_APPLETS),
            repository=repo,
            tag=tag,
            changes=['CMD ["/bin/sleep","100000"]'],
        )


#: A test session's containers older than this are leftovers of a crashed run.
STALE_SECONDS = 3600


def remove_labelled(api: docker.APIClient, value: str | None = None) -> None:
    """Remove one session's containers, or (value None) the leftovers of
    crashed sessions: those older than STALE_SECONDS, so that a run going on
    in parallel keeps its own."""
    label = LABEL if value is None else f"{LABEL}={value}"
    for entry in api.containers(all=True, filters={"label": label}):
        if value is None and time.time() - entry.get("Created", 0) < STALE_SECONDS:
            continue
        with contextlib.suppress(docker.errors.NotFound):
            api.remove_container(entry["Id"], force=True, v=True)


def remove_dangling_locks(api: docker.APIClient) -> None:
    """Remove dockertui's fix-lock containers whose target container is gone:
    a killed test run leaves them, and no fix can ever need them again."""
    for lock in api.containers(all=True, filters={"label": "dockertui.lock"}):
        target = lock.get("Labels", {}).get("dockertui.lock.target", "")
        try:
            api.inspect_container(target)
        except docker.errors.NotFound:
            with contextlib.suppress(docker.errors.NotFound):
                api.remove_container(lock["Id"], force=True, v=True)


class Containers:
    """Create labelled containers; `cleanup()` removes them all.

    `create(..., start=True)` mirrors `docker run -d`; keyword arguments go
    to docker-py's low-level `create_container` (host_config keys go in
    `host=`). Every container carries `dockertui.test=<session>`."""

    def __init__(self, api: docker.APIClient, session: str = SESSION) -> None:
        self.api = api
        self.session = session
        self.ids: list[str] = []

    def create(
        self,
        name: str,
        *,
        image: str = IMAGE,
        start: bool = True,
        host: dict[str, Any] | None = None,
        labels: dict[str, str] | None = None,
        **config: Any,
    ) -> str:
        full = f"dtui-{self.session}-{name}"
        host_config = self.api.create_host_config(**(host or {}))
        created = self.api.create_container(
            image,
            name=full,
            labels={LABEL: self.session, "dockertui.test.case": name, **(labels or {})},
            host_config=host_config,
            **config,
        )
        cid = created["Id"]
        self.ids.append(cid)
        if start:
            self.api.start(cid)
        return cid

    def name(self, short: str) -> str:
        return f"dtui-{self.session}-{short}"

    def cleanup(self) -> None:
        for cid in reversed(self.ids):
            with contextlib.suppress(docker.errors.NotFound):
                self.api.remove_container(cid, force=True, v=True)
        self.ids.clear()


#: Capability names by bit number (linux/capability.h), to decode CapEff.
CAP_BITS = [
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
]


def effective_caps_of_pid1(api: docker.APIClient, container_id: str) -> set[str]:
    """The capabilities PID 1 of a running container really holds, read from
    /proc/1/status through an exec (the engine's API, not the network)."""
    exec_id = api.exec_create(container_id, ["cat", "/proc/1/status"])["Id"]
    status = api.exec_start(exec_id).decode()
    line = next(ln for ln in status.splitlines() if ln.startswith("CapEff:"))
    mask = int(line.split()[1], 16)
    return {name for bit, name in enumerate(CAP_BITS) if mask >> bit & 1}


class PodmanService:
    """`podman system service` on a private socket, with the test images."""

    ULIMITS = (("nofile", 1024, 1024), ("nproc", 1024, 1024))

    def __init__(self, folder: Path) -> None:
        self.socket = folder / "podman.sock"
        self.url = f"unix://{self.socket}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait: float = 30.0) -> docker.APIClient:
        self.process = subprocess.Popen(
            ["podman", "system", "service", "--time=0", self.url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        api = docker.APIClient(base_url=self.url, version="1.41", timeout=60)
        deadline = time.monotonic() + wait
        while not ping(api):
            if time.monotonic() > deadline:
                raise RuntimeError("podman system service did not answer")
            time.sleep(0.2)
        for repo, extra, cmd in (
            ("dockertui-test/busybox", None, '["/bin/sleep","100000"]'),
            (
                "dockertui-test/sshd",
                {"usr/sbin/sshd": sshd_binary().read_bytes()},
                '["/usr/sbin/sshd","-D"]',
            ),
        ):
            api.import_image_from_data(
                busybox_rootfs(extra), repository=repo, tag="1", changes=[f"CMD {cmd}"]
            )
        return api

    def image(self, api: docker.APIClient, repo: str) -> str:
        """Podman 4.3 ignores the tag on import: find the image by repository."""
        for image in api.images():
            for tag in image.get("RepoTags") or []:
                if repo in tag:
                    return image["Id"]
        raise LookupError(repo)

    def host_config(self, api: docker.APIClient, **kwargs: Any) -> dict[str, Any]:
        ulimits = [docker.types.Ulimit(name=n, soft=s, hard=h) for n, s, h in self.ULIMITS]
        return api.create_host_config(ulimits=ulimits, **kwargs)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def api_client() -> docker.APIClient:
    return docker.APIClient(base_url=BASE_URL, version="auto", timeout=60)


def env_without_docker() -> dict[str, str]:
    """os.environ minus the DOCKER_* variables, for subprocess tests."""
    return {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}


def iter_session_containers(api: docker.APIClient, session: str = SESSION) -> Iterator[str]:
    for entry in api.containers(all=True, filters={"label": f"{LABEL}={session}"}):
        yield entry["Id"]

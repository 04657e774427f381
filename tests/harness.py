"""The real-engine test harness: start dockerd when none answers, build the
local test images (no registry here), and make labelled containers that are
always removed. Talks to the engine over its unix socket only."""

from __future__ import annotations

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

SOCKET = "/var/run/docker.sock"
BASE_URL = f"unix://{SOCKET}"
IMAGE = "dockertui-test/busybox:1"
SSHD_IMAGE = "dockertui-test/sshd:1"
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


def busybox_rootfs(extra: dict[str, bytes] | None = None) -> bytes:
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
        for applet in APPLETS:
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


def ensure_images(api: docker.APIClient) -> None:
    """Build the test images with `docker import` when they are missing."""
    repo, tag = IMAGE.split(":")
    if not _has_image(api, IMAGE):
        api.import_image_from_data(
            busybox_rootfs(), repository=repo, tag=tag, changes=['CMD ["/bin/sleep","100000"]']
        )
    if not _has_image(api, SSHD_IMAGE) and shutil.which("gcc"):
        with tempfile.TemporaryDirectory() as tmp:
            src, binary = Path(tmp, "sshd.c"), Path(tmp, "sshd")
            src.write_text(SSHD_C)
            subprocess.run(["gcc", "-static", "-O2", "-o", str(binary), str(src)], check=True)
            repo, tag = SSHD_IMAGE.split(":")
            api.import_image_from_data(
                busybox_rootfs({"usr/sbin/sshd": binary.read_bytes()}),
                repository=repo,
                tag=tag,
                changes=['CMD ["/usr/sbin/sshd","-D"]'],
            )


def remove_labelled(api: docker.APIClient, value: str | None = None) -> None:
    """Remove this harness's containers (all sessions when `value` is None)."""
    label = LABEL if value is None else f"{LABEL}={value}"
    for entry in api.containers(all=True, filters={"label": label}):
        try:
            api.remove_container(entry["Id"], force=True, v=True)
        except docker.errors.NotFound:
            pass


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
            try:
                self.api.remove_container(cid, force=True, v=True)
            except docker.errors.NotFound:
                pass
        self.ids.clear()


def api_client() -> docker.APIClient:
    return docker.APIClient(base_url=BASE_URL, version="auto", timeout=60)


def env_without_docker() -> dict[str, str]:
    """os.environ minus the DOCKER_* variables, for subprocess tests."""
    return {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}


def iter_session_containers(api: docker.APIClient, session: str = SESSION) -> Iterator[str]:
    for entry in api.containers(all=True, filters={"label": f"{LABEL}={session}"}):
        yield entry["Id"]

"""ssh:// endpoints, the way the docker CLI uses them: a real sshd on
127.0.0.1 with throwaway keys, the engine reached through
`docker system dial-stdio` on the far side (aiodocker's ssh extra)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

import harness

SSHD = "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SshHost:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"ssh://root@127.0.0.1:{self.port}"
        self.home = folder / "home"  # trusts the host key
        self.stranger = folder / "stranger"  # has the client key, not the host key

    def start(self) -> subprocess.Popen[bytes]:
        keygen = ["ssh-keygen", "-q", "-t", "ed25519", "-N", ""]
        subprocess.run([*keygen, "-f", str(self.folder / "host_key")], check=True)
        subprocess.run([*keygen, "-f", str(self.folder / "client_key")], check=True)
        (self.folder / "authorized_keys").write_bytes((self.folder / "client_key.pub").read_bytes())
        (self.folder / "sshd_config").write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\n"
            f"HostKey {self.folder / 'host_key'}\nPidFile {self.folder / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {self.folder / 'authorized_keys'}\n"
            "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
            "StrictModes no\nUsePAM no\n"
        )
        host_key = (self.folder / "host_key.pub").read_text().split()[:2]
        for home, trusted in ((self.home, True), (self.stranger, False)):
            ssh = home / ".ssh"
            ssh.mkdir(parents=True, mode=0o700)
            shutil.copy(self.folder / "client_key", ssh / "id_ed25519")
            os.chmod(ssh / "id_ed25519", 0o600)
            if trusted:
                (ssh / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {' '.join(host_key)}\n")
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation folder
        process = subprocess.Popen(
            [SSHD, "-D", "-f", str(self.folder / "sshd_config"), "-E", str(self.folder / "log")]
        )
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return process
            assert time.monotonic() < deadline, (self.folder / "log").read_text()
            time.sleep(0.1)

    def run(self, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**harness.env_without_docker(), "HOME": str(home)}
        exe = shutil.which("dockertui") or "dockertui"
        return subprocess.run(
            [exe, "-H", self.url, *args], capture_output=True, text=True, env=env, timeout=60
        )


@pytest.fixture(scope="module")
def ssh_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshHost]:
    if not Path(SSHD).exists() or shutil.which("ssh-keygen") is None:
        pytest.skip("openssh-server is not installed (apt-get install openssh-server; CI does)")
    pytest.importorskip("asyncssh", reason="the ssh extra is not installed")
    host = SshHost(tmp_path_factory.mktemp("ssh"))
    process = host.start()
    yield host
    process.terminate()
    process.wait(10)


def test_scan_over_ssh(
    ssh_host: SshHost, docker_api: docker.APIClient, containers: harness.Containers
) -> None:
    cid = containers.create("over-ssh", host={"privileged": False, "cap_add": ["NET_ADMIN"]})
    result = ssh_host.run(
        ssh_host.home,
        "scan",
        "--format",
        "json",
        "--filter",
        f"label={harness.LABEL}={containers.session}",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["engine"]["endpoint"] == ssh_host.url
    assert report["engine"]["version"] == docker_api.version()["Version"]
    (container,) = report["containers"]
    assert container["id"] == cid
    assert "cap-dangerous" in {f["check"] for f in container["findings"]}


def test_unknown_host_key_is_one_sentence(ssh_host: SshHost) -> None:
    result = ssh_host.run(ssh_host.stranger, "scan")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "known_hosts" in lines[0] and "Traceback" not in result.stderr
    assert result.stdout == ""

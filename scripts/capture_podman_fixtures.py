#!/usr/bin/env python3
"""Capture Podman's Docker-compatible API answers as test fixtures.

Needs `podman` (Debian's 4.3 here) serving the API:
    podman system service --time=0 unix:///run/dtui-podman.sock &
    python scripts/capture_podman_fixtures.py [unix:///run/dtui-podman.sock]

Writes tests/fixtures/podman/{info,version}.json, inspect/<case>.json and
top/sshd.json, and removes every container it made. Podman containers need
explicit nofile/nproc ulimits to start on these machines (its default
limits are above what the machine allows, and runc refuses them).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import docker
import docker.types

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import harness

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "podman"
ULIMITS = [
    docker.types.Ulimit(name="nofile", soft=1024, hard=1024),
    docker.types.Ulimit(name="nproc", soft=1024, hard=1024),
]
#: case -> (host config, start?)
CASES = {
    "plain": ({}, True),
    "cap-add-sys-admin-net-raw": (
        {"cap_add": ["SYS_ADMIN", "NET_RAW"], "cap_drop": ["CHOWN"]},
        True,
    ),
    "drop-all-add-bind": ({"cap_drop": ["ALL"], "cap_add": ["NET_BIND_SERVICE"]}, True),
    "privileged": ({"privileged": True}, False),
    "sshd": ({}, True),
}


def write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else "unix:///run/dtui-podman.sock"
    api = docker.APIClient(base_url=url, version="1.41")
    for name, repo in (("busybox", "dockertui-test/busybox"), ("sshd", "dockertui-test/sshd")):
        extra = {}
        if name == "sshd":
            extra = {"usr/sbin/sshd": Path(harness.sshd_binary()).read_bytes()}
        api.import_image_from_data(
            harness.busybox_rootfs(extra),
            repository=repo,
            tag="1",
            changes=[
                'CMD ["/usr/sbin/sshd","-D"]' if name == "sshd" else 'CMD ["/bin/sleep","100000"]'
            ],
        )
    images = {t.split("/", 1)[-1]: t for i in api.images() for t in i.get("RepoTags") or []}
    made = []
    try:
        for case, (host, start) in CASES.items():
            image = images.get(
                "dockertui-test/sshd:latest" if case == "sshd" else "dockertui-test/busybox:latest"
            )
            cid = api.create_container(
                image,
                name=f"dtui-podman-{case}",
                labels={harness.LABEL: "podman-fixture"},
                host_config=api.create_host_config(ulimits=ULIMITS, **host),
            )["Id"]
            made.append(cid)
            if start:
                api.start(cid)
            write(OUT / "inspect" / f"{case}.json", api.inspect_container(cid))
            if case == "sshd":
                write(OUT / "top" / "sshd.json", api.top(cid))
        write(OUT / "info.json", api.info())
        write(OUT / "version.json", api.version())
    finally:
        for cid in made:
            api.remove_container(cid, force=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

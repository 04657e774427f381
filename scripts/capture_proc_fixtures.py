#!/usr/bin/env python3
"""Capture the /proc and cgroup files of real running containers as test
fixtures for the in-effect facts (tests/fixtures/proc/<case>/).

    python scripts/capture_proc_fixtures.py

For each case it starts a container from the local tools image (built by the
test harness with `docker import`), waits for its process, and copies, as
they are, the files `engine/kernel_facts.py` reads:

- `inspect.json`: GET /containers/{id}/json;
- `proc/<pid>/`: status, cmdline, comm, cgroup, uid_map, gid_map, net/tcp,
  tcp6, udp, udp6, and fd/<n> as symbolic links with the kernel's targets
  ("socket:[inode]"); attr/current only where the kernel gives one;
- `cgroup/<controller>/<path>/...`: the limit files of its cgroup;
- `host/`: this host's namespaces (self/ns), addresses (1/net: fib_trie,
  route, if_inet6) and sys/kernel/cap_last_cap.

It talks to the engine over the unix socket only and removes what it made.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import docker

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "proc"
sys.path.insert(0, str(ROOT / "tests"))
import harness  # noqa: E402

#: case -> (docker-py run options, description)
CASES: dict[str, tuple[dict, str]] = {
    "drops-to-nobody": (
        {"command": ["su", "-s", "/bin/sh", "nobody", "-c", "exec sleep 100000"],
         "mem_limit": "64m", "pids_limit": 50, "nano_cpus": 500_000_000},
        "starts as root, su to nobody (65534); memory, pids and cpu limits",
    ),
    "bind-only-nnp": (
        {"command": ["httpd", "-f", "-p", "0.0.0.0:80"], "cap_drop": ["ALL"],
         "cap_add": ["NET_BIND_SERVICE"], "security_opt": ["no-new-privileges"],
         "ports": {"80/tcp": ("127.0.0.1", None)}},
        "--cap-drop ALL --cap-add NET_BIND_SERVICE, no-new-privileges, httpd on 0.0.0.0:80 "
        "published on 127.0.0.1",
    ),
    "host-network-listener": (
        {"command": ["httpd", "-f", "-p", "0.0.0.0:18099"], "network_mode": "host"},
        "host network, httpd on 0.0.0.0:18099, nothing published",
    ),
    "root-with-exec": (
        {"command": ["sh", "-c", "exec sleep 100000"], "user": "1000:1000"},
        "configured as 1000:1000; a root shell then runs in it through docker exec -u 0",
    ),
}  # fmt: skip

PROC_FILES = ("status", "cmdline", "comm", "cgroup", "uid_map", "gid_map")
NET_FILES = ("tcp", "tcp6", "udp", "udp6")
LIMIT_FILES = {
    "memory": ("memory.limit_in_bytes",),
    "pids": ("pids.max",),
    "cpu": ("cpu.cfs_quota_us", "cpu.cfs_period_us"),
    "": ("memory.max", "pids.max", "cpu.max"),
}


NAMESPACES = ("net", "pid", "ipc", "uts", "user", "cgroup")
HOST_NET = ("fib_trie", "route", "if_inet6")


def link_folder(src: Path, dest: Path, names: tuple[str, ...]) -> None:
    """Copy symbolic links (namespace ids) as links with the same targets."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        try:
            os.symlink(os.readlink(src / name), dest / name)
        except OSError:
            continue


def capture_host(dest: Path) -> None:
    """The host's side: its namespaces (dockertui's own), addresses and cap_last_cap."""
    shutil.rmtree(dest, ignore_errors=True)
    link_folder(Path("/proc/self/ns"), dest / "self" / "ns", NAMESPACES)
    (dest / "1" / "net").mkdir(parents=True)
    for name in HOST_NET:
        (dest / "1" / "net" / name).write_bytes((Path("/proc/net") / name).read_bytes())
    (dest / "sys" / "kernel").mkdir(parents=True)
    (dest / "sys" / "kernel" / "cap_last_cap").write_bytes(
        Path("/proc/sys/kernel/cap_last_cap").read_bytes()
    )


def copy_process(pid: int, dest: Path) -> None:
    src = Path("/proc") / str(pid)
    folder = dest / "proc" / str(pid)
    (folder / "net").mkdir(parents=True)
    (folder / "fd").mkdir()
    for name in PROC_FILES:
        (folder / name).write_bytes((src / name).read_bytes())
    try:
        (folder / "attr").mkdir()
        (folder / "attr" / "current").write_bytes((src / "attr" / "current").read_bytes())
    except OSError:
        pass  # no LSM that keeps a label (EINVAL): the fixture has none either
    for name in NET_FILES:
        (folder / "net" / name).write_bytes((src / "net" / name).read_bytes())
    link_folder(src / "ns", folder / "ns", NAMESPACES)
    for fd in os.listdir(src / "fd"):
        try:
            os.symlink(os.readlink(src / "fd" / fd), folder / "fd" / fd)
        except OSError:
            continue
    for line in (src / "cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            for name in LIMIT_FILES.get(controller, ()):
                source = Path("/sys/fs/cgroup") / controller / path.lstrip("/") / name
                if source.exists():
                    target = dest / "cgroup" / controller / path.lstrip("/") / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(source.read_bytes())


def main() -> None:
    client = docker.from_env(version="1.41")
    harness.ensure_images(client.api)
    made = []
    manifest = {}
    try:
        for case, (options, description) in CASES.items():
            container = client.containers.run(
                harness.TOOLS_IMAGE, detach=True, name=f"dtui-procfix-{case}", **options
            )
            made.append(container)
            if case == "root-with-exec":
                exec_id = client.api.exec_create(container.id, ["sleep", "100001"], user="0")
                client.api.exec_start(exec_id["Id"], detach=True)
            time.sleep(1.5)
            doc = client.api.inspect_container(container.id)
            dest = OUT / case
            shutil.rmtree(dest, ignore_errors=True)
            dest.mkdir(parents=True)
            (dest / "inspect.json").write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
            top = client.api.top(container.id, "-o pid")
            pids = [int(row[0]) for row in top["Processes"]]
            for pid in pids:
                copy_process(pid, dest)
            manifest[case] = {"description": description, "pids": pids}
        capture_host(OUT / "host")
        (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    finally:
        for container in made:
            container.remove(force=True)


if __name__ == "__main__":
    main()

"""Mount checks (docker-socket, sensitive-mount, mount-propagation,
rootfs-writable) and host namespaces, devices and cgroups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dockertui.audit import Severity
from dockertui.model import Container, Mount


def bind(source: str, destination: str, rw: bool = True, propagation: str = "rprivate") -> dict:
    """One Mounts[] entry as Docker 20.10 reports a bind mount."""
    return {
        "Destination": destination,
        "Mode": "" if rw else "ro",
        "Propagation": propagation,
        "RW": rw,
        "Source": source,
        "Type": "bind",
    }


def test_docker_socket_read_only_is_still_critical(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    (finding,) = findings_of(audit(container("docker-socket-ro")), "docker-socket")
    assert finding.severity is Severity.CRITICAL
    assert finding.detail == (
        "Mounts /var/run/docker.sock -> /var/run/docker.sock read-only, which does not stop "
        "API calls."
    )
    assert finding.fix.command == "remove -v /var/run/docker.sock:/var/run/docker.sock"


@pytest.mark.parametrize(
    ("source", "destination", "detail"),
    [
        # Edited copies of `docker-socket`: other engines' sockets, other paths.
        (
            "/run/containerd/containerd.sock",
            "/run/containerd/containerd.sock",
            "Mounts /run/containerd/containerd.sock -> /run/containerd/containerd.sock.",
        ),
        (
            "/run/podman/podman.sock",
            "/var/run/docker.sock",
            "Mounts /run/podman/podman.sock -> /var/run/docker.sock.",
        ),
        (
            "/home/ci/.docker/run/docker.sock",
            "/sock",
            "Mounts /home/ci/.docker/run/docker.sock -> /sock.",
        ),
        # the destination alone gives it away (e.g. a socket proxy's socket)
        (
            "/srv/proxy.sock",
            "/var/run/docker.sock",
            "Mounts /srv/proxy.sock -> /var/run/docker.sock.",
        ),
        (
            "/var/run",
            "/host-run",
            "Mounts /var/run -> /host-run, the folder that holds the engine socket.",
        ),
    ],
)
def test_docker_socket_variants(
    source: str,
    destination: str,
    detail: str,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    c = container("docker-socket", {"Mounts": [bind(source, destination)]})
    (finding,) = findings_of(audit(c), "docker-socket")
    assert (finding.severity, finding.detail) == (Severity.CRITICAL, detail)


def test_docker_socket_from_binds_of_a_created_container(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    # Edited copy of `docker-socket` as some engines show a created container:
    # Mounts empty, the bind only in HostConfig.Binds.
    c = container("docker-socket", {"Mounts": [], "State.Status": "created"})
    assert c.mounts == (
        Mount("bind", "/var/run/docker.sock", "/var/run/docker.sock", False, "", ""),
    )
    (finding,) = findings_of(audit(c), "docker-socket")
    assert finding.detail == "Mounts /var/run/docker.sock -> /var/run/docker.sock."


def test_binds_fallback_parses_options_and_named_volumes(
    container: Callable[..., Container],
) -> None:
    c = container(
        "plain",
        {
            "Mounts": [],
            "HostConfig.Binds": ["/etc:/host/etc:ro,rshared", "data:/data:z", "bogus"],
        },
    )
    assert c.mounts == (
        Mount("bind", "/etc", "/host/etc", True, "rshared", ""),
        Mount("volume", "data", "/data", False, "", "data"),
    )


def test_sensitive_mounts_severity_follows_read_only(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    found = findings_of(audit(container("sensitive-mounts")), "sensitive-mount")
    assert [(f.severity, f.detail) for f in found] == [
        (Severity.HIGH, "Host / is mounted read-write at /hostroot."),
        (Severity.MEDIUM, "Host /etc is mounted read-only at /host/etc."),
        (Severity.MEDIUM, "Host /proc is mounted read-only at /hostproc."),
    ]


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("/boot", True),
        ("/dev", True),
        ("/lib", True),
        ("/sys", True),
        ("/usr", True),
        ("/run", True),
        ("/sys/fs/cgroup", True),
        ("/proc/sys/kernel", True),
        ("/etc/", True),  # normalised
        ("/home/app/data", False),
        ("/srv/www", False),
        ("/etc-backup", False),
        ("/var/lib/app", False),
    ],
)
def test_sensitive_mount_paths(
    source: str,
    flagged: bool,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    c = container("sensitive-mounts", {"Mounts": [bind(source, "/mnt", rw=True)]})
    found = findings_of(audit(c), "sensitive-mount")
    assert [f.severity for f in found] == ([Severity.HIGH] if flagged else [])


def test_volumes_are_not_sensitive_mounts(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    c = container("named-and-anon-volumes")
    assert [m.type for m in c.mounts] == ["volume", "volume"]
    assert c.mounts[0].name == "dtui-fixture-vol"
    report = audit(c)
    assert findings_of(report, "sensitive-mount") == []
    assert findings_of(report, "docker-socket") == []


@pytest.mark.parametrize(
    ("propagation", "flagged"),
    [("shared", True), ("rshared", True), ("slave", False), ("rslave", False), ("", False)],
)
def test_mount_propagation(
    propagation: str,
    flagged: bool,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    c = container(
        "mount-propagation",
        {"Mounts": [bind("/tmp/dtui-fixture-shared", "/shared", propagation=propagation)]},
    )
    found = findings_of(audit(c), "mount-propagation")
    expected = [f"/tmp/dtui-fixture-shared -> /shared uses {propagation} propagation."]
    assert [f.detail for f in found] == (expected if flagged else [])


def test_rootfs_writable_fix(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    (finding,) = findings_of(audit(container("plain")), "rootfs-writable")
    assert finding.fix.command == "--read-only --tmpfs /tmp"
    assert container("hardened").tmpfs == ("/tmp",)


@pytest.mark.parametrize(
    ("check", "key", "command"),
    [
        ("host-network", "HostConfig.NetworkMode", "remove --network=host"),
        ("host-pid", "HostConfig.PidMode", "remove --pid=host"),
        ("host-ipc", "HostConfig.IpcMode", "remove --ipc=host"),
        ("host-uts", "HostConfig.UTSMode", "remove --uts=host"),
    ],
)
def test_host_namespaces_only_on_host(
    check: str,
    key: str,
    command: str,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    (finding,) = findings_of(audit(container(check)), check)
    assert finding.fix.command == command
    # Other modes (private, shareable, container:<id>) are not the host's.
    for mode in ("private", "shareable", "container:408492d46fbe", ""):
        assert findings_of(audit(container(check, {key: mode})), check) == []


def test_host_devices_only_cgroup_rule(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    c = container("devices", {"HostConfig.Devices": None})
    (finding,) = findings_of(audit(c), "host-devices")
    assert finding.detail == "Devices: cgroup rule 'c 1:3 mr'."


def test_cgroup_parent_fix(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    (finding,) = findings_of(audit(container("cgroup-parent")), "cgroup-parent")
    assert finding.fix.command == "remove --cgroup-parent"

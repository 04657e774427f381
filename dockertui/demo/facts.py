"""What the simulated engine says about itself: GET /info, /version and the
built-in networks, shaped as Docker 20.10 answers them.

The facts are chosen to teach: an engine and runc with known container
escapes (upgrade lesson), no user namespaces (root in a container is root
on the host), inter-container traffic allowed on the default bridge,
AppArmor and seccomp on, live restore off, and only the local unix socket
(no TCP, so no TLS lesson to fail). Pure.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

ENGINE_VERSION = "20.10.21"
API_VERSION = "1.41"
MIN_API_VERSION = "1.12"
RUNC_VERSION = "1.1.4"  # before 1.1.12: CVE-2024-21626 (a leaked fd reaches the host)
RUNC_COMMIT = "v1.1.4-0-g5fd4c4d"
CONTAINERD_VERSION = "1.6.10"
CONTAINERD_COMMIT = "770bd0108c32f3fb5c73ae1264f7e503fe7b2661"
GIT_COMMIT = "3056208"
GO_VERSION = "go1.18.7"
KERNEL = "5.15.0-89-generic"
HOSTNAME = "training-host"
ENGINE_ID = "7Q4N:ZK2D:QO7W:LJ3M:T5RA:6HXE:B4YF:GN2C:P8UJ:VS1K:M3DL:QX7E"
ROOT_DIR = "/var/lib/docker"
MEM_TOTAL = 16_652_914_688
NCPU = 4
BUILD_TIME = "2022-10-25T18:00:04.000000000+00:00"


def timestamp(when: float | None) -> str:
    """A daemon time as the engine writes it (RFC 3339, nanoseconds, Z);
    None is Go's zero time, which the engine shows for "never"."""
    if when is None:
        return "0001-01-01T00:00:00Z"
    whole = datetime.fromtimestamp(int(when), UTC).strftime("%Y-%m-%dT%H:%M:%S")
    nanos = round((when - int(when)) * 1e9)
    return f"{whole}.{min(nanos, 999_999_999):09d}Z"


def version() -> dict[str, Any]:
    details = {
        "ApiVersion": API_VERSION,
        "Arch": "amd64",
        "BuildTime": BUILD_TIME,
        "Experimental": "false",
        "GitCommit": GIT_COMMIT,
        "GoVersion": GO_VERSION,
        "KernelVersion": KERNEL,
        "MinAPIVersion": MIN_API_VERSION,
        "Os": "linux",
    }
    return {
        "Platform": {"Name": "Docker Engine - Community"},
        "Components": [
            {"Name": "Engine", "Version": ENGINE_VERSION, "Details": details},
            {
                "Name": "containerd",
                "Version": CONTAINERD_VERSION,
                "Details": {"GitCommit": CONTAINERD_COMMIT},
            },
            {"Name": "runc", "Version": RUNC_VERSION, "Details": {"GitCommit": RUNC_COMMIT}},
            {"Name": "docker-init", "Version": "0.19.0", "Details": {"GitCommit": "de40ad0"}},
        ],
        "Version": ENGINE_VERSION,
        "ApiVersion": API_VERSION,
        "MinAPIVersion": MIN_API_VERSION,
        "GitCommit": GIT_COMMIT,
        "GoVersion": GO_VERSION,
        "Os": "linux",
        "Arch": "amd64",
        "KernelVersion": KERNEL,
        "BuildTime": BUILD_TIME,
    }


def info(*, running: int, paused: int, stopped: int, images: int, now: float) -> dict[str, Any]:
    return {
        "ID": ENGINE_ID,
        "Containers": running + paused + stopped,
        "ContainersRunning": running,
        "ContainersPaused": paused,
        "ContainersStopped": stopped,
        "Images": images,
        "Driver": "overlay2",
        "DriverStatus": [
            ["Backing Filesystem", "extfs"],
            ["Supports d_type", "true"],
            ["Native Overlay Diff", "true"],
            ["userxattr", "false"],
        ],
        "Plugins": {
            "Volume": ["local"],
            "Network": ["bridge", "host", "ipvlan", "macvlan", "null", "overlay"],
            "Authorization": None,
            "Log": [
                "awslogs",
                "fluentd",
                "gcplogs",
                "gelf",
                "journald",
                "json-file",
                "local",
                "logentries",
                "splunk",
                "syslog",
            ],
        },
        "MemoryLimit": True,
        "SwapLimit": False,
        "KernelMemory": True,
        "KernelMemoryTCP": True,
        "CpuCfsPeriod": True,
        "CpuCfsQuota": True,
        "CPUShares": True,
        "CPUSet": True,
        "PidsLimit": True,
        "IPv4Forwarding": True,
        "BridgeNfIptables": True,
        "BridgeNfIp6tables": True,
        "Debug": False,
        "NFd": 187,
        "OomKillDisable": True,
        "NGoroutines": 164,
        "SystemTime": timestamp(now),
        "LoggingDriver": "json-file",
        "CgroupDriver": "cgroupfs",
        "CgroupVersion": "1",
        "NEventsListener": 1,
        "KernelVersion": KERNEL,
        "OperatingSystem": "Ubuntu 22.04.3 LTS",
        "OSVersion": "22.04",
        "OSType": "linux",
        "Architecture": "x86_64",
        "IndexServerAddress": "https://index.docker.io/v1/",
        "RegistryConfig": {
            "AllowNondistributableArtifactsCIDRs": [],
            "AllowNondistributableArtifactsHostnames": [],
            "InsecureRegistryCIDRs": ["127.0.0.0/8"],
            "IndexConfigs": {
                "docker.io": {"Name": "docker.io", "Mirrors": [], "Secure": True, "Official": True}
            },
            "Mirrors": [],
        },
        "NCPU": NCPU,
        "MemTotal": MEM_TOTAL,
        "GenericResources": None,
        "DockerRootDir": ROOT_DIR,
        "HttpProxy": "",
        "HttpsProxy": "",
        "NoProxy": "",
        "Name": HOSTNAME,
        "Labels": [],
        "ExperimentalBuild": False,
        "ServerVersion": ENGINE_VERSION,
        "Runtimes": {
            "io.containerd.runc.v2": {"path": "runc"},
            "io.containerd.runtime.v1.linux": {"path": "runc"},
            "runc": {"path": "runc"},
        },
        "DefaultRuntime": "runc",
        "Swarm": {
            "NodeID": "",
            "NodeAddr": "",
            "LocalNodeState": "inactive",
            "ControlAvailable": False,
            "Error": "",
            "RemoteManagers": None,
        },
        "LiveRestoreEnabled": False,
        "Isolation": "",
        "InitBinary": "docker-init",
        "ContainerdCommit": {"ID": CONTAINERD_COMMIT, "Expected": CONTAINERD_COMMIT},
        "RuncCommit": {"ID": RUNC_COMMIT, "Expected": RUNC_COMMIT},
        "InitCommit": {"ID": "de40ad0", "Expected": "de40ad0"},
        "SecurityOptions": ["name=apparmor", "name=seccomp,profile=default"],
        "Warnings": ["WARNING: No swap limit support"],
    }


#: The default bridge's options: inter-container traffic (icc) on, as shipped.
BRIDGE_OPTIONS = {
    "com.docker.network.bridge.default_bridge": "true",
    "com.docker.network.bridge.enable_icc": "true",
    "com.docker.network.bridge.enable_ip_masquerade": "true",
    "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
    "com.docker.network.bridge.name": "docker0",
    "com.docker.network.driver.mtu": "1500",
}

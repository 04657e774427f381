"""What the simulated engine keeps per object: containers, exec sessions,
images, networks and the files of a container's writable layer. Plain
mutable dataclasses; the engine changes them, `documents.py` renders them
as the Engine API's documents. Pure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dockertui.demo.fleet import Member


def hex_id(*seed: object) -> str:
    """A 64-hex id, the same for the same seed (a demo looks the same every run)."""
    return hashlib.sha256("\0".join(map(str, seed)).encode()).hexdigest()


class Status(StrEnum):
    """State.Status, as the engine names it."""

    CREATED = "created"
    RUNNING = "running"
    RESTARTING = "restarting"
    EXITED = "exited"
    PAUSED = "paused"


@dataclass
class FileEntry:
    """A file or folder in a container (image or writable layer)."""

    data: bytes = b""
    mode: int = 0o644
    directory: bool = False
    mtime: float = 0.0
    uid: int = 0
    gid: int = 0


@dataclass
class Image:
    id: str  # sha256:<hex>
    reference: str  # repository:tag
    config: dict[str, Any]  # Env, Cmd, Entrypoint, User, WorkingDir, Labels, ExposedPorts
    created: float
    size: int
    users: dict[str, int] = field(default_factory=dict)  # name -> uid of its /etc/passwd


@dataclass
class Network:
    id: str
    name: str
    driver: str  # bridge, host, null
    subnet: str
    gateway: str
    created: float
    labels: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    internal: bool = False
    next_address: int = 2  # the host part the next container gets


@dataclass
class Attachment:
    """A container's endpoint on one network."""

    network: str  # its name
    address: str  # IPv4, kept while the container exists ("" on host and none)
    aliases: list[str] | None
    endpoint_id: str = ""  # set while running


@dataclass
class Container:
    id: str
    name: str  # without the leading slash
    config: dict[str, Any]  # Config, merged with the image's
    host: dict[str, Any]  # HostConfig, with the engine's defaults filled in
    image_id: str
    created: float
    member: Member | None  # the teaching member it plays, if any
    attachments: list[Attachment]
    status: Status = Status.CREATED
    pid: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int = 0
    error: str = ""
    oom_killed: bool = False
    restart_count: int = 0
    ever_started: bool = False
    stopped_by_user: bool = False
    health: str = ""  # "", starting, healthy, unhealthy
    failing_streak: int = 0
    health_log: list[dict[str, Any]] = field(default_factory=list)
    apparmor: str = ""
    sandbox_id: str = ""
    layer: dict[str, FileEntry] = field(default_factory=dict)  # the writable layer
    deleted: set[str] = field(default_factory=set)  # image paths the layer removed
    exec_ids: list[str] = field(default_factory=list)
    anonymous_volumes: dict[str, str] = field(default_factory=dict)  # destination -> name
    generation: int = 0  # bumped by each start and stop: late reactions of a previous run are void

    @property
    def running(self) -> bool:
        return self.status in (Status.RUNNING, Status.RESTARTING, Status.PAUSED)

    @property
    def labels(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in (self.config.get("Labels") or {}).items()}

    @property
    def has_healthcheck(self) -> bool:
        test = (self.config.get("Healthcheck") or {}).get("Test") or []
        return bool(test) and test[0] != "NONE"

    def create_body(self) -> dict[str, Any]:
        """The configuration as a create body (what the crash rules read)."""
        return {**self.config, "HostConfig": self.host}


@dataclass
class ExecSession:
    id: str
    container_id: str
    argv: list[str]
    user: str
    privileged: bool
    tty: bool
    stdin: bool
    pid: int
    running: bool = True
    exit_code: int | None = None

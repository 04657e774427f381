"""The inventory model: plain dataclasses built from Engine API documents.

Pure code: it parses JSON that `engine/` fetched and knows nothing of HTTP
or of the terminal. `audit/` reads these objects; so will the console.
"""

from dockertui.model.container import (
    LOCK_LABEL,
    Container,
    Device,
    EnvVar,
    Mount,
    NetworkAttachment,
    PortBinding,
    container_from_inspect,
    is_lock,
)
from dockertui.model.engine import ClientFacts, EngineInfo, engine_from_api
from dockertui.model.exec import ExecSession, exec_from_inspect

__all__ = [
    "LOCK_LABEL",
    "ClientFacts",
    "Container",
    "Device",
    "EngineInfo",
    "EnvVar",
    "ExecSession",
    "Mount",
    "NetworkAttachment",
    "PortBinding",
    "container_from_inspect",
    "engine_from_api",
    "exec_from_inspect",
    "is_lock",
]

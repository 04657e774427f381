"""The engine (daemon) and the client's way of reaching it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from dockertui.model._json import flag, integer, mappings, obj, strings, text
from dockertui.model.daemon import DaemonSettings
from dockertui.model.kernel import HostView
from dockertui.model.swarm import Swarm, swarm_from_info


@dataclass(frozen=True)
class ClientFacts:
    """How this client reaches the engine: read by the client-side checks."""

    endpoint: str = "unix:///var/run/docker.sock"
    context: str = "default"
    #: The engine's short name in a fleet (engine.endpoint.Endpoint.name).
    name: str = "default"
    transport: str = "unix"  # unix, tcp, ssh, npipe
    tls: bool = False
    tls_verify: bool = False
    content_trust: bool = False

    @property
    def plain_tcp(self) -> bool:
        """Reached over tcp without TLS: anyone on the path reads and drives it."""
        return self.transport == "tcp" and not self.tls


@dataclass(frozen=True)
class EngineInfo:
    """What `/info`, `/version` and `/networks/bridge` say about the daemon."""

    name: str = ""
    version: str = ""
    api_version: str = ""
    os: str = ""
    kernel: str = ""
    flavor: str = "docker"  # "docker" or "podman"
    components: dict[str, str] = field(default_factory=dict)  # name -> version
    component_commits: dict[str, str] = field(default_factory=dict)
    security_options: tuple[str, ...] = ()
    experimental: bool = False
    live_restore: bool = False
    swarm_state: str = "inactive"
    #: The swarm this engine is part of (model/swarm.py), None outside one.
    swarm: Swarm | None = None
    debug: bool = False
    logging_driver: str = ""
    authorization_plugins: tuple[str, ...] = ()
    insecure_registry_cidrs: tuple[str, ...] = ()
    insecure_registries: tuple[str, ...] = ()  # IndexConfigs with Secure false
    warnings: tuple[str, ...] = ()
    containers: int = 0
    containers_stopped: int = 0
    icc: bool | None = None  # None: unknown (no bridge network, or not Docker)
    cpus: int = 0  # NCPU: the CPUs the engine can give a container (0: not reported)
    memory_total: int = 0  # MemTotal in bytes (0: not reported)
    #: The engine's host as seen from here: None unless dockertui runs on it.
    host: HostView | None = field(default=None, compare=False)
    #: dockerd's own settings (command line and daemon.json), when this host
    #: runs it and lets them be read; else None and `daemon_unread` says why
    #: ("" when nobody tried: an engine built from API documents alone).
    daemon: DaemonSettings | None = None
    daemon_unread: str = ""

    def _options(self) -> dict[str, dict[str, str]]:
        return self._parsed_options

    @cached_property
    def _parsed_options(self) -> dict[str, dict[str, str]]:
        """SecurityOptions parsed once: every check asks (frozen, so never stale)."""
        parsed: dict[str, dict[str, str]] = {}
        for entry in self.security_options:
            fields = dict(part.partition("=")[::2] for part in entry.split(",") if "=" in part)
            name = fields.pop("name", entry if "=" not in entry else "")
            if name:
                parsed[name] = fields
        return parsed

    def has_option(self, name: str) -> bool:
        """True when `/info` SecurityOptions lists `name=<name>`."""
        return name in self._options()

    def option(self, name: str, key: str) -> str:
        return self._options().get(name, {}).get(key, "")

    @property
    def rootless(self) -> bool:
        return self.has_option("rootless")

    @property
    def userns(self) -> bool:
        return self.has_option("userns")

    @property
    def podman(self) -> bool:
        return self.flavor == "podman"


def _component(name: str, version: str) -> tuple[str, str]:
    """Podman names its runtime "OCI Runtime (runc)" with a multi-line
    version ("runc version 1.1.5\ncommit: ..."): file it under "runc"."""
    match = re.match(r"OCI Runtime \((\w+)\)", name)
    if match:
        found = re.search(rf"{match.group(1)} version (\S+)", version)
        return match.group(1), found.group(1) if found else version.split("\n", 1)[0]
    return name, version


def engine_from_api(
    info: dict[str, Any], version: dict[str, Any], bridge: dict[str, Any] | None
) -> EngineInfo:
    """Build EngineInfo from the three documents; any of them may be partial."""
    components: dict[str, str] = {}
    commits: dict[str, str] = {}
    for comp in mappings(version, "Components"):
        name, value = _component(text(comp, "Name"), text(comp, "Version"))
        components[name] = value
        commits[name] = text(obj(comp, "Details"), "GitCommit")
    flavor = "podman" if any("podman" in n.lower() for n in components) else "docker"
    registry = obj(info, "RegistryConfig")
    insecure = tuple(
        name
        for name, index in obj(registry, "IndexConfigs").items()
        if isinstance(index, dict) and index.get("Secure") is False
    )
    icc: bool | None = None
    if bridge is not None and flavor == "docker":
        option = obj(bridge, "Options").get("com.docker.network.bridge.enable_icc")
        # Docker omits the option when icc is on by default.
        icc = option != "false"
    return EngineInfo(
        name=text(info, "Name"),
        version=text(version, "Version") or text(info, "ServerVersion"),
        api_version=text(version, "ApiVersion"),
        os=text(info, "OperatingSystem") or text(version, "Os"),
        kernel=text(info, "KernelVersion") or text(version, "KernelVersion"),
        flavor=flavor,
        components=components,
        component_commits=commits,
        security_options=tuple(strings(info, "SecurityOptions") or ()),
        experimental=flag(version, "Experimental") or flag(info, "ExperimentalBuild"),
        live_restore=flag(info, "LiveRestoreEnabled"),
        swarm_state=text(obj(info, "Swarm"), "LocalNodeState") or "inactive",
        swarm=swarm_from_info(info),
        debug=flag(info, "Debug"),
        logging_driver=text(info, "LoggingDriver"),
        authorization_plugins=tuple(strings(obj(info, "Plugins"), "Authorization") or ()),
        insecure_registry_cidrs=tuple(strings(registry, "InsecureRegistryCIDRs") or ()),
        insecure_registries=insecure,
        warnings=tuple(strings(info, "Warnings") or ()),
        containers=integer(info, "Containers"),
        containers_stopped=integer(info, "ContainersStopped"),
        icc=icc,
        cpus=integer(info, "NCPU"),
        memory_total=integer(info, "MemTotal"),
    )

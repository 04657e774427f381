"""The `docker run` command equivalent to a container, and the shorter list
of its security-relevant flags.

Pure code: reads a `Container` (and, for the settings the model does not
carry, its inspect document `Container.raw`) and returns shell-ready
strings. The console shows `run_flags` under the security panel; the
guided fixes show `run_command`, the complete command a re-create amounts
to, which a user can paste to get the same container. Every value is
quoted with `shlex.quote`, so the output can be pasted into a POSIX shell
as it is (terminal safety is the printer's job: run it through
`dockertui.text.printable` before display).

Environment variables are given as `-e NAME` only: `docker run` then takes
the value from the caller's environment. Values never leave the process.

The flags are those of the Docker CLI 20.10: one `--network`, so further
networks follow as `&& docker network connect ...` (fixes.run_networks).
"""

from __future__ import annotations

from collections.abc import Iterable

from dockertui.audit import capabilities as caps
from dockertui.fixes.run_format import docker_cpus, docker_size, flag, flags, quote, ulimit_name
from dockertui.fixes.run_networks import (
    connect_commands,
    dns_flags,
    exposed_only,
    network_flags,
    port_flag,
    port_flags,
    port_spec,
)
from dockertui.fixes.run_settings import (
    health_flags,
    health_test_flags,
    logging_flags,
    process_flags,
    resource_flags,
)
from dockertui.fixes.run_storage import mount_flag, storage_flags
from dockertui.model import Container
from dockertui.model._json import obj, strings

__all__ = [
    "ENV_SKIPPED",
    "docker_cpus",
    "docker_size",
    "mount_flag",
    "port_flag",
    "port_spec",
    "run_command",
    "run_flags",
    "ulimit_flag",
    "unique_caps",
]

#: Namespace modes that are what the engine does anyway (Podman reports
#: "private" where Docker leaves the field empty).
_DEFAULT_MODES = ("", "private")
#: IpcMode values the security panel does not mention: Docker 20.10+
#: defaults to "private", older Docker and Podman report "shareable".
_DEFAULT_IPC = ("", "private", "shareable")
#: Left out of `-e`: the image or the runtime sets these, and a bare `-e PATH`
#: would copy the caller's value over the container's.
ENV_SKIPPED = frozenset({"PATH", "HOME", "HOSTNAME"})


def unique_caps(names: Iterable[str]) -> list[str]:
    """Capability names normalised (SYS_ADMIN), each once, in order."""
    seen: list[str] = []
    for cap in names:
        norm = caps.normalize(cap)
        if norm and norm not in seen:
            seen.append(norm)
    return seen


def ulimit_flag(spec: str) -> str:
    """`--ulimit name=soft:hard`; Podman names limits RLIMIT_NOFILE, Docker nofile."""
    name, _, limits = spec.partition("=")
    return flag("--ulimit", f"{ulimit_name(name)}={limits}")


# --- groups of flags, each read from the model --------------------------------------------


def _privileges(c: Container) -> list[str]:
    """Privileged, user, supplementary groups, capabilities, security
    options and the read-only root."""
    found = ["--privileged"] if c.privileged else []
    if c.user:
        found.append(flag("--user", c.user))
    found += flags("--group-add", strings(obj(c.raw, "HostConfig"), "GroupAdd") or ())
    found += flags("--cap-add", unique_caps(c.cap_add))
    found += flags("--cap-drop", unique_caps(c.cap_drop))
    found += flags("--security-opt", c.security_opt)
    unmasked = any(
        o.replace(":", "=", 1).lower() == "systempaths=unconfined" for o in c.security_opt
    )
    if c.masked_paths == () and not c.privileged and not unmasked:
        # The CLI turns this option into MaskedPaths: [] and does not keep it.
        found.append(flag("--security-opt", "systempaths=unconfined"))
    if c.readonly_rootfs:
        found.append("--read-only")
    return found


def _tmpfs(c: Container) -> list[str]:
    options = dict(c.tmpfs_options)
    return [
        flag("--tmpfs", f"{path}:{options[path]}" if options.get(path) else path)
        for path in c.tmpfs
    ]


def _modes(c: Container, ipc_defaults: tuple[str, ...] = _DEFAULT_IPC) -> list[str]:
    """The pid, ipc, uts and user namespace modes that are not the default."""
    found = []
    if c.pid_mode not in _DEFAULT_MODES:
        found.append(flag("--pid", c.pid_mode))
    if c.ipc_mode not in ipc_defaults:
        found.append(flag("--ipc", c.ipc_mode))
    if c.uts_mode not in _DEFAULT_MODES:
        found.append(flag("--uts", c.uts_mode))
    if c.userns_mode not in _DEFAULT_MODES:
        found.append(flag("--userns", c.userns_mode))
    return found


def _cgroups_and_devices(c: Container) -> list[str]:
    found = [flag("--cgroup-parent", c.cgroup_parent)] if c.cgroup_parent else []
    for d in c.devices:
        spec = f"{d.host_path}:{d.container_path or d.host_path}"
        found.append(flag("--device", f"{spec}:{d.permissions}" if d.permissions else spec))
    return found + flags("--device-cgroup-rule", c.device_cgroup_rules)


def _limits(c: Container) -> list[str]:
    """Memory, CPU, PIDs and ulimits."""
    found = []
    if c.memory > 0:
        found.append(flag("--memory", docker_size(c.memory)))
    if c.memory_swap:
        found.append(
            flag("--memory-swap", "-1" if c.memory_swap < 0 else docker_size(c.memory_swap))
        )
    if c.nano_cpus > 0:
        found.append(flag("--cpus", docker_cpus(c.nano_cpus)))
    for value, name in (
        (c.cpu_shares, "--cpu-shares"),
        (c.cpu_quota, "--cpu-quota"),
        (c.cpu_period, "--cpu-period"),
    ):
        if value > 0:
            found.append(flag(name, str(value)))
    if c.pids_limit is not None and c.pids_limit > 0:
        found.append(flag("--pids-limit", str(c.pids_limit)))
    return found + [ulimit_flag(u) for u in c.ulimits]


def _restart(c: Container) -> list[str]:
    if c.restart_policy in ("", "no"):
        return []
    policy = c.restart_policy
    if policy == "on-failure" and c.restart_max_retries > 0:
        policy = f"{policy}:{c.restart_max_retries}"
    return [flag("--restart", policy)]


def _env(c: Container) -> list[str]:
    names: list[str] = []
    for var in c.env:
        if var.name and var.name not in ENV_SKIPPED and var.name not in names:
            names.append(var.name)
    return flags("-e", names)


# --- the two renderings -------------------------------------------------------------------


def run_flags(c: Container) -> list[str]:
    """The security-relevant `docker run` flags for `c`, one string per flag
    (with its quoted value), in a stable order: identity and privileges,
    namespaces and devices, mounts and ports, limits and health, env names."""
    network = [] if c.network_mode in ("", "default") else [flag("--network", c.network_mode)]
    in_tmpfs = set(c.tmpfs)
    mounts = [
        f
        for m in c.mounts
        if not (m.type == "tmpfs" and m.destination in in_tmpfs)
        if (f := mount_flag(m)) is not None
    ]
    return (
        _privileges(c)
        + _tmpfs(c)
        + network
        + _modes(c)
        + _cgroups_and_devices(c)
        + mounts
        + port_flags(c)
        + _limits(c)
        + _restart(c)
        + health_test_flags(c.healthcheck)
        + _env(c)
    )


def _cgroupns(c: Container) -> list[str]:
    # Rendered whatever it is: its default differs between cgroup v1 (host)
    # and v2 (private), and the container does not say which one it ran on.
    return [flag("--cgroupns", c.cgroupns_mode)] if c.cgroupns_mode else []


def complete_flags(c: Container) -> list[str]:
    """Every `docker run` flag that reproduces `c`'s configuration, grouped:
    privileges, process, storage, network, namespaces, devices, resources,
    health, logging, restart."""
    return (
        _privileges(c)
        + process_flags(c)
        + _env(c)
        + storage_flags(c)
        + _tmpfs(c)
        + network_flags(c)
        + dns_flags(c)
        + port_flags(c)
        + flags("--expose", exposed_only(c))
        + _modes(c, ipc_defaults=("", "private"))
        + _cgroupns(c)
        + _cgroups_and_devices(c)
        + _limits(c)
        + resource_flags(c)
        + health_flags(c)
        + logging_flags(c)
        + _restart(c)
    )


def run_command(c: Container) -> str:
    """`docker run -d --name <name> <flags> <image> <command...>` for `c`,
    then `&& docker network connect ...` for each further network.

    When the container has an entrypoint, its first word goes to
    `--entrypoint` and the rest precede the command, so the main process
    gets the same argv (the CLI takes a one-word entrypoint)."""
    name = c.name or c.short_id
    parts = ["docker run -d", flag("--name", name)]
    if c.auto_remove:
        parts.append("--rm")
    args = list(c.command)
    if c.entrypoint:
        parts.append(flag("--entrypoint", c.entrypoint[0]))
        args = args[1:]
    parts += complete_flags(c)
    parts.append(quote(c.image or c.image_id))
    parts += [quote(a) for a in args]
    return " && ".join([" ".join(parts), *connect_commands(c, name)])

"""The `docker run` flags equivalent to a container's security configuration.

Pure code: reads a `Container` and returns shell-ready strings. The console
shows them under the security panel, and the guided fixes show the command a
re-create amounts to. Every value is quoted with `shlex.quote`, so the output
can be pasted into a POSIX shell as it is (terminal safety is the printer's
job: run it through `dockertui.text.printable` before display).

Environment variables are given as `-e NAME` only: `docker run` then takes
the value from the caller's environment. Values never leave the process.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from decimal import Decimal

from dockertui.audit import capabilities as caps
from dockertui.model.container import Container, Mount, PortBinding

#: Namespace modes that are what the engine does anyway (Podman reports
#: "private" where Docker leaves the field empty).
_DEFAULT_MODES = ("", "private")
#: IpcMode values that need no flag: Docker 20.10+ defaults to "private",
#: older Docker and Podman report "shareable" for a default container.
_DEFAULT_IPC = ("", "private", "shareable")
#: Bind propagation when none was asked for.
_DEFAULT_PROPAGATION = ("", "rprivate")
#: Left out of `-e`: the image or the runtime sets these, and a bare `-e PATH`
#: would copy the caller's value over the container's.
_ENV_SKIPPED = frozenset({"PATH", "HOME", "HOSTNAME"})
_NANO = Decimal(1_000_000_000)
_UNITS = (("g", 1024**3), ("m", 1024**2), ("k", 1024))


def _q(value: str) -> str:
    return shlex.quote(value)


def _flag(name: str, value: str) -> str:
    return f"{name} {_q(value)}"


def _caps(flag: str, names: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for name in names:
        norm = caps.normalize(name)
        if norm and norm not in seen:
            seen.append(norm)
    return [_flag(flag, n) for n in seen]


def docker_size(n: int) -> str:
    """Bytes in the unit `docker run --memory` accepts: 67108864 -> '64m'."""
    for unit, size in _UNITS:
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


def docker_cpus(nano_cpus: int) -> str:
    """NanoCpus as `--cpus` takes it: 1500000000 -> '1.5'."""
    value = format(Decimal(nano_cpus) / _NANO, "f")
    return value.rstrip("0").rstrip(".") if "." in value else value


def _csv_field(key: str, value: str) -> str:
    """One `--mount` field, CSV-quoted when the value holds a comma or quote."""
    field = f"{key}={value}"
    if any(ch in field for ch in ',"'):
        field = '"' + field.replace('"', '""') + '"'
    return field


def mount_flag(m: Mount) -> str | None:
    """`-v src:dst[:opts]` for a bind or volume, `--mount` when a path holds
    a colon; None for mount types `docker run -v` cannot express (npipe)."""
    options: list[str] = []
    if m.read_only:
        options.append("ro")
    if m.propagation not in _DEFAULT_PROPAGATION:
        options.append(m.propagation)
    if m.type == "bind":
        source = m.source
    elif m.type == "volume":
        source = m.name or ""  # anonymous volumes are kept by their generated name
    elif m.type == "tmpfs":
        return _flag("--mount", f"type=tmpfs,destination={m.destination}")
    else:
        return None
    if ":" in source or ":" in m.destination:
        fields = [f"type={m.type}"]
        if source:
            fields.append(_csv_field("source", source))
        fields.append(_csv_field("target", m.destination))
        if m.read_only:
            fields.append("readonly")
        if m.type == "bind" and m.propagation not in _DEFAULT_PROPAGATION:
            fields.append(f"bind-propagation={m.propagation}")
        return _flag("--mount", ",".join(fields))
    spec = f"{source}:{m.destination}" if source else m.destination
    if options:
        spec += ":" + ",".join(options)
    return _flag("-v", spec)


def port_spec(p: PortBinding) -> str:
    """`[ip:][host:]container/proto`, the short syntax `docker run -p` and
    compose's `ports:` share."""
    ip = p.host_ip
    if ":" in ip and not ip.startswith("["):
        ip = f"[{ip}]"
    target = f"{p.container_port}/{p.protocol}"
    if ip:
        return f"{ip}:{p.host_port}:{target}"
    if p.host_port:
        return f"{p.host_port}:{target}"
    return target


def port_flag(p: PortBinding) -> str:
    """`-p [ip:][host:]container/proto` for one published port."""
    return _flag("-p", port_spec(p))


def ulimit_flag(spec: str) -> str:
    """`--ulimit name=soft:hard`; Podman names limits RLIMIT_NOFILE, Docker nofile."""
    name, _, limits = spec.partition("=")
    name = name.strip().lower().removeprefix("rlimit_")
    return _flag("--ulimit", f"{name}={limits}")


def _health(test: tuple[str, ...] | None) -> list[str]:
    if not test:
        return []
    kind = test[0].upper()
    if kind == "NONE":
        return ["--no-healthcheck"]
    if kind == "CMD-SHELL" and len(test) > 1:
        return [_flag("--health-cmd", test[1])]
    if kind == "CMD" and len(test) > 1:
        return [_flag("--health-cmd", shlex.join(test[1:]))]
    return []


def _identity(c: Container) -> list[str]:
    flags = ["--privileged"] if c.privileged else []
    if c.user:
        flags.append(_flag("--user", c.user))
    flags += _caps("--cap-add", c.cap_add)
    flags += _caps("--cap-drop", c.cap_drop)
    flags += [_flag("--security-opt", opt) for opt in c.security_opt]
    unmasked = any(
        o.replace(":", "=", 1).lower() == "systempaths=unconfined" for o in c.security_opt
    )
    if c.masked_paths == () and not c.privileged and not unmasked:
        # The CLI turns this option into MaskedPaths: [] and does not keep it.
        flags.append(_flag("--security-opt", "systempaths=unconfined"))
    if c.readonly_rootfs:
        flags.append("--read-only")
    options = dict(c.tmpfs_options)
    for path in c.tmpfs:
        opts = options.get(path, "")
        flags.append(_flag("--tmpfs", f"{path}:{opts}" if opts else path))
    return flags


def _namespaces(c: Container) -> list[str]:
    flags = []
    if c.network_mode not in ("", "default"):
        flags.append(_flag("--network", c.network_mode))
    if c.pid_mode not in _DEFAULT_MODES:
        flags.append(_flag("--pid", c.pid_mode))
    if c.ipc_mode not in _DEFAULT_IPC:
        flags.append(_flag("--ipc", c.ipc_mode))
    if c.uts_mode not in _DEFAULT_MODES:
        flags.append(_flag("--uts", c.uts_mode))
    if c.userns_mode not in _DEFAULT_MODES:
        flags.append(_flag("--userns", c.userns_mode))
    if c.cgroup_parent:
        flags.append(_flag("--cgroup-parent", c.cgroup_parent))
    for d in c.devices:
        spec = f"{d.host_path}:{d.container_path or d.host_path}"
        flags.append(_flag("--device", f"{spec}:{d.permissions}" if d.permissions else spec))
    flags += [_flag("--device-cgroup-rule", rule) for rule in c.device_cgroup_rules]
    return flags


def _storage_and_ports(c: Container) -> list[str]:
    in_tmpfs = set(c.tmpfs)
    flags = [
        flag
        for m in c.mounts
        if not (m.type == "tmpfs" and m.destination in in_tmpfs)
        if (flag := mount_flag(m)) is not None
    ]
    # The configuration, not what is bound right now (a running container
    # lists each `-p` once per address family); older engines may only say
    # what is bound.
    bindings = c.port_bindings or (() if c.publish_all_ports else c.ports)
    flags += [port_flag(p) for p in bindings]
    if c.publish_all_ports:
        flags.append("-P")
    return flags


def _limits(c: Container) -> list[str]:
    flags = []
    if c.memory > 0:
        flags.append(_flag("--memory", docker_size(c.memory)))
    if c.memory_swap:
        swap = "-1" if c.memory_swap < 0 else docker_size(c.memory_swap)
        flags.append(_flag("--memory-swap", swap))
    if c.nano_cpus > 0:
        flags.append(_flag("--cpus", docker_cpus(c.nano_cpus)))
    if c.cpu_shares > 0:
        flags.append(_flag("--cpu-shares", str(c.cpu_shares)))
    if c.cpu_quota > 0:
        flags.append(_flag("--cpu-quota", str(c.cpu_quota)))
    if c.cpu_period > 0:
        flags.append(_flag("--cpu-period", str(c.cpu_period)))
    if c.pids_limit is not None and c.pids_limit > 0:
        flags.append(_flag("--pids-limit", str(c.pids_limit)))
    if c.restart_policy not in ("", "no"):
        policy = c.restart_policy
        if policy == "on-failure" and c.restart_max_retries > 0:
            policy = f"{policy}:{c.restart_max_retries}"
        flags.append(_flag("--restart", policy))
    flags += [ulimit_flag(u) for u in c.ulimits]
    flags += _health(c.healthcheck)
    return flags


def _env(c: Container) -> list[str]:
    names: list[str] = []
    for var in c.env:
        if var.name and var.name not in _ENV_SKIPPED and var.name not in names:
            names.append(var.name)
    return [_flag("-e", name) for name in names]


def run_flags(c: Container) -> list[str]:
    """The security-relevant `docker run` flags for `c`, one string per flag
    (with its quoted value), in a stable order: identity and privileges,
    namespaces and devices, mounts and ports, limits and health, env names."""
    return _identity(c) + _namespaces(c) + _storage_and_ports(c) + _limits(c) + _env(c)


def run_command(c: Container) -> str:
    """`docker run -d --name <name> <flags> <image> <command...>` for `c`.

    When the container has an entrypoint, its first word goes to
    `--entrypoint` and the rest precede the command, so the main process
    gets the same argv."""
    parts = ["docker run -d", _flag("--name", c.name or c.short_id)]
    if c.auto_remove:
        parts.append("--rm")
    args = list(c.command)
    if c.entrypoint:
        parts.append(_flag("--entrypoint", c.entrypoint[0]))
        args = args[1:]
    parts += run_flags(c)
    parts.append(_q(c.image or c.image_id))
    parts += [_q(a) for a in args]
    return " ".join(parts)

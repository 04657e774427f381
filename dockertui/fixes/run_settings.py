"""The rest of a complete `docker run`: the process settings (hostname,
working directory, labels, terminal, stop signal, init), the health check
with its timings, logging, and the resource settings the security panel
does not show (reservations, cpusets, block I/O, shm, sysctls, runtime,
GPUs). Read from the inspect document (`Container.raw`). Pure code.

Not expressible with the Docker CLI: a health check in exec form
(["CMD", ...]) is given to `--health-cmd`, which runs it through the
image's shell (CMD-SHELL); HostConfig.ContainerIDFile is left out (the CLI
would refuse to overwrite the file it names).
"""

from __future__ import annotations

import shlex
from typing import Any

from dockertui.fixes.run_format import csv_field, docker_size, flag, flags, go_duration
from dockertui.model import Container
from dockertui.model._json import integer, mappings, obj, string_map, strings, text

#: The shm size the engine gives a container that asks for none (64 MiB).
DEFAULT_SHM = 64 * 1024**2
#: Runtimes that are the engine's default: "oci" is Podman's name for it.
_DEFAULT_RUNTIMES = ("", "runc", "oci")
#: (HostConfig key, flag) for plain numbers that are unset at 0.
_NUMBERS = (
    ("OomScoreAdj", "--oom-score-adj"),
    ("CpuRealtimePeriod", "--cpu-rt-period"),
    ("CpuRealtimeRuntime", "--cpu-rt-runtime"),
    ("CpuCount", "--cpu-count"),
    ("CpuPercent", "--cpu-percent"),
    ("BlkioWeight", "--blkio-weight"),
    ("IOMaximumIOps", "--io-maxiops"),
    ("IOMaximumBandwidth", "--io-maxbandwidth"),
)
#: (HostConfig key, flag) for sizes that are unset at 0.
_SIZES = (("MemoryReservation", "--memory-reservation"), ("KernelMemory", "--kernel-memory"))
#: (HostConfig key, flag, the key holding the value) for per-device throttles.
_THROTTLES = (
    ("BlkioWeightDevice", "--blkio-weight-device", "Weight"),
    ("BlkioDeviceReadBps", "--device-read-bps", "Rate"),
    ("BlkioDeviceWriteBps", "--device-write-bps", "Rate"),
    ("BlkioDeviceReadIOps", "--device-read-iops", "Rate"),
    ("BlkioDeviceWriteIOps", "--device-write-iops", "Rate"),
)


def _config(c: Container) -> dict[str, Any]:
    return obj(c.raw, "Config")


def _host(c: Container) -> dict[str, Any]:
    return obj(c.raw, "HostConfig")


def generated_hostname(c: Container) -> bool:
    """Whether the hostname is the engine's own choice: the short id, or the
    host's name (or another container's) when the UTS namespace is shared."""
    hostname = text(_config(c), "Hostname")
    shared = c.network_mode == "host" or c.network_mode.startswith("container:")
    return hostname in ("", c.short_id) or shared or c.uts_mode == "host"


def process_flags(c: Container) -> list[str]:
    """Hostname, domain name, working directory, labels, -t/-i, init and
    how the container is stopped."""
    config, host = _config(c), _host(c)
    found = [] if generated_hostname(c) else [flag("--hostname", text(config, "Hostname"))]
    if text(config, "Domainname"):
        found.append(flag("--domainname", text(config, "Domainname")))
    if text(config, "WorkingDir"):
        found.append(flag("-w", text(config, "WorkingDir")))
    found += [flag("--label", f"{k}={v}") for k, v in c.labels.items()]
    if config.get("Tty") is True:
        found.append("-t")
    if config.get("OpenStdin") is True:
        found.append("-i")
    if host.get("Init") is True:
        found.append("--init")
    elif host.get("Init") is False:
        found.append("--init=false")
    if text(config, "StopSignal"):
        found.append(flag("--stop-signal", text(config, "StopSignal")))
    if isinstance(config.get("StopTimeout"), int):
        found.append(flag("--stop-timeout", str(config["StopTimeout"])))
    return found


def health_test_flags(test: tuple[str, ...] | None) -> list[str]:
    """`--health-cmd` (or `--no-healthcheck`) for Config.Healthcheck.Test."""
    if not test:
        return []
    kind = test[0].upper()
    if kind == "NONE":
        return ["--no-healthcheck"]
    if kind == "CMD-SHELL" and len(test) > 1:
        return [flag("--health-cmd", test[1])]
    if kind == "CMD" and len(test) > 1:
        return [flag("--health-cmd", shlex.join(test[1:]))]
    return []


def health_flags(c: Container) -> list[str]:
    """The health check and every timing it sets (timings alone keep the
    image's test)."""
    found = health_test_flags(c.healthcheck)
    if found == ["--no-healthcheck"]:
        return found  # the CLI refuses timings next to it
    check = obj(_config(c), "Healthcheck")
    for key, name in (
        ("Interval", "--health-interval"),
        ("Timeout", "--health-timeout"),
        ("StartPeriod", "--health-start-period"),
    ):
        if integer(check, key) > 0:
            found.append(flag(name, go_duration(integer(check, key))))
    if integer(check, "Retries") > 0:
        found.append(flag("--health-retries", str(integer(check, "Retries"))))
    return found


def logging_flags(c: Container) -> list[str]:
    """`--log-driver` and `--log-opt`s; nothing for json-file without options
    (the engine's default)."""
    log = obj(_host(c), "LogConfig")
    driver, options = text(log, "Type"), string_map(log, "Config")
    if driver in ("", "json-file") and not options:
        return []
    found = [flag("--log-driver", driver)] if driver else []
    return found + [flag("--log-opt", f"{k}={v}") for k, v in options.items()]


def _throttles(host: dict[str, Any]) -> list[str]:
    found = []
    for key, name, value in _THROTTLES:
        for entry in mappings(host, key):
            found.append(flag(name, f"{text(entry, 'Path')}:{integer(entry, value)}"))
    return found


def _memory_extras(host: dict[str, Any]) -> list[str]:
    found = []
    for key, name in _SIZES:
        if integer(host, key) > 0:
            found.append(flag(name, docker_size(integer(host, key))))
    swappiness = host.get("MemorySwappiness")
    if isinstance(swappiness, int) and not isinstance(swappiness, bool) and swappiness >= 0:
        found.append(flag("--memory-swappiness", str(swappiness)))
    if host.get("OomKillDisable") is True:
        found.append("--oom-kill-disable")
    shm = integer(host, "ShmSize")
    if shm > 0 and shm != DEFAULT_SHM:
        found.append(flag("--shm-size", docker_size(shm)))
    return found


def gpus_value(request: dict[str, Any]) -> str | None:
    """A DeviceRequest as `--gpus` writes it, or None when it is not a GPU
    request (the CLI makes only those)."""
    capabilities = request.get("Capabilities") or [["gpu"]]
    if len(capabilities) != 1 or "gpu" not in capabilities[0]:
        return None
    count, ids = integer(request, "Count"), strings(request, "DeviceIDs") or []
    fields = ["all" if count < 0 else str(count)] if count and not ids else []
    if ids:
        fields.append(csv_field("device", ",".join(ids)))
    if text(request, "Driver"):
        fields.append(csv_field("driver", text(request, "Driver")))
    extra = [cap for cap in capabilities[0] if cap != "gpu"]
    if extra:
        fields.append(csv_field("capabilities", ",".join(extra)))
    options = [f"{k}={v}" for k, v in string_map(request, "Options").items()]
    if options:
        fields.append(csv_field("options", ",".join(options)))
    return ",".join(fields) or "0"


def resource_flags(c: Container) -> list[str]:
    """The resource settings beyond memory/CPU/PIDs/ulimits: reservations,
    swappiness, OOM, realtime CPU, cpusets, block I/O, shm, sysctls,
    runtime, isolation and GPUs."""
    host = _host(c)
    found = _memory_extras(host)
    found += [
        flag(name, str(integer(host, key))) for key, name in _NUMBERS if integer(host, key) != 0
    ]
    for key, name in (("CpusetCpus", "--cpuset-cpus"), ("CpusetMems", "--cpuset-mems")):
        if text(host, key):
            found.append(flag(name, text(host, key)))
    found += _throttles(host)
    found += [flag("--sysctl", f"{k}={v}") for k, v in string_map(host, "Sysctls").items()]
    if text(host, "Runtime") not in _DEFAULT_RUNTIMES:
        found.append(flag("--runtime", text(host, "Runtime")))
    if text(host, "Isolation") not in ("", "default"):
        found.append(flag("--isolation", text(host, "Isolation")))
    gpus = [g for r in mappings(host, "DeviceRequests") if (g := gpus_value(r)) is not None]
    return found + flags("--gpus", gpus)

"""Namespaces shared with the host, devices and cgroups (CIS 5.10, 5.16-5.18,
5.21, 5.25)."""

from __future__ import annotations

from collections.abc import Callable

from dockertui.audit.finding import FixKind
from dockertui.audit.registry import PASS, Outcome, container_check, fail
from dockertui.audit.severity import Severity
from dockertui.model import Container, EngineInfo


def _host_namespace(
    read: Callable[[Container], str], flag: str, detail: str
) -> Callable[[Container, EngineInfo], Outcome]:
    def check(c: Container, engine: EngineInfo) -> Outcome:
        if read(c) != "host":
            return PASS
        return fail(detail, command=f"remove {flag}=host")

    return check


container_check(
    "host-network",
    cis="5.10",
    severity=Severity.HIGH,
    title="Shares the host's network stack",
    why="With the host's network namespace the container can bind any host port, reach "
    "services that listen only on localhost (the Docker API, databases, cloud metadata "
    "proxies) and, with NET_ADMIN or NET_RAW, sniff or reroute host traffic.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create on a bridge network and publish only the ports it serves.",
    section="isolation",
)(
    _host_namespace(
        lambda c: c.network_mode,
        "--network",
        "--network=host: every port it opens listens on every host interface.",
    )
)

container_check(
    "host-pid",
    cis="5.16",
    severity=Severity.HIGH,
    title="Shares the host's process namespace",
    why="Sharing the host's PID namespace lets the container see every host process, read "
    "their command lines and environment, signal them, and with SYS_PTRACE take them over.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create without --pid=host.",
    section="isolation",
)(
    _host_namespace(
        lambda c: c.pid_mode, "--pid", "--pid=host: sees and can signal every host process."
    )
)

container_check(
    "host-ipc",
    cis="5.17",
    severity=Severity.HIGH,
    title="Shares the host's IPC namespace",
    why="Sharing the host's IPC namespace exposes shared memory and semaphores of host "
    "processes, where databases and browsers keep data.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create without --ipc=host.",
    section="isolation",
)(
    _host_namespace(
        lambda c: c.ipc_mode, "--ipc", "--ipc=host: host shared memory is readable and writable."
    )
)

container_check(
    "host-uts",
    cis="5.21",
    severity=Severity.MEDIUM,
    title="Shares the host's UTS namespace",
    why="With the host's UTS namespace the container can change the host's hostname and "
    "domain name, which other services trust in logs and certificates.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create without --uts=host.",
    section="isolation",
)(_host_namespace(lambda c: c.uts_mode, "--uts", "--uts=host: can rename the host."))


@container_check(
    "host-devices",
    cis="5.18",
    severity=Severity.MEDIUM,
    title="Has host devices",
    why="A host device node inside the container talks to the host's hardware and drivers "
    "directly: disks can be read raw, and driver bugs become kernel bugs.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create without --device, or with read-only access (:r) to just the "
    "device it needs.",
    section="isolation",
)
def host_devices(c: Container, engine: EngineInfo) -> Outcome:
    parts = [
        f"{d.host_path}->{d.container_path or d.host_path} ({d.permissions or 'rwm'})"
        for d in c.devices
    ]
    parts += [f"cgroup rule '{rule}'" for rule in c.device_cgroup_rules]
    if not parts:
        return PASS
    return fail(
        "Devices: " + ", ".join(parts) + ".", command="remove --device / --device-cgroup-rule"
    )


@container_check(
    "cgroup-parent",
    cis="5.25",
    severity=Severity.MEDIUM,
    title="Uses a custom cgroup parent",
    why="A custom cgroup parent moves the container out of the engine's own cgroup tree, "
    "where its resource limits and accounting may no longer apply as intended.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create without --cgroup-parent unless the host's cgroup layout needs it.",
    section="isolation",
)
def cgroup_parent(c: Container, engine: EngineInfo) -> Outcome:
    if not c.cgroup_parent:
        return PASS
    return fail(f"--cgroup-parent {c.cgroup_parent}", command="remove --cgroup-parent")

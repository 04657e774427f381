"""Facts for the panel's host-facing sections: Isolation, Mounts, Resources,
Exposure and Image."""

from __future__ import annotations

import shlex

import humanize
from rich.text import Text

from dockertui.audit import ContainerReport
from dockertui.audit.checks.image import image_pinned
from dockertui.audit.checks.mounts import mount_risk
from dockertui.audit.limits import (
    cpu_limited,
    has_healthcheck,
    memory_limited,
    pids_limited,
    restart_bounded,
)
from dockertui.audit.ports import exposures
from dockertui.audit.processes import sshd_state
from dockertui.fixes.run_command import docker_cpus
from dockertui.model import Container, EngineInfo, Mount
from dockertui.text import printable
from dockertui.ui.facts.common import DANGER, MUTED, OK, WARN, Facts, lines, noted, value
from dockertui.ui.facts.security import user_namespace

#: What sharing each namespace with the host gives the container.
_HOST_MEANS = {
    "network": "the host's network stack and its localhost services",
    "pid": "sees and signals every host process",
    "ipc": "the host's shared memory",
    "uts": "may change the host's hostname",
    "cgroupns": "sees the host's cgroup tree",
}


def _namespace(kind: str, mode: str, default: str = "private") -> Text:
    if mode == "host":
        # cgroupns host is the engine default on cgroup v1 hosts: flag it, mildly
        return noted("host", _HOST_MEANS[kind], WARN if kind == "cgroupns" else DANGER)
    if mode.startswith("container:"):
        return noted(mode, "shared with another container")
    return value(mode or default, MUTED if mode in ("", "default", "private") else "")


def isolation_facts(report: ContainerReport, engine: EngineInfo) -> Facts:
    """Namespace modes (host ones highlighted), devices, device rules, cgroup parent."""
    c = report.container
    devices = (
        value(f"{d.host_path} → {d.container_path or d.host_path} ({d.permissions})", WARN)
        for d in c.devices
    )
    return [
        ("network", _namespace("network", c.network_mode, "default")),
        ("pid", _namespace("pid", c.pid_mode)),
        ("ipc", _namespace("ipc", c.ipc_mode)),
        ("uts", _namespace("uts", c.uts_mode)),
        ("userns", user_namespace(c, engine)),
        ("cgroupns", _namespace("cgroupns", c.cgroupns_mode, "engine default")),
        ("devices", lines(devices)),
        ("device rules", lines(value(rule, WARN) for rule in c.device_cgroup_rules)),
        (
            "cgroup parent",
            value(c.cgroup_parent, WARN) if c.cgroup_parent else value("default", MUTED),
        ),
    ]


def _mount(m: Mount) -> Text:
    risk = mount_risk(m)
    source = f"{m.name} (volume)" if m.type == "volume" and m.name else m.source or "(none)"
    out = value(f"{source} → {m.destination}", DANGER if risk else "")
    out.append("  ro" if m.read_only else "  rw", style=OK if m.read_only else "")
    if m.propagation:
        shared = m.propagation in ("shared", "rshared")
        out.append(f"  {m.propagation}", style=DANGER if shared else MUTED)
    if risk:
        out.append(f"  ← {risk}", style=DANGER)
    return out


def mount_facts(report: ContainerReport, engine: EngineInfo) -> Facts:
    """Every mount (the socket and sensitive paths highlighted), root fs, tmpfs."""
    c = report.container
    facts: Facts = [(m.type, _mount(m)) for m in c.mounts]
    if not c.mounts:
        facts.append(("mounts", Text("none", style=MUTED)))
    facts.append(
        (
            "root fs",
            Text("read-only", style=OK) if c.readonly_rootfs else Text("writable", style=WARN),
        )
    )
    options = dict(c.tmpfs_options)
    tmpfs = (value(f"{p}:{options[p]}" if options.get(p) else p) for p in c.tmpfs)
    facts.append(("tmpfs", lines(tmpfs)))
    return facts


def _size(n: int) -> str:
    return humanize.naturalsize(n, binary=True)


def _swap(c: Container) -> Text:
    if c.memory_swap < 0 or (c.memory_swap == 0 and not c.memory):
        return Text("unlimited", style=WARN if c.memory else MUTED)
    if c.memory_swap == 0:
        return noted(_size(c.memory * 2), "default: memory + as much swap", MUTED)
    return noted(_size(c.memory_swap), "memory + swap", "")


def _cpu(c: Container) -> Text:
    parts: list[str] = []
    if c.nano_cpus:
        parts.append(f"{docker_cpus(c.nano_cpus)} CPUs")
    if c.cpu_quota:
        period = c.cpu_period or 100_000
        parts.append(f"quota {c.cpu_quota} µs per {period} µs")
    if c.cpu_shares:
        parts.append(f"{c.cpu_shares} shares")
    return Text(", ".join(parts), style=OK) if cpu_limited(c) else Text("unlimited", style=WARN)


def _restart(c: Container) -> Text:
    policy = c.restart_policy or "no"
    if policy == "on-failure":
        policy += f" (max {c.restart_max_retries or 'unlimited'} retries)"
    out = value(policy, OK if restart_bounded(c) else WARN)
    out.append(f"  restarted {c.restart_count} times", style=WARN if c.restart_count else MUTED)
    return out


def _health(c: Container) -> Text:
    test = c.healthcheck
    if not test:
        return Text("none", style=WARN)
    if not has_healthcheck(c):
        return Text("disabled (NONE)", style=WARN)
    kind = test[0].upper()
    command = test[1] if kind == "CMD-SHELL" and len(test) > 1 else shlex.join(test[1:])
    status = c.health_status or "no status yet"
    style = OK if status == "healthy" else DANGER if status == "unhealthy" else MUTED
    out = value(command, OK)
    out.append(f"  {status}", style=style)
    return out


def resource_facts(report: ContainerReport, engine: EngineInfo) -> Facts:
    """Memory and swap (human-readable), CPU, PIDs, restart policy, health, ulimits."""
    c = report.container
    memory = Text(_size(c.memory), style=OK) if memory_limited(c) else Text("unlimited", style=WARN)
    pids = Text(str(c.pids_limit), style=OK) if pids_limited(c) else Text("unlimited", style=WARN)
    return [
        ("memory", memory),
        ("swap", _swap(c)),
        ("cpu", _cpu(c)),
        ("pids", pids),
        ("restart", _restart(c)),
        ("health", _health(c)),
        ("ulimits", lines((value(u) for u in c.ulimits), "engine defaults")),
    ]


def exposure_facts(report: ContainerReport, engine: EngineInfo) -> Facts:
    """Published ports and where they listen; host networking; networks with IPs and aliases."""
    c = report.container
    facts: Facts = []
    if c.host_network:
        facts.append(("host network", Text("every listening port is on the host", style=DANGER)))
    ports = []
    for p in exposures(c):
        out = value(p.describe())
        if p.all_interfaces:
            out.append("  all interfaces", style=DANGER)
        elif p.loopback:
            out.append("  loopback only", style=OK)
        if p.privileged_host_port:
            out.append("  privileged host port", style=WARN)
        ports.append(out)
    facts.append(("ports", lines(ports, "none published")))
    networks = []
    for n in c.networks:
        out = value(n.name, "bold")
        out.append(f"  {n.ip or 'no address'}", style="" if n.ip else MUTED)
        if n.aliases:
            out.append("  aliases: ", style=MUTED)
            out.append_text(value(", ".join(n.aliases)))
        networks.append(out)
    facts.append(("networks", lines(networks)))
    return facts


def image_facts(report: ContainerReport, engine: EngineInfo) -> Facts:
    """The image reference and id, and the command the container runs."""
    c = report.container
    image_id = c.image_id.removeprefix("sha256:")[:12]
    return [
        ("image", _image(c)),
        ("image id", value(image_id or "(unknown)", MUTED)),
        ("command", value(shlex.join(c.command)) if c.command else Text("none", style=MUTED)),
        ("ssh server", _sshd(c)),
    ]


def _image(c: Container) -> Text:
    pinned = image_pinned(c)
    if pinned is False:
        return noted(c.image, "not pinned: latest or no tag", WARN)
    return value(c.image or "(unknown)", "bold")


def _sshd(c: Container) -> Text:
    """Whether it runs sshd, and how that was judged (what runs, or what it would run)."""
    state = sshd_state(c)
    how = state.source.value
    if state.found:
        return noted("yes", f"{how}: {printable(state.evidence)}", WARN)
    return noted("none", how, OK)

"""How a plan reads to a person: the before/after diff of the configuration,
the equivalent `docker run` command and a compose snippet. Pure text."""

from __future__ import annotations

import shlex
from collections.abc import Callable

from dockertui.audit import capabilities as caps
from dockertui.fixes.compose_service import DataMap, compose_externals, compose_service, to_yaml
from dockertui.fixes.plan import FixPlan
from dockertui.fixes.run_command import docker_cpus, docker_size, port_spec, run_command
from dockertui.model import Container


def _publish_all(c: Container) -> list[str]:
    return ["-P: every exposed port, on every interface"] if c.publish_all_ports else []


#: (label, how to read it from a Container) for every field a change touches.
FIELDS: tuple[tuple[str, Callable[[Container], object]], ...] = (
    ("user", lambda c: c.user or "(image default: root)"),
    ("privileged", lambda c: c.privileged),
    ("cap_add", lambda c: sorted(caps.normalize_all(c.cap_add))),
    ("cap_drop", lambda c: sorted(caps.normalize_all(c.cap_drop))),
    ("security_opt", lambda c: list(c.security_opt)),
    ("read_only", lambda c: c.readonly_rootfs),
    ("tmpfs", lambda c: sorted(c.tmpfs)),
    ("ports", lambda c: sorted(p.describe() for p in c.port_bindings) + _publish_all(c)),
    ("network_mode", lambda c: c.network_mode),
    ("pid", lambda c: c.pid_mode),
    ("ipc", lambda c: c.ipc_mode),
    ("uts", lambda c: c.uts_mode),
    ("userns", lambda c: c.userns_mode),
    ("memory", lambda c: docker_size(c.memory) if c.memory else "unlimited"),
    ("memory_swap", lambda c: docker_size(c.memory_swap) if c.memory_swap > 0 else "unlimited"),
    ("cpus", lambda c: docker_cpus(c.nano_cpus) if c.nano_cpus else "unlimited"),
    ("pids_limit", lambda c: c.pids_limit if c.pids_limit and c.pids_limit > 0 else "unlimited"),
    ("restart", lambda c: f"{c.restart_policy or 'no'}:{c.restart_max_retries}"),
)


#: (diff label, compose key, Container attribute) for the namespace modes.
NAMESPACE_KEYS = (
    ("network_mode", "network_mode", "network_mode"),
    ("pid", "pid", "pid_mode"),
    ("ipc", "ipc", "ipc_mode"),
    ("uts", "uts", "uts_mode"),
    ("userns", "userns_mode", "userns_mode"),
)


def diff(plan: FixPlan) -> list[tuple[str, str, str]]:
    """(field, before, after) for every field the plan changes."""
    rows = []
    for label, read in FIELDS:
        old, new = read(plan.container), read(plan.predicted)
        if old != new:
            rows.append((label, _show(old), _show(new)))
    return rows


def _show(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value) if value not in ("", None) else "—"


def diff_text(plan: FixPlan) -> str:
    lines = [f"- {label}: {old}\n+ {label}: {new}" for label, old, new in diff(plan)]
    return "\n".join(lines) or "(no configuration change)"


def docker_run(plan: FixPlan) -> str:
    """The complete `docker run` command the re-created container amounts to
    (with `&& docker network connect ...` for each further network)."""
    return run_command(plan.predicted)


def docker_update(plan: FixPlan) -> str:
    """The `docker update` command for the plan's live part ("" when it has none)."""
    body = plan.update_body
    if not body:
        return ""
    flags = []
    if "Memory" in body:
        flags.append(f"--memory {docker_size(body['Memory'])}")
    if "MemorySwap" in body:
        swap = body["MemorySwap"]
        flags.append(f"--memory-swap {'-1' if swap < 0 else docker_size(swap)}")
    if "NanoCpus" in body:
        flags.append(f"--cpus {docker_cpus(body['NanoCpus'])}")
    if "PidsLimit" in body:
        flags.append(f"--pids-limit {body['PidsLimit']}")
    if "RestartPolicy" in body:
        policy = body["RestartPolicy"]
        name, retries = policy.get("Name") or "no", policy.get("MaximumRetryCount") or 0
        flags.append(
            f"--restart {name}:{retries}"
            if name == "on-failure" and retries
            else f"--restart {name}"
        )
    name = plan.container.name or plan.container.short_id
    return " ".join(["docker update", *flags, shlex.quote(name)])


#: The label docker compose puts on the containers it manages.
COMPOSE_PROJECT_LABEL = "com.docker.compose.project"


def compose_snippet(plan: FixPlan) -> str:
    """The fix as a docker-compose service (YAML).

    For a container compose manages: only the keys the plan changes, to
    merge into the service in its compose file (compose would revert a
    change made behind its back). For any other container: the complete
    service (fixes.compose_service), so the copy is the same container; a
    key the plan clears is kept as null so the change stays visible."""
    c = plan.predicted
    delta = _changed_keys(plan)
    if COMPOSE_PROJECT_LABEL in plan.container.labels:
        name = plan.container.labels.get("com.docker.compose.service") or c.name
        return to_yaml({"services": DataMap({name: delta})})
    service = compose_service(c)
    for key, value in delta.items():
        service.setdefault(key, value)
    return to_yaml({"services": DataMap({c.name or c.short_id: service}), **compose_externals(c)})


def _changed_keys(plan: FixPlan) -> dict[str, object]:
    """The compose keys of the fields the plan changes, with their new values."""
    c = plan.predicted
    keys: dict[str, object] = {}
    changed = {label for label, _, _ in diff(plan)}
    if "user" in changed:
        keys["user"] = c.user
    if "privileged" in changed:
        keys["privileged"] = c.privileged
    if "cap_add" in changed or "cap_drop" in changed:
        keys["cap_drop"] = sorted(c.cap_drop)
        if c.cap_add:
            keys["cap_add"] = sorted(c.cap_add)
    # label=disable is the engine's own addition for a privileged or host-PID
    # or host-IPC container, never in a compose file: not a change to merge.
    ours = [o for o in plan.container.security_opt if o != "label=disable"]
    if "security_opt" in changed and list(c.security_opt) != ours:
        keys["security_opt"] = list(c.security_opt)
    if "read_only" in changed:
        keys["read_only"] = c.readonly_rootfs
    if "tmpfs" in changed:
        keys["tmpfs"] = sorted(c.tmpfs)
    if "ports" in changed:
        keys["ports"] = [port_spec(p) for p in c.port_bindings]
    for label, key, mode in NAMESPACE_KEYS:
        if label in changed:
            keys[key] = getattr(c, mode) or None
    if "memory" in changed:
        keys["mem_limit"] = docker_size(c.memory)
        keys["memswap_limit"] = docker_size(c.memory_swap)
    if "cpus" in changed:
        keys["cpus"] = docker_cpus(c.nano_cpus)
    if "pids_limit" in changed:
        keys["pids_limit"] = c.pids_limit
    if "restart" in changed:
        keys["restart"] = f"{c.restart_policy}:{c.restart_max_retries}"
    return keys

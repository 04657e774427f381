"""A swarm service, audited: the container checks applied to its task template.

Each task of a service is a container made from the template, so the
template is judged as the container a task would be
(`model.service.task_container`) by the same registered container checks,
with the same predicates. Only the checks a service spec can fail run
(`SERVICE_FIXES`: a spec has no privileged mode, devices or host
namespaces, and no running state to verify); each finding's fix becomes
the `docker service update` command that removes it, or says that no flag
of that command can. dockertui shows these commands, it never runs them."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from dockertui.audit import capabilities as caps
from dockertui.audit.checks.mounts import mount_risk
from dockertui.audit.finding import Finding, Fix, FixKind
from dockertui.audit.limits import MAX_RETRIES
from dockertui.audit.registry import CHECKS, Check
from dockertui.audit.runner import ContainerReport, audit_container
from dockertui.audit.secrets import secret_names
from dockertui.audit.severity import Severity
from dockertui.model import Container, EngineInfo
from dockertui.model.service import PublishMode, Service, task_container

#: The flags of `docker service update` that fix a finding, from the service
#: and the container its tasks would be; "" when no flag of that command can
#: (then `NO_FLAG` says what to do instead).
Flags = Callable[[Service, Container], str]


def _cap_drops(names: Iterable[str]) -> str:
    return " ".join(f"--cap-drop {name}" for name in names)


def _added(s: Service, c: Container) -> str:
    held = caps.delta(c.cap_add, c.cap_drop, privileged=False)
    return "--cap-drop ALL" if held.every else _cap_drops(sorted(held.added))


def _dangerous(s: Service, c: Container) -> str:
    held = caps.delta(c.cap_add, c.cap_drop, privileged=False)
    if held.every:
        return "--cap-drop ALL --cap-add <only what it needs>"
    return _cap_drops(held.dangerous)


def _kept(s: Service, c: Container) -> str:
    return _cap_drops(caps.delta(c.cap_add, c.cap_drop, privileged=False).kept_hardening)


def _mounts_of(*risks: str) -> Flags:
    def flags(s: Service, c: Container) -> str:
        return " ".join(
            f"--mount-rm {shlex.quote(m.destination)}" for m in c.mounts if mount_risk(m) in risks
        )

    return flags


def _propagation(s: Service, c: Container) -> str:
    return " ".join(
        f"--mount-rm {shlex.quote(m.target)} --mount-add "
        + shlex.quote(f"type={m.type},source={m.source},target={m.target}")
        for m in s.mounts
        if m.propagation in ("shared", "rshared", "slave", "rslave")
    )


def _secrets(s: Service, c: Container) -> str:
    names = secret_names(c)
    return " ".join(
        [f"--env-rm {shlex.quote(n)}" for n in names]
        + [f"--secret-add {shlex.quote(n.lower())}" for n in names]
    )


def _ports(s: Service, c: Container) -> str:
    """Ingress ports to host mode (open only on the nodes that run a task);
    a swarm cannot bind a published port to one interface."""
    flags = []
    for p in s.ports:
        if p.mode is PublishMode.INGRESS:
            flags.append(
                f"--publish-rm {p.target} --publish-add "
                f"published={p.published or p.target},target={p.target},"
                f"protocol={p.protocol},mode=host"
            )
    return " ".join(flags)


def _low_ports(s: Service, c: Container) -> str:
    return " ".join(
        f"--publish-rm {p.target} --publish-add published=8{p.published:0>3},target={p.target},"
        f"protocol={p.protocol},mode={p.mode.value}"
        for p in s.ports
        if 0 < p.published < 1024
    )


def _fixed(flags: str) -> Flags:
    return lambda s, c: flags


SERVICE_FIXES: dict[str, Flags] = {
    "cap-added": _added,
    "cap-dangerous": _dangerous,
    "cap-not-dropped": _kept,
    "root-user": _fixed("--user 1000:1000"),
    "secrets-in-env": _secrets,
    "image-latest": lambda s, c: f"--image {shlex.quote(s.image.split(':')[0])}@sha256:<digest>",
    "sshd-running": _fixed("--image <an image that runs no sshd>"),
    "host-network": _fixed("--network-rm host --network-add <overlay network>"),
    "docker-socket": _mounts_of("engine socket", "socket folder"),
    "sensitive-mount": _mounts_of("sensitive host path"),
    "mount-propagation": _propagation,
    "rootfs-writable": _fixed("--read-only"),
    "memory-unlimited": _fixed("--limit-memory 512M"),
    "cpu-unlimited": _fixed("--limit-cpu 1"),
    "pids-unlimited": _fixed("--limit-pids 256"),
    "restart-policy": _fixed(f"--restart-max-attempts {MAX_RETRIES}"),
    "ulimit-default": _fixed("--ulimit-add nofile=1024:2048"),
    "port-all-interfaces": _ports,
    "port-privileged": _low_ports,
    "port-published": _fixed(""),
    "seccomp-disabled": _fixed(""),
    "no-new-privileges": _fixed(""),
    "apparmor-disabled": _fixed(""),
    "selinux-disabled": _fixed(""),
}

_PRIVILEGES = (
    "No docker service update flag sets this: change the service's "
    "Spec.TaskTemplate.ContainerSpec.Privileges through the API (POST /services/{id}/update)."
)
#: What to do where no flag of `docker service update` fixes the finding.
NO_FLAG: dict[str, str] = {
    "seccomp-disabled": _PRIVILEGES,
    "apparmor-disabled": _PRIVILEGES,
    "selinux-disabled": _PRIVILEGES,
    "port-all-interfaces": "A swarm cannot bind a published port to one interface: "
    "limit who reaches it with the nodes' firewall, or remove it (docker service update "
    "--publish-rm <target>) and reach the service through an overlay network.",
    "no-new-privileges": "No docker service update flag sets this on Docker 20.10: start "
    "dockerd with --no-new-privileges on every node, or set Privileges.NoNewPrivileges "
    "through the API where the engine has it.",
}

SERVICE_FIX_SUMMARY = (
    "Update the service (shown, never run by dockertui): the swarm replaces its tasks "
    "with ones made from the changed template."
)
#: Where the command needs something done before it can run.
BEFORE: dict[str, str] = {
    "secrets-in-env": "Put each value in a swarm secret first (docker secret create "
    "<name> -, the value on standard input) and make the service read "
    "/run/secrets/<name> instead of the variable. ",
}


@dataclass(frozen=True)
class ServiceReport:
    """A service and its task template judged as the container a task would
    be (`template`), its findings' fixes made `docker service update`s."""

    service: Service
    template: ContainerReport

    @property
    def findings(self) -> tuple[Finding, ...]:  # worst first
        return self.template.findings

    @property
    def effective_capabilities(self) -> frozenset[str]:
        return self.template.effective_capabilities

    @property
    def user(self) -> str:
        return self.template.user

    @property
    def score(self) -> int:
        return self.template.score

    @property
    def grade(self) -> str:
        return self.template.grade

    @property
    def worst(self) -> Severity | None:
        return self.template.worst


def service_checks() -> list[Check]:
    """The container checks that judge a task template, in registry order."""
    return [c for c in CHECKS.values() if c.scope == "container" and c.id in SERVICE_FIXES]


def update_command(service: Service, flags: str) -> str:
    return f"docker service update {flags} {shlex.quote(service.name)}"


#: Said after a port finding's detail when a port goes through the routing mesh.
INGRESS_NOTE = " Published through the ingress network: open on every node of the swarm."


def _as_service_finding(finding: Finding, service: Service, container: Container) -> Finding:
    if finding.check.startswith("port-") and any(
        p.mode is PublishMode.INGRESS for p in service.ports
    ):
        finding = replace(finding, detail=finding.detail + INGRESS_NOTE)
    if finding.fix.kind is FixKind.NONE or finding.check not in SERVICE_FIXES:
        return finding  # informational (or a check that failed): nothing to run
    flags = SERVICE_FIXES[finding.check](service, container)
    if not flags:
        return replace(finding, fix=Fix(FixKind.MANUAL, NO_FLAG.get(finding.check, "")))
    summary = BEFORE.get(finding.check, "") + SERVICE_FIX_SUMMARY
    return replace(finding, fix=Fix(FixKind.SWARM, summary, update_command(service, flags)))


def audit_service(
    service: Service, engine: EngineInfo, network_names: dict[str, str] | None = None
) -> ServiceReport:
    """Judge `service`'s task template with the container checks."""
    container = task_container(service, network_names)
    report = audit_container(container, engine, service_checks())
    findings = tuple(_as_service_finding(f, service, container) for f in report.findings)
    return ServiceReport(service, replace(report, findings=findings))


def audit_services(services: Iterable[Service], engine: EngineInfo) -> tuple[ServiceReport, ...]:
    """Every service, worst first (then by name)."""
    names = {n.id: n.name for n in engine.swarm.networks} if engine.swarm else {}
    reports = [audit_service(s, engine, names) for s in services]
    return tuple(
        sorted(reports, key=lambda r: (-(r.worst.rank if r.worst else -1), r.score, r.service.name))
    )

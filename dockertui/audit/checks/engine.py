"""Daemon and client checks (CIS section 2, and 1.2.2, 4.5, 5.1, 6.2)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TypedDict

from dockertui.audit.advisories import CHECKED, active, affecting
from dockertui.audit.daemon_change import daemon_change, fragment
from dockertui.audit.finding import FixKind
from dockertui.audit.identity import EngineMode, engine_mode
from dockertui.audit.registry import NOT_APPLICABLE, PASS, Hit, Outcome, engine_check, fail
from dockertui.audit.severity import Severity
from dockertui.model import ClientFacts, EngineInfo
from dockertui.model.daemon import Value, default_config_file, show

STOPPED_SPRAWL = 20

#: What tlsverify needs beside it: dockerd does not start without the CA,
#: its certificate and its key. Placeholders, named as such in the finding.
TLS_FILES: dict[str, Value] = {
    "tlscacert": "/etc/docker/certs/ca.pem",
    "tlscert": "/etc/docker/certs/server-cert.pem",
    "tlskey": "/etc/docker/certs/server-key.pem",
}


def _daemon(setting: str, rootless: bool = False) -> str:
    return f"{default_config_file(rootless)}: {setting}, then restart dockerd"


class _DaemonFix(TypedDict):
    command: str
    diff: str


#: Where rootful Podman keeps what dockerd keeps in daemon.json (it has no
#: daemon.json, so its fixes carry no diff).
PODMAN_CONF = "/etc/containers/containers.conf"
PODMAN_REGISTRIES = "/etc/containers/registries.conf"


def _change_command(
    key: str, value: Value | None, rootless: bool = False, also: Mapping[str, Value] = {}
) -> str:
    """The command of `_change` where dockerd's settings were not read (and
    what docs/checks.md shows for it: None for a value the check computes)."""
    setting = fragment(key, value) if value is not None else f'"{key}": <value>'
    command = _daemon(", ".join([setting, *(fragment(k, v) for k, v in also.items())]), rootless)
    if also:
        command += f" ({', '.join(also)}: placeholder paths, the files must exist)"
    return command


def _change(
    engine: EngineInfo, key: str, value: Value, placeholders: Mapping[str, Value] = {}
) -> _DaemonFix:
    """A daemon fix's command, and its exact diff when dockerd's settings were
    read; `placeholders` as daemon_change takes them."""
    if engine.daemon is None:
        rootless = engine_mode(engine) is EngineMode.ROOTLESS
        return {"command": _change_command(key, value, rootless, placeholders), "diff": ""}
    change = daemon_change(engine.daemon, key, value, placeholders)
    said = change.caution if change.diff or change.already else change.note
    return {
        "command": f"{change.command} ({said})" if said else change.command,
        "diff": change.diff,
    }


def _tls(engine: EngineInfo) -> _DaemonFix:
    """tlsverify, with the certificate files it needs (placeholders)."""
    return _change(engine, "tlsverify", True, TLS_FILES)


def _tls_command() -> str:
    return _change_command("tlsverify", True, also=TLS_FILES)


def _source(engine: EngineInfo, key: str, in_effect: Value | None = None) -> str:
    """ " (default: not set in … or on the command line)": where the setting
    comes from, when dockerd's settings were read; and, when they no longer
    give what the running engine has, that a restart is pending."""
    if engine.daemon is None:
        return ""
    setting = engine.daemon.setting(key)
    if in_effect is not None and setting.value != in_effect:
        return (
            f" in the running engine; its settings now give {show(setting.value)} "
            f"({setting.describe()}), applied at dockerd's next restart"
        )
    return f" ({setting.describe()})"


@engine_check(
    "icc-enabled",
    cis="2.2",
    severity=Severity.MEDIUM,
    title="Containers on the default bridge can all talk to each other",
    why="With inter-container communication on, any container on the default bridge can "
    "reach every port of every other one: one compromised service can attack the rest.",
    fix=FixKind.DAEMON,
    fix_summary='Set "icc": false and link the containers that must talk on user-defined networks.',
    not_on_podman="Podman has no icc switch: containers on one Podman network always reach "
    "each other, so keep services that must not talk on separate networks.",
)
def icc_enabled(engine: EngineInfo, client: ClientFacts) -> Outcome:
    if engine.icc is None:
        return NOT_APPLICABLE
    if not engine.icc:
        return PASS
    detail = "The bridge network has com.docker.network.bridge.enable_icc=true."
    if engine.daemon is not None:
        detail = f"icc is on{_source(engine, 'icc', True)}."
    return fail(detail, **_change(engine, "icc", False))


@engine_check(
    "userns-disabled",
    cis="2.9",
    severity=Severity.MEDIUM,
    title="User namespace remapping is off",
    why="Without user-namespace remapping, root in any container is UID 0 on the host: "
    "every escape lands as root.",
    fix=FixKind.DAEMON,
    fix_summary='Set "userns-remap": "default" (or run the engine rootless).',
)
def userns_disabled(engine: EngineInfo, client: ClientFacts) -> Outcome:
    if engine_mode(engine).remaps_root:
        return PASS
    if engine.podman:
        return fail(
            "SecurityOptions has no name=rootless: rootful Podman maps no user namespace "
            "unless a container asks for one (--userns=auto).",
            fix_summary='Set userns = "auto" in containers.conf, or run Podman rootless.',
            command=f'{PODMAN_CONF}: [containers] userns = "auto" (or run Podman rootless)',
        )
    return fail(
        "SecurityOptions lists neither name=userns nor name=rootless"
        f"{_source(engine, 'userns-remap', '')}.",
        **_change(engine, "userns-remap", "default"),
    )


@engine_check(
    "rootful-daemon",
    cis="2.1",
    severity=Severity.INFO,
    title="The engine runs as root",
    why="A rootful daemon means anything that controls the engine controls the host; "
    "rootless mode limits the damage to one unprivileged user.",
    fix=FixKind.MANUAL,
    fix_summary="Consider rootless mode (dockerd-rootless-setuptool.sh install).",
)
def rootful_daemon(engine: EngineInfo, client: ClientFacts) -> Outcome:
    if engine_mode(engine) is EngineMode.ROOTLESS:
        return PASS
    if engine.podman:
        return fail(
            "SecurityOptions has no name=rootless: this Podman service runs as root.",
            fix_summary="Serve Podman as an unprivileged user instead.",
            command="systemctl --user enable --now podman.socket (as that user)",
        )
    return fail("SecurityOptions has no name=rootless.")


@engine_check(
    "live-restore-off",
    cis="2.15",
    severity=Severity.LOW,
    title="Live restore is off",
    why="Without live restore every daemon restart or upgrade stops every container, "
    "which pushes operators to delay security upgrades.",
    fix=FixKind.DAEMON,
    fix_summary='Set "live-restore": true.',
    not_on_podman="Podman has no daemon to restart (each container has its own conmon), "
    "so live-restore does not apply.",
)
def live_restore_off(engine: EngineInfo, client: ClientFacts) -> Outcome:
    if engine.live_restore or engine.swarm_state == "active":
        return PASS
    return fail(
        f"LiveRestoreEnabled is false{_source(engine, 'live-restore', False)}.",
        **_change(engine, "live-restore", True),
    )


@engine_check(
    "nnp-daemon-off",
    cis="2.14",
    severity=Severity.LOW,
    title="No daemon-wide no-new-privileges",
    why="Setting no-new-privileges in the daemon protects every container, including those "
    "started without the flag, from set-user-ID escalation.",
    fix=FixKind.DAEMON,
    fix_summary='Set "no-new-privileges": true.',
    not_on_podman="Podman has no engine-wide no-new-privileges (containers.conf has no such "
    "setting), so each container is judged on its own setting.",
)
def nnp_daemon_off(engine: EngineInfo, client: ClientFacts) -> Outcome:
    if engine.has_option("no-new-privileges"):
        return PASS
    return fail(
        f"SecurityOptions has no name=no-new-privileges{_source(engine, 'no-new-privileges', False)}.",
        **_change(engine, "no-new-privileges", True),
    )


@engine_check(
    "seccomp-daemon",
    cis="2.17",
    severity=Severity.HIGH,
    title="The engine does not apply seccomp",
    why="Without seccomp in the engine, no container gets a syscall filter, and every "
    "kernel bug reachable by a system call is reachable from every container.",
    fix=FixKind.DAEMON,
    fix_summary="Run the engine on a kernel with seccomp and keep the default profile.",
    also=(Severity.INFO,),
)
def seccomp_daemon(engine: EngineInfo, client: ClientFacts) -> Outcome:
    warned = [w for w in engine.warnings if "seccomp" in w.lower()]
    if not engine.has_option("seccomp"):
        return fail("SecurityOptions has no name=seccomp.")
    if warned:
        return fail(warned[0])
    profile = engine.option("seccomp", "profile")
    if profile not in ("", "default", "builtin"):
        return fail(
            f"The daemon's default seccomp profile is custom ({profile}); review it.",
            severity=Severity.INFO,
            title="The engine uses a custom seccomp profile",
        )
    return PASS


_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def _beyond_loopback(cidr: str) -> bool:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return True
    return not any(
        net.version == lo.version and net.subnet_of(lo)  # type: ignore[arg-type]
        for lo in _LOOPBACK
    )


def _remote_registry(name: str) -> bool:
    """False for a registry on this host: localhost:5000, 127.0.0.1:5000, [::1]:5000."""
    host = name.rsplit(":", 1)[0] if not name.endswith("]") else name
    host = host.strip("[]")
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


@engine_check(
    "insecure-registry",
    cis="2.5",
    severity=Severity.MEDIUM,
    title="Pulls from insecure registries",
    why="An insecure registry is reached over plain HTTP or unchecked TLS: anyone on the "
    "path can swap the images the host runs.",
    fix=FixKind.DAEMON,
    fix_summary='Remove the entries from "insecure-registries" and give the registry a '
    "trusted certificate.",
)
def insecure_registry(engine: EngineInfo, client: ClientFacts) -> Outcome:
    entries = [c for c in engine.insecure_registry_cidrs if _beyond_loopback(c)]
    entries += [r for r in engine.insecure_registries if r not in entries and _remote_registry(r)]
    if not entries:
        return PASS
    if engine.podman:
        return fail(
            "Insecure: " + ", ".join(entries) + f" ({PODMAN_REGISTRIES} marks them insecure).",
            command=f"{PODMAN_REGISTRIES}: remove insecure = true from the [[registry]] "
            f"of {', '.join(entries)}",
        )
    kept: tuple[str, ...] = ()
    if engine.daemon is not None:
        current = engine.daemon.setting("insecure-registries").value
        kept = tuple(e for e in current if e not in entries) if isinstance(current, tuple) else ()
    return fail(
        "Insecure: " + ", ".join(entries) + f"{_source(engine, 'insecure-registries')}.",
        **_change(engine, "insecure-registries", kept),
    )


@engine_check(
    "tcp-without-tls",
    cis="2.7",
    severity=Severity.CRITICAL,
    title="The engine API is reachable without TLS",
    why="The Docker API over plain TCP lets anyone who can reach the port run a privileged "
    "container, which is root on the host, with no password.",
    fix=FixKind.DAEMON,
    fix_summary="Serve the API on tcp only with --tlsverify and client certificates, or "
    "over SSH; point clients at it with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH.",
)
def tcp_without_tls(engine: EngineInfo, client: ClientFacts) -> Outcome:
    hits = []
    if client.plain_tcp:
        hits.append(
            Hit(
                f"This client reaches {client.endpoint} in plain text.",
                # Podman: its API service is best reached over SSH
                command="export DOCKER_HOST=ssh://<user>@<host>"
                if engine.podman
                else "export DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=~/.docker",
                fix_summary="Reach Podman over SSH (its service on a unix socket there)."
                if engine.podman
                else "Reach the engine over TLS with client certificates, or over SSH.",
                kind=FixKind.CLIENT,
            )
        )
    if engine.podman:
        return hits  # Podman's API never warns, and has no dockerd --tlsverify
    for warning in engine.warnings:
        if _plain_api_warning(warning):
            hits.append(
                Hit(
                    f"The daemon warns: {warning}{_source(engine, 'tlsverify')}",
                    **_tls(engine),
                )
            )
    return hits


@engine_check(
    "tls-verify-off",
    cis=None,
    severity=Severity.HIGH,
    title="TLS without certificate verification",
    why="TLS that does not verify the engine's certificate encrypts the traffic but lets "
    "anyone on the path pose as the engine and capture what the client sends.",
    fix=FixKind.CLIENT,
    fix_summary="Set DOCKER_TLS_VERIFY=1 (or clear SkipTLSVerify in the context) and "
    "trust the engine's CA.",
)
def tls_verify_off(engine: EngineInfo, client: ClientFacts) -> Outcome:
    if client.tls and not client.tls_verify:
        return fail(
            f"TLS to {client.endpoint} does not verify the server (context {client.context}).",
            command="export DOCKER_TLS_VERIFY=1",
        )
    return PASS


@engine_check(
    "authz-plugin-missing",
    cis="2.12",
    severity=Severity.LOW,
    title="No authorization plugin",
    why="Without an authorization plugin every client that reaches the API may do "
    "everything, including starting privileged containers.",
    fix=FixKind.DAEMON,
    fix_summary='Add an authorization plugin with "authorization-plugins".',
    not_on_podman="Podman has no authorization plugins: whoever can open its socket may do "
    "everything, so guard the socket's permissions instead.",
)
def authz_plugin_missing(engine: EngineInfo, client: ClientFacts) -> Outcome:
    if engine.authorization_plugins:
        return PASS
    return fail(f"Plugins.Authorization is empty{_source(engine, 'authorization-plugins')}.")


@engine_check(
    "log-local-only",
    cis="2.13",
    severity=Severity.INFO,
    title="Container logs stay on this host",
    why="Logs kept only on the host can be erased by whoever takes it; shipping them off "
    "the host keeps the trail.",
    fix=FixKind.DAEMON,
    fix_summary='Set "log-driver" to a remote driver (syslog, journald with forwarding, '
    "fluentd, gelf).",
    not_on_podman="Podman's API does not report its log driver (containers.conf's "
    "log_driver), so where its logs go cannot be judged here.",
)
def log_local_only(engine: EngineInfo, client: ClientFacts) -> Outcome:
    if engine.logging_driver in ("json-file", "local"):
        return fail(f"LoggingDriver is {engine.logging_driver}{_source(engine, 'log-driver')}.")
    return PASS


@engine_check(
    "debug-logging",
    cis="2.3",
    severity=Severity.LOW,
    title="The daemon logs at debug level",
    why="Debug logs record request details, which can include sensitive data, and grow fast.",
    fix=FixKind.DAEMON,
    fix_summary='Set "debug": false and "log-level": "info".',
)
def debug_logging(engine: EngineInfo, client: ClientFacts) -> Outcome:
    if not engine.debug:
        return PASS
    if engine.podman:
        return fail(
            "Debug is true: this Podman service logs at debug level.",
            command="restart podman system service without --log-level=debug",
        )
    return fail(
        f"Debug is true{_source(engine, 'debug', True)}.", **_change(engine, "debug", False)
    )


@engine_check(
    "experimental",
    cis="2.18",
    severity=Severity.LOW,
    title="Experimental features are on",
    why="Experimental features are not held to the same review and support as the rest of "
    "the engine; production hosts should not run them.",
    fix=FixKind.DAEMON,
    fix_summary='Set "experimental": false.',
    not_on_podman="Podman's API always reports ExperimentalBuild true: it has no "
    "experimental switch to turn off.",
)
def experimental(engine: EngineInfo, client: ClientFacts) -> Outcome:
    if not engine.experimental:
        return PASS
    return fail(
        f"Experimental is true{_source(engine, 'experimental', True)}.",
        **_change(engine, "experimental", False),
    )


@engine_check(
    "content-trust-off",
    cis="4.5",
    severity=Severity.LOW,
    title="Image signatures are not enforced by this client",
    why="Without content trust the client pulls and runs images without checking who signed them.",
    fix=FixKind.CLIENT,
    fix_summary="Export DOCKER_CONTENT_TRUST=1 where images are pulled.",
    not_on_podman="Podman's own tools ignore DOCKER_CONTENT_TRUST and check image signatures "
    "by /etc/containers/policy.json, which its API does not report.",
)
def content_trust_off(engine: EngineInfo, client: ClientFacts) -> Outcome:
    if client.content_trust:
        return PASS
    return fail("DOCKER_CONTENT_TRUST is not 1.", command="export DOCKER_CONTENT_TRUST=1")


@engine_check(
    "engine-outdated",
    cis="1.2.2",
    severity=Severity.HIGH,
    title="Engine or runtime version has known escapes",
    why="Old engine and runtime versions carry published container escapes; an attacker "
    "in any container can follow a public write-up to the host.",
    fix=FixKind.MANUAL,
    fix_summary="Upgrade the engine and its runtime (runc, containerd). The bundled advisory "
    f"table is checked as of {CHECKED}; --advisories FILE (console or scan) judges with a newer one.",
    # each advisory's own severity (a newer table, --advisories, may use any),
    # and info for a distribution build
    also=tuple(Severity),
)
def engine_outdated(engine: EngineInfo, client: ClientFacts) -> Outcome:
    components = dict(engine.components)
    commits = dict(engine.component_commits)
    if "Engine" not in components and engine.version and not engine.podman:
        components["Engine"] = engine.version
    hits = []
    table = active()
    for adv, installed, distro in affecting(components, commits, table):
        if distro:
            detail = (
                f"{adv.component} {installed} may be patched: it is older than {adv.fixed_in} "
                f"({adv.cves}: {adv.summary}), but it is a distribution build, which may carry "
                f"the fix as a backport; check its changelog ({table.as_of})."
            )
        else:
            detail = (
                f"{adv.component} {installed} is older than {adv.fixed_in} ({adv.cves}): "
                f"{adv.summary} ({table.as_of})."
            )
        hits.append(
            Hit(
                detail,
                severity=Severity.INFO if distro else adv.severity,
                command=f"upgrade {adv.component} to {adv.fixed_in} or later",
            )
        )
    return hits


@engine_check(
    "daemon-warnings",
    cis=None,
    severity=Severity.LOW,
    title="The daemon reports warnings",
    why="The daemon warns when a protection it expects (cgroup limits, swap accounting, "
    "bridge filtering) is missing on this host.",
    fix=FixKind.DAEMON,
    fix_summary="Resolve what each warning names.",
    not_on_podman="Podman's API never reports warnings (its Warnings list is always empty).",
)
def daemon_warnings(engine: EngineInfo, client: ClientFacts) -> Outcome:
    # The API-without-TLS warnings are tcp-without-tls's, with their fix.
    return [Hit(w) for w in engine.warnings if not _plain_api_warning(w)]


def _plain_api_warning(warning: str) -> bool:
    """The daemon's warning that its API listens on tcp without TLS."""
    low = warning.lower()
    return "without encryption" in low or "api is accessible on http" in low


@engine_check(
    "swarm-active",
    cis="5.1",
    severity=Severity.INFO,
    title="Swarm mode is active",
    why="Swarm mode opens management ports and keeps cluster secrets on the host; leave "
    "it off where it is not used.",
    fix=FixKind.MANUAL,
    fix_summary="docker swarm leave on hosts that do not need it.",
    not_on_podman="Podman has no Swarm mode.",
)
def swarm_active(engine: EngineInfo, client: ClientFacts) -> Outcome:
    if engine.swarm_state != "active":
        return PASS
    return fail("Swarm LocalNodeState is active.", command="docker swarm leave")


@engine_check(
    "stopped-sprawl",
    cis="6.2",
    severity=Severity.INFO,
    title="Many stopped containers",
    why="Stopped containers keep their configuration, volumes and secrets on disk and can "
    "be started again by mistake; remove what is no longer needed.",
    fix=FixKind.MANUAL,
    fix_summary="Review and remove them (docker container prune).",
)
def stopped_sprawl(engine: EngineInfo, client: ClientFacts) -> Outcome:
    if engine.containers_stopped < STOPPED_SPRAWL:
        return PASS
    return fail(
        f"{engine.containers_stopped} of {engine.containers} containers are stopped.",
        command=f"{'podman' if engine.podman else 'docker'} container prune",
    )

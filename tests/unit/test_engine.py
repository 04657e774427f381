"""Engine (daemon and client) checks beyond the catalogue's one-case-each.

Daemon settings the capture host does not have (swarm, debug, TLS, registries,
authorization plugins, warnings, Podman) are edited copies of the captured
/info, /version and /networks/bridge, each named in its test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dockertui.audit import Severity
from dockertui.model import ClientFacts, EngineInfo

ICC = ("Options", "com.docker.network.bridge.enable_icc")
TCP_WARNING = (
    "WARNING: API is accessible on http://0.0.0.0:2375 without encryption.\n"
    "         Access to the remote API is equivalent to root access on the host. Refer\n"
    "         to the 'Docker daemon attack surface' section in the documentation for\n"
    "         more information: https://docs.docker.com/go/attack-surface/"
)


def test_captured_engine_is_parsed(engine_info: EngineInfo) -> None:
    assert engine_info.version == "20.10.24+dfsg1"
    assert engine_info.api_version == "1.41"
    assert engine_info.flavor == "docker" and not engine_info.podman
    assert engine_info.components == {
        "Engine": "20.10.24+dfsg1",
        "containerd": "1.6.20~ds1",
        "runc": "1.1.5+ds1",
        "docker-init": "0.19.0",
    }
    assert engine_info.component_commits["runc"] == "1.1.5+ds1-1+deb12u1"
    assert engine_info.security_options == ("name=seccomp,profile=default",)
    assert engine_info.option("seccomp", "profile") == "default"
    assert engine_info.icc is True
    assert engine_info.insecure_registry_cidrs == ("127.0.0.0/8",)
    assert engine_info.insecure_registries == ()
    assert engine_info.warnings == ()
    assert (engine_info.containers, engine_info.containers_stopped) == (47, 7)
    assert engine_info.swarm_state == "inactive"
    assert not (engine_info.rootless or engine_info.userns or engine_info.debug)


def test_captured_engine_findings(
    engine_info: EngineInfo, engine_findings: Callable[..., list[Any]]
) -> None:
    found = [(f.check, f.severity) for f in engine_findings(engine_info)]
    assert found == [
        ("icc-enabled", Severity.MEDIUM),
        ("userns-disabled", Severity.MEDIUM),
        ("authz-plugin-missing", Severity.LOW),
        ("content-trust-off", Severity.LOW),
        ("live-restore-off", Severity.LOW),
        ("nnp-daemon-off", Severity.LOW),
        ("engine-outdated", Severity.INFO),
        ("engine-outdated", Severity.INFO),
        ("log-local-only", Severity.INFO),
        ("rootful-daemon", Severity.INFO),
    ]


@pytest.mark.parametrize(
    ("bridge", "icc"),
    [({}, True), ({ICC: "false"}, False), ({ICC: "true"}, True), (None, None)],
)
def test_icc_from_bridge(
    bridge: dict[Any, Any] | None, icc: bool | None, make_engine: Callable[..., EngineInfo]
) -> None:
    assert make_engine(bridge=bridge).icc is icc


def test_live_restore_not_asked_of_swarm_nodes(
    make_engine: Callable[..., EngineInfo], engine_findings: Callable[..., list[Any]]
) -> None:
    # Edited: a swarm manager (live restore is incompatible with swarm mode).
    engine = make_engine(info={"Swarm.LocalNodeState": "active"})
    checks = {f.check for f in engine_findings(engine)}
    assert "live-restore-off" not in checks
    assert "swarm-active" in checks


@pytest.mark.parametrize(
    ("security_options", "warnings", "severity", "detail"),
    [
        (["name=seccomp,profile=default"], [], None, None),
        (["name=seccomp,profile=builtin"], [], None, None),
        ([], [], Severity.HIGH, "SecurityOptions has no name=seccomp."),
        (["name=apparmor"], [], Severity.HIGH, "SecurityOptions has no name=seccomp."),
        (
            ["name=seccomp,profile=default"],
            ["WARNING: seccomp profile /etc/docker/seccomp.json is not the default"],
            Severity.HIGH,
            "WARNING: seccomp profile /etc/docker/seccomp.json is not the default",
        ),
        (
            ["name=seccomp,profile=/etc/docker/seccomp.json"],
            [],
            Severity.INFO,
            "The daemon's default seccomp profile is custom (/etc/docker/seccomp.json); review it.",
        ),
    ],
)
def test_seccomp_daemon(
    security_options: list[str],
    warnings: list[str],
    severity: Severity | None,
    detail: str | None,
    make_engine: Callable[..., EngineInfo],
    engine_findings: Callable[..., list[Any]],
) -> None:
    engine = make_engine(info={"SecurityOptions": security_options, "Warnings": warnings})
    found = [(f.severity, f.detail) for f in engine_findings(engine) if f.check == "seccomp-daemon"]
    assert found == ([(severity, detail)] if severity else [])


@pytest.mark.parametrize(
    ("cidrs", "index_configs", "detail"),
    [
        (["127.0.0.0/8"], {}, None),
        (["127.0.0.0/8", "::1/128"], {}, None),
        (["127.0.0.1/32"], {}, None),  # inside loopback
        (["127.0.0.0/8", "192.168.0.0/16"], {}, "Insecure: 192.168.0.0/16."),
        (["0.0.0.0/0"], {}, "Insecure: 0.0.0.0/0."),
        (["fd00::/8"], {}, "Insecure: fd00::/8."),
        (["not-a-cidr"], {}, "Insecure: not-a-cidr."),
        (
            ["127.0.0.0/8"],
            {"registry.lan:5000": {"Name": "registry.lan:5000", "Secure": False}},
            "Insecure: registry.lan:5000.",
        ),
        (
            ["10.1.0.0/16"],
            {"registry.lan:5000": {"Name": "registry.lan:5000", "Secure": False}},
            "Insecure: 10.1.0.0/16, registry.lan:5000.",
        ),
        (["127.0.0.0/8"], {"docker.io": {"Name": "docker.io", "Secure": True}}, None),
    ],
)
def test_insecure_registry(
    cidrs: list[str],
    index_configs: dict[str, Any],
    detail: str | None,
    make_engine: Callable[..., EngineInfo],
    engine_findings: Callable[..., list[Any]],
) -> None:
    # Edited: "insecure-registries" in daemon.json shows up in RegistryConfig.
    engine = make_engine(
        info={
            "RegistryConfig.InsecureRegistryCIDRs": cidrs,
            "RegistryConfig.IndexConfigs": index_configs,
        }
    )
    found = [
        (f.severity, f.detail) for f in engine_findings(engine) if f.check == "insecure-registry"
    ]
    assert found == ([(Severity.MEDIUM, detail)] if detail else [])


@pytest.mark.parametrize(
    ("client", "warnings", "details"),
    [
        (ClientFacts(), [], []),
        (
            ClientFacts(endpoint="tcp://docker.lan:2375", transport="tcp"),
            [],
            ["This client reaches tcp://docker.lan:2375 in plain text."],
        ),
        (
            ClientFacts(
                endpoint="tcp://docker.lan:2376", transport="tcp", tls=True, tls_verify=True
            ),
            [],
            [],
        ),
        (ClientFacts(endpoint="ssh://admin@docker.lan", transport="ssh"), [], []),
        # The daemon listens on plain tcp even though this client uses the socket.
        (ClientFacts(), [TCP_WARNING], [f"The daemon warns: {TCP_WARNING}"]),
        (
            ClientFacts(endpoint="tcp://docker.lan:2375", transport="tcp"),
            [TCP_WARNING],
            [
                f"The daemon warns: {TCP_WARNING}",
                "This client reaches tcp://docker.lan:2375 in plain text.",
            ],
        ),
    ],
)
def test_tcp_without_tls(
    client: ClientFacts,
    warnings: list[str],
    details: list[str],
    make_engine: Callable[..., EngineInfo],
    engine_findings: Callable[..., list[Any]],
) -> None:
    engine = make_engine(info={"Warnings": warnings})
    found = [f for f in engine_findings(engine, client) if f.check == "tcp-without-tls"]
    assert [f.detail for f in found] == details
    assert {f.severity for f in found} <= {Severity.CRITICAL}


@pytest.mark.parametrize(
    ("client", "fires"),
    [
        (ClientFacts(transport="tcp", endpoint="tcp://h:2376", tls=True, tls_verify=False), True),
        (ClientFacts(transport="tcp", endpoint="tcp://h:2376", tls=True, tls_verify=True), False),
        (ClientFacts(transport="tcp", endpoint="tcp://h:2375", tls=False, tls_verify=False), False),
    ],
)
def test_tls_verify_off(
    client: ClientFacts,
    fires: bool,
    engine_info: EngineInfo,
    engine_findings: Callable[..., list[Any]],
) -> None:
    found = [f for f in engine_findings(engine_info, client) if f.check == "tls-verify-off"]
    assert len(found) == (1 if fires else 0)
    if fires:
        assert found[0].severity is Severity.HIGH
        assert found[0].fix.command == "export DOCKER_TLS_VERIFY=1"


def test_daemon_warnings_are_shown_verbatim_one_each(
    make_engine: Callable[..., EngineInfo], engine_findings: Callable[..., list[Any]]
) -> None:
    # Edited: the warnings a cgroup-v1 host without swap accounting gives,
    # plus one carrying markup-like text that must pass through unchanged.
    warnings = [
        "WARNING: No swap limit support",
        "WARNING: bridge-nf-call-iptables is disabled",
        "WARNING: [bold]not markup[/bold] <script>",
    ]
    engine = make_engine(info={"Warnings": warnings})
    found = [f for f in engine_findings(engine) if f.check == "daemon-warnings"]
    assert sorted(f.detail for f in found) == sorted(warnings)
    assert {f.severity for f in found} == {Severity.LOW}


@pytest.mark.parametrize(("stopped", "fires"), [(19, False), (20, True), (0, False)])
def test_stopped_sprawl_threshold(
    stopped: int,
    fires: bool,
    make_engine: Callable[..., EngineInfo],
    engine_findings: Callable[..., list[Any]],
) -> None:
    engine = make_engine(info={"ContainersStopped": stopped})
    found = [f.detail for f in engine_findings(engine) if f.check == "stopped-sprawl"]
    assert found == ([f"{stopped} of 47 containers are stopped."] if fires else [])


def test_experimental_from_info_too(
    make_engine: Callable[..., EngineInfo], engine_findings: Callable[..., list[Any]]
) -> None:
    # Edited: older daemons report ExperimentalBuild in /info only.
    engine = make_engine(info={"ExperimentalBuild": True})
    assert engine.experimental
    assert "experimental" in {f.check for f in engine_findings(engine)}


@pytest.mark.parametrize("driver", ["local", "json-file"])
def test_log_local_drivers(
    driver: str, make_engine: Callable[..., EngineInfo], engine_findings: Callable[..., list[Any]]
) -> None:
    engine = make_engine(info={"LoggingDriver": driver})
    found = [(f.severity, f.detail) for f in engine_findings(engine) if f.check == "log-local-only"]
    assert found == [(Severity.INFO, f"LoggingDriver is {driver}.")]

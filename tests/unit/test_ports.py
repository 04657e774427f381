"""Published ports: parsing running vs created containers, and the exposure
checks (port-all-interfaces, port-privileged, port-published, default-bridge)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dockertui.audit import Severity
from dockertui.model import Container, PortBinding


def described(c: Container) -> list[str]:
    return sorted(p.describe() for p in c.ports)


def test_running_container_reads_network_settings_ports(
    container: Callable[..., Container],
) -> None:
    # PortBindings asked for 53/udp with no address; the running engine bound
    # it on both 0.0.0.0 and ::, which only NetworkSettings.Ports shows.
    c = container("ports-all-interfaces")
    assert c.state == "running"
    assert sorted(c.ports, key=lambda p: (p.container_port, p.host_ip)) == [
        PortBinding("53", "udp", "0.0.0.0", "18083"),
        PortBinding("53", "udp", "::", "18083"),
        PortBinding("8080", "tcp", "0.0.0.0", "18082"),
    ]


def test_created_container_reads_port_bindings(container: Callable[..., Container]) -> None:
    c = container("ports-created")
    assert c.state == "created"
    assert c.raw["NetworkSettings"]["Ports"] == {}  # nothing bound yet
    assert c.ports == (PortBinding("8080", "tcp", "0.0.0.0", "18085"),)


def test_ports_created_is_flagged_before_it_starts(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    report = audit(container("ports-created"))
    (finding,) = findings_of(report, "port-all-interfaces")
    assert finding.severity is Severity.MEDIUM
    assert finding.detail == "0.0.0.0:18085->8080/tcp listens on all interfaces."
    assert finding.fix.command == "-p 127.0.0.1:18085:8080/tcp"
    (published,) = findings_of(report, "port-published")
    assert published.detail == "Published: 0.0.0.0:18085->8080/tcp."


def test_exited_container_uses_port_bindings(
    container: Callable[..., Container],
    findings_of: Callable[..., Any],
    audit: Callable[..., Any],
) -> None:
    # Edited copy of `exited` given the PortBindings of `ports-created`: the
    # engine releases the ports on exit but binds them again on start.
    c = container(
        "exited",
        {
            "HostConfig.PortBindings": {"8080/tcp": [{"HostIp": "", "HostPort": "18085"}]},
            "NetworkSettings.Ports": {},
        },
    )
    assert c.ports == (PortBinding("8080", "tcp", "", "18085"),)
    (finding,) = findings_of(audit(c), "port-all-interfaces")
    assert finding.detail == "0.0.0.0:18085->8080/tcp listens on all interfaces."


def test_ipv6_any_is_all_interfaces(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    c = container("ports-ipv6-any")
    assert c.ports == (PortBinding("8080", "tcp", "::", "18084"),)
    assert c.ports[0].all_interfaces
    (finding,) = findings_of(audit(c), "port-all-interfaces")
    assert finding.detail == "[::]:18084->8080/tcp listens on all interfaces."


def test_one_finding_per_port_whichever_families_it_is_bound_on(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    # 53/udp is bound on 0.0.0.0 and [::] (two bindings, one exposure);
    # 8080/tcp was published on 0.0.0.0 only.
    c = container("ports-all-interfaces")
    assert len(c.ports) == 3
    details = sorted(f.detail for f in findings_of(audit(c), "port-all-interfaces"))
    assert details == [
        "0.0.0.0:18082->8080/tcp listens on all interfaces.",
        "0.0.0.0:18083->53/udp listens on all interfaces.",
    ]


def _outcomes(report: Any) -> list[tuple[str, Severity]]:
    return sorted((f.check, f.severity) for f in report.findings)


def test_a_running_and_a_created_copy_score_the_same(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    # Two captures of one configuration (-p 81:80 -p 18086:53/udp -p 8080):
    # running, the engine lists six bindings (0.0.0.0 and :: each); created,
    # HostConfig.PortBindings holds three.
    running, created = container("ports-pair-running"), container("ports-pair-created")
    assert (running.state, created.state) == ("running", "created")
    assert (len(running.ports), len(created.ports)) == (6, 3)
    a, b = audit(running), audit(created)
    assert _outcomes(a) == _outcomes(b)
    assert (a.score, a.grade, a.passed) == (b.score, b.grade, b.passed)
    for report in (a, b):
        assert len(findings_of(report, "port-all-interfaces")) == 3
        (privileged,) = findings_of(report, "port-privileged")
        assert privileged.detail == "Host port 81 (0.0.0.0:81->80/tcp)."
        assert privileged.fix.command == "-p 8081:80/tcp"
    (published,) = findings_of(a, "port-published")
    assert published.detail == (
        "Published: 0.0.0.0:18086->53/udp, 0.0.0.0:81->80/tcp, 0.0.0.0:32768->8080/tcp."
    )


@pytest.mark.parametrize(
    ("host_ip", "flagged"),
    [
        ("", True),
        ("0.0.0.0", True),
        ("::", True),
        ("[::]", True),
        ("127.0.0.1", False),
        ("::1", False),
        ("192.168.1.10", False),
    ],
)
def test_all_interfaces_by_host_ip(host_ip: str, flagged: bool) -> None:
    assert PortBinding("80", "tcp", host_ip, "8080").all_interfaces is flagged


def test_loopback_binding_is_not_all_interfaces(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    for case in ("hardened", "port-privileged"):
        c = container(case)
        assert {p.host_ip for p in c.ports} == {"127.0.0.1"}
        assert findings_of(audit(c), "port-all-interfaces") == []


def test_port_privileged_on_loopback(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    (finding,) = findings_of(audit(container("port-privileged")), "port-privileged")
    assert (finding.severity, finding.detail) == (
        Severity.LOW,
        "Host port 80 (127.0.0.1:80->80/tcp).",
    )
    # the fix keeps the address: a loopback port stays on loopback
    assert finding.fix.command == "-p 127.0.0.1:8080:80/tcp"


@pytest.mark.parametrize(
    ("host_port", "flagged"),
    [("1023", True), ("22", True), ("1024", False), ("0", False), ("", False), ("http", False)],
)
def test_port_privileged_boundaries(
    host_port: str,
    flagged: bool,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    c = container(
        "port-privileged",
        {"NetworkSettings.Ports": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": host_port}]}},
    )
    found = findings_of(audit(c), "port-privileged")
    assert [f.detail for f in found] == (
        [f"Host port {host_port} (127.0.0.1:{host_port}->80/tcp)."] if flagged else []
    )


def test_port_privileged_odd_digits_do_not_crash(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    # "²".isdigit() is True but int("²") raises: a hostile or broken engine
    # must not crash the audit.
    c = container(
        "port-privileged",
        {"NetworkSettings.Ports": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "²"}]}},
    )
    report = audit(c)
    assert findings_of(report, "port-privileged") == []
    (published,) = findings_of(report, "port-published")
    assert published.detail == "Published: 127.0.0.1:²->80/tcp."


def test_random_host_port_and_publish_all(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    # Edited copy of `ports-created`: `docker create -P` with an exposed port
    # and no explicit binding; the engine picks the host port at start.
    c = container(
        "ports-created",
        {
            "HostConfig.PortBindings": {},
            "HostConfig.PublishAllPorts": True,
            "Config.ExposedPorts": {"9000/udp": {}},
        },
    )
    assert c.ports == (PortBinding("9000", "udp", "", ""),)
    report = audit(c)
    (finding,) = findings_of(report, "port-all-interfaces")
    assert finding.detail == "0.0.0.0:(random)->9000/udp listens on all interfaces."
    assert finding.fix.command == "-p 127.0.0.1:9000:9000/udp"
    assert findings_of(report, "port-privileged") == []


def test_exposed_but_unpublished_port_is_not_published(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    # Edited copy of `plain`: EXPOSE 80 in the image, no -p: the engine lists
    # the port with a null binding.
    c = container(
        "plain", {"Config.ExposedPorts": {"80/tcp": {}}, "NetworkSettings.Ports": {"80/tcp": None}}
    )
    assert c.ports == ()
    report = audit(c)
    assert findings_of(report, "port-published") == []
    assert findings_of(report, "port-all-interfaces") == []


def test_host_network_is_reported_as_published(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    report = audit(container("host-network"))
    (finding,) = findings_of(report, "port-published")
    assert (finding.severity, finding.detail) == (
        Severity.INFO,
        "Host networking: every port it listens on is open on the host.",
    )
    assert findings_of(report, "default-bridge") == []


@pytest.mark.parametrize(
    ("edits", "fires"),
    [
        ({}, True),
        # created containers are attached to bridge the same way
        ({"NetworkSettings.Networks": {}, "HostConfig.NetworkMode": "bridge"}, True),
        ({"NetworkSettings.Networks": {}, "HostConfig.NetworkMode": "default"}, True),
        ({"NetworkSettings.Networks": {}, "HostConfig.NetworkMode": "none"}, False),
        ({"NetworkSettings.Networks": {}, "HostConfig.NetworkMode": "container:abc"}, False),
    ],
)
def test_default_bridge_variants(
    edits: dict[str, Any],
    fires: bool,
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    found = findings_of(audit(container("plain", edits)), "default-bridge")
    assert [f.detail for f in found] == (["Attached to the default bridge."] if fires else [])

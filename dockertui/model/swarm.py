"""A swarm as a manager sees it: `/info`'s Swarm (with the cluster's spec,
which a manager reports there), `GET /nodes` and the overlay networks.

The cluster facts are read from `/info`, not `GET /swarm`: both carry the
same ClusterInfo, and `/swarm` adds the join tokens, which are credentials
dockertui has no use for. The root CA's validity is read from the PEM the
cluster reports (`TLSInfo.TrustRoot`) by a small DER walk: no I/O."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from dockertui.model._json import flag, integer, obj, optional_int, text

NANOSECONDS = 1_000_000_000


@dataclass(frozen=True)
class SwarmNode:
    id: str
    hostname: str
    role: str  # "manager" or "worker"
    availability: str  # active, pause, drain
    state: str  # ready, down, unknown, disconnected
    reachability: str = ""  # a manager's: reachable, unreachable, unknown
    leader: bool = False
    engine_version: str = ""

    @property
    def manager(self) -> bool:
        return self.role == "manager"


@dataclass(frozen=True)
class OverlayNetwork:
    id: str
    name: str
    encrypted: bool  # its data plane (VXLAN between nodes) is IPsec-encrypted
    ingress: bool  # the routing mesh of published ports


@dataclass(frozen=True)
class Validity:
    not_before: datetime
    not_after: datetime

    @property
    def days(self) -> int:
        return (self.not_after - self.not_before).days


@dataclass(frozen=True)
class Swarm:
    """This engine's part in a swarm. The cluster's settings are known only
    on a manager (`manager`, /info's ControlAvailable); elsewhere they are None."""

    state: str  # LocalNodeState: active, pending, error, locked
    node_id: str = ""
    node_addr: str = ""
    manager: bool = False
    managers: int = 0
    nodes: int = 0
    autolock: bool | None = None
    node_cert_expiry: int | None = None  # seconds
    snapshot_interval: int | None = None  # raft log entries between snapshots
    keep_old_snapshots: int | None = None
    root_ca: Validity | None = None
    root_rotation: bool = False
    #: Read with GET /nodes and GET /networks (a manager only); `listed` says
    #: whether they were, so "no overlay network" is not mistaken for "not read".
    node_list: tuple[SwarmNode, ...] = ()
    networks: tuple[OverlayNetwork, ...] = ()
    listed: bool = False

    def network_name(self, network_id: str) -> str:
        """The name of an overlay network by its id (or the id, unknown)."""
        return next((n.name for n in self.networks if n.id == network_id), network_id)


def swarm_from_info(info: dict[str, Any]) -> Swarm | None:
    """The Swarm part of `/info`, or None when the engine is in no swarm."""
    doc = obj(info, "Swarm")
    state = text(doc, "LocalNodeState")
    if not state or state == "inactive":
        return None
    manager = flag(doc, "ControlAvailable")
    cluster = obj(doc, "Cluster")
    spec = obj(cluster, "Spec")
    expiry = optional_int(obj(spec, "CAConfig"), "NodeCertExpiry")
    raft = obj(spec, "Raft")
    encryption = obj(spec, "EncryptionConfig")
    return Swarm(
        state=state,
        node_id=text(doc, "NodeID"),
        node_addr=text(doc, "NodeAddr"),
        manager=manager,
        managers=integer(doc, "Managers"),
        nodes=integer(doc, "Nodes"),
        autolock=flag(encryption, "AutoLockManagers") if manager and spec else None,
        node_cert_expiry=expiry // NANOSECONDS if expiry is not None else None,
        snapshot_interval=optional_int(raft, "SnapshotInterval"),
        keep_old_snapshots=optional_int(raft, "KeepOldSnapshots"),
        root_ca=certificate_validity(text(obj(cluster, "TLSInfo"), "TrustRoot")),
        root_rotation=flag(cluster, "RootRotationInProgress"),
    )


def node_from_api(doc: dict[str, Any]) -> SwarmNode:
    """One entry of `GET /nodes`."""
    spec = obj(doc, "Spec")
    status = obj(doc, "ManagerStatus")
    return SwarmNode(
        id=text(doc, "ID"),
        hostname=text(obj(doc, "Description"), "Hostname"),
        role=text(spec, "Role") or "worker",
        availability=text(spec, "Availability"),
        state=text(obj(doc, "Status"), "State"),
        reachability=text(status, "Reachability"),
        leader=flag(status, "Leader"),
        engine_version=text(obj(doc, "Description", "Engine"), "EngineVersion"),
    )


def overlay_from_api(doc: dict[str, Any]) -> OverlayNetwork:
    """One entry of `GET /networks` with the overlay driver."""
    options = obj(doc, "Options")
    return OverlayNetwork(
        id=text(doc, "Id"),
        name=text(doc, "Name"),
        encrypted="encrypted" in options,
        ingress=flag(doc, "Ingress"),
    )


def with_listing(
    swarm: Swarm, nodes: list[dict[str, Any]], networks: list[dict[str, Any]]
) -> Swarm:
    """`swarm` with the nodes and overlay networks a manager listed."""
    return replace(
        swarm,
        node_list=tuple(node_from_api(n) for n in nodes if isinstance(n, dict)),
        networks=tuple(
            overlay_from_api(n)
            for n in networks
            if isinstance(n, dict) and text(n, "Driver") in ("overlay", "")
        ),
        listed=True,
    )


_PEM = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)


def certificate_validity(pem: str) -> Validity | None:
    """notBefore and notAfter of the first certificate in `pem`, or None."""
    found = _PEM.search(pem)
    if not found:
        return None
    try:
        der = base64.b64decode("".join(found.group(1).split()), validate=True)
        cert = _children(_value(der))  # Certificate: tbsCertificate, algorithm, signature
        tbs = _children(_value(cert[0]))
        if tbs and tbs[0][0] == 0xA0:  # [0] version
            tbs = tbs[1:]
        # serialNumber, signature, issuer, validity
        times = _children(_value(tbs[3]))
        return Validity(_time(times[0]), _time(times[1]))
    except (binascii.Error, IndexError, ValueError):
        return None


def _header(der: bytes) -> tuple[int, int, int]:
    """(tag, start of the content, end of the content) of the first element."""
    tag, first = der[0], der[1]
    if first < 0x80:
        return tag, 2, 2 + first
    size = first & 0x7F
    length = int.from_bytes(der[2 : 2 + size], "big")
    return tag, 2 + size, 2 + size + length


def _value(element: bytes) -> bytes:
    _, start, end = _header(element)
    return element[start:end]


def _children(content: bytes) -> list[bytes]:
    out: list[bytes] = []
    while content:
        _, _, end = _header(content)
        if end > len(content):
            raise ValueError("truncated DER")
        out.append(content[:end])
        content = content[end:]
    return out


def _time(element: bytes) -> datetime:
    tag = element[0]
    raw = _value(element).decode("ascii")
    if tag == 0x17:  # UTCTime: YYMMDDHHMMSSZ
        return datetime.strptime(raw, "%y%m%d%H%M%SZ").replace(tzinfo=UTC)
    if tag == 0x18:  # GeneralizedTime: YYYYMMDDHHMMSSZ
        return datetime.strptime(raw, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)
    raise ValueError(f"not a time (tag {tag:#x})")

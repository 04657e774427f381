"""Swarm-level checks (CIS section 7), judged on a swarm manager: the
cluster's settings come with /info there (model/swarm.py). On a worker, or
outside a swarm, they do not apply.

The benchmark's items that the Engine API cannot show are not checked: the
addresses the management ports listen on (7.2, 7.9: /info gives only the
advertise address) and when the auto-lock key was last rotated (7.6). Each
service's task template is judged by the container checks
(audit/service.py)."""

from __future__ import annotations

from dockertui.audit.checks._util import listing
from dockertui.audit.finding import FixKind
from dockertui.audit.registry import NOT_APPLICABLE, PASS, Hit, Outcome, engine_check, fail
from dockertui.audit.severity import Severity
from dockertui.model import ClientFacts, EngineInfo
from dockertui.model.swarm import Swarm

#: Docker's default node certificate lifetime, which CIS 7.7 takes as the
#: longest reasonable: a longer one gives a stolen node key longer use.
NODE_CERT_DAYS = 90
NODE_CERT_EXPIRY = "2160h"  # NODE_CERT_DAYS, as docker swarm update --cert-expiry takes it
#: A root CA valid for longer than this is not being rotated (Docker makes
#: one valid for 20 years and never rotates it by itself).
ROOT_CA_DAYS = 365
#: More managers than this slow every Raft write for no gain (Docker's advice).
MAX_MANAGERS = 7


def _manager(engine: EngineInfo) -> Swarm | None:
    swarm = engine.swarm
    return swarm if swarm is not None and swarm.manager else None


@engine_check(
    "swarm-managers",
    cis="7.1",
    severity=Severity.MEDIUM,
    title="The swarm's manager count gives no fault tolerance it could",
    why="Managers hold the cluster's state and keys and decide by majority: an even "
    "count tolerates no more failures than one fewer, too many widen what an intruder "
    "can take over, and managers that cannot be reached eat into the majority.",
    fix=FixKind.SWARM,
    fix_summary="Keep an odd number of managers (1 when no fault tolerance is needed, "
    "3 or 5 otherwise): docker node promote or demote.",
    also=(Severity.INFO,),
)
def swarm_managers(engine: EngineInfo, client: ClientFacts) -> Outcome:
    swarm = _manager(engine)
    if swarm is None:
        return NOT_APPLICABLE
    hits: list[Hit] = []
    count = swarm.managers
    if count > 1 and count % 2 == 0:
        hits.append(
            Hit(
                f"{count} managers: an even count; {count - 1} would tolerate as many failures.",
                command="docker node demote <node>  (or docker node promote <node>)",
            )
        )
    elif count > MAX_MANAGERS:
        hits.append(
            Hit(
                f"{count} managers: more than the {MAX_MANAGERS} Docker advises.",
                command="docker node demote <node>",
            )
        )
    away = [n.hostname or n.id for n in swarm.node_list
            if n.manager and n.reachability not in ("reachable", "")]  # fmt: skip
    if away:
        hits.append(
            Hit(
                f"{len(away)} of {count} managers cannot be reached: {listing(sorted(away))}.",
                command="docker node ls; docker node demote <node> for a manager gone for good",
            )
        )
    if count == 1 and swarm.nodes > 1:
        hits.append(
            Hit(
                f"One manager for {swarm.nodes} nodes: if it is lost, so is control of the "
                "swarm (fine where no fault tolerance is needed).",
                severity=Severity.INFO,
                command="docker node promote <node> <node>  (3 managers)",
            )
        )
    return hits


@engine_check(
    "swarm-autolock-off",
    cis="7.5",
    severity=Severity.LOW,
    title="The swarm's managers are not auto-locked",
    why="Without auto-lock, the key that decrypts the Raft log (with the swarm's secrets) "
    "and the managers' TLS keys sit on each manager's disk, readable by whoever gets "
    "the disk or a backup of it.",
    fix=FixKind.SWARM,
    fix_summary="Turn auto-lock on, and keep the unlock key outside the swarm (each "
    "manager then needs it after a restart).",
)
def swarm_autolock_off(engine: EngineInfo, client: ClientFacts) -> Outcome:
    swarm = _manager(engine)
    if swarm is None or swarm.autolock is None:
        return NOT_APPLICABLE
    if swarm.autolock:
        return PASS
    return fail(
        "Spec.EncryptionConfig.AutoLockManagers is false.",
        command="docker swarm update --autolock=true",
    )


@engine_check(
    "swarm-node-cert-expiry",
    cis="7.7",
    severity=Severity.LOW,
    title="Node certificates live longer than 90 days",
    why="A node's certificate is what the other nodes trust it by: the longer it lives, "
    "the longer a stolen node key can impersonate that node.",
    fix=FixKind.SWARM,
    fix_summary=f"Rotate node certificates at least every {NODE_CERT_DAYS} days.",
)
def swarm_node_cert_expiry(engine: EngineInfo, client: ClientFacts) -> Outcome:
    swarm = _manager(engine)
    if swarm is None or swarm.node_cert_expiry is None:
        return NOT_APPLICABLE
    days = swarm.node_cert_expiry / 86400
    if days <= NODE_CERT_DAYS:
        return PASS
    return fail(
        f"Spec.CAConfig.NodeCertExpiry is {days:g} days.",
        command=f"docker swarm update --cert-expiry {NODE_CERT_EXPIRY}",
    )


@engine_check(
    "swarm-ca-not-rotated",
    cis="7.8",
    severity=Severity.INFO,
    title="The swarm's root CA is not rotated",
    why="Every node certificate is issued by the swarm's root CA: a leaked CA key lets "
    "anyone mint nodes and managers until the CA is replaced, and Docker never "
    "replaces it by itself.",
    fix=FixKind.SWARM,
    fix_summary="Rotate the root CA as your policy says (docker swarm ca --rotate).",
)
def swarm_ca_not_rotated(engine: EngineInfo, client: ClientFacts) -> Outcome:
    swarm = _manager(engine)
    if swarm is None or swarm.root_ca is None:
        return NOT_APPLICABLE
    ca = swarm.root_ca
    if ca.days <= ROOT_CA_DAYS or swarm.root_rotation:
        return PASS
    return fail(
        f"The root CA was issued {ca.not_before:%Y-%m-%d} and is valid until "
        f"{ca.not_after:%Y-%m-%d} ({ca.days} days).",
        command="docker swarm ca --rotate",
    )


@engine_check(
    "overlay-unencrypted",
    cis="7.3",
    severity=Severity.MEDIUM,
    title="Overlay networks carry traffic between nodes unencrypted",
    why="Containers on different nodes talk over VXLAN across the hosts' own network: "
    "unencrypted, anyone on that network can read and inject their traffic.",
    fix=FixKind.SWARM,
    fix_summary="Create overlay networks with --opt encrypted and move the services to "
    "them (an existing network cannot be changed).",
)
def overlay_unencrypted(engine: EngineInfo, client: ClientFacts) -> Outcome:
    swarm = _manager(engine)
    if swarm is None or not swarm.listed:
        return NOT_APPLICABLE
    hits = []
    for net in swarm.networks:
        if net.encrypted:
            continue
        if net.ingress:
            hits.append(
                Hit(
                    f"{net.name} (the ingress network: every published port's traffic) "
                    "is not encrypted.",
                    command="docker network rm ingress; docker network create --driver "
                    "overlay --ingress --opt encrypted ingress  (with no port published)",
                )
            )
        else:
            hits.append(
                Hit(
                    f"{net.name} is not encrypted.",
                    command=f"docker network create --driver overlay --opt encrypted "
                    f"{net.name}-encrypted; docker service update --network-rm {net.name} "
                    f"--network-add {net.name}-encrypted <service>",
                )
            )
    return hits

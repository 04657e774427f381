"""Configured against in effect: a layer whose kernel state differs from
what the inspect document promises (audit/in_effect.py compares them)."""

from __future__ import annotations

from dockertui.audit.finding import FixKind
from dockertui.audit.in_effect import Layer, compare, unverifiable
from dockertui.audit.registry import NOT_APPLICABLE, Hit, Outcome, container_check
from dockertui.audit.severity import Severity
from dockertui.model import Container, EngineInfo

#: How much a layer the kernel enforces less strictly than configured matters.
LOOSER = {
    Layer.CAPABILITIES: Severity.HIGH,
    Layer.SECCOMP: Severity.HIGH,
    Layer.USER_NAMESPACE: Severity.HIGH,
    Layer.NAMESPACES: Severity.HIGH,
    Layer.NO_NEW_PRIVILEGES: Severity.MEDIUM,
    Layer.MAC: Severity.MEDIUM,
    Layer.MEMORY: Severity.LOW,
    Layer.PIDS: Severity.LOW,
    Layer.CPU: Severity.LOW,
}


@container_check(
    "kernel-differs",
    cis=None,
    severity=Severity.HIGH,
    title="The kernel enforces something else than the configuration says",
    why="Every audit tool reads the inspect document. When the kernel holds a process "
    "to other capabilities, filters, namespaces or limits (a runtime bug, a tampered "
    "container, a process that changed itself after start), the document is wrong "
    "about what the container can do.",
    fix=FixKind.MANUAL,
    fix_summary="Find what changed the process (its entrypoint, an exec, the runtime) and "
    "re-create the container; a stricter kernel state is worth putting in the configuration.",
    section="isolation",
    also=(Severity.MEDIUM, Severity.LOW, Severity.INFO),
)
def kernel_differs(c: Container, engine: EngineInfo) -> Outcome:
    if unverifiable(c) is not None:
        return NOT_APPLICABLE
    hits = []
    for x in compare(c, engine):
        if not x.differs or x.layer is Layer.USER:  # the root-user check judges the user
            continue
        how = "less than configured" if x.looser else "more than configured"
        hits.append(
            Hit(
                f"{x.layer.value}: configured {x.configured}, in effect {x.in_effect} "
                f"(the kernel enforces {how}).",
                severity=LOOSER[x.layer] if x.looser else Severity.INFO,
            )
        )
    # Agreement earns no points: the configuration's own checks scored it,
    # and a running copy must score as its stopped twin does.
    return hits or NOT_APPLICABLE

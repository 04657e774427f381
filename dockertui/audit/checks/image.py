"""What the image and its processes bring: tags and sshd (CIS 5.7)."""

from __future__ import annotations

from dockertui.audit.checks._util import name_arg
from dockertui.audit.finding import FixKind
from dockertui.audit.processes import Source, sshd_state
from dockertui.audit.registry import NOT_APPLICABLE, PASS, Outcome, container_check, fail
from dockertui.audit.severity import Severity
from dockertui.model import Container, EngineInfo


def image_tag(reference: str) -> str | None:
    """The tag of an image reference, or None when it has none.

    "registry:5000/app" has no tag; "app:1.2" has "1.2"; a digest
    ("app@sha256:...") is reported as "@digest"."""
    if "@" in reference:
        return "@digest"
    last = reference.rsplit("/", 1)[-1]
    return last.partition(":")[2] or None


def image_pinned(c: Container) -> bool | None:
    """Whether the image reference names a fixed version (a tag other than
    latest, or a digest); None when it is an image id, which says nothing."""
    ref = c.image
    if not ref or ref.startswith("sha256:"):
        return None
    tag = image_tag(ref)
    return tag is not None and tag != "latest"


@container_check(
    "image-latest",
    # Not CIS 5.28, which asks that commands use the newest build of an image
    # (pull before run), the opposite of pinning one: no benchmark item matches.
    cis=None,
    severity=Severity.LOW,
    title="Image is not pinned (latest or no tag)",
    why="A floating tag means the next re-create may run different code from what was "
    "reviewed, and nobody can tell which version is deployed.",
    fix=FixKind.RECREATE,
    fix_summary="Re-create from a fixed version tag or, better, an image digest.",
    section="image",
)
def image_latest(c: Container, engine: EngineInfo) -> Outcome:
    pinned = image_pinned(c)
    if pinned is None:
        return NOT_APPLICABLE
    if pinned:
        return PASS
    ref = c.image
    tag = image_tag(ref)
    shown = "no tag, so latest" if tag is None else "the latest tag"
    repository = ref.removesuffix(":latest")
    return fail(f"{ref} uses {shown}.", command=f"{repository}@sha256:<digest>")


@container_check(
    "sshd-running",
    cis="5.7",
    severity=Severity.MEDIUM,
    title="Runs an SSH server",
    why="An SSH daemon inside a container is one more network service with its own keys, "
    "passwords and patches to manage; docker exec already gives administrators a shell.",
    fix=FixKind.IMAGE,
    fix_summary="Remove sshd from the image and use docker exec for access.",
    section="image",
)
def sshd_running(c: Container, engine: EngineInfo) -> Outcome:
    state = sshd_state(c)
    if not state.found:
        return PASS
    if state.source is Source.PROCESSES:
        return fail(
            f"An sshd process is running, seen in its process list: {state.evidence}",
            command=f"docker exec -it {name_arg(c)} sh",
        )
    when = "It is not running" if not c.running else "Its process list was not read"
    return fail(
        f"Its configured command starts sshd: {state.evidence}. "
        f"{when}, so this is judged from the configured command.",
        command=f"docker exec -it {name_arg(c)} sh",
    )

"""Why a fix must not run: the refusals, judged from documents (pure).

The executor gathers what the engine says (the container now, its image,
the other containers, the writable layer, the users the image knows) and
asks these functions; each returns one sentence, or None when the fix may
go on. Nothing here talks to the engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from dockertui.fixes.documents import container_name, dependents
from dockertui.fixes.layer import LayerSummary, paths
from dockertui.fixes.validate import split_user

COMPOSE_LABEL = "com.docker.compose.project"


def changed_since_plan(doc: Mapping[str, Any], planned: Mapping[str, Any]) -> str | None:
    if planned and any(doc.get(k) != planned.get(k) for k in ("Config", "HostConfig")):
        return f"{container_name(doc)} was changed since the plan was made; plan the fix again."
    return None


def compose_project(doc: Mapping[str, Any]) -> str | None:
    labels = (doc.get("Config") or {}).get("Labels") or {}
    project = labels.get(COMPOSE_LABEL)
    return str(project) if project is not None else None


def compose_refusal(doc: Mapping[str, Any]) -> str | None:
    project = compose_project(doc)
    if project is None:
        return None
    return (
        f"{container_name(doc)} is managed by docker compose (project {project}), which would "
        "revert the change on its next up: put the compose snippet in the compose file instead."
    )


def live_refusal(doc: Mapping[str, Any], update_body: Mapping[str, Any]) -> str | None:
    if "RestartPolicy" in update_body and (doc.get("HostConfig") or {}).get("AutoRemove"):
        return (
            f"{container_name(doc)} was started with --rm (AutoRemove), and the engine refuses "
            "a restart policy for such a container."
        )
    return None


def temp_name_pattern(name: str) -> re.Pattern[str]:
    """The temporary name a re-create gives the new container: <name>-new-<ts>."""
    return re.compile(rf"^/?{re.escape(name)}-new-\d{{8}}-\d{{6}}(-\d+)?$")


def recreate_refusal(
    doc: Mapping[str, Any], *, image: Mapping[str, Any] | None, others: Sequence[Mapping[str, Any]]
) -> str | None:
    """The refusals of a re-create: --rm, a paused or restarting container,
    a missing image, another fix's temporary container, dependents."""
    name = container_name(doc)
    if (doc.get("HostConfig") or {}).get("AutoRemove"):
        return (
            f"{name} was started with --rm (AutoRemove): stopping it would remove it, "
            "so it cannot be re-created safely."
        )
    status = (doc.get("State") or {}).get("Status")
    if status in ("paused", "restarting"):
        return f"{name} is {status}; re-create it only once it runs normally (or is stopped)."
    if image is None:
        configured = (doc.get("Config") or {}).get("Image") or doc.get("Image")
        return (
            f"The image of {name} ({configured}) is no longer on the engine, so the container "
            "cannot be re-created from it."
        )
    # A temporary container of this name means another fix (from another
    # user, host or state folder) is under way or was interrupted.
    temp = temp_name_pattern(name)
    busy = sorted(
        str(o.get("Name") or "").lstrip("/") for o in others if temp.match(str(o.get("Name") or ""))
    )
    if busy:
        return (
            f"{busy[0]} exists, so another fix of {name} is running or was interrupted; "
            "let it finish (or resume it where it started) before fixing again."
        )
    deps = dependents(doc, others)
    if deps:
        return (
            f"{', '.join(deps)} depend{'s' if len(deps) == 1 else ''} on {name} (shared "
            "namespace, --volumes-from or --link), which a re-create would break."
        )
    return None


def layer_refusal(
    name: str,
    layer: LayerSummary,
    *,
    copy: bool,
    read_only_after: bool,
    skip: str = "pass --discard-layer",
) -> str | None:
    """A layer that must be copied into a read-only root file system: the
    engine refuses to write there, so the files would be lost."""
    if copy and layer.items and read_only_after:
        return (
            f"The writable layer of {name} holds {paths(len(layer.carried), 'added or changed')} "
            f"(first: {layer.carried[0]}), which cannot be copied into a read-only root file "
            f"system: move them into a volume first, or {skip} to leave them in the stopped "
            "backup only."
        )
    return None


def names_in(table: str) -> set[str]:
    """The names of an /etc/passwd or /etc/group file."""
    return {line.split(":", 1)[0] for line in table.splitlines() if line and line[0] != "#"}


def user_refusal(name: str, user: str, passwd: str | None, group: str | None) -> str | None:
    """A --user given by name that the image cannot resolve (the engine
    would only find out once the old container is stopped)."""
    who, grp = split_user(user)
    if not who.isdigit():
        if passwd is None:
            return f"{name} has no /etc/passwd to find the user {who!r} in; give a numeric uid."
        if who not in names_in(passwd):
            return f"The image of {name} has no user {who!r} in /etc/passwd; give a numeric uid."
    if grp and not grp.isdigit() and (group is None or grp not in names_in(group)):
        return f"The image of {name} has no group {grp!r} in /etc/group; give a numeric gid."
    return None

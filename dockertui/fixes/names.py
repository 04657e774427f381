"""The names a re-create gives the containers it leaves behind, and the one
test that says a container is such a leftover. Pure.

A re-create of `web` at 20261201-140803 names the new container
`web-new-20261201-140803` until it takes the name `web`, the original
`web-backup-20261201-140803`, and, after a rollback, the new one
`web-failed-20261201-140803`; `--rollback` keeps the container it replaces
as `web-replaced-<ts>`. The stamp may end in `-2`, `-3`... when the first one
was taken. These containers are the original renamed or created from its
own document, so they carry no label of dockertui's: the name is the mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache


class LeftoverKind(StrEnum):
    NEW = "new"  # the re-created container before it takes the name
    BACKUP = "backup"  # the original, stopped and kept
    FAILED = "failed"  # the re-created container after a rollback
    REPLACED = "replaced"  # the container `--rollback` put aside


_PATTERN = re.compile(
    r"^/?(?P<original>.+)-(?P<kind>" + "|".join(k.value for k in LeftoverKind) + r")"
    r"-(?P<stamp>\d{8}-\d{6}(?:-\d+)?)$"
)


def name_filter(name: str, tail: str = "$") -> str:
    """A `name` filter of GET /containers/json for `name` then `tail` (a
    regular expression) that both engines read alike: Docker matches it
    against "/web", Podman against "web"."""
    return f"^/?{re.escape(name)}{tail}"


@dataclass(frozen=True)
class Leftover:
    """What a leftover's name says: whose it is, what it is, and when."""

    original: str
    kind: LeftoverKind
    stamp: str


def leftover_name(name: str, kind: LeftoverKind, stamp: str) -> str:
    """The name a fix gives `name`'s leftover of this kind at `stamp`."""
    return f"{name.lstrip('/')}-{kind.value}-{stamp}"


@lru_cache(maxsize=4096)  # the console asks for every row on every repaint
def leftover_of(name: str) -> Leftover | None:
    """The original container whose leftover `name` is, or None when `name`
    is not one of dockertui's leftovers."""
    match = _PATTERN.match(name)
    if match is None:
        return None
    return Leftover(match["original"], LeftoverKind(match["kind"]), match["stamp"])


def not_a_workload(name: str) -> str | None:
    """Why `name` is not offered for fixing (the console's f, dockertui fix),
    or None when it is a workload. A leftover is a fix's bookkeeping (the
    original kept for --rollback, a failed copy kept for its logs): fixing
    one changes what a rollback of the original puts back."""
    left = leftover_of(name.lstrip("/"))
    if left is None:
        return None
    return (
        f"{name.lstrip('/')} is what a fix of {left.original} left behind "
        f"({left.kind.value}), not a workload: fix {left.original} instead."
    )

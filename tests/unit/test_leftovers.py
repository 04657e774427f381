"""Which containers are dockertui's own leftovers of a re-create, by name."""

from __future__ import annotations

import pytest

from dockertui.fixes.names import LeftoverKind, leftover_name, leftover_of, not_a_workload


@pytest.mark.parametrize("kind", list(LeftoverKind))
def test_every_name_a_fix_gives_is_recognised_as_that_containers(kind: LeftoverKind) -> None:
    for stamp in ("20261201-140803", "20261201-140803-12"):
        name = leftover_name("legacy-billing", kind, stamp)
        left = leftover_of(name)
        assert left is not None and (left.original, left.kind, left.stamp) == (
            "legacy-billing",
            kind,
            stamp,
        )
        assert leftover_of("/" + name) == left  # as the engine lists names


@pytest.mark.parametrize(
    "name",
    [
        "legacy-billing",
        "db-backup",  # a workload named like a backup, without a stamp
        "nightly-backup-agent",
        "web-backup-2026",  # not a dockertui stamp
        "web-backup-20261201-140803x",
        "-backup-20261201-140803",  # no original
    ],
)
def test_workloads_are_not_leftovers(name: str) -> None:
    assert leftover_of(name) is None


def test_a_backup_of_a_backup_belongs_to_the_backup() -> None:
    left = leftover_of("web-backup-20261201-140803-backup-20261202-090000")
    assert left is not None and left.original == "web-backup-20261201-140803"


def test_only_leftovers_are_refused_for_fixing() -> None:
    assert not_a_workload("web") is None and not_a_workload("/nightly-backup-agent") is None
    said = not_a_workload("/web-failed-20261201-140803")
    assert said == (
        "web-failed-20261201-140803 is what a fix of web left behind (failed), "
        "not a workload: fix web instead."
    )

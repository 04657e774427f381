"""One walk over a /proc tree shared by the passes of several engines
scanned at once (procfs.SharedWalk): a later pass takes what the walk found
and walks again only for the containers it did not find, so a container
started after the walk began is still found."""

from __future__ import annotations

from pathlib import Path

from dockertui.engine.kernel_facts import read_fleet
from dockertui.engine.procfs import SharedWalk, members

A, B, C = "a" * 64, "b" * 64, "c" * 64


def proc(root: Path, pid: int, cgroup: str, cmdline: bytes = b"sleep\x00100\x00") -> None:
    folder = root / str(pid)
    folder.mkdir()
    (folder / "cgroup").write_text(cgroup)
    (folder / "cmdline").write_bytes(cmdline)


def test_a_later_pass_takes_the_shared_walk(tmp_path: Path) -> None:
    proc(tmp_path, 10, f"0::/system.slice/docker-{A}.scope\n")
    proc(tmp_path, 20, f"0::/docker/{B}\n")
    walk = SharedWalk()
    assert walk.members([A], tmp_path) == {A: [10]}  # the first engine's pass walks
    proc(tmp_path, 21, f"0::/docker/{B}\n")  # after the walk
    # the second engine's container was in the walk: taken from it, not walked again
    assert walk.members([B], tmp_path) == {B: [20]}
    assert members([B], tmp_path) == {B: [20, 21]}  # (a walk of its own would see both)


def test_a_container_the_walk_missed_is_walked_for(tmp_path: Path) -> None:
    proc(tmp_path, 10, f"0::/docker/{A}\n")
    walk = SharedWalk()
    walk.members([A], tmp_path)
    proc(tmp_path, 30, f"0::/docker/{C}\n")  # started after the walk began
    assert walk.members([A, C], tmp_path) == {A: [10], C: [30]}
    assert walk.members([B], tmp_path) == {}  # on no engine of this host


def test_nested_ids_count_for_each(tmp_path: Path) -> None:
    """A dockerd inside container A runs container B: B's process is under both."""
    proc(tmp_path, 10, f"0::/docker/{A}\n")
    proc(tmp_path, 11, f"0::/docker/{A}/docker/{B}\n")
    walk = SharedWalk()
    assert walk.members([B], tmp_path) == {B: [11]}
    assert walk.members([A], tmp_path) == {A: [10, 11]}
    assert walk.members([A], tmp_path) == members([A], tmp_path)


def test_read_fleet_through_a_shared_walk_reads_the_same(tmp_path: Path) -> None:
    proc(tmp_path, 10, f"0::/docker/{A}\n", b"/usr/sbin/sshd\x00-D\x00")
    proc(tmp_path, 20, f"0::/docker/{B}\n")
    walk = SharedWalk()
    for ids in ([A], [B]):
        assert (
            read_fleet(ids, proc=tmp_path, walk=walk).commands
            == read_fleet(ids, proc=tmp_path).commands
        )
    assert read_fleet([A], proc=tmp_path, walk=walk).commands == {A: ("/usr/sbin/sshd -D",)}

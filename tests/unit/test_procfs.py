"""Process lists from a /proc tree: only processes whose cgroup names the
container's full id count."""

from __future__ import annotations

from pathlib import Path

from dockertui.engine.kernel_facts import read_fleet

A = "a" * 64
B = "b" * 64


def proc(tmp_path: Path, pid: int, cgroup: str, cmdline: bytes, comm: str = "x") -> None:
    folder = tmp_path / str(pid)
    folder.mkdir()
    (folder / "cgroup").write_text(cgroup)
    (folder / "cmdline").write_bytes(cmdline)
    (folder / "comm").write_text(comm + "\n")


def test_groups_processes_by_the_id_in_their_cgroup(tmp_path: Path) -> None:
    proc(tmp_path, 10, f"12:pids:/docker/{A}\n", b"/usr/sbin/sshd\0-D\0")
    proc(tmp_path, 11, f"0::/system.slice/docker-{A}.scope\n", b"sh\0-c\0sleep 1\0")
    proc(tmp_path, 12, f"0::/machine.slice/libpod-{B}.scope\n", b"/bin/sleep\x00100\x00")
    proc(tmp_path, 13, "0::/user.slice\n", b"bash\0")  # a host process
    proc(tmp_path, 14, f"0::/docker/{A}\n", b"", comm="kworker")  # no command line
    (tmp_path / "self").mkdir()  # not a pid: ignored
    found = read_fleet([A, B], proc=tmp_path).commands
    assert sorted(found[A]) == ["/usr/sbin/sshd -D", "[kworker]", "sh -c sleep 1"]
    assert found[B] == ("/bin/sleep 100",)


def test_unknown_or_partial_ids_never_match(tmp_path: Path) -> None:
    proc(tmp_path, 10, f"0::/docker/{A}\n", b"sshd\0")
    # asked for B only, and a 12-character prefix of A is not A
    assert read_fleet([B, A[:12]], proc=tmp_path).commands == {}


def test_missing_proc_gives_nothing(tmp_path: Path) -> None:
    assert read_fleet([A], proc=tmp_path / "absent").commands == {}
    assert read_fleet([], proc=tmp_path).commands == {}

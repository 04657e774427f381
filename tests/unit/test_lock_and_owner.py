"""Who holds a fix lock and whether it still protects a running fix
(fixes/lock.py, fixes/owner.py), and which journals count as interrupted."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from dockertui.fixes.lock import STALE_AFTER, Holder
from dockertui.fixes.owner import Owner, process_start
from dockertui.fixes.state import Journal, JournalState, iso, utc_now

HERE = socket.gethostname()
GONE = 2**22 + 4321  # above the default pid_max: no such process


def holder(owner: Owner, age: timedelta = timedelta(0)) -> Holder:
    return Holder("fix-1", "c" * 64, owner, iso(utc_now() - age))


def test_a_lock_on_this_host_is_stale_exactly_when_its_process_is_gone() -> None:
    me = Owner.here()
    assert me.alive() is True and me.pid_start == process_start(os.getpid())
    assert holder(me).stale_reason() is None
    assert holder(me, STALE_AFTER * 10).stale_reason() is None  # a long fix is still a fix
    gone = holder(Owner("root", HERE, GONE, "1"))
    assert gone.stale_reason() == f"its process {GONE} on this host is gone"
    reused = Owner("root", HERE, os.getpid(), "not-its-start-time")  # the pid went to another
    assert reused.alive() is False


def test_a_lock_from_another_host_goes_stale_with_age_only() -> None:
    far = Owner("admin", "other-host.example", 1234, "99")
    assert far.alive() is None
    assert holder(far, STALE_AFTER / 2).stale_reason() is None
    assert "minutes old" in (holder(far, STALE_AFTER * 2).stale_reason() or "")
    assert Holder("f", "t", far, "yesterday").stale_reason() == "it carries no valid time"
    assert "future" in (holder(far, -STALE_AFTER).stale_reason() or "")


def test_labels_round_trip() -> None:
    h = holder(Owner("root", HERE, 42, "777"))
    assert Holder.from_labels(h.labels()) == h
    assert h.labels()["dockertui.lock"] == "1"


def _journal(owner: Owner, state: JournalState = JournalState.IN_PROGRESS) -> Journal:
    j = Journal(
        fix_id="f", endpoint="e", name="web", old_id="1" * 64, temp_name="t", backup_name="b",
        failed_name="x", backup_dir="", plan=["drop-caps"], options={},
        original_restart_policy={"Name": "no", "MaximumRetryCount": 0}, old_was_running=True,
        state=state,
    )  # fmt: skip
    j.owner = {
        "user": owner.user,
        "host": owner.host,
        "pid": owner.pid,
        "pid_start": owner.pid_start,
    }
    return j


def test_a_journal_is_interrupted_only_once_its_process_is_gone() -> None:
    assert not _journal(Owner.here()).interrupted  # running: not for --resume
    assert _journal(Owner("root", HERE, GONE, "1")).interrupted
    assert _journal(Owner("root", "other-host.example", 1, "1")).interrupted  # cannot tell
    assert _journal(Owner()).interrupted  # written by a version that did not say
    assert not _journal(Owner("root", HERE, GONE, "1"), JournalState.APPLIED).interrupted
    taken = _journal(Owner("root", HERE, GONE, "1"))
    taken.take_over()
    assert taken.running_owner() == Owner.here() and not taken.interrupted

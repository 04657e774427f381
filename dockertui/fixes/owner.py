"""Which process runs a fix, and whether it still does.

A fix's journal and its engine locks name their owner: user, host, pid and
the process's start time (field 22 of /proc/<pid>/stat, so that a reused
pid is not taken for the owner). On the owner's host that says for sure
whether the fix is still running; from another host it cannot be told.
"""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass
from pathlib import Path


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER
        return str(os.getuid())


def process_start(pid: int) -> str:
    """The start time of `pid` (field 22 of /proc/<pid>/stat), "" when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


@dataclass(frozen=True)
class Owner:
    user: str = ""
    host: str = ""
    pid: int = 0
    pid_start: str = ""

    @classmethod
    def here(cls) -> Owner:
        pid = os.getpid()
        return cls(current_user(), socket.gethostname(), pid, process_start(pid))

    def alive(self) -> bool | None:
        """True while the owner runs, False once it is gone, None when it
        runs on another host (no way to tell from here)."""
        if self.host != socket.gethostname():
            return None
        if self.pid <= 0:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # it exists, under another user
        return not self.pid_start or process_start(self.pid) in ("", self.pid_start)

    def describe(self) -> str:
        return f"{self.user or '?'}@{self.host or '?'} (pid {self.pid or '?'})"

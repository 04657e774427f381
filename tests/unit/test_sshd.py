"""sshd-running answers for every state: from the process list of a running
container, from the configured Entrypoint + Cmd otherwise, and it says which."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dockertui.audit.processes import Source, configured_sshd, sshd_state
from dockertui.model import Container


@pytest.mark.parametrize(
    ("command", "starts"),
    [
        (["/usr/sbin/sshd", "-D"], True),
        (["sshd"], True),
        (["/usr/sbin/sshd", "-D", "-e", "-p", "2222"], True),
        (["sh", "-c", "ssh-keygen -A && exec /usr/sbin/sshd -D"], True),
        (["/bin/bash", "-c", "set -e; mkdir -p /run/sshd\n/usr/sbin/sshd -D -e"], True),
        (["sh", "-c", "nginx & sshd -D"], True),
        (["sh", "-c", "FOO=1 /usr/sbin/sshd"], True),
        (["/sbin/tini", "--", "/usr/sbin/sshd", "-D"], True),
        (["dumb-init", "sshd", "-D"], True),
        (["env", "LANG=C", "sshd"], True),
        (["gosu", "root", "/usr/sbin/sshd", "-D"], True),
        (["bash", "-ec", "/usr/sbin/sshd -D"], True),
        (["sh", "-x", "-c", "exec sshd -D"], True),
        # not sshd itself
        (["sshd-keygen"], False),
        (["/usr/libexec/openssh/sshd-keygen", "rsa"], False),
        (["sh", "-c", "cat /etc/ssh/sshd_config"], False),
        (["sh", "-c", "echo sshd"], False),
        (["ssh", "-N", "tunnel@example"], False),
        (["nginx", "-g", "daemon off;"], False),
        (["sh", "-c", "echo 'unbalanced"], False),
        ([], False),
    ],
)
def test_configured_command(command: list[str], starts: bool) -> None:
    assert configured_sshd(tuple(command)) is starts


@pytest.mark.parametrize(
    ("entrypoint", "cmd", "starts"),
    [
        # an entrypoint script runs what Cmd names (exec "$@")
        (["/docker-entrypoint.sh"], ["/usr/sbin/sshd", "-D"], True),
        (["/docker-entrypoint.sh"], ["nginx"], False),
        (["/docker-entrypoint.sh"], [], False),
        # What an entrypoint does with Cmd cannot be read from the configuration:
        # Cmd naming sshd is reported whatever the entrypoint (a known limit) ...
        (["/usr/bin/logger"], ["sshd"], True),
        # ... but sshd as an argument in one command line is not sshd running.
        ([], ["/usr/bin/logger", "sshd"], False),
    ],
)
def test_cmd_behind_an_entrypoint(entrypoint: list[str], cmd: list[str], starts: bool) -> None:
    assert configured_sshd(tuple(entrypoint + cmd), tuple(entrypoint)) is starts


def test_a_never_started_sshd_container_fails_from_its_configuration(
    container: Callable[..., Container],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    c = container("sshd-created")  # captured: created, image CMD /usr/sbin/sshd -D
    assert (c.state, c.processes) == ("created", None)
    assert sshd_state(c).source is Source.CONFIGURED
    (finding,) = findings_of(audit(c), "sshd-running")
    assert finding.detail == (
        "Its configured command starts sshd: /usr/sbin/sshd -D. "
        "It is not running, so this is judged from the configured command."
    )
    assert finding.fix.command == "docker exec -it dtui-fixture-sshd-created sh"


def test_a_running_sshd_container_is_judged_by_what_runs(
    container: Callable[..., Container],
    top_processes: Callable[[str], tuple[str, ...]],
    audit: Callable[..., Any],
    findings_of: Callable[..., Any],
) -> None:
    running = container("sshd", processes=top_processes("sshd"))
    (finding,) = findings_of(audit(running), "sshd-running")
    assert finding.detail.startswith("An sshd process is running, seen in its process list: ")
    # The same container with its process list not read (--no-processes):
    # judged from the configuration, and saying so.
    unread = container("sshd")
    (finding,) = findings_of(audit(unread), "sshd-running")
    assert "Its process list was not read" in finding.detail
    # What runs wins over what was configured: sshd configured, a shell seen.
    replaced = container("sshd", processes=("sh",))
    assert sshd_state(replaced).source is Source.PROCESSES
    assert findings_of(audit(replaced), "sshd-running") == []


def test_every_state_gets_an_answer(inspect_case: str, container: Callable[..., Container]) -> None:
    state = sshd_state(container(inspect_case))
    # No process lists here: every capture is judged from its configuration.
    assert state.source is Source.CONFIGURED
    assert state.found is (inspect_case.rpartition("/")[2] in ("sshd", "sshd-created"))

"""What the fix tests share: a bench that makes labelled containers,
networks and volumes, runs `dockertui fix` as a subprocess against its own
state directory, reads back journals and the audit log, and removes
everything it made (the lock containers a killed fix leaves included)."""

from __future__ import annotations

import contextlib
import json
import random
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.types
from integration_support import error_lines, run_cli, text

from dockertui.audit import capabilities as caps

import harness

VERIFY = ("--verify-seconds", "3")
#: A fake secret: it must never reach the audit log or a journal.
TOKEN = "itest-fix-token-not-a-secret"
HARDENING = sorted(caps.HARDENING_DROP)
SIBLINGS = ("backup", "failed", "new", "replaced")
CRASHING_CLI = Path(__file__).with_name("crashing_cli.py")


class Bench:
    """What one test makes, and the CLI run against the test's state directory."""

    def __init__(self, api: docker.APIClient, made: harness.Containers, state: Path) -> None:
        self.api = api
        self.made = made
        self.state = state
        self.bases: list[str] = []
        self.networks: list[str] = []
        self.volumes: list[str] = []

    # --- making things ---------------------------------------------------------------------

    def container(self, short: str, *, start: bool = True, **kw: Any) -> tuple[str, str]:
        """(name, id) of a new labelled container with a 1 s stop timeout."""
        name = self.made.name(f"fix-{short}")
        self.bases.append(name)
        kw.setdefault("stop_timeout", 1)
        cid = self.made.create(f"fix-{short}", start=start, **kw)
        return name, cid

    def network(self, short: str, subnet: str | None = None) -> str:
        name = f"dtui-{harness.SESSION}-fixnet-{short}-{uuid.uuid4().hex[:6]}"
        ipam = None
        if subnet:
            ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=subnet)])
        self.api.create_network(
            name, driver="bridge", ipam=ipam, labels={harness.LABEL: harness.SESSION}
        )
        self.networks.append(name)
        return name

    def volume(self, short: str) -> str:
        name = f"dtui-{harness.SESSION}-fixvol-{short}-{uuid.uuid4().hex[:6]}"
        self.api.create_volume(name, labels={harness.LABEL: harness.SESSION})
        self.volumes.append(name)
        return name

    def track_volumes(self, ref: str) -> None:
        """Remember every volume `ref` mounts (anonymous ones too) for cleanup."""
        for m in self.inspect(ref)["Mounts"]:
            if m.get("Type") == "volume" and m["Name"] not in self.volumes:
                self.volumes.append(m["Name"])

    # --- looking ---------------------------------------------------------------------------

    def fix(
        self, *args: str, env: dict[str, str] | None = None, crash_after: str | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        """`dockertui fix --host ... ARGS`; with `crash_after`, the process
        kills itself once the journal of that step was written."""
        entry = (str(CRASHING_CLI), crash_after) if crash_after else ("-m", "dockertui")
        return run_cli(
            ["fix", "--host", harness.BASE_URL, *args],
            env={"DOCKERTUI_STATE_DIR": str(self.state), **(env or {})},
            entry=entry,
        )

    def cli(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return run_cli(list(args), env={"DOCKERTUI_STATE_DIR": str(self.state)})

    def inspect(self, ref: str) -> dict[str, Any]:
        return self.api.inspect_container(ref)

    def cat(self, ref: str, path: str) -> str:
        exec_id = self.api.exec_create(ref, ["cat", path])["Id"]
        out = self.api.exec_start(exec_id).decode()
        assert self.api.exec_inspect(exec_id)["ExitCode"] == 0, out
        return out

    def write(self, ref: str, script: str) -> None:
        exec_id = self.api.exec_create(ref, ["sh", "-c", script])["Id"]
        out = self.api.exec_start(exec_id).decode()
        assert self.api.exec_inspect(exec_id)["ExitCode"] == 0, out

    def siblings(self, name: str, kind: str) -> list[dict[str, Any]]:
        """The containers named <name>-<kind>-<timestamp>."""
        pattern = re.compile(rf"^/{re.escape(name)}-{kind}-\d{{8}}-\d{{6}}(-\d+)?$")
        found = self.api.containers(all=True, filters={"name": f"{name}-{kind}-"})
        return [self.inspect(c["Id"]) for c in found if any(pattern.match(n) for n in c["Names"])]

    def audit(self) -> list[dict[str, Any]]:
        path = self.state / "audit.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def journals(self) -> list[dict[str, Any]]:
        folder = self.state / "journal"
        return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]

    def locks(self) -> list[dict[str, Any]]:
        """dockertui's lock containers on the engine (any test's)."""
        return self.api.containers(all=True, filters={"label": "dockertui.lock"})

    def locks_of(self, *ids: str) -> list[dict[str, Any]]:
        return [c for c in self.locks() if c["Labels"].get("dockertui.lock.target") in ids]

    def state_files_text(self) -> str:
        """Everything in the state directory but the inspect backups."""
        parts = [self.state / "audit.jsonl", *sorted((self.state / "journal").glob("*"))]
        return "".join(p.read_text() for p in parts if p.is_file())

    # --- cleaning up -----------------------------------------------------------------------

    def cleanup(self) -> None:
        """Remove the test's containers (and their siblings), then its networks,
        then every volume any of them mounted: also a volume a broken fix
        created by mistake."""
        removed: set[str] = set()
        for base in self.bases:
            prefixes = tuple(f"/{base}-{kind}-" for kind in SIBLINGS)
            for entry in self.api.containers(all=True, filters={"name": base}):
                if any(n == f"/{base}" or n.startswith(prefixes) for n in entry["Names"]):
                    with contextlib.suppress(docker.errors.NotFound):
                        self.track_volumes(entry["Id"])
                        self.api.remove_container(entry["Id"], force=True, v=False)
                        removed.add(entry["Id"])
        for lock in self.locks():
            if lock["Labels"].get("dockertui.lock.target") in removed:
                with contextlib.suppress(docker.errors.NotFound):
                    self.api.remove_container(lock["Id"], force=True)
        for network in self.networks:
            with contextlib.suppress(docker.errors.NotFound):
                self.api.remove_network(network)
        for volume in self.volumes:
            with contextlib.suppress(docker.errors.NotFound):
                self.api.remove_volume(volume, force=True)


@contextlib.contextmanager
def bench_for(
    docker_api: docker.APIClient, containers: harness.Containers, tmp_path: Path
) -> Iterator[Bench]:
    made = Bench(docker_api, containers, tmp_path / "state")
    try:
        yield made
    finally:
        made.cleanup()


def subnet(bench: Bench) -> tuple[str, str]:
    """A network with a subnet of its own (random, retried on overlap) and a static IP in it."""
    for _ in range(10):
        a, b = random.randint(200, 250), random.randint(0, 255)
        try:
            return bench.network("static", f"10.{a}.{b}.0/24"), f"10.{a}.{b}.10"
        except docker.errors.APIError as err:
            if "overlap" not in str(err):
                raise
    raise RuntimeError("no free 10.x.y.0/24 subnet for the static-IP network")


def assert_one_error_line(result: subprocess.CompletedProcess[bytes], *needles: str) -> str:
    lines = [ln for ln in error_lines(result) if ln.startswith("dockertui: ")]
    assert len(lines) == 1, text(result.stderr)
    assert "Traceback" not in text(result.stderr)
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]

"""`dockertui scan` over two REAL engines at once: the main engine on
/var/run/docker.sock and a private dockerd (tests/private_engine.py: its own
socket, data-root and exec-root), with containers on each, one name on
both. The JSON `engines` shape, SARIF locations `engine/<name>/...`, the
table's sections, --container ENGINE/NAME; an engine that is stopped is a
partial result (its sentence on stderr and in the report, the exit code by
the findings), none reachable is exit 2; --all-contexts through a context
store in a temporary DOCKER_CONFIG, where the main socket is reachable under
several names and is reported once."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from integration_support import run_cli, text
from private_engine import PrivateDockerd

import harness

pytestmark = pytest.mark.engine

MAIN = harness.BASE_URL
#: The short name a -H engine gets: its address without the scheme.
MAIN_NAME = MAIN.removeprefix("unix://")


@dataclass(frozen=True)
class Pair:
    second: PrivateDockerd
    #: The `--filter name=` word that selects this module's containers only.
    word: str
    names: dict[str, str]  # role -> container name

    @property
    def second_name(self) -> str:
        return str(self.second.socket)

    def scan(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        return run_cli(
            [
                "scan",
                "-H",
                MAIN,
                "-H",
                self.second.base_url,
                "--filter",
                f"name={self.word}",
                *args,
            ],
            env={"COLUMNS": "80", **(env or {})},
        )


@pytest.fixture(scope="module")
def pair(module_containers: harness.Containers) -> Iterator[Pair]:
    second = PrivateDockerd()
    made = None
    try:
        second.start()
        harness.ensure_images(second.api())
        made = harness.Containers(second.api(), module_containers.session)
        none = {"network_mode": "none"}
        module_containers.create("sev-a", host={"cap_add": ["SYS_ADMIN"]}, stop_signal="SIGKILL")
        module_containers.create("sev-twin", start=False)
        made.create("sev-b", host={**none, "binds": ["/etc:/host-etc:ro"]}, stop_signal="SIGKILL")
        made.create("sev-twin", start=False, host=none)
        names = {role: module_containers.name(role) for role in ("sev-a", "sev-b", "sev-twin")}
        yield Pair(second, module_containers.name("sev-"), names)
    finally:
        if made is not None:
            made.cleanup()
        second.close()


def stderr_lines(result: subprocess.CompletedProcess[bytes]) -> list[str]:
    return text(result.stderr).splitlines()


def no_traceback(result: subprocess.CompletedProcess[bytes]) -> None:
    assert "Traceback" not in text(result.stdout) + text(result.stderr)


# --- both engines answer --------------------------------------------------------------------


def test_json_lists_both_engines_with_their_containers(pair: Pair) -> None:
    result = pair.scan("-f", "json")
    no_traceback(result)
    assert result.returncode == 0, text(result.stderr)
    assert result.stderr == b""
    doc = json.loads(result.stdout)
    assert doc["schema"] == "dockertui.scan/1"
    assert "engine" not in doc and doc["failed"] == []
    assert [e["name"] for e in doc["engines"]] == [MAIN_NAME, pair.second_name]
    main, second = doc["engines"]
    assert main["engine"]["endpoint"] == MAIN
    assert second["engine"]["endpoint"] == pair.second.base_url
    on = {e["name"]: {c["name"]: c for c in e["containers"]} for e in doc["engines"]}
    assert set(on[MAIN_NAME]) == {pair.names["sev-a"], pair.names["sev-twin"]}
    assert set(on[pair.second_name]) == {pair.names["sev-b"], pair.names["sev-twin"]}
    # each engine's own findings, and each engine's /proc pass found its own containers
    a, b = on[MAIN_NAME][pair.names["sev-a"]], on[pair.second_name][pair.names["sev-b"]]
    assert "cap-dangerous" in {f["check"] for f in a["findings"]}
    assert "cap-dangerous" not in {f["check"] for f in b["findings"]}
    assert "sensitive-mount" in {f["check"] for f in b["findings"]}
    assert a["in_effect"]["verifiable"] and b["in_effect"]["verifiable"]
    assert doc["summary"]["containers"] == 4
    assert (doc["summary"]["engines"], doc["summary"]["read"]) == (2, 2)


def test_one_engine_keeps_the_one_engine_shape(pair: Pair) -> None:
    result = run_cli(
        ["scan", "-H", pair.second.base_url, "-f", "json", "--filter", f"name={pair.word}"]
    )
    assert result.returncode == 0, text(result.stderr)
    doc = json.loads(result.stdout)
    assert "engines" not in doc
    assert doc["engine"]["endpoint"] == pair.second.base_url
    assert {c["name"] for c in doc["containers"]} == {pair.names["sev-b"], pair.names["sev-twin"]}


def test_sarif_locations_name_the_engine(pair: Pair) -> None:
    result = pair.scan("-f", "sarif")
    assert result.returncode == 0, text(result.stderr)
    run = json.loads(result.stdout)["runs"][0]
    located = {
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in run["results"]
    }
    # -H names are socket paths: their slashes are %2F, one segment each.
    main, second = (quote(n, safe="") for n in (MAIN_NAME, pair.second_name))
    assert main == "%2Fvar%2Frun%2Fdocker.sock"
    assert f"engine/{main}/container/{pair.names['sev-a']}" in located
    assert f"engine/{second}/container/{pair.names['sev-b']}" in located
    assert f"engine/{main}" in located and f"engine/{second}" in located
    for twin in (f"engine/{n}/container/{pair.names['sev-twin']}" for n in (main, second)):
        assert twin in located
    assert not any(loc.startswith("container/") for loc in located)
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_table_has_a_section_per_engine_at_80_columns(pair: Pair) -> None:
    result = pair.scan()
    assert result.returncode == 0, text(result.stderr)
    out = text(result.stdout)
    assert [ln for ln in out.splitlines() if len(ln) > 80] == []
    assert out.startswith("dockertui scan  2 engines\n")
    second = out.index(pair.second.base_url)
    assert out.index(MAIN) < second
    assert pair.names["sev-a"] in out[:second] and pair.names["sev-a"] not in out[second:]
    assert pair.names["sev-b"] in out[second:]
    assert out.count(pair.names["sev-twin"]) == 2
    # --filter without --include-engine: the selected containers' total
    assert "Total of the containers selected on 2 engines " in out


def test_a_name_on_both_engines_needs_the_engine(pair: Pair) -> None:
    twin = pair.names["sev-twin"]
    result = pair.scan("--container", twin)
    no_traceback(result)
    assert result.returncode == 2 and result.stdout == b""
    (line,) = stderr_lines(result)
    assert f"is on 2 engines ('{MAIN_NAME}', '{pair.second_name}')" in line
    assert line.endswith(".")

    result = pair.scan("--container", f"{pair.second_name}/{twin}")
    assert result.returncode == 0, text(result.stderr)
    out = text(result.stdout)
    second = out.index(pair.second.base_url)
    assert twin not in out[:second]  # the main engine's twin is not shown
    assert f" {twin}  {harness.IMAGE}  created" in out[second:]  # the detail


def test_fail_on_judges_both_engines(pair: Pair) -> None:
    # the critical finding (SYS_ADMIN) is on the main engine only; the
    # second engine's worst is high (the /etc mount)
    assert pair.scan("--fail-on", "critical").returncode == 1
    only_second = run_cli(
        [
            "scan",
            "-H",
            pair.second.base_url,
            "--filter",
            f"name={pair.word}",
            "--fail-on",
            "critical",
        ]
    )
    assert only_second.returncode == 0, text(only_second.stderr)


# --- engines that cannot be read ------------------------------------------------------------


@pytest.fixture
def stopped() -> Iterator[PrivateDockerd]:
    """A private dockerd that was started and then stopped: its socket path
    is a real engine's, with nobody answering."""
    engine = PrivateDockerd()
    try:
        engine.start()
        engine.stop()
        yield engine
    finally:
        engine.close()


def test_a_stopped_engine_is_a_partial_result(pair: Pair, stopped: PrivateDockerd) -> None:
    args = ["scan", "-H", MAIN, "-H", stopped.base_url, "--filter", f"name={pair.word}"]
    result = run_cli([*args, "-f", "json"])
    no_traceback(result)
    assert result.returncode == 0, text(result.stderr)  # no --fail-on: the findings decide
    (line,) = stderr_lines(result)
    assert line.startswith(f"dockertui: engine {stopped.socket}: ")
    assert str(stopped.socket) in line.split(": ", 2)[2] and line.endswith(".")
    doc = json.loads(result.stdout)
    assert [e["name"] for e in doc["engines"]] == [MAIN_NAME]
    assert {c["name"] for c in doc["engines"][0]["containers"]} == {
        pair.names["sev-a"],
        pair.names["sev-twin"],
    }
    (failed,) = doc["failed"]
    assert failed["name"] == str(stopped.socket) and failed["endpoint"] == stopped.base_url
    assert f"dockertui: engine {failed['name']}: {failed['error']}" == line
    assert doc["summary"]["read"] == 1

    # --fail-on over the engine read: its critical finding is exit 1, not 2
    assert run_cli([*args, "--fail-on", "critical", "-f", "json"]).returncode == 1

    sarif = run_cli([*args, "-f", "sarif"])
    (invocation,) = json.loads(sarif.stdout)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["message"]["text"] == failed["error"]

    table = run_cli([*args], env={"COLUMNS": "80"})
    out = text(table.stdout)
    assert out.startswith("dockertui scan  2 engines, 1 not read\n")
    assert f"{stopped.socket} not read: " in out.replace("\n", " ")


def test_no_engine_reachable_is_exit_2_with_a_sentence_each(
    stopped: PrivateDockerd, tmp_path: Path
) -> None:
    nowhere = f"unix://{tmp_path}/nothing.sock"
    result = run_cli(["scan", "-H", stopped.base_url, "-H", nowhere, "-f", "json"])
    no_traceback(result)
    assert result.returncode == 2
    assert result.stdout == b""
    lines = stderr_lines(result)
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"dockertui: engine {stopped.socket}: ")
    assert lines[1].startswith(f"dockertui: engine {tmp_path}/nothing.sock: ")
    assert all(line.endswith(".") for line in lines)


@pytest.fixture
def silent(tmp_path: Path) -> Iterator[str]:
    """A unix socket that accepts connections and never answers: an engine
    that hangs. Its address (unix://...)."""
    path = tmp_path / "silent.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.listen(16)  # the kernel accepts into the backlog; nobody reads
    try:
        yield f"unix://{path}"
    finally:
        listener.close()


def test_an_engine_that_never_answers_hides_nothing(pair: Pair, silent: str) -> None:
    result = run_cli(
        ["scan", "-H", silent, "-H", pair.second.base_url, "--timeout", "1", "-f", "json",
         "--filter", f"name={pair.word}"]
    )  # fmt: skip
    no_traceback(result)
    assert result.returncode == 0, text(result.stderr)
    (line,) = stderr_lines(result)
    assert line.startswith(f"dockertui: engine {silent.removeprefix('unix://')}: ")
    assert "did not answer within 1 second" in line
    doc = json.loads(result.stdout)
    assert [e["name"] for e in doc["engines"]] == [pair.second_name]
    assert {c["name"] for c in doc["engines"][0]["containers"]} == {
        pair.names["sev-b"],
        pair.names["sev-twin"],
    }


# --- contexts -------------------------------------------------------------------------------


def _context(config: Path, name: str, host: str) -> None:
    meta = config / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    meta.mkdir(parents=True)
    document: dict[str, Any] = {
        "Name": name,
        "Metadata": {"Description": f"test context {name}"},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}},
    }
    (meta / "meta.json").write_text(json.dumps(document))


def test_all_contexts_scans_each_engine_once(pair: Pair, tmp_path: Path) -> None:
    config = tmp_path / "docker-config"
    # the default context is the main socket too (no DOCKER_HOST): three names, one engine
    _context(config, "sev-main", MAIN)
    _context(config, "sev-main-again", MAIN)
    _context(config, "sev-second", pair.second.base_url)
    _context(config, "sev-unusable", "ftp://nowhere")  # left out, and said so
    env = {"DOCKER_CONFIG": str(config), "COLUMNS": "80"}
    filters = ["--filter", f"name={pair.word}"]
    result = run_cli(["scan", "--all-contexts", "-f", "json", *filters], env=env)
    assert result.returncode == 0, text(result.stderr)
    doc = json.loads(result.stdout)
    assert [e["name"] for e in doc["engines"]] == ["default", "sev-second"]
    assert [e["engine"]["context"] for e in doc["engines"]] == ["default", "sev-second"]
    assert doc["summary"]["containers"] == 4
    (unusable,) = doc["failed"]
    assert unusable["name"] == "sev-unusable" and "unsupported scheme 'ftp'" in unusable["error"]
    assert stderr_lines(result) == [f"dockertui: engine sev-unusable: {unusable['error']}"]

    table = text(run_cli(["scan", "--all-contexts", *filters], env=env).stdout)
    assert f"sev-second  {pair.second.base_url}" in table

    # two names of the main engine alone: one engine, so the one-engine shape
    alone = run_cli(
        ["scan", "-c", "sev-main", "-c", "sev-main-again", "-f", "json", *filters], env=env
    )
    assert alone.returncode == 0, text(alone.stderr)
    assert json.loads(alone.stdout)["engine"]["context"] == "sev-main"

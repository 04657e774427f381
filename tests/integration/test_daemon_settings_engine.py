"""dockerd's real settings, read from the dockerd serving the scanned socket:
private dockerds (tests/private_engine.py: own socket, data-root, exec-root
and bridge) with a setting on their command line or in their own
--config-file, and the main engine as it is on this machine."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from integration_support import run_cli
from private_engine import PrivateDockerd

import harness

pytestmark = pytest.mark.engine


def _scan(base_url: str) -> dict[str, Any]:
    done = run_cli(["scan", "--format", "json", "-H", base_url])
    assert done.returncode == 0, done.stderr.decode()
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def _finding(document: dict[str, Any], check: str) -> dict[str, Any] | None:
    return next((f for f in document["engine_findings"] if f["check"] == check), None)


@pytest.fixture(scope="module")
def icc_off() -> Iterator[PrivateDockerd]:
    # --icc=false works through iptables: in a network namespace of its own,
    # whose rules are not the main engine's.
    private = PrivateDockerd(extra_args=("--icc=false", "--iptables=true"), netns=True)
    try:
        private.start()
        yield private
    finally:
        private.close()


@pytest.fixture(scope="module")
def live_restore_file() -> Iterator[PrivateDockerd]:
    private = PrivateDockerd()
    config = private.root / "daemon.json"
    config.write_text('{"live-restore": true}\n')
    private.extra_args = ("--config-file", str(config))
    try:
        private.start()
        yield private
    finally:
        private.close()


def test_icc_off_on_the_command_line_is_reported_with_its_source(icc_off: PrivateDockerd) -> None:
    document = _scan(icc_off.base_url)
    settings = document["engine"]["settings"]
    assert settings["verified"] is True, settings["reason"]
    assert settings["how"] == "socket holder"  # root reads its descriptors: not a guess
    assert settings["dockerd_pid"] == icc_off.pid
    assert settings["values"]["icc"] == {
        "value": False,
        "source": "command line",
        "origin": "--icc=false",
    }
    # The same dockerd, judged: no icc finding; its own socket is on its command line.
    assert _finding(document, "icc-enabled") is None
    assert settings["values"]["hosts"]["value"] == [icc_off.base_url]
    # Its --config-file is the default one, which this machine does not have.
    assert settings["config_file"] == "/etc/docker/daemon.json"


def test_live_restore_in_its_config_file_is_reported_with_that_file(
    live_restore_file: PrivateDockerd,
) -> None:
    config = str(live_restore_file.root / "daemon.json")
    document = _scan(live_restore_file.base_url)
    settings = document["engine"]["settings"]
    assert settings["verified"] is True, settings["reason"]
    assert settings["config_file"] == config and settings["config_file_exists"] is True
    assert settings["values"]["live-restore"] == {
        "value": True,
        "source": "daemon.json",
        "origin": config,
    }
    assert _finding(document, "live-restore-off") is None
    # A daemon fix is merged into that file, the user's key kept.
    icc = _finding(document, "icc-enabled")
    assert icc is not None
    assert icc["detail"] == f"icc is on (default: not set in {config} or on the command line)."
    assert icc["fix"]["diff"] == (
        f"--- {config}\n"
        f"+++ {config}\n"
        "@@ -1 +1 @@\n"
        '-{"live-restore": true}\n'
        '+{"live-restore": true, "icc": false}\n'
    )


def test_the_main_engine_settings_are_read_with_their_sources() -> None:
    document = _scan(harness.BASE_URL)
    settings = document["engine"]["settings"]
    assert settings["verified"] is True, settings["reason"]
    pid = settings["dockerd_pid"]
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    assert Path(f"/proc/{pid}/comm").read_text().strip() == "dockerd"
    values = settings["values"]
    on_command_line = {k for k, v in values.items() if v["source"] == "command line"}
    # Every setting that names a command-line source quotes arguments dockerd really has.
    for key in on_command_line:
        for word in values[key]["origin"].split():
            assert word.encode() in argv, (key, word, argv)
    config = Path(settings["config_file"])
    assert settings["config_file_exists"] is config.exists()
    from_file = {k for k, v in values.items() if v["source"] == "daemon.json"}
    if config.exists():
        assert from_file <= set(json.loads(config.read_text() or "{}"))
    else:
        assert not from_file
    assert all(v["source"] in ("command line", "daemon.json", "default") for v in values.values())


def _on_scan(option: list[str], rest: list[str]) -> list[str]:
    """`dockertui scan --advisories FILE ...`"""
    return ["scan", "-H", harness.BASE_URL, *option, *rest]


def _on_dockertui(option: list[str], rest: list[str]) -> list[str]:
    """`dockertui --advisories FILE scan ...`: the option the console takes,
    for the whole process."""
    return [*option, "scan", "-H", harness.BASE_URL, *rest]


@pytest.mark.parametrize("where", [_on_scan, _on_dockertui], ids=["scan", "dockertui"])
def test_a_newer_advisory_table_judges_the_running_engine(
    tmp_path: Path, where: Callable[[list[str], list[str]], list[str]]
) -> None:
    version = harness_version()
    table = tmp_path / "advisories.json"
    table.write_text(
        json.dumps(
            {
                "checked": "2026-12-01",
                "advisories": [
                    {
                        "component": "Engine",
                        "fixed_in": f"{version.split('+')[0]}.1",
                        "affected_from": "0",
                        "cves": "CVE-2099-0001",
                        "summary": "an advisory written for this test",
                        "severity": "critical",
                    }
                ],
            }
        )
    )
    done = run_cli(where(["--advisories", str(table)], ["--format", "json"]))
    assert done.returncode == 0, done.stderr.decode()
    found = [
        f for f in json.loads(done.stdout)["engine_findings"] if f["check"] == "engine-outdated"
    ]
    assert len(found) == 1  # the file replaced the bundled table (runc's advisories are gone)
    detail = found[0]["detail"]
    assert "CVE-2099-0001" in detail
    assert detail.endswith(f"(advisories checked as of 2026-12-01, from {table}).")
    if "dfsg" in version or "+deb" in version:  # this machine's Debian build
        assert found[0]["severity"] == "info"
        assert detail.startswith(f"Engine {version} may be patched: it is older than")
    else:
        assert found[0]["severity"] == "critical"


@pytest.mark.parametrize("where", [_on_scan, _on_dockertui], ids=["scan", "dockertui"])
def test_a_bad_advisory_table_is_one_sentence_and_exit_2(
    tmp_path: Path, where: Callable[[list[str], list[str]], list[str]]
) -> None:
    table = tmp_path / "advisories.json"
    table.write_text('{"checked": "2026-12-01", "advisories": [{"component": "runc"}]}')
    done = run_cli(where(["--advisories", str(table)], []))
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr.decode() == (
        f"dockertui: The advisory table {table}: advisory 1 needs fixed_in, cves, summary, "
        "severity as text.\n"
    )


def harness_version() -> str:
    return str(docker.APIClient(base_url=harness.BASE_URL).version()["Version"])

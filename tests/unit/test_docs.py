"""docs/checks.md is exactly what scripts/gen_checks_doc.py writes from the
check registry, so the catalogue cannot drift from the checks."""

from __future__ import annotations

import difflib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from dockertui.audit import CHECKS

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOGUE = ROOT / "docs" / "checks.md"


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    """scripts/gen_checks_doc.py, loaded as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "gen_checks_doc", ROOT / "scripts" / "gen_checks_doc.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_checks_md_is_what_the_generator_writes(generator: ModuleType) -> None:
    expected = generator.render()
    actual = CATALOGUE.read_text(encoding="utf-8") if CATALOGUE.is_file() else ""
    if actual != expected:
        diff = difflib.unified_diff(
            actual.splitlines(),
            expected.splitlines(),
            "docs/checks.md",
            "generated from the registry",
            lineterm="",
        )
        shown = "\n".join(list(diff)[:40])
        pytest.fail(
            "docs/checks.md differs from the check registry; run "
            f"python scripts/gen_checks_doc.py and commit it.\n{shown}",
            pytrace=False,
        )


def test_every_check_has_its_entry(generator: ModuleType) -> None:
    text = generator.render()
    for check in CHECKS.values():
        assert f"#### `{check.id}`" in text
        assert f"[`{check.id}`](#{check.id})" in text  # its row in the summary
        assert f"- **CIS**: {check.cis or 'none'}" in text
    assert text.count("\n#### `") == len(CHECKS)


def test_fix_commands_are_read_from_the_checks(generator: ModuleType) -> None:
    # A module constant, a closure variable and a helper call are resolved;
    # what depends on the container becomes a placeholder.
    assert generator.commands(CHECKS["restart-policy"]) == [
        "docker update --restart on-failure:5 <container>"
    ]
    assert generator.commands(CHECKS["host-pid"]) == ["remove --pid=host"]
    assert generator.commands(CHECKS["icc-enabled"]) == [
        '/etc/docker/daemon.json: "icc": false, then restart dockerd'
    ]
    assert generator.commands(CHECKS["docker-socket"]) == ["remove -v <source>:<destination>"]
    assert generator.commands(CHECKS["rootful-daemon"]) == []


def test_check_mode_fails_on_a_stale_file(
    generator: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "checks.md"
    assert generator.main(["--check", "-o", str(target)]) == 1  # missing
    assert generator.main(["-o", str(target)]) == 0
    assert generator.main(["--check", "-o", str(target)]) == 0
    target.write_text(target.read_text(encoding="utf-8").replace("critical", "high", 1))
    capsys.readouterr()
    assert generator.main(["--check", "-o", str(target)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.endswith("run python scripts/gen_checks_doc.py and commit the result.")
    assert err.count("\n") == 0  # one sentence


def test_podmans_commands_are_listed_apart(generator: ModuleType) -> None:
    # an `if engine.podman:` branch (or `a if engine.podman else b`) is
    # Podman's; what follows its return does not run there
    assert generator.commands(CHECKS["stopped-sprawl"]) == ["docker container prune"]
    assert generator.commands(CHECKS["stopped-sprawl"], podman=True) == ["podman container prune"]
    docker = generator.commands(CHECKS["userns-disabled"])
    podman = generator.commands(CHECKS["userns-disabled"], podman=True)
    assert docker == ['/etc/docker/daemon.json: "userns-remap": "default", then restart dockerd']
    assert podman == [
        '/etc/containers/containers.conf: [containers] userns = "auto" (or run Podman rootless)'
    ]
    entry = "\n".join(generator._entry(CHECKS["live-restore-off"]))
    assert "- **On Podman**: does not apply. Podman has no daemon to restart" in entry

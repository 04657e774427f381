"""What a command loads before it does anything: `dockertui scan` never
loads Textual, the fixes or aiodocker (only an ssh endpoint needs it) and,
on a unix socket, not aiohttp either (tests/integration/test_unix_http.py);
JSON output never loads Rich, `--version` loads no HTTP library, and
loading aiohttp for the gateway leaves the environment as it was. Each case
runs in a fresh interpreter, so what an earlier test imported does not
count."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: What the JSON scan imports, end to end, short of talking to an engine.
SCAN_JSON = "import dockertui.cli, dockertui.cli.scan, dockertui.scan, dockertui.report.json_report"


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def tops(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules} | {".".join(m.split(".")[:2]) for m in modules}


def test_scan_loads_neither_textual_nor_the_fixes_nor_aiodocker() -> None:
    loaded = tops(loaded_after(SCAN_JSON))
    for heavy in ("textual", "aiodocker", "dockertui.fixes", "dockertui.ui", "rich", "docker"):
        assert heavy not in loaded, heavy


def test_version_loads_no_http_library() -> None:
    code = (
        "import sys\nsys.argv = ['dockertui', '--version']\n"
        "from dockertui.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    loaded = tops(loaded_after(code))
    for heavy in ("aiohttp", "aiodocker", "textual", "dockertui.audit", "dockertui.engine"):
        assert heavy not in loaded, heavy


@pytest.mark.parametrize("preset", [None, "/etc/ssl/certs/ca-certificates.crt"])
def test_gateway_import_leaves_the_environment_as_it_was(preset: str | None) -> None:
    setup = "import os\n"
    if preset is not None:
        setup += f"os.environ['SSL_CERT_FILE'] = {preset!r}\n"
    code = (
        f"{setup}before = dict(os.environ)\n"
        "import dockertui.engine.gateway\n"
        "dockertui.engine.gateway._aiohttp()\n"
        "assert dict(os.environ) == before, 'environment changed'\n"
    )
    loaded_after(code)  # raises CalledProcessError if the assertion failed


def test_tls_endpoint_context_still_trusts_the_system_store() -> None:
    """The endpoint's own context, built after the gateway is imported, loads
    the system's CA bundle (only aiohttp's unused defaults do without)."""
    code = (
        "import dockertui.engine.gateway\n"
        "dockertui.engine.gateway._aiohttp()\n"
        "from dockertui.engine.endpoint import Endpoint\n"
        "ep = Endpoint('tcp://127.0.0.1:2376', 'default', '--host', 'tcp', True, True, None)\n"
        "ctx = ep.ssl_context()\n"
        "assert ctx is not None and ctx.cert_store_stats()['x509_ca'] > 0, ctx\n"
    )
    loaded_after(code)

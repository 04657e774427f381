#!/usr/bin/env python3
"""Capture the two containers of the run-fidelity test as unit-test fixtures.

    python scripts/capture_run_fixtures.py

Makes, on the local engine (unix:///var/run/docker.sock only, no pulls, no
traffic to containers), the containers tests/integration/fidelity_support.py
builds: `complete-running` (every `docker run` setting that starts here, on
two user-defined networks with static addresses; captured while running)
and `complete-created` (privileged, --cap-add ALL, host namespaces, GPUs:
created only). Writes their inspect documents to
tests/fixtures/run/inspect/<case>.json and removes every container, network,
volume and folder it made, even when something failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "integration")]

from fidelity_support import World, make_created, make_running  # noqa: E402

import harness  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "run" / "inspect"


def main() -> int:
    harness.ensure_dockerd()
    api = harness.api_client()
    harness.ensure_images(api)
    world = World.open(api, session="fixture")
    try:
        docs = {"complete-running": make_running(world), "complete-created": make_created(world)}
    finally:
        world.cleanup()
    OUT.mkdir(parents=True, exist_ok=True)
    for case, doc in docs.items():
        path = OUT / f"{case}.json"
        path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

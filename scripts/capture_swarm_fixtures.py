#!/usr/bin/env python3
"""Capture a single-node swarm's answers as test fixtures.

    python scripts/capture_swarm_fixtures.py

Starts a private dockerd in a network namespace of its own
(tests/swarm_support.py: never the main engine), makes it a swarm manager
with two services (one risky: --cap-add SYS_ADMIN, the engine socket
mounted, a port published through the ingress network; one hardened), and
writes tests/fixtures/swarm/: `GET /info`, `GET /swarm` (its JoinTokens
replaced: they are credentials), `GET /services`, `GET /nodes` and
`GET /networks` of the overlay driver. Then the swarm and the engine go.
Needs root (network namespaces) and the test image on the main engine
(tests/harness.py builds it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import swarm_support

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "swarm"


def write(name: str, data: Any) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / name).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def main() -> int:
    engine = swarm_support.start_swarm()
    try:
        swarm_support.wait_for_task(engine, swarm_support.RISKY)
        api = engine.api()

        def get(path: str, **params: Any) -> Any:
            return api._result(api._get(api._url(path), params=params), json=True)

        swarm = get("/swarm")
        swarm["JoinTokens"] = {key: "SWMTKN-redacted" for key in swarm.get("JoinTokens", {})}
        write("info.json", get("/info"))
        write("swarm.json", swarm)
        write("services.json", get("/services"))
        write("nodes.json", get("/nodes"))
        write("networks.json", get("/networks", filters=json.dumps({"driver": ["overlay"]})))
    finally:
        swarm_support.leave(engine)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

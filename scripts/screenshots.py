#!/usr/bin/env python3
"""Regenerate the SVG screenshots in screenshots/ from the showcase fleet
(tests/showcase.py: captured inspect documents, no engine needed), and the
tour's from the demo engine (frozen), as `dockertui tour` shows it.

    python scripts/screenshots.py
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from dockertui.ui.app import DockerTUI

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from showcase import (  # noqa: E402  (tests/ is not a package)
    busy_source,
    fleet_source,
    showcase_fixer,
    showcase_source,
)

OUT = ROOT / "screenshots"


async def shoot(
    name: str, size: tuple[int, int], steps: list[str], *, busy: bool = False, fleet: bool = False
) -> None:
    """Press `steps` (a key, or "next" for the wizard's next step), then save.
    `busy`: the showcase plus a long name, many ports and a fix's leftovers;
    `fleet`: the showcase over three engines, one of them lost."""
    source = fleet_source() if fleet else busy_source() if busy else showcase_source()
    app = DockerTUI(source, fixer=showcase_fixer)
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.3)
        for key in steps:
            if key == "next":
                app.screen.action_next()  # type: ignore[attr-defined]
            else:
                await pilot.press(key)
            await pilot.pause(0.2)
        app.save_screenshot(str(OUT / f"{name}.svg"))


async def shoot_tour(name: str, size: tuple[int, int], lesson: str) -> None:
    """The tour at `lesson` on a frozen demo engine of its own."""
    from dockertui.cli.demo import NOTICE
    from dockertui.demo.run import demo_engine
    from dockertui.engine.endpoint import resolve_endpoint
    from dockertui.engine.watch import Watcher
    from dockertui.ui.tour_screen import TourScreen

    async with demo_engine(0.0) as socket_path:
        endpoint = resolve_endpoint(host=f"unix://{socket_path}", env={})
        app = DockerTUI(Watcher(endpoint), fixer=showcase_fixer, notice=NOTICE, tour=lesson)
        async with app.run_test(size=size) as pilot:
            for _ in range(100):  # until the fleet is in
                if app.state.reports and isinstance(app.screen, TourScreen):
                    break
                await pilot.pause(0.05)
            await pilot.pause(0.3)
            app.save_screenshot(str(OUT / f"{name}.svg"))


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    await shoot("console-wide", (160, 48), [])
    await shoot("console-side-by-side", (220, 60), [])
    await shoot("console-120x40", (120, 40), [])
    await shoot("console-80x24", (80, 24), [])
    await shoot("console-busy-80x24", (80, 24), [], busy=True)
    await shoot("container-80x24", (80, 24), ["enter"])
    await shoot("fleet-80x24", (80, 24), [], fleet=True)
    await shoot("fleet-wide", (160, 48), [], fleet=True)
    await shoot("panel-docker-socket", (160, 48), ["down"])  # ci-runner
    await shoot("engine", (120, 40), ["e"])
    await shoot("help", (100, 34), ["question_mark"])
    await shoot("filter", (160, 48), ["slash", *"docker-socket", "enter"])
    await shoot("fix-wizard", (160, 48), ["f"])
    await shoot("fix-review", (160, 48), ["f", "next"])
    await shoot_tour("tour-80x24", (80, 24), "capabilities")
    await shoot_tour("tour-wide", (160, 48), "seccomp")
    print(f"wrote {len(list(OUT.glob('*.svg')))} screenshots to {OUT}")


if __name__ == "__main__":
    asyncio.run(main())

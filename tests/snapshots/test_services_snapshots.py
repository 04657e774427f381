"""SVG snapshots of the swarm services screens at 80x24, from the captured
single-node swarm (tests/fixtures/swarm; no engine): the list of services
with their grades and template settings, and one service's template and
findings with its docker service update fixes. Update with
`pytest tests/snapshots/test_services_snapshots.py --snapshot-update`
after a deliberate change, and look at the result."""

from __future__ import annotations

from swarm_captures import engine, reports
from textual.app import App

from dockertui.ui.css import css_files
from dockertui.ui.services_screen import ServicesScreen, SwarmServices


class ServicesApp(App[None]):
    CSS_PATH = css_files()  # type: ignore[assignment]

    def on_mount(self) -> None:
        found = engine()
        self.push_screen(
            ServicesScreen([SwarmServices("", found.swarm, tuple(reports().values()))])
        )


def test_services_screen(snap_compare) -> None:
    assert snap_compare(ServicesApp(), terminal_size=(80, 24))


def test_service_screen(snap_compare) -> None:
    # Enter on the first (worst) service: its template and its findings.
    assert snap_compare(ServicesApp(), terminal_size=(80, 24), press=["enter"])


def test_service_screen_findings(snap_compare) -> None:
    # One page down: the first findings, each with its docker service update.
    assert snap_compare(ServicesApp(), terminal_size=(80, 24), press=["enter", "pagedown"])

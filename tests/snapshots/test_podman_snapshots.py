"""SVG snapshots of the engine screen on Podman, from the captured Podman
4.3.1 /info and /version (tests/fixtures/podman; no engine): the summary
with the rows that do not apply there, and, at its end, the checks that do
not apply with their sentence. Update with
`pytest tests/snapshots/test_podman_snapshots.py --snapshot-update` after a
deliberate change, and look at the result."""

from __future__ import annotations

import json
from pathlib import Path

from textual.app import App

from dockertui.audit import audit_engine
from dockertui.engine.daemon_proc import with_settings
from dockertui.model import ClientFacts, engine_from_api
from dockertui.ui.css import css_files
from dockertui.ui.engine_screen import EngineScreen

PODMAN = Path(__file__).resolve().parent.parent / "fixtures" / "podman"


class PodmanEngineApp(App[None]):
    CSS_PATH = css_files()  # type: ignore[assignment]

    def on_mount(self) -> None:
        info = json.loads((PODMAN / "info.json").read_text())
        version = json.loads((PODMAN / "version.json").read_text())
        engine = with_settings(engine_from_api(info, version, None), "", "unix")
        client = ClientFacts(endpoint="unix:///run/podman/podman.sock", context="podman")
        self.push_screen(EngineScreen(engine, client, audit_engine(engine, client)))


def test_podman_engine_screen(snap_compare) -> None:
    assert snap_compare(PodmanEngineApp(), terminal_size=(100, 40))


def test_podman_engine_screen_end(snap_compare) -> None:
    assert snap_compare(PodmanEngineApp(), terminal_size=(100, 40), press=["end"])

"""The console on the showcase fleet, as `dockertui` runs it: `--ansi` when
given, `--disconnected` to follow the snapshot with a lost engine, `--tour
LESSON` to open the guided tour at that lesson. Run by
test_ansi_output.py in a pseudo-terminal."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/, for showcase

from dockertui.engine.watch import Disconnected
from dockertui.ui.app import DockerTUI

from showcase import showcase_fixer, showcase_source

if __name__ == "__main__":
    source = showcase_source()
    if "--disconnected" in sys.argv:
        source.updates = (Disconnected("The engine went away.", 5),)
    tour = sys.argv[sys.argv.index("--tour") + 1] if "--tour" in sys.argv else None
    DockerTUI(source, fixer=showcase_fixer, ansi="--ansi" in sys.argv, tour=tour).run()

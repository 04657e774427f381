"""`dockertui` that kills itself right after the journal of one step was
written and before the step runs, as a crash would (os._exit: no cleanup,
no audit line, the engine lock left behind). The integration tests run it
as `python crashing_cli.py STEP fix ...` to interrupt a fix between two steps;
the product itself has no such switch (the executor takes an injected hook).

Exit code 70 means the crash happened."""

from __future__ import annotations

import os
import sys

from dockertui.cli import fix_run, main

CRASH_EXIT = 70


def crash_at(step: str) -> fix_run.StepHook:
    def hook(current: str) -> None:
        if current == step:
            os._exit(CRASH_EXIT)

    return hook


if __name__ == "__main__":
    fix_run.step_hook = crash_at(sys.argv[1])
    sys.argv = ["dockertui", *sys.argv[2:]]
    main()

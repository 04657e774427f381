"""Worker failures, reported in one place: the app's `on_worker_state_changed`.

The console's workers run with `exit_on_error=False` (Textual's default
would end the app with a traceback). A failed worker's StateChanged goes
to the node that ran it and does not bubble, so a screen that runs
workers hands its failures on to the app with `forward_failure`."""

from __future__ import annotations

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from dockertui.text import printable


def failure_text(error: BaseException | None) -> str:
    """The error in one line for a notification: its type and the first line
    of its message ("RuntimeError: boom"), made printable."""
    if error is None:
        return "an unknown error"
    lines = str(error).strip().splitlines()
    message = lines[0].strip() if lines else ""
    name = type(error).__name__
    return printable(f"{name}: {message}" if message else name)


def forward_failure(node: DOMNode, event: Worker.StateChanged) -> None:
    """Hand a failed worker of `node` (a screen) to the app's handler."""
    if event.state is WorkerState.ERROR and node is not node.app:
        event.stop()
        node.app.post_message(Worker.StateChanged(event.worker, event.state))

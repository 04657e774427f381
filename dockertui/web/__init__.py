"""Browser mode: a console served with textual-serve behind a token, on
127.0.0.1 unless told otherwise, at most N sessions at a time. It starts the
console as a command (one process per browser session) and imports nothing
of the console itself."""

from dockertui.web.server import ServeError, serve_console

__all__ = ["ServeError", "serve_console"]

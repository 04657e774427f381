"""What every command shares: exit codes, --host/--context, one-sentence failures."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from dockertui.audit.advisories import AdvisoryTable

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: `fix`: the fix failed verification and the original runs again; the fix
#: (or its rollback) failed and needs a look (nothing was removed).
EXIT_ROLLED_BACK, EXIT_FAILED = 3, 4
F = TypeVar("F", bound=Callable[..., Any])


def endpoint_options(fn: F) -> F:
    """--host/-H and --context/-c, as the docker CLI spells them."""
    fn = click.option(
        "-c",
        "--context",
        metavar="NAME",
        help="Docker context to use (as in `docker --context`).",
    )(fn)
    return click.option(
        "-H",
        "--host",
        metavar="URL",
        help="Engine endpoint: unix:///path, tcp://host:port, ssh://user@host.",
    )(fn)


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    click.echo(f"dockertui: {message}", err=True)
    sys.exit(code)


def advisory_table(path: Path) -> AdvisoryTable:
    """The advisory table in `path` (--advisories), or exit 2 with one sentence."""
    from dockertui.audit.advisories import load_table

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        fail(f"Cannot read the advisory table {path}: {reason}.")
    try:
        return load_table(text, str(path))
    except ValueError as err:
        fail(f"The advisory table {err}")

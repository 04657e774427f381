"""What every command shares: exit codes, --host/--context, one-sentence failures."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

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

"""The `dockertui` command: the live console (no subcommand), `scan` for
CI and reports, and `fix` for guided fixes. Errors a user can meet end in
one sentence and exit 2. One module per command; imports stay lazy so that
`dockertui scan` never loads Textual."""

from __future__ import annotations

import sys
from typing import Any

import click

from dockertui import __version__
from dockertui.cli.common import endpoint_options
from dockertui.cli.console import _console
from dockertui.cli.fix import fix
from dockertui.cli.scan import list_checks, scan


class OneLineErrors(click.Group):
    """Usage errors as one sentence on stderr and exit 2, like every other
    error, instead of click's usage block."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as err:
            where = f"; see {err.ctx.command_path} --help" if err.ctx else ""
            click.echo(f"dockertui: {err.format_message().rstrip('.')}{where}.", err=True)
            sys.exit(2)
        except click.ClickException as err:
            click.echo(f"dockertui: {err.format_message()}", err=True)
            sys.exit(err.exit_code)
        except click.Abort:
            click.echo("dockertui: Stopped.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=OneLineErrors, invoke_without_command=True)
@endpoint_options
@click.option("--read-only", is_flag=True, help="Show no mutating action (audits, training rooms).")
@click.option("--ansi", is_flag=True, help="Use the terminal's own 16 colours (good over SSH).")
@click.version_option(__version__, prog_name="dockertui")
@click.pass_context
def main(
    ctx: click.Context, host: str | None, context: str | None, read_only: bool, ansi: bool
) -> None:
    """A security console for Docker: what can this container do to my host?

    With no command, opens the live console on the engine the docker CLI
    would use (or --host / --context)."""
    ctx.ensure_object(dict)
    ctx.obj.update(host=host, context=context, read_only=read_only)
    if ctx.invoked_subcommand is None:
        _console(host, context, read_only=read_only, ansi=ansi)


main.add_command(scan)
main.add_command(fix)
main.add_command(list_checks)

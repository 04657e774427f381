"""The `dockertui` command: the live console (no subcommand), `scan` for
CI and reports, and `fix` for guided fixes. Errors a user can meet end in
one sentence and exit 2. One module per command; imports stay lazy so that
`dockertui scan` never loads Textual."""

from __future__ import annotations

import click

from dockertui import __version__
from dockertui.cli.common import endpoint_options
from dockertui.cli.console import _console
from dockertui.cli.fix import fix
from dockertui.cli.scan import list_checks, scan


@click.group(invoke_without_command=True)
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

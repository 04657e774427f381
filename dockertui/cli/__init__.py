"""The `dockertui` command: the live console (no subcommand), `scan` for
CI and reports, and `fix` for guided fixes. Errors a user can meet end in
one sentence and exit 2. One module per command, each imported only when
its command runs (`LAZY_COMMANDS`), and imports inside the commands stay
lazy too, so that `dockertui scan` never loads Textual or the fixes."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click

from dockertui import __version__
from dockertui.cli.common import EngineChoice, fleet_options

#: Command name -> (module, attribute): imported when the command is looked up.
LAZY_COMMANDS = {
    "scan": ("dockertui.cli.scan", "scan"),
    "fix": ("dockertui.cli.fix", "fix"),
    "checks": ("dockertui.cli.scan", "list_checks"),
    "demo": ("dockertui.cli.demo", "demo"),
    "tour": ("dockertui.cli.tour", "tour"),
    "lab": ("dockertui.cli.lab", "lab"),
    "serve": ("dockertui.cli.serve", "serve"),
}


class OneLineErrors(click.Group):
    """Usage errors as one sentence on stderr and exit 2, like every other
    error, instead of click's usage block. Subcommands come from
    `LAZY_COMMANDS`, imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module, attribute = LAZY_COMMANDS[cmd_name]
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

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
@fleet_options
@click.option("--read-only", is_flag=True, help="Show no mutating action (audits, training rooms).")
@click.option("--ansi", is_flag=True, help="Use the terminal's own 16 colours (good over SSH).")
@click.option(
    "--advisories",
    "advisories_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Judge engine and runtime versions with this newer advisory table "
    "(JSON, docs/advisories.md) instead of the bundled one.",
)
@click.version_option(__version__, prog_name="dockertui")
@click.pass_context
def main(
    ctx: click.Context,
    host: tuple[str, ...],
    context: tuple[str, ...],
    insecure: bool,
    all_contexts: bool,
    read_only: bool,
    ansi: bool,
    advisories_file: Path | None,
) -> None:
    """A security console for Docker: what can this container do to my host?

    With no command, opens the live console on the engine the docker CLI
    would use (or --host / --context)."""
    ctx.ensure_object(dict)
    choice = EngineChoice(host, context, all_contexts, insecure)
    ctx.obj.update(engines=choice, read_only=read_only)
    if advisories_file is not None:
        from dockertui.audit.advisories import install
        from dockertui.cli.common import advisory_table

        install(advisory_table(advisories_file))
    if ctx.invoked_subcommand is None:
        from dockertui.cli.console import _console

        _console(
            choice.endpoints(),
            read_only=read_only,
            ansi=ansi,
            insecure=choice.insecure,
            unusable=choice.unusable(),
        )

"""What every command shares: exit codes, --host/--context, one-sentence failures."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from dockertui.audit.advisories import AdvisoryTable
    from dockertui.engine.endpoint import Endpoint

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: `fix`: the fix failed verification and the original runs again; the fix
#: (or its rollback) failed and needs a look (nothing was removed).
EXIT_ROLLED_BACK, EXIT_FAILED = 3, 4
F = TypeVar("F", bound=Callable[..., Any])


def endpoint_options(fn: F) -> F:
    """-H/--host, -c/--context and --insecure for a command that acts on one engine."""
    return _engine_options(fn, fleet=False)


def fleet_options(fn: F) -> F:
    """The same, repeatable, and --all-contexts: for the console and `scan`."""
    return _engine_options(fn, fleet=True)


def _engine_options(fn: F, *, fleet: bool) -> F:
    again = " Repeatable: several engines at once." if fleet else ""
    if fleet:
        fn = click.option(
            "--all-contexts",
            is_flag=True,
            help="Every context of the docker CLI's store (`docker context ls`).",
        )(fn)
    fn = click.option(
        "--insecure",
        is_flag=True,
        help="Allow plain tcp:// without TLS (anyone on the network path can drive that engine).",
    )(fn)
    fn = click.option(
        "-c",
        "--context",
        multiple=True,
        metavar="NAME",
        help="Docker context to use (as in `docker --context`)." + again,
    )(fn)
    return click.option(
        "-H",
        "--host",
        multiple=True,
        metavar="URL",
        help="Engine endpoint: unix:///path, tcp://host:port, ssh://user@host." + again,
    )(fn)


@dataclass(frozen=True)
class EngineChoice:
    """The engine options as given, on the command or before it (`dockertui -c a scan`)."""

    hosts: tuple[str, ...] = ()
    contexts: tuple[str, ...] = ()
    all_contexts: bool = False
    insecure: bool = False

    @property
    def given(self) -> bool:
        return bool(self.hosts or self.contexts or self.all_contexts)

    def endpoints(self) -> list[Endpoint]:
        """Every engine named, or the CLI's one; exit 2 with the resolver's sentence."""
        from dockertui.engine.contexts import resolve_endpoints
        from dockertui.engine.endpoint import EndpointError

        try:
            return resolve_endpoints(
                self.hosts, self.contexts, all_contexts=self.all_contexts, insecure=self.insecure
            )
        except EndpointError as err:
            fail(str(err))

    def unusable(self) -> dict[str, str]:
        """With --all-contexts, the contexts that cannot be used: name -> why."""
        if not self.all_contexts:
            return {}
        from dockertui.engine.contexts import skipped_contexts

        return skipped_contexts(self.insecure)

    def endpoint(self, command: str) -> Endpoint:
        """The one engine a command that acts on one engine uses."""
        from dockertui.engine.endpoint import EndpointError, resolve_endpoint

        if self.all_contexts or len(self.hosts) > 1 or len(self.contexts) > 1:
            fail(f"{command} acts on one engine; give one --host or one --context.")
        try:
            return resolve_endpoint(
                host=self.hosts[0] if self.hosts else None,
                context=self.contexts[0] if self.contexts else None,
                insecure=self.insecure,
            )
        except EndpointError as err:
            fail(str(err))


def engine_choice(
    ctx: click.Context,
    host: tuple[str, ...],
    context: tuple[str, ...],
    insecure: bool,
    all_contexts: bool = False,
) -> EngineChoice:
    """This command's engine options, or the group's where it was given none."""
    own = EngineChoice(tuple(host), tuple(context), all_contexts, insecure)
    outer = (ctx.obj or {}).get("engines") or EngineChoice()
    chosen = own if own.given else outer
    return replace(chosen, insecure=own.insecure or outer.insecure)


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

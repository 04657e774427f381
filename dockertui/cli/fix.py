"""`dockertui fix`: guided fixes without the console (the options; running
them is cli/fix_run.py)."""

from __future__ import annotations

import sys
from typing import Any

import click

from dockertui.cli.common import endpoint_options, engine_choice
from dockertui.fixes import validate as sizes

#: Each value flag: (its click parameter, the Options field it sets), so that
#: a flag no chosen plan reads is refused rather than ignored.
FLAG_FIELDS = {
    "--keep-cap": ("keep_caps", "keep_caps"),
    "--cap-preset": ("cap_preset", "cap_preset"),
    "--user": ("user", "user"),
    "--tmpfs": ("tmpfs", "tmpfs"),
    "--bind-address": ("bind_address", "bind_address"),
    "--memory": ("memory", "memory"),
    "--cpus": ("cpus", "nano_cpus"),
    "--pids-limit": ("pids_limit", "pids_limit"),
    "--restart-retries": ("restart_retries", "restart_retries"),
}


def parse_size(value: str) -> int:
    """'512m' -> 536870912, as `docker run --memory` reads it."""
    size = sizes.parse_size(value)
    if size is None:
        raise click.BadParameter(
            f"{value!r} is not a size such as 512m or 1g.", param_hint="--memory"
        )
    return size


@click.command()
@endpoint_options
@click.argument("container", required=False)
@click.option(
    "--plan",
    "plans",
    multiple=True,
    metavar="PLAN",
    help="A change to make (repeatable, or comma-separated): drop-caps, unprivileged, "
    "no-new-privileges, default-seccomp, non-root, read-only, localhost-ports, "
    "host-namespaces, limits, restart-policy.",
)
@click.option(
    "--keep-cap",
    "keep_caps",
    multiple=True,
    metavar="CAP",
    help="drop-caps: the capabilities to keep (custom: of those it holds; strict: added "
    "after --cap-drop ALL). Repeatable.",
)
@click.option(
    "--cap-preset",
    type=click.Choice(["hardening", "strict", "custom"]),
    help="drop-caps: the hardening list (default), strict (drop ALL, add --keep-cap), "
    "custom (keep only --keep-cap; the default when --keep-cap is given).",
)
@click.option("--user", metavar="UID[:GID]", help="non-root: the user to run as (1000:1000).")
@click.option(
    "--bind-address", metavar="ADDR", help="localhost-ports: the address to publish on (127.0.0.1)."
)
@click.option(
    "--tmpfs",
    multiple=True,
    metavar="PATH[:OPTS]",
    help="read-only: a writable tmpfs, e.g. /tmp or /tmp:rw,size=64m (default /tmp). Repeatable.",
)
@click.option("--memory", metavar="SIZE", help="limits: memory (and memory-swap), e.g. 512m.")
@click.option("--cpus", type=float, help="limits: CPUs, e.g. 1.5.")
@click.option("--pids-limit", type=int, help="limits: processes.")
@click.option("--restart-retries", type=int, help="restart-policy: how many restarts (5).")
@click.option(
    "--discard-layer",
    is_flag=True,
    help="Re-create without copying the files written into the container's own layer "
    "(they stay in the stopped backup).",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the diff and the docker command; change nothing."
)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--verify-seconds",
    type=click.FloatRange(min=0, max=3600),
    help="How long the re-created container must run well before the fix counts "
    "(default 10; a resumed fix keeps the window it started with).",
)
@click.option("--rollback", is_flag=True, help="Restore CONTAINER's latest backup container.")
@click.option("--resume", is_flag=True, help="Finish or roll back an interrupted fix.")
@click.option(
    "--resume-action",
    type=click.Choice(["finish", "rollback"]),
    help="With --resume: what to do with the interrupted fix.",
)
@click.option(
    "--break-lock",
    is_flag=True,
    help="Remove a stale lock (its fix's process is gone, or it is over 15 minutes old) first.",
)
@click.option("--read-only", "read_only", is_flag=True, help="Refuse (and log) any change.")
@click.pass_context
def fix(ctx: click.Context, /, **given: Any) -> None:
    """Apply a guided fix to CONTAINER: a live update, or a safe re-create
    (backup, layer copy, verification, automatic rollback). Every action is
    logged to the audit log in the state directory.

    \b
    dockertui fix web --plan drop-caps --plan no-new-privileges --dry-run
    dockertui fix web --plan limits --memory 256m --yes
    dockertui fix --rollback web
    dockertui fix --resume [web] --resume-action finish|rollback

    Exit codes: 0 done as asked (or dry run), 2 refused, wrong arguments or
    engine unreachable (nothing changed), 3 the fix failed verification and
    was rolled back (the original runs again), 4 failed (the message says
    what to do; nothing was removed)."""
    from dockertui.cli.fix_run import FixRequest, run_fix

    obj = ctx.obj or {}
    request = FixRequest.from_cli(given, read_only=bool(obj.get("read_only")))
    choice = engine_choice(ctx, given["host"], given["context"], given["insecure"])
    endpoint = choice.endpoint("dockertui fix")
    sys.exit(run_fix(endpoint, request))

#!/usr/bin/env python3
"""Write docs/checks.md, the check catalogue, from the check registry.

    python scripts/gen_checks_doc.py            # rewrite docs/checks.md
    python scripts/gen_checks_doc.py --check    # exit 1 when docs/checks.md is out of date

Everything in the catalogue comes from `dockertui.audit.CHECKS`: id, scope,
console section, severity, CIS number, title, reason and fix. The fix
command is not a field of a check (each finding builds its own from what it
saw), so it is read from the `command=` arguments in the check's own code,
with the container-specific parts shown as <placeholders>.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # document this checkout, installed or not
from dockertui.audit import CHECKS, Check, FixKind  # noqa: E402
from dockertui.audit.service import NO_FLAG, SERVICE_FIXES  # noqa: E402

OUTPUT = ROOT / "docs" / "checks.md"
GENERATOR = "scripts/gen_checks_doc.py"

#: Scopes in the order the catalogue lists them, with their headings.
SCOPES = {
    "container": "Container checks",
    "engine": "Engine and client checks",
    "exec": "Exec session checks",
}
#: Check sections (where the console shows a finding), in the console's order:
#: the security panel's layers first, then the engine screen and the events pane.
SECTIONS = {
    "identity": "Identity",
    "capabilities": "Capabilities",
    "syscalls": "Syscalls",
    "mac": "MAC (AppArmor, SELinux)",
    "isolation": "Isolation",
    "mounts": "Mounts",
    "resources": "Resources",
    "exposure": "Exposure",
    "image": "Image",
    "engine": "Engine screen",
    "events": "Events pane",
}
FIX_KINDS = {
    FixKind.UPDATE: "changed live (`docker update`, `docker network connect`); the container "
    "keeps running",
    FixKind.RECREATE: "the container has to be created again with a changed configuration",
    FixKind.DAEMON: "a setting in the daemon's `daemon.json` (or on dockerd's command line, "
    "where it is set there), then a restart of dockerd; where dockertui can read the daemon's "
    "settings, the finding shows the exact change as a diff",
    FixKind.CLIENT: "the environment or the context of the client that talks to the engine",
    FixKind.SWARM: "run on a swarm manager (`docker swarm update`, `docker node`, `docker "
    "network create`; a service's findings carry their `docker service update` command, "
    "after which the swarm replaces the service's tasks); shown, never run by dockertui",
    FixKind.IMAGE: "the image has to be rebuilt",
    FixKind.MANUAL: "no API call fixes it: someone has to look and act",
    FixKind.NONE: "informational: nothing to fix, only something to review",
}
#: Readable placeholders for expressions in `command=` templates; any other
#: expression becomes <its last name>.
PLACEHOLDERS = {
    "name_arg(c)": "<container>",
    "name": "<CAP>",
    "n": "<VAR>",
    "n.lower()": "<var>",
    "', '.join(entries)": "<registry>, …",
}


class CatalogueError(Exception):
    """The registry holds something this generator cannot place."""


# --- fix commands, read from the check's code ------------------------------------------------


#: The test of a check's branch for Podman (`if engine.podman:`, or `a if
#: engine.podman else b` in a template): its commands are listed apart.
PODMAN_TEST = "engine.podman"


def _on_podman(node: ast.expr) -> bool:
    return ast.unparse(node) == PODMAN_TEST


def _statements(body: Sequence[ast.stmt], podman: bool) -> list[ast.stmt]:
    """The statements that run on Docker (or, with `podman`, on Podman): an
    `if engine.podman:` at the top of the check's body picks one side."""
    picked: list[ast.stmt] = []
    for statement in body:
        if isinstance(statement, ast.If) and _on_podman(statement.test):
            side = statement.body if podman else statement.orelse
            picked += _statements(side, podman)
            if side and isinstance(side[-1], ast.Return):
                break  # the rest of the check does not run on this engine
        else:
            picked.append(statement)
    return picked


def commands(check: Check, *, podman: bool = False) -> list[str]:
    """Every distinct `command=` a hit of this check can carry, in source order
    (on Docker; with `podman`, on Podman)."""
    if check.fn is None:
        return []
    source = textwrap.dedent(inspect.getsource(check.fn))
    node = ast.parse(source).body[0]
    if not isinstance(node, ast.FunctionDef):
        raise CatalogueError(f"{check.id}: its check is not a plain function")
    scope = inspect.getclosurevars(check.fn)
    names: dict[str, Any] = {**scope.globals, **scope.nonlocals, PODMAN_TEST: podman}
    body = _statements(node.body, podman)
    found = [
        (kw.value.lineno, kw.value.col_offset, _template(kw.value, names))
        for statement in body  # the body only: the decorator has no commands
        for call in ast.walk(statement)
        if isinstance(call, ast.Call)
        for kw in call.keywords
        if kw.arg == "command"
    ]
    # `**helper(engine, "key", value)`: the command `helper_command("key", value)` makes
    names = {**check.fn.__globals__, **names}
    found += [
        (kw.value.lineno, kw.value.col_offset, names[f"{kw.value.func.id}_command"](
            *(_literal(a) for a in kw.value.args[1:])
        ))
        for statement in body
        for call in ast.walk(statement)
        if isinstance(call, ast.Call)
        for kw in call.keywords
        if kw.arg is None
        and isinstance(kw.value, ast.Call)
        and isinstance(kw.value.func, ast.Name)
        and callable(names.get(f"{kw.value.func.id}_command"))
    ]  # fmt: skip
    templates = [text for _, _, text in sorted(found)]
    return list(dict.fromkeys(t for t in templates if t))


def _literal(node: ast.expr) -> Any:
    """A literal argument's value; None for one the check computes."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def _template(node: ast.expr, names: Mapping[str, Any]) -> str:
    match node:
        case ast.Constant(value=str() as text):
            return text
        case ast.JoinedStr(values=parts):
            return "".join(_template(part, names) for part in parts)
        case ast.IfExp(test=test, body=yes, orelse=no) if _on_podman(test):
            return _template(yes if names[PODMAN_TEST] else no, names)
        case ast.FormattedValue(value=inner):
            if isinstance(inner, ast.IfExp) and _on_podman(inner.test):
                return _template(inner, names)
            value = _constant(inner, names)
            return str(value) if value is not None else _placeholder(inner)
        case ast.Call(
            func=ast.Attribute(value=ast.Constant(value=str() as sep), attr="join"),
            args=[ast.GeneratorExp(elt=element)],
        ):
            return f"{_template(element, names)}{sep}…"  # one item, then "and so on"
        case ast.Call(func=ast.Name(id=helper), args=args, keywords=[]) if callable(
            names.get(helper)
        ):
            values = [_constant(a, names) for a in args]
            if all(v is not None for v in values):
                return str(names[helper](*values))  # e.g. engine._daemon('"icc": false')
    return _placeholder(node)


def _constant(node: ast.expr, names: Mapping[str, Any]) -> str | int | None:
    """The value of a literal or of a module constant / closure variable."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int):
        return node.value
    if isinstance(node, ast.Name) and isinstance(names.get(node.id), str | int):
        value = names[node.id]
        return None if isinstance(value, bool) else value
    return None


def _placeholder(node: ast.expr) -> str:
    text = ast.unparse(node)
    if text in PLACEHOLDERS:
        return PLACEHOLDERS[text]
    if isinstance(node, ast.BoolOp):  # `a or b`: the first is what is meant
        return _placeholder(node.values[0])
    if isinstance(node, ast.Attribute):
        return f"<{node.attr.replace('_', '-')}>"
    if isinstance(node, ast.Name):
        return f"<{node.id}>"
    return f"<{text}>"


# --- rendering -------------------------------------------------------------------------------


def ordered(checks: Mapping[str, Check]) -> list[Check]:
    """By scope, then section (console order), then worst first, then id."""
    for check in checks.values():
        if check.scope not in SCOPES:
            raise CatalogueError(f"{check.id}: unknown scope {check.scope!r}; add it to SCOPES")
        if check.section not in SECTIONS:
            raise CatalogueError(
                f"{check.id}: unknown section {check.section!r}; add it to SECTIONS"
            )
    scopes, sections = list(SCOPES), list(SECTIONS)
    return sorted(
        checks.values(),
        key=lambda c: (
            scopes.index(c.scope),
            sections.index(c.section),
            -c.severity.rank,
            c.id,
        ),
    )


#: Markdown would read these in prose: `<uid>` as an HTML tag, `*_FILE` as emphasis.
_MARKUP = re.compile(r"[\\`*<>|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def _prose(text: str) -> str:
    """Text from a check, shown literally."""
    return _MARKUP.sub(lambda m: "\\" + m.group(), text)


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _intro(checks: Sequence[Check]) -> list[str]:
    count = {scope: sum(c.scope == scope for c in checks) for scope in SCOPES}
    kinds = [f"  - `{kind.value}`: {FIX_KINDS[kind]}." for kind in FixKind]
    return [
        "# Check catalogue",
        "",
        f"<!-- Generated by {GENERATOR} from the check registry. Do not edit by hand. -->",
        "",
        "Every check dockertui runs, generated from the check registry",
        "(`dockertui/audit/registry.py`, filled by the modules in `dockertui/audit/checks/`).",
        "Do not edit this file: change the check, then regenerate it with",
        "",
        "```sh",
        f"python {GENERATOR}",
        "```",
        "",
        f"`python {GENERATOR} --check` exits 1 when this file is out of date, and",
        "`tests/unit/test_docs.py` fails on any difference. `dockertui checks` prints",
        "the same ids, severities and CIS numbers as a table.",
        "",
        f"{len(checks)} checks: {count['container']} on each container, "
        f"{count['engine']} on the engine and the client that reaches it,",
        f"{count['exec']} on exec sessions (run by the live console when the event stream",
        "announces one; a scan does not see them).",
        "",
        "## How to read an entry",
        "",
        "- **Section**: where the console shows the finding (a layer of the security",
        "  panel, the engine screen or the events pane). Entries are grouped by scope",
        "  and section, worst first.",
        "- **Severity**: the check's usual severity first, then every other severity",
        "  one of its findings can carry when the case calls for it (its detail then",
        "  says why). `dockertui checks` and the SARIF rules list the same ones. A",
        "  check that fails to run is reported once as *Check failed*, at medium.",
        "- **CIS**: the CIS Docker Benchmark 1.6.0 recommendation the check maps to;",
        "  *none* when the benchmark has no matching item.",
        "- **Fix**: the kind of change that removes the finding, and what to do.",
        *kinds,
        "- **Command**: the hint a finding carries, as the check's code writes it. It",
        "  is built for each finding from what was seen, so here `<placeholders>`",
        "  stand for the container-specific parts and `…` for a list. `remove X` means",
        "  leave X out when re-creating; one starting with `-` is a `docker run`",
        "  option to add; a `daemon.json` line names the setting to change.",
        "- **On Podman**: why the check does not apply to Podman, where it does not",
        "  (it then neither passes nor fails there, and the scan lists it under",
        "  `not_applicable`), and the commands that differ there.",
        "- **On a swarm service**: whether a container check also judges each swarm",
        "  service's task template (on a manager; README, Swarm), and how such a",
        "  finding is fixed there: a `docker service update` command, shown, never run.",
        "",
    ]


def _summary(checks: Sequence[Check]) -> list[str]:
    lines = [
        "## Summary",
        "",
        "| id | scope | section | severity | CIS | fix | title |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in checks:
        lines.append(
            f"| [`{c.id}`](#{c.id}) | {c.scope} | {c.section} | {c.severities_text} "
            f"| {c.cis or 'none'} | {c.fix_kind.value} | {_prose(c.title)} |"
        )
    lines.append("")
    return lines


def _entry(c: Check) -> list[str]:
    found = commands(c)
    if not found:
        command = ["- **Command**: none (the fix summary says what to do)"]
    elif len(found) == 1:
        command = [f"- **Command**: {_code(found[0])}"]
    else:
        command = ["- **Command**, depending on what was seen:"]
        command += [f"  - {_code(text)}" for text in found]
    return [*_heading(c), *command, *_podman(c, found), *_swarm(c), ""]


def _swarm(c: Check) -> list[str]:
    """Whether the check also judges a swarm service's task template, and
    how such a finding is fixed there (audit/service.py)."""
    if c.scope != "container":
        return []
    if c.id not in SERVICE_FIXES:
        return ["- **On a swarm service**: not judged (a service spec cannot set this, "
                "or there is nothing running to verify)"]  # fmt: skip
    if c.fix_kind is FixKind.NONE:
        return ["- **On a swarm service**: judged on its task template (informational)"]
    fix = "its fix is the `docker service update` command that removes it"
    if c.id in NO_FLAG:
        fix = f"{fix}, where one can: {_prose(NO_FLAG[c.id])}"
    return [f"- **On a swarm service**: judged on its task template; {fix}"]


def _podman(c: Check, docker: Sequence[str]) -> list[str]:
    """What differs on Podman: that the check does not apply (and why), or
    the commands its hits carry there when they are not Docker's."""
    if c.not_on_podman:
        return [f"- **On Podman**: does not apply. {_prose(c.not_on_podman)}"]
    found = commands(c, podman=True)
    if list(found) == list(docker):
        return []
    if len(found) == 1:
        return [f"- **Command on Podman**: {_code(found[0])}"]
    return ["- **Command on Podman**, depending on what was seen:"] + [
        f"  - {_code(text)}" for text in found
    ]


def _heading(c: Check) -> list[str]:
    return [
        f"#### `{c.id}`",
        "",
        f"**{_prose(c.title)}**",
        "",
        f"- **Scope**: {c.scope}; **section**: {c.section}",
        f"- **Severity**: {c.severities_text}",
        f"- **CIS**: {c.cis or 'none'}",
        f"- **Why it matters**: {_prose(c.why)}",
        f"- **Fix** (`{c.fix_kind.value}`): {_prose(c.fix_summary)}",
    ]


def render(checks: Mapping[str, Check] | None = None) -> str:
    """The whole of docs/checks.md."""
    listed = ordered(CHECKS if checks is None else checks)
    lines = _intro(listed) + _summary(listed)
    scope = section = None
    for c in listed:
        if c.scope != scope:
            scope, section = c.scope, None
            lines += [f"## {SCOPES[c.scope]}", ""]
        if c.section != section:
            section = c.section
            lines += [f"### {SECTIONS[c.section]}", ""]
        lines += _entry(c)
    return "\n".join(lines).rstrip("\n") + "\n"


# --- command line ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 when the file differs from the registry",
    )
    parser.add_argument(
        "-o", "--output", type=Path, default=OUTPUT, help="the file (default docs/checks.md)"
    )
    args = parser.parse_args(argv)
    try:
        text = render()
    except CatalogueError as err:
        print(f"{GENERATOR}: {err}.", file=sys.stderr)
        return 2
    path: Path = args.output
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    if args.check:
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            print(
                f"{shown} is out of date with the check registry: "
                f"run python {GENERATOR} and commit the result.",
                file=sys.stderr,
            )
            return 1
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    print(f"Wrote {shown} ({len(CHECKS)} checks).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

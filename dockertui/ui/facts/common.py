"""The small vocabulary the fact builders share: a fact row and its styles.

Styles are ANSI colour names, so they stay readable with `--ansi` and are
dropped cleanly under NO_COLOR."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from dockertui.text import printable

DANGER = "bold red"  # gives the container a way to the host
WARN = "yellow"  # weaker than it should be
OK = "green"  # hardened
MUTED = "dim"  # defaults and notes

#: One row of a section: a short label and its value.
Fact = tuple[str, Text]
Facts = list[Fact]


def value(text: object, style: str = "") -> Text:
    """Untrusted text as a styled Text: control characters shown as \\xNN."""
    return Text(printable(text), style=style)


def noted(text: object, note: str, style: str = "", note_style: str = MUTED) -> Text:
    """`text` followed by a parenthesised note, e.g. `host  (shares ...)`."""
    out = value(text, style)
    if note:
        out.append(f"  ({note})", style=note_style)
    return out


def lines(items: Iterable[Text], empty: str = "none") -> Text:
    """Several values, one per line; `empty` (dim) when there are none."""
    out = Text("\n").join(list(items))
    return out if out.plain else Text(empty, style=MUTED)


def yes_no(flag: bool, yes: str = "yes", no: str = "no", *, good: bool = True) -> Text:
    """`yes`/`no`, green when the answer is the good one, yellow otherwise."""
    return Text(yes if flag else no, style=OK if flag == good else WARN)

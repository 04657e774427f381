"""The one line that says what the kernel's view of a container is: how
many layers audit/in_effect.compare verified and which differ, or why it
could not be read. Shown by the panel's header and the scan's detail."""

from __future__ import annotations

from rich.text import Text

from dockertui.audit.in_effect import Verdict, compare
from dockertui.model import Container, EngineInfo
from dockertui.model.kernel import InEffect

#: A difference where the kernel enforces less than configured.
LOOSER = "bold red"


def summary(c: Container, engine: EngineInfo) -> Text:
    """ "in effect: 9 of 10 layers verified, differs: user", or
    "in effect: not verifiable here: <reason>"."""
    if not isinstance(c.kernel, InEffect):
        return Text(f"in effect: {c.kernel.sentence}", style="dim")
    comparisons = compare(c, engine)
    out = Text("in effect: ")
    verified = sum(1 for x in comparisons if x.verdict is Verdict.VERIFIED)
    out.append(f"{verified} of {len(comparisons)} layers verified", style="green")
    different = [x for x in comparisons if x.differs]
    if different:
        out.append(", differs: ")
        out.append_text(
            Text(", ").join(
                Text(x.layer.value, style=LOOSER if x.looser else "bold") for x in different
            )
        )
    return out

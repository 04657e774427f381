"""`--ansi` on the wire for the guided tour: the tour over the showcase
fleet in a pseudo-terminal that claims truecolour, driven through its
lessons, the fix wizard, the engine screen and the help with real key
presses; no SGR sequence may choose a 256-colour or an RGB colour (the
same check as the console's, test_ansi_output.py)."""

from __future__ import annotations

import pytest
from test_ansi_output import colour_codes, run_in_pty, screen_text

#: The privileged lesson (legacy-billing, the first paint's mark), next, back,
#: the wizard and out, the engine screen and out, the help and out, then every
#: lesson to the last (its grades, severities and the engine lessons' lines).
KEYS = ["n", "p", "f", "\x1b", "e", "\x1b", "?", "\x1b", *["n"] * 8]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_the_tour_sends_only_the_16_terminal_colours(size: tuple[int, int]) -> None:
    output = run_in_pty(["--ansi", "--tour", "privileged"], KEYS, size)
    text = screen_text(output)
    assert "lesson 5 of 12" in text and "lesson 12 of 12" in text  # the lessons were drawn
    assert "Fix legacy-billing" in text  # and the wizard
    extended, plain = colour_codes(output)
    assert extended == [], sorted(set(extended))[:10]
    assert plain & set(range(30, 38))

"""The training lab: the teaching fleet of the demo engine
(`dockertui.demo.fleet`), made for real on an engine from one local image
(`plan.py`, pure), brought up, shown and taken down again through the engine
gateway (`ops.py`), each member's state explained from the engine's own
record (`status.py`, pure). Everything a lab makes carries the label
`dockertui.lab=<lab name>`; containers also carry `dockertui.lab.member`,
the fleet member they stand for, and are named `<lab name>-<member>`.
No UI here."""

from dockertui.lab.plan import DEFAULT_LAB, LAB_LABEL, MEMBER_LABEL, Names

__all__ = ["DEFAULT_LAB", "LAB_LABEL", "MEMBER_LABEL", "Names"]

"""Score and grade: the one place that turns check outcomes into a letter.

score = floor(100 * 2P / (2P + W + 3H + 6C)), where P counts the checks that
ran and passed, W the failed low and medium ones, H the failed high ones and
C the failed critical ones (each failed check counted once, at its worst
finding). Info findings never count against a container: a check whose
only findings are info counts as passed. Grade: A >= 90, B >= 80, C >= 70,
D >= 60, else F; any high finding caps the grade at C, any critical one
makes it F.
"""

from __future__ import annotations

from collections.abc import Iterable

from dockertui.audit.severity import Severity

GRADES = (("A", 90), ("B", 80), ("C", 70), ("D", 60))
WEIGHTS = {Severity.LOW: 1, Severity.MEDIUM: 1, Severity.HIGH: 3, Severity.CRITICAL: 6}


def score(passed: int, failed: Iterable[Severity]) -> int:
    """`failed` holds the worst severity of each failed check."""
    penalty = sum(WEIGHTS.get(s, 0) for s in failed)
    if passed == 0 and penalty == 0:
        return 100
    return (100 * 2 * passed) // (2 * passed + penalty)


def grade(points: int, worst: Severity | None) -> str:
    letter = next((g for g, floor in GRADES if points >= floor), "F")
    if worst is Severity.CRITICAL:
        return "F"
    if worst is Severity.HIGH and letter in ("A", "B"):
        return "C"
    return letter

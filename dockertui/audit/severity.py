"""Severity levels: the one place that defines their order."""

from __future__ import annotations

from enum import Enum


class Severity(Enum):
    """How bad a finding is. Compare with < and >: CRITICAL is the greatest."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self._value_]

    # All four spelled out (not functools.total_ordering, whose derived ones
    # cost two calls each): every sort, max and gate compares severities.
    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return _RANK[self._value_] < _RANK[other._value_]

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return _RANK[self._value_] <= _RANK[other._value_]

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return _RANK[self._value_] > _RANK[other._value_]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return _RANK[self._value_] >= _RANK[other._value_]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Severity from its name, any case ("High", "HIGH", "high")."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r}; expected one of {names}") from None


#: Keyed by value: every sort and comparison reads it, and a str hashes
#: faster than an Enum member.
_RANK: dict[str, int] = {s.value: i for i, s in enumerate(Severity)}

#: Worst first, the order every report lists severities in.
WORST_FIRST: tuple[Severity, ...] = tuple(sorted(Severity, reverse=True))

"""Tolerant readers for Engine API JSON: a missing or odd field never raises.

The documents come from json.loads, so a mapping is a dict: checking for
`dict` rather than `Mapping` keeps a thousand inspects from paying for the
ABC machinery on every field."""

from __future__ import annotations

from typing import Any


def obj(doc: Any, *path: str) -> dict[str, Any]:
    """The mapping at `path`, or {} when any step is missing or not a mapping."""
    cur = doc
    for key in path:
        if not isinstance(cur, dict):
            return {}
        cur = cur.get(key)
    return dict(cur) if isinstance(cur, dict) else {}


def text(doc: Any, key: str, default: str = "") -> str:
    value = doc.get(key) if isinstance(doc, dict) else None
    return value if isinstance(value, str) else default


def integer(doc: Any, key: str, default: int = 0) -> int:
    value = doc.get(key) if isinstance(doc, dict) else None
    if isinstance(value, bool):
        return default
    return value if isinstance(value, int) else default


def optional_int(doc: Any, key: str) -> int | None:
    value = doc.get(key) if isinstance(doc, dict) else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def flag(doc: Any, key: str) -> bool:
    value = doc.get(key) if isinstance(doc, dict) else None
    return value is True


def strings(doc: Any, key: str) -> list[str] | None:
    """A list of strings, or None when the field is absent or null."""
    value = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(value, list):
        return None
    return [v for v in value if isinstance(v, str)]


def mappings(doc: Any, key: str) -> list[dict[str, Any]]:
    value = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(value, list):
        return []
    return [dict(v) for v in value if isinstance(v, dict)]


def string_map(doc: Any, key: str) -> dict[str, str]:
    value = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}

"""Comparing the shape of Engine API documents: the keys of every dict and
the type of every value, per path, against the documents a real engine
gave (the simulated engine's tests hold its documents to captured ones).
Map-like dicts (port names, label keys, network names) are compared by
their values only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Dicts whose keys are data (port names, label keys, network names...), not fields.
MAPS = {
    "Config.ExposedPorts",
    "Config.Labels",
    "Config.Volumes",
    "HostConfig.PortBindings",
    "HostConfig.Tmpfs",
    "HostConfig.Sysctls",
    "HostConfig.LogConfig.Config",
    "NetworkSettings.Networks",
    "NetworkSettings.Ports",
    "Containers",
    "Options",
    "Labels",
    "Plugins",
    "RegistryConfig.IndexConfigs",
    "Runtimes",
    "Actor.Attributes",  # an event's: the container's labels among them
}
#: Per path: the types seen, the keys seen anywhere, the keys seen every time.
Schema = dict[str, tuple[set[str], set[str] | None, set[str] | None]]


def _type(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _walk(doc: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(normalised path, value) for every value, map keys and list items as *."""
    yield path, doc
    if isinstance(doc, dict):
        for key, value in doc.items():
            step = "*" if path in MAPS else key
            yield from _walk(value, f"{path}.{step}" if path else step)
    elif isinstance(doc, list):
        for item in doc:
            yield from _walk(item, f"{path}[]")


def schema_of(docs: list[Any]) -> Schema:
    """Per path: the types seen, and for a dict of fields the keys seen
    anywhere (union) and in every occurrence (intersection)."""
    schema: Schema = {}
    for doc in docs:
        for path, value in _walk(doc):
            types, union, common = schema.get(path, (set(), None, None))
            types.add(_type(value))
            if isinstance(value, dict) and path not in MAPS:
                keys = set(value)
                union = keys | (union or set())
                common = keys if common is None else common & keys
            schema[path] = (types, union, common)
    return schema


def shape_errors(
    doc: Any, schema: Schema, *, optional: frozenset[str] = frozenset(), missing_only: bool = False
) -> list[str]:
    """Where `doc` departs from `schema`: keys it misses, and unless
    `missing_only` unknown keys and other types. `optional`: paths the real
    engine writes only when set (omitempty) that no capture holds; they are
    not checked."""
    errors = []
    for path, value in _walk(doc):
        if path in optional or any(path.startswith(o + ".") for o in optional):
            continue
        if path not in schema:
            continue  # under a path reported below as an unknown key
        seen, union, common = schema[path]
        if not missing_only and _type(value) not in seen:
            errors.append(f"{path}: {_type(value)}, the engine gives {sorted(seen)}")
        if isinstance(value, dict) and union is not None:
            prefix = f"{path}." if path else ""
            for key in sorted(set(value) - union):
                if not missing_only and f"{prefix}{key}" not in optional:
                    errors.append(f"{prefix}{key}: a key the engine never writes here")
            for key in sorted((common or set()) - set(value)):
                errors.append(f"{prefix}{key}: missing (the engine always writes it)")
    return errors

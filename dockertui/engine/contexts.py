"""The docker CLI's context store, and choosing several engines at once.

`list_contexts` lists what `docker context ls` lists (the default context
first, then the store's contexts by name), each resolved by the one resolver
in `endpoint.py`; a context that cannot be used says why instead of failing
the list. `resolve_endpoints` turns repeated ``--context`` and ``--host``
options (or ``--all-contexts``) into the engines to watch, each once.

Reads the CLI's files only; nothing here opens a connection.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dockertui.engine.endpoint import (
    DEFAULT_CONTEXT,
    Endpoint,
    EndpointError,
    config_dir,
    current_context,
    plain_tcp_refusal,
    resolve_endpoint,
)


@dataclass(frozen=True)
class ContextEntry:
    """One line of `docker context ls`: ``endpoint`` or, when unusable, ``error``."""

    name: str
    description: str
    current: bool
    endpoint: Endpoint | None
    error: str = ""

    @property
    def host(self) -> str:
        return self.endpoint.host if self.endpoint else ""

    @property
    def tls(self) -> str:
        """ "verified", "unverified" or "" (no TLS)."""
        if self.endpoint is None or not self.endpoint.tls:
            return ""
        return "verified" if self.endpoint.tls_verify else "unverified"


def list_contexts(
    env: Mapping[str, str] | None = None, home: Path | None = None
) -> list[ContextEntry]:
    """Every context of the store, the default one first; never raises for one
    bad context (its entry carries the sentence), only for a broken config.json."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    try:
        current = current_context(env, home)
    except EndpointError:
        current = DEFAULT_CONTEXT
    named = _stored(config_dir(env, home) / "contexts" / "meta")
    entries = []
    for name, description in [(DEFAULT_CONTEXT, "Current DOCKER_HOST based configuration"), *named]:
        try:
            endpoint: Endpoint | None = resolve_endpoint(
                context=name, env=env, home=home, insecure=True
            )
            error = ""
        except EndpointError as err:
            endpoint, error = None, str(err)
        entries.append(ContextEntry(name, description, name == current, endpoint, error))
    return entries


def _stored(meta_root: Path) -> list[tuple[str, str]]:
    """(name, description) of each context in the store, by name; unreadable ones
    keep their folder name so that the list still shows them."""
    found = []
    try:
        folders = sorted(p for p in meta_root.iterdir() if p.is_dir())
    except OSError:
        return []
    for folder in folders:
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        if not isinstance(meta, dict) or not isinstance(meta.get("Name"), str):
            continue
        extra = meta.get("Metadata")
        description = extra.get("Description", "") if isinstance(extra, dict) else ""
        if meta["Name"] != DEFAULT_CONTEXT:
            found.append((meta["Name"], description if isinstance(description, str) else ""))
    return sorted(found)


def resolve_endpoints(
    hosts: Sequence[str] = (),
    contexts: Sequence[str] = (),
    *,
    all_contexts: bool = False,
    insecure: bool = False,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> list[Endpoint]:
    """The engines to watch: each ``--context``, then each ``--host``, in the order
    given; with ``all_contexts`` every usable context of the store. With none of
    them, the one engine the docker CLI would use. An engine reached twice (the
    same address under two names) is kept once, under its first name.

    Raises EndpointError, one sentence, for the first option that cannot be used;
    ``all_contexts`` skips the contexts that cannot be used only when at least one can.
    """
    if all_contexts and (hosts or contexts):
        raise EndpointError(
            "--all-contexts already takes every context; leave out --context and --host."
        )
    if all_contexts:
        entries = list_contexts(env, home)
        skipped = skipped_contexts(insecure, entries)
        usable = [e.endpoint for e in entries if e.endpoint and e.name not in skipped]
        if not usable:
            raise EndpointError(next(iter(skipped.values())))
        return _once(usable)
    if not hosts and not contexts:
        return [resolve_endpoint(env=env, home=home, insecure=insecure)]
    found = [resolve_endpoint(context=c, env=env, home=home, insecure=insecure) for c in contexts]
    found += [resolve_endpoint(host=h, env=env, home=home, insecure=insecure) for h in hosts]
    return _once(found)


def skipped_contexts(
    insecure: bool,
    entries: Sequence[ContextEntry] | None = None,
) -> dict[str, str]:
    """The contexts --all-contexts leaves out, name -> the one sentence why:
    those that cannot be used at all, and plain tcp without --insecure."""
    entries = list_contexts() if entries is None else entries
    skipped = {e.name: e.error for e in entries if e.endpoint is None}
    for e in entries:
        if e.endpoint is not None and e.endpoint.plain_tcp and not insecure:
            skipped[e.name] = plain_tcp_refusal(e.endpoint)
    return skipped


def _dialled(endpoint: Endpoint) -> tuple[object, ...]:
    """What makes two endpoints one engine reached one way: the address (a
    unix path normalised) and the TLS material, so that a context with the
    right CA is not dropped for one with a wrong CA on the same address."""
    address = os.path.normpath(endpoint.socket_path) if endpoint.socket_path else endpoint.url
    return (address, endpoint.tls, endpoint.tls_verify, endpoint.tls_files)


def _once(endpoints: Sequence[Endpoint]) -> list[Endpoint]:
    """Each engine once (by the address dialled and its TLS), and names unique."""
    kept: list[Endpoint] = []
    dialled: set[tuple[object, ...]] = set()
    for endpoint in endpoints:
        if _dialled(endpoint) in dialled:
            continue
        dialled.add(_dialled(endpoint))
        kept.append(endpoint)
    names = [e.name for e in kept]
    if len(set(names)) != len(names):
        raise EndpointError(
            f"Two engines would both be called {_first_repeat(names)!r}; "
            "give each a context of its own (`docker context create`)."
        )
    return kept


def _first_repeat(names: Sequence[str]) -> str:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return ""

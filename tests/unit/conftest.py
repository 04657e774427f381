"""Fixtures for the audit-layer unit tests: captured Engine API documents and
helpers that build edited copies of them. No Docker engine is needed.

The captured documents (tests/fixtures, Docker 20.10.24 on Debian 12: seccomp,
no AppArmor, no SELinux, no userns-remap, rootful; tests/fixtures/podman,
Podman 4.3.1's compatible API, named "podman/<case>") are the starting point
of every test. A case these machines cannot produce is an *edited copy* of a
captured document: each test that builds one says which and why.

Edits are given as dotted paths into the JSON document:

    edited("plain", {"HostConfig.CapAdd": ["SYS_ADMIN"], "Config.User": "0"})
    edited("plain", HostConfig__Privileged=True)        # "__" instead of "."
    edited("plain", delete=["HostConfig.Memory"])       # remove keys

A path step that is a number indexes a list ("Mounts.0.RW"). Test modules
take everything from fixtures (nothing is imported from this file), and a
test that asks for `inspect_case` runs once per captured inspect document.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from proc_captures import captured_kernel

from dockertui.audit import ContainerReport, Finding, audit_container, audit_engine
from dockertui.model import (
    ClientFacts,
    Container,
    EngineInfo,
    container_from_inspect,
    engine_from_api,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

#: Marks a path to delete in an edit (the `delete=` argument of the builders).
_DELETE = object()


def _read(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


_CACHE: dict[str, Any] = {}


def _captured(relative: str) -> Any:
    """A fresh deep copy of a captured document (tests may mutate it freely)."""
    if relative not in _CACHE:
        _CACHE[relative] = _read(relative)
    return copy.deepcopy(_CACHE[relative])


def inspect_cases() -> list[str]:
    """Every captured inspect document: Docker cases, then "podman/<case>"."""
    docker = sorted(p.stem for p in (FIXTURES / "inspect").glob("*.json"))
    podman = sorted(f"podman/{p.stem}" for p in (FIXTURES / "podman" / "inspect").glob("*.json"))
    return docker + podman


def _inspect_path(case: str) -> str:
    """The file of a case: plain -> inspect/plain.json, podman/plain ->
    podman/inspect/plain.json, proc/<case> -> proc/<case>/inspect.json (a
    running container captured with its /proc files)."""
    engine, _, name = case.rpartition("/")
    if engine == "proc":
        return f"proc/{name}/inspect.json"
    return f"{engine}/inspect/{name}.json" if engine else f"inspect/{name}.json"


def apply_edits(doc: Any, edits: Mapping[Any, Any]) -> Any:
    """Set each dotted path in `doc` (remove it when the value is `_DELETE`), in place.

    Missing intermediate objects are created; a numeric step indexes a list. A
    tuple path names keys that themselves hold dots (bridge Options)."""
    for path, value in edits.items():
        steps = list(path) if isinstance(path, tuple) else path.replace("__", ".").split(".")
        cur = doc
        for step in steps[:-1]:
            if isinstance(cur, list):
                cur = cur[int(step)]
            else:
                if not isinstance(cur.get(step), dict | list):
                    cur[step] = {}
                cur = cur[step]
        last = steps[-1]
        if isinstance(cur, list):
            if value is _DELETE:
                del cur[int(last)]
            else:
                cur[int(last)] = value
        elif value is _DELETE:
            cur.pop(last, None)
        else:
            cur[last] = value
    return doc


def _merge_edits(
    edits: Mapping[Any, Any] | None, kw: Mapping[str, Any], delete: Iterable[str] = ()
) -> dict[Any, Any]:
    merged = dict(edits or {})
    merged.update(kw)
    merged.update(dict.fromkeys(delete, _DELETE))
    return merged


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "inspect_case" in metafunc.fixturenames:
        metafunc.parametrize("inspect_case", inspect_cases())


# --- container documents ------------------------------------------------------------------


@pytest.fixture
def load_inspect() -> Callable[[str], dict[str, Any]]:
    """load_inspect(case) -> a fresh copy of tests/fixtures/inspect/<case>.json."""

    def load(case: str) -> dict[str, Any]:
        return _captured(_inspect_path(case))

    return load


@pytest.fixture
def edited() -> Callable[..., dict[str, Any]]:
    """edited(case, {"Dotted.Path": value}, Other__Path=value, delete=[paths])."""

    def build(
        case: str,
        edits: Mapping[Any, Any] | None = None,
        *,
        delete: Iterable[str] = (),
        **kw: Any,
    ) -> dict[str, Any]:
        return apply_edits(_captured(_inspect_path(case)), _merge_edits(edits, kw, delete))

    return build


@pytest.fixture
def container(edited: Callable[..., dict[str, Any]]) -> Callable[..., Container]:
    """container(case, edits..., processes=None) -> Container from an (edited) capture."""

    def build(
        case: str,
        edits: Mapping[Any, Any] | None = None,
        *,
        processes: tuple[str, ...] | None = None,
        delete: Iterable[str] = (),
        **kw: Any,
    ) -> Container:
        parsed = container_from_inspect(edited(case, edits, delete=delete, **kw))
        if case.startswith("proc/"):
            parsed = replace(parsed, kernel=captured_kernel(case))
        return replace(parsed, processes=processes) if processes is not None else parsed

    return build


@pytest.fixture
def top_processes() -> Callable[[str], tuple[str, ...]]:
    """top_processes("sshd") -> the CMD column of tests/fixtures/top/sshd.json;
    top_processes("podman/sshd") -> the COMMAND part of Podman's one-column rows."""

    def read(name: str) -> tuple[str, ...]:
        engine, _, case = name.rpartition("/")
        doc = _captured(f"{engine}/top/{case}.json" if engine else f"top/{case}.json")
        titles = doc["Titles"]
        if "CMD" in titles:  # Docker: one title per ps column
            column = titles.index("CMD")
            return tuple(row[column] for row in doc["Processes"])
        # Podman: one title "PID USER COMMAND" and one string per process
        column = titles[0].split().index("COMMAND")
        return tuple(row[0].split(None, column)[column] for row in doc["Processes"])

    return read


# --- engine documents ---------------------------------------------------------------------


@pytest.fixture
def engine_docs() -> dict[str, Any]:
    """Fresh copies of the captured /info, /version and /networks/bridge."""
    return {
        "info": _captured("engine/info.json"),
        "version": _captured("engine/version.json"),
        "bridge": _captured("engine/bridge.json"),
    }


@pytest.fixture
def engine_info(engine_docs: dict[str, Any]) -> EngineInfo:
    """The captured engine: Docker 20.10.24+dfsg1, seccomp only, rootful."""
    return engine_from_api(engine_docs["info"], engine_docs["version"], engine_docs["bridge"])


@pytest.fixture
def make_engine() -> Callable[..., EngineInfo]:
    """make_engine(info={...}, version={...}, bridge={...}, security_options=[...])

    An EngineInfo from edited copies of the captured engine documents. Each of
    info/version/bridge maps dotted paths to new values; `security_options`
    (extra entries) is appended to /info SecurityOptions; `bridge=None` (the
    keyword given as None) means the bridge network could not be read."""

    def build(
        *,
        info: Mapping[str, Any] | None = None,
        version: Mapping[str, Any] | None = None,
        bridge: Mapping[Any, Any] | object | None = (),
        security_options: list[str] | tuple[str, ...] = (),
    ) -> EngineInfo:
        info_doc = apply_edits(_captured("engine/info.json"), info or {})
        if security_options:
            info_doc["SecurityOptions"] = list(info_doc.get("SecurityOptions") or []) + list(
                security_options
            )
        version_doc = apply_edits(_captured("engine/version.json"), version or {})
        bridge_doc: dict[str, Any] | None
        if bridge is None:
            bridge_doc = None
        else:
            edits = bridge if isinstance(bridge, Mapping) else {}
            bridge_doc = apply_edits(_captured("engine/bridge.json"), edits)
        return engine_from_api(info_doc, version_doc, bridge_doc)

    return build


@pytest.fixture
def podman_engine() -> EngineInfo:
    """The captured Podman 4.3.1 service (tests/fixtures/podman): /info and
    /version from its Docker-compatible API; it has no /networks/bridge."""
    return engine_from_api(_captured("podman/info.json"), _captured("podman/version.json"), None)


# --- running the audit --------------------------------------------------------------------


@pytest.fixture
def audit(engine_info: EngineInfo) -> Callable[..., ContainerReport]:
    """audit(container, engine=None) -> ContainerReport (captured engine by default)."""

    def run(c: Container, engine: EngineInfo | None = None) -> ContainerReport:
        return audit_container(c, engine or engine_info)

    return run


@pytest.fixture
def engine_findings() -> Callable[..., list[Finding]]:
    """engine_findings(engine, client=None) -> audit_engine findings."""

    def run(engine: EngineInfo, client: ClientFacts | None = None) -> list[Finding]:
        return audit_engine(engine, client or ClientFacts())

    return run


def only(findings: Any, check: str) -> list[Finding]:
    return [f for f in findings if f.check == check]


@pytest.fixture
def findings_of() -> Callable[[Any, str], list[Finding]]:
    """findings_of(report_or_findings, check_id) -> the findings of that check."""

    def pick(source: Any, check: str) -> list[Finding]:
        findings = source.findings if isinstance(source, ContainerReport) else source
        return only(findings, check)

    return pick

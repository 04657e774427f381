"""The context store listed as `docker context ls` lists it, and several engines
chosen from repeated --context/--host or --all-contexts (engine/contexts.py)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from dockertui.engine.contexts import list_contexts, resolve_endpoints, skipped_contexts
from dockertui.engine.endpoint import EndpointError


def add_context(
    config: Path, name: str, host: str, description: str = "", tls: bool = False
) -> None:
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = config / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    doc = {
        "Name": name,
        "Metadata": {"Description": description},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}},
    }
    (meta / "meta.json").write_text(json.dumps(doc))
    if tls:
        folder = config / "contexts" / "tls" / digest / "docker"
        folder.mkdir(parents=True)
        (folder / "ca.pem").write_text("not read until a connection is made")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    return folder


def test_the_store_is_listed_default_first_with_the_current_one(
    config: Path, tmp_path: Path
) -> None:
    add_context(config, "prod", "tcp://10.0.0.5:2376", "the production host", tls=True)
    add_context(config, "build", "ssh://me@build")
    (config / "config.json").write_text(json.dumps({"currentContext": "prod"}))
    entries = list_contexts({"DOCKER_CONFIG": str(config)}, tmp_path)
    assert [e.name for e in entries] == ["default", "build", "prod"]
    assert [e.current for e in entries] == [False, False, True]
    prod = entries[2]
    assert (prod.host, prod.tls, prod.description) == (
        "tcp://10.0.0.5:2376",
        "verified",
        "the production host",
    )
    assert entries[1].host == "ssh://me@build" and entries[1].tls == ""
    assert entries[0].host == "unix:///var/run/docker.sock"


def test_a_broken_context_is_listed_with_its_reason(config: Path, tmp_path: Path) -> None:
    add_context(config, "broken", "ftp://nowhere")
    entries = list_contexts({"DOCKER_CONFIG": str(config)}, tmp_path)
    broken = entries[1]
    assert broken.endpoint is None and "unsupported scheme 'ftp'" in broken.error


def test_repeated_options_give_each_engine_once_in_order(config: Path, tmp_path: Path) -> None:
    add_context(config, "a", "unix:///run/a.sock")
    add_context(config, "b", "unix:///run/b.sock")
    env = {"DOCKER_CONFIG": str(config)}
    found = resolve_endpoints(["unix:///run/c.sock"], ["b", "a"], env=env, home=tmp_path)
    assert [e.name for e in found] == ["b", "a", "/run/c.sock"]
    twice = resolve_endpoints(["unix:///run/a.sock"], ["a"], env=env, home=tmp_path)
    assert [e.name for e in twice] == ["a"]  # the same socket under two names: once


def test_all_contexts_and_plain_tcp(config: Path, tmp_path: Path) -> None:
    add_context(config, "lan", "tcp://10.0.0.7:2375")
    add_context(config, "broken", "ftp://nowhere")
    env = {"DOCKER_CONFIG": str(config)}
    # Plain tcp is left out without --insecure, and said why; the others are used.
    found = resolve_endpoints(all_contexts=True, env=env, home=tmp_path)
    assert [e.name for e in found] == ["default"]
    skipped = skipped_contexts(False, list_contexts(env, tmp_path))
    assert set(skipped) == {"lan", "broken"} and "--insecure" in skipped["lan"]
    assert "lan" not in skipped_contexts(True, list_contexts(env, tmp_path))
    found = resolve_endpoints(all_contexts=True, insecure=True, env=env, home=tmp_path)
    assert [e.name for e in found] == ["default", "lan"]  # the broken one is skipped
    with pytest.raises(EndpointError, match="leave out --context"):
        resolve_endpoints(contexts=["lan"], all_contexts=True, env=env, home=tmp_path)
    with pytest.raises(EndpointError, match="not found"):
        resolve_endpoints(contexts=["lan", "nope"], insecure=True, env=env, home=tmp_path)


def test_one_address_with_two_sets_of_tls_files_is_two_ways_in(
    config: Path, tmp_path: Path
) -> None:
    # A context with a wrong CA must not hide the one with the right CA.
    add_context(config, "wrong-ca", "tcp://10.0.0.9:2376", tls=True)
    add_context(config, "right-ca", "tcp://10.0.0.9:2376", tls=True)
    env = {"DOCKER_CONFIG": str(config)}
    found = resolve_endpoints(contexts=["wrong-ca", "right-ca"], env=env, home=tmp_path)
    assert [e.name for e in found] == ["wrong-ca", "right-ca"]
    same = resolve_endpoints(
        ["unix:///run/x/docker.sock", "unix:///run/x//docker.sock"], env=env, home=tmp_path
    )
    assert len(same) == 1  # one socket, however its path is spelled

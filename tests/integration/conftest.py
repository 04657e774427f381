"""Fixtures for the integration tests (helpers are in integration_support.py).
The session fixtures in tests/conftest.py start dockerd when none runs and
build the test images; everything here talks to the engine over its unix
socket only."""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

import harness
from fix_support import Bench, bench_for


@pytest.fixture(scope="module")
def module_tag() -> str:
    """A value unique to one test module, for the integration_support.MODULE_LABEL
    label: scans filter on it (the engine is shared with other runs)."""
    return uuid.uuid4().hex[:12]


@pytest.fixture(scope="module")
def user_network(docker_api: docker.APIClient) -> Iterator[str]:
    """A user-defined bridge network; its containers are force-removed and the
    network deleted at the end of the module."""
    name = f"dtui-{harness.SESSION}-net-{uuid.uuid4().hex[:6]}"
    docker_api.create_network(name, driver="bridge", labels={harness.LABEL: harness.SESSION})
    yield name
    for entry in docker_api.containers(all=True, filters={"network": name}):
        with contextlib.suppress(docker.errors.NotFound):
            docker_api.remove_container(entry["Id"], force=True, v=True)
    docker_api.remove_network(name)


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A temporary folder with a short path (unix socket paths are limited to
    108 bytes, which pytest's tmp_path can exceed)."""
    with tempfile.TemporaryDirectory(prefix="dtui-") as folder:
        yield Path(folder)


@pytest.fixture
def bench(
    docker_api: docker.APIClient, containers: harness.Containers, tmp_path: Path
) -> Iterator[Bench]:
    """What a fix test makes (containers, networks, volumes), removed at the end."""
    with bench_for(docker_api, containers, tmp_path) as made:
        yield made

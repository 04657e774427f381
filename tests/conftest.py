"""Shared fixtures. Integration tests (tests/integration) run against a real
dockerd: the harness starts one when none answers, and builds the test
images locally (no registry is reachable here)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

import harness


@pytest.fixture(scope="session")
def docker_api() -> Iterator[docker.APIClient]:
    """A docker-py client on the real engine, with the test images built."""
    try:
        harness.ensure_dockerd()
    except RuntimeError as err:
        pytest.fail(str(err), pytrace=False)
    api = harness.api_client()
    harness.ensure_images(api)
    harness.remove_labelled(api)  # leftovers of an interrupted earlier run
    harness.remove_dangling_locks(api)
    yield api
    harness.remove_labelled(api, harness.SESSION)
    harness.remove_dangling_locks(api)
    api.close()


@pytest.fixture
def containers(docker_api: docker.APIClient) -> Iterator[harness.Containers]:
    """Make containers for one test; they are removed afterwards."""
    made = harness.Containers(docker_api)
    yield made
    made.cleanup()


@pytest.fixture(scope="module")
def module_containers(docker_api: docker.APIClient) -> Iterator[harness.Containers]:
    made = harness.Containers(docker_api)
    yield made
    made.cleanup()


@pytest.fixture(scope="session")
def podman(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[harness.PodmanService, docker.APIClient]]:
    """A real Podman serving the Docker-compatible API on a private socket.
    CI installs podman; elsewhere these tests skip with the reason."""
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed (apt-get install podman; CI does)")
    service = harness.PodmanService(Path(tmp_path_factory.mktemp("podman")))
    api = service.start()
    yield service, api
    for entry in api.containers(all=True):
        if entry.get("Labels", {}).get(harness.LABEL) == harness.SESSION:
            api.remove_container(entry["Id"], force=True)
    api.close()
    service.stop()

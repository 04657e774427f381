"""Shared fixtures. Integration tests (tests/integration) run against a real
dockerd: the harness starts one when none answers, and builds the test
images locally (no registry is reachable here)."""

from __future__ import annotations

from collections.abc import Iterator

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
    yield api
    harness.remove_labelled(api, harness.SESSION)
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

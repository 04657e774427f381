"""The effective capabilities dockertui reports equal what PID 1 really
holds (CapEff in /proc/1/status), on Docker and on Podman's Docker API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import docker
import pytest

from dockertui.engine.endpoint import resolve_endpoint
from dockertui.scan import scan

import harness

#: (case, HostConfig options). Only configurations that can start here:
#: privileged and --cap-add ALL need capabilities these machines lack.
CASES = [
    ("default", {}),
    ("add-admin-ptrace", {"cap_add": ["NET_ADMIN", "SYS_PTRACE"]}),
    ("drop-all-add-bind", {"cap_drop": ["ALL"], "cap_add": ["NET_BIND_SERVICE"]}),
    ("drop-some", {"cap_drop": ["NET_RAW", "MKNOD", "chown"]}),
    ("prefixed", {"cap_add": ["cap_sys_time"], "cap_drop": ["CAP_NET_RAW"]}),
    ("add-readded", {"cap_add": ["SYS_ADMIN", "NET_RAW"], "cap_drop": ["CHOWN"]}),
]


def reported(url: str, label_value: str) -> dict[str, set[str]]:
    fleet = asyncio.run(
        scan(resolve_endpoint(host=url), filters=[f"label=dockertui.test.caps={label_value}"])
    )
    return {r.container.name: set(r.effective_capabilities) for r in fleet.containers}


@pytest.fixture(scope="module")
def docker_case_ids(docker_api: docker.APIClient) -> Iterator[dict[str, str]]:
    made = harness.Containers(docker_api)
    ids = {
        case: made.create(f"caps-{case}", host=host, labels={"dockertui.test.caps": made.session})
        for case, host in CASES
    }
    yield {case: made.name(f"caps-{case}") for case in ids} | {"_ids": ids}  # type: ignore[dict-item]
    made.cleanup()


@pytest.mark.parametrize("case", [c for c, _ in CASES])
def test_docker_effective_caps_match_the_kernel(
    docker_api: docker.APIClient, docker_case_ids: dict, case: str
) -> None:
    truth = harness.effective_caps_of_pid1(docker_api, docker_case_ids["_ids"][case])
    seen = reported(harness.BASE_URL, harness.SESSION)
    assert seen[docker_case_ids[case]] == truth


@pytest.fixture(scope="module")
def podman_cases(podman: tuple[harness.PodmanService, docker.APIClient]) -> dict[str, str]:
    service, api = podman
    image = service.image(api, "dockertui-test/busybox")
    ids = {}
    for case, host in CASES:
        cid = api.create_container(
            image,
            name=f"dtui-{harness.SESSION}-podcaps-{case}",
            labels={harness.LABEL: harness.SESSION, "dockertui.test.caps": "podman"},
            host_config=service.host_config(api, **host),
        )["Id"]
        api.start(cid)
        ids[case] = cid
    return ids


@pytest.mark.parametrize("case", [c for c, _ in CASES])
def test_podman_effective_caps_match_the_kernel(
    podman: tuple[harness.PodmanService, docker.APIClient], podman_cases: dict, case: str
) -> None:
    # Podman 4.3's Docker API reports CapAdd/CapDrop relative to Docker's
    # default set (a default container shows CapDrop AUDIT_WRITE, MKNOD,
    # NET_RAW), so the same rule must give the kernel's answer.
    service, api = podman
    truth = harness.effective_caps_of_pid1(api, podman_cases[case])
    seen = reported(service.url, "podman")
    assert seen[f"dtui-{harness.SESSION}-podcaps-{case}"] == truth

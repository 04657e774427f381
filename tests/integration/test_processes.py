"""Process lists: the local /proc fast path agrees with the engine's /top."""

from __future__ import annotations

import asyncio

import docker

from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.gateway import EngineGateway
from dockertui.engine.inventory import collect, read_processes
from dockertui.engine.kernel_facts import read_fleet

import harness


async def test_proc_and_top_agree(
    docker_api: docker.APIClient, containers: harness.Containers
) -> None:
    sshd = containers.create("proc-sshd", image=harness.SSHD_IMAGE)
    shell = containers.create("proc-shell", command=["sh", "-c", "sleep 300 & sleep 301"])
    client = await EngineGateway.open(resolve_endpoint(host=harness.BASE_URL))
    # Until the shell has started both sleeps (a read between its fork and
    # the child's exec sees one process, or the shell): then both views agree.
    for _ in range(50):
        started = await read_processes(client, shell)
        if started is not None and sorted(started) == ["sleep 300", "sleep 301"]:
            break
        await asyncio.sleep(0.1)
    local = read_fleet([sshd, shell]).commands
    try:
        for cid in (sshd, shell):
            top = await read_processes(client, cid)
            assert top is not None
            assert sorted(local[cid]) == sorted(top)
        assert local[sshd] == ("/usr/sbin/sshd -D",)
        inventory = await collect(
            client, filters={"label": [f"{harness.LABEL}={containers.session}"]}
        )
    finally:
        await client.close()
    by_id = {c.id: c for c in inventory.containers}
    assert by_id[sshd].processes == ("/usr/sbin/sshd -D",)
    assert sorted(by_id[shell].processes or ()) == sorted(local[shell])

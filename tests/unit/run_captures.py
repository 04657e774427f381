"""Facts of the captured run/complete-running document that the rendering
tests (docker run and compose) both name."""

from __future__ import annotations

from typing import Any


def complete_running_facts(doc: dict[str, Any]) -> tuple[str, str, str, str, str, str, str]:
    """What the run/complete-running capture was made with that its renderings
    name: the two networks, the bind and the named volume, the two anonymous
    volumes, and the published host port."""
    net1, net2 = sorted(doc["NetworkSettings"]["Networks"])
    bind, named = doc["HostConfig"]["Binds"]
    anon, anon_mount = (
        next(m["Name"] for m in doc["Mounts"] if m["Destination"] == d)
        for d in ("/anon", "/anon-mount")
    )
    port = doc["HostConfig"]["PortBindings"]["8080/tcp"][0]["HostPort"]
    return net1, net2, bind, named, anon, anon_mount, port

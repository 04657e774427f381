"""The console's event loop (engine.watch.Watcher._follow) under races the
real engine produces only now and then: an event arriving while the
coalesced re-inspect of the same container is still in flight. These run
without an engine: the event stream and the inspect calls are fakes, so
the interleaving is forced every time. test_console.py covers the same
paths against the real dockerd."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from dockertui.engine import watch
from dockertui.engine.endpoint import resolve_endpoint
from dockertui.engine.watch import ContainerChanged, ContainerRemoved, Update, Watcher
from dockertui.model import Container, container_from_inspect

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "inspect"
CID = "c0ffee" + "0" * 58
OTHER = "beef" + "0" * 60
WAIT = 2.0


class FakeStream:
    """`response.content` of GET /events: yields the lines put in, ends on None."""

    def __init__(self) -> None:
        self.lines: asyncio.Queue[bytes | None] = asyncio.Queue()

    def event(self, action: str, container_id: str = CID) -> None:
        raw = {
            "Type": "container",
            "Action": action,
            "Actor": {"ID": container_id, "Attributes": {"name": "racer"}},
            "timeNano": 1,
        }
        self.lines.put_nowait(json.dumps(raw).encode() + b"\n")

    def end(self) -> None:
        self.lines.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (line := await self.lines.get()) is not None:
            yield line

    @property
    def content(self) -> FakeStream:
        return self


class GatedInspect:
    """Stands in for inventory.inspect_container: each call waits for the
    test to `release()` it and answers with the next state in `states`
    (None: the container is gone)."""

    def __init__(self, states: list[str | None]) -> None:
        self.states = states
        self.calls = 0
        self.started = asyncio.Event()
        self.gate = asyncio.Event()
        self.doc = json.loads((FIXTURES / "plain.json").read_text())

    def release(self) -> None:
        self.gate.set()

    async def __call__(self, client: Any, container_id: str, **_: Any) -> Container | None:
        state = self.states[min(self.calls, len(self.states) - 1)]
        self.calls += 1
        self.started.set()
        await self.gate.wait()
        if state is None:
            return None
        doc = copy.deepcopy(self.doc)
        doc["Id"] = container_id
        doc["State"]["Status"] = state
        doc["State"]["Running"] = state == "running"
        return container_from_inspect(doc)


async def follow(stream: FakeStream, updates: list[Update]) -> asyncio.Task[None]:
    watcher = Watcher(resolve_endpoint(host="unix:///var/run/docker.sock"), coalesce=0.01)
    return asyncio.create_task(watcher._follow(None, stream, updates.append))  # type: ignore[arg-type]


async def wait_for(predicate: Any, what: Any) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {WAIT} s: {what()}")
        await asyncio.sleep(0.01)


def container_updates(updates: list[Update]) -> list[Update]:
    return [u for u in updates if isinstance(u, ContainerChanged | ContainerRemoved)]


async def test_destroy_during_an_inspect_in_flight_keeps_the_container_removed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`docker rm -f`: die, then destroy while the die's re-inspect (which
    sees state "removing") is still on its way. The late answer must not
    bring the removed container back."""
    inspect = GatedInspect(["removing"])
    monkeypatch.setattr(watch, "inspect_container", inspect)
    stream, updates = FakeStream(), []
    task = await follow(stream, updates)
    try:
        stream.event("die")
        await asyncio.wait_for(inspect.started.wait(), WAIT)
        stream.event("destroy")
        await wait_for(lambda: ContainerRemoved(CID) in updates, lambda: updates)
        inspect.release()
        # Another container's event after it: once that one is shown, the
        # late answer about CID has been handled too (one task, in order).
        stream.event("start", OTHER)
        await wait_for(
            lambda: any(
                isinstance(u, ContainerChanged) and u.container.id == OTHER for u in updates
            ),
            lambda: updates,
        )
    finally:
        stream.end()
        await asyncio.wait_for(task, WAIT)
    about_cid = [
        u
        for u in container_updates(updates)
        if u == ContainerRemoved(CID) or (isinstance(u, ContainerChanged) and u.container.id == CID)
    ]
    assert about_cid == [ContainerRemoved(CID)]


async def test_event_during_an_inspect_in_flight_is_not_lost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`docker run`: create, then start while the create's re-inspect is in
    flight. The start must lead to a second inspect (state running) without
    waiting for some later event."""
    inspect = GatedInspect(["created", "running"])
    monkeypatch.setattr(watch, "inspect_container", inspect)
    stream, updates = FakeStream(), []
    task = await follow(stream, updates)
    try:
        stream.event("create")
        await asyncio.wait_for(inspect.started.wait(), WAIT)
        stream.event("start")
        # The start line is read (and its id queued) while the inspect waits.
        await wait_for(lambda: stream.lines.empty(), lambda: "stream not read")
        inspect.release()
        await wait_for(
            lambda: (
                [u.container.state for u in updates if isinstance(u, ContainerChanged)]
                == ["created", "running"]
            ),
            lambda: [(type(u).__name__, getattr(u, "container", None)) for u in updates],
        )
    finally:
        stream.end()
        await asyncio.wait_for(task, WAIT)
    assert inspect.calls == 2

"""Requests run side by side, so that none outlives its caller.

`together()` is a task group whose first failure is raised as itself: when
one request fails, the others are cancelled and waited for before the error
goes on (asyncio.gather would leave them running, and asyncio.run would
report them with a traceback on the way out). `bounded()` runs many jobs
that way, at most `limit` at once: the lab's creates and removes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Iterable
from typing import TypeVar

T = TypeVar("T")


@contextlib.asynccontextmanager
async def together() -> AsyncIterator[asyncio.TaskGroup]:
    """A task group whose first failure is raised as itself (see the module doc)."""
    try:
        async with asyncio.TaskGroup() as group:
            yield group
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None


async def bounded(jobs: Iterable[Awaitable[T]], limit: int) -> list[T]:
    """Every job's result, in order, with at most `limit` running at once."""
    gate = asyncio.Semaphore(limit)

    async def one(job: Awaitable[T]) -> T:
        async with gate:
            return await job

    async with together() as group:
        tasks = [group.create_task(one(job)) for job in jobs]
    return [task.result() for task in tasks]

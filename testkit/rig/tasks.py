"""Waiting, bounded concurrency and Ctrl-C for the rig's scripts."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


async def until(check: Callable[[], Awaitable[bool]], limit: float, every: float = 1.0) -> bool:
    deadline = time.monotonic() + limit
    while not await check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(every)
    return True


async def gather_limited(n: int, jobs: list[Awaitable[T]]) -> list[T]:
    gate = asyncio.Semaphore(n)

    async def one(job: Awaitable[T]) -> T:
        async with gate:
            return await job

    return await asyncio.gather(*(one(j) for j in jobs))


async def interruptible(work: Awaitable[T], what: str) -> T | None:
    """Await `work`; SIGTERM (a test runner's timeout) or Ctrl-C cancels it, and the
    cancellation stops the children on its way out. None when interrupted."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        return await work
    except asyncio.CancelledError:
        print(f"{what} interrupted; children stopped", file=sys.stderr)
        return None


async def _status(work: Awaitable[int], what: str) -> int:
    status = await interruptible(work, what)
    return 130 if status is None else status


def run_interruptible(work: Coroutine[Any, Any, int], what: str) -> int:
    """Run `work` to its exit status; 130, as a shell reports Ctrl-C, when interrupted."""
    return asyncio.run(_status(work, what))

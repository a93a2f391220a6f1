"""Waiting for a worker that runs in real time while the server's clock is virtual."""


from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

WAIT = 20.0  # real seconds a helper waits for the worker to catch up
T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    ok: Callable[[T], bool],
    what: str,
    within: float = WAIT,
) -> T:
    """Probe until `ok` holds (the worker runs in real time while the server's is virtual)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await probe()
        if ok(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value: {value!r}")
        await asyncio.sleep(0.05)

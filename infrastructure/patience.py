"""Asking Temporal again while it does not answer: the doors' calls outlive a busy, frozen
or restarting server, within a patience, and fail at once on anything else."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from temporalio.service import RPCError, RPCStatusCode

T = TypeVar("T")

# Seconds a door keeps asking: longer than a minute's database outage plus the activity
# retry's longest wait (1 min), for a case that does not answer (doors.ingest.confirm).
PATIENCE = 150.0
# A door's call the server has not answered in this long is made again.
CALL_TIMEOUT = timedelta(seconds=10)
# What a busy, paused or restarting server answers; anything else is not the door's to retry.
TRANSIENT = frozenset(
    {
        RPCStatusCode.CANCELLED,  # the client's own timeout ("Timeout expired")
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.RESOURCE_EXHAUSTED,
        RPCStatusCode.ABORTED,
    }
)


class Undelivered(Exception):
    """The server did not take a message within the door's patience: its fate is unknown."""


async def patiently(call: Callable[[], Awaitable[T]], patience: float, what: str) -> T:
    """`call()`, made again every second while it fails transiently, for `patience` seconds;
    only for calls that are harmless to repeat (the entity dedupes what they carry)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return await call()
        except RPCError as err:
            if err.status not in TRANSIENT:
                raise
            if time.monotonic() > deadline:
                raise Undelivered(f"{what}: {err.message}") from err
        await asyncio.sleep(1)

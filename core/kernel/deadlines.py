"""Letting time pass: fire every step of an entity's deadline ladder that fell due."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

S = TypeVar("S")
F = TypeVar("F")

# Beyond this, a message says it was sent late (a backlog, or the service was down).
LATE_AFTER = timedelta(minutes=1)


def is_late(due: datetime, now: datetime) -> bool:
    return now - due > LATE_AFTER


def run_due(
    state: S,
    now: datetime,
    next_due: Callable[[S], datetime | None],
    fire: Callable[[S, datetime, datetime], tuple[S, list[F]]],
) -> tuple[S, list[F]]:
    """Fire everything that fell due by `now`, oldest first, each exactly once:
    `fire(state, due, now)` must move `next_due` on."""
    effects: list[F] = []
    while (due := next_due(state)) is not None and due <= now:
        state, more = fire(state, due, now)
        effects += more
    return state, effects

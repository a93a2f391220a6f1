"""When to try a message again: exponential backoff with jitter, or the receiver's
``Retry-After`` when it says (capped, so a receiver cannot park a message for a year)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from outbox.config import RelaySettings


def backoff(attempt: int, settings: RelaySettings, rng: random.Random | None = None) -> float:
    """Seconds before attempt ``attempt + 1``: uniform between half and all of
    first * 2^(attempt-1), at most the cap. The jitter spreads a crowd of messages that
    failed together; the lower half keeps a retry from coming back at once."""
    ceiling = min(settings.max_delay_seconds, settings.first_delay_seconds * 2 ** (attempt - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def retry_after(header: str | None, now: datetime, cap: float) -> float | None:
    """Seconds the ``Retry-After`` header asks for (delta-seconds or an HTTP date), or None."""
    if not header:
        return None
    text = header.strip()
    if text.isdigit():
        return min(float(text), cap)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - now).total_seconds(), 0.0), cap)

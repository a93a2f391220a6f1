"""The relay's reads and writes of the outbox (columns: activities/migrations/0005).

A claim takes due rows with ``FOR UPDATE SKIP LOCKED`` and moves their ``next_attempt_at``
past the lease in the same statement, then commits: the row lock only keeps two claims
apart, the lease keeps every other relay off the row while it is being sent. A relay killed
mid-send leaves the lease to run out and the row is claimed again, with the same key and so
the same ``webhook-id``. Each outcome is written only by the claim that made the attempt
(``attempts`` matches), so a relay that outlived its lease cannot undo a later one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from outbox.event import COLUMNS

_CLAIM = f"""
WITH due AS (
    SELECT message_key FROM outbox
    WHERE state = 'pending' AND next_attempt_at <= now()
    ORDER BY next_attempt_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
UPDATE outbox o
SET attempts = o.attempts + 1, last_attempt_at = now(),
    next_attempt_at = now() + make_interval(secs => $2)
FROM due WHERE o.message_key = due.message_key
RETURNING {", ".join(f"o.{c}" for c in COLUMNS)}, o.attempts,
    COALESCE(
        o.municipality,
        (SELECT p.municipality FROM case_projection p WHERE p.case_id = o.case_id),
        (SELECT q.municipality FROM opening_projection q WHERE q.opening_id = o.opening_id)
    ) AS municipality
"""

_DELIVERED = """
UPDATE outbox SET state = 'delivered', delivered_at = now(), last_answer = $3, receiver = $4
WHERE message_key = $1 AND attempts = $2 AND state = 'pending'
"""
# Retry later, or dead-letter when out of attempts or too old.
_RETRY = """
UPDATE outbox SET last_answer = $3, receiver = $4,
    state = CASE WHEN attempts >= $6 OR created_at < now() - make_interval(secs => $7)
                 THEN 'dead' ELSE 'pending' END,
    next_attempt_at = now() + make_interval(secs => $5)
WHERE message_key = $1 AND attempts = $2 AND state = 'pending'
RETURNING state
"""
_FAILED = """
UPDATE outbox SET state = 'failed', last_answer = $3, receiver = $4
WHERE message_key = $1 AND attempts = $2 AND state = 'pending'
"""
# Not an attempt: no webhook takes it, or it is folded into an import summary.
_UNSENT = """
UPDATE outbox SET state = $3, attempts = attempts - 1, next_attempt_at = now()
WHERE message_key = $1 AND attempts = $2 AND state = 'pending'
"""


@dataclass(frozen=True)
class Claimed:
    row: dict[str, Any]

    @property
    def key(self) -> str:
        return str(self.row["message_key"])

    @property
    def attempts(self) -> int:
        return int(self.row["attempts"])


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt: ``delivered``, ``retry`` (after ``delay`` s), ``failed``
    (not to be retried), ``pull`` (no webhook takes it) or ``folded`` (not sent: due
    before the fold cut-off)."""

    claimed: Claimed
    result: str
    answer: str = ""
    receiver: str | None = None
    delay: float = 0.0


async def claim(pool: asyncpg.Pool, limit: int, lease: float) -> list[Claimed]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(_CLAIM, limit, lease)
    return [Claimed(dict(r)) for r in rows]


@dataclass(frozen=True)
class Recorded:
    """What a `record` wrote: counts by result, and each outcome with what it became."""

    counts: dict[str, int]
    settled: list[tuple[Outcome, str]]


async def record(
    pool: asyncpg.Pool, outcomes: Sequence[Outcome], max_attempts: int, max_age: float
) -> Recorded:
    """Write the outcomes in one transaction; what each became (``dead`` too)."""
    counts: dict[str, int] = {}
    settled: list[tuple[Outcome, str]] = []
    simple = {"delivered": _DELIVERED, "failed": _FAILED}
    async with pool.acquire() as conn, conn.transaction():
        # The common outcomes in one pipelined statement each; the rare ones row by row.
        for result, sql in simple.items():
            rows = [(o.claimed.key, o.claimed.attempts, o.answer, o.receiver)
                    for o in outcomes if o.result == result]  # fmt: skip
            if rows:
                await conn.executemany(sql, rows)
                counts[result] = len(rows)
                settled += [(o, result) for o in outcomes if o.result == result]
        for o in outcomes:
            key, attempt = o.claimed.key, o.claimed.attempts
            if o.result in ("pull", "folded"):
                await conn.execute(_UNSENT, key, attempt, o.result)
                result = o.result
            elif o.result == "retry":
                args = (key, attempt, o.answer, o.receiver, o.delay, max_attempts, max_age)
                state = await conn.fetchval(_RETRY, *args)
                result = "dead" if state == "dead" else "retry"
            else:
                continue
            counts[result] = counts.get(result, 0) + 1
            settled.append((o, result))
    return Recorded(counts, settled)

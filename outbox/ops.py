"""What operators do with the outbox (``starter.py outbox``): list what is not delivered,
retry a failed or dead-lettered message, re-send a delivered one (same ``webhook-id``: a
receiver that deduplicates ignores it), and whether a case's last escalation arrived."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from core.case.details import OUTBOX_UNKNOWN, outbox_sentence
from core.language import DEFAULT, say

OPEN_STATES = ("pending", "failed", "dead", "pull")
STATES = (*OPEN_STATES, "folded", "delivered")

_LIST = """
SELECT message_key, kind, state, recipients, attempts, last_answer, receiver, created_at,
       now() - created_at AS age
FROM outbox WHERE state = ANY($1::text[])
ORDER BY created_at LIMIT $2
"""
_RETRY = """
UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = now()
WHERE message_key = $1 AND state = ANY($2::text[])
RETURNING message_key
"""
_RESEND = """
UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = now(), delivered_at = NULL
WHERE message_key = $1 RETURNING message_key
"""
_LAST_ESCALATION = """
SELECT message_key, state, delivered_at, attempts, last_answer FROM outbox
WHERE case_id = $1 AND kind = 'escalation' ORDER BY created_at DESC, message_key DESC LIMIT 1
"""


@dataclass(frozen=True)
class Unknown(Exception):
    key: str
    why: str

    def __str__(self) -> str:
        return f"message {self.key!r}: {self.why}"


async def undelivered(
    conn: asyncpg.Connection, states: tuple[str, ...] = OPEN_STATES, limit: int = 200
) -> list[asyncpg.Record]:
    return list(await conn.fetch(_LIST, list(states), limit))


async def retry(conn: asyncpg.Connection, key: str) -> None:
    """Send a failed or dead-lettered message again, attempts counted from 0."""
    if await conn.fetchval(_RETRY, key, ["failed", "dead"]) is None:
        raise Unknown(key, "no failed or dead-lettered message with that key")


async def resend(conn: asyncpg.Connection, key: str) -> None:
    """Send any message again, delivered or not."""
    if await conn.fetchval(_RESEND, key) is None:
        raise Unknown(key, "no message with that key")


@dataclass(frozen=True)
class EscalationDelivery:
    message_key: str
    state: str
    delivered_at: datetime | None
    attempts: int
    last_answer: str | None

    def sentence(self, lang: str = DEFAULT) -> str:
        """Whether it arrived, for `starter.py status`, in the case's language."""
        return outbox_sentence(
            self.message_key, self.state, self.delivered_at, self.attempts, self.last_answer, lang
        )


async def last_escalation(conn: asyncpg.Connection, case_id: str) -> EscalationDelivery | None:
    row = await conn.fetchrow(_LAST_ESCALATION, case_id)
    return EscalationDelivery(**dict(row)) if row is not None else None


async def escalation_line(
    database_url: str | None, case_id: str, lang: str = DEFAULT
) -> str | None:
    """The sentence for `starter.py status`; None without a database or an escalation. A
    database that does not answer is said, not fatal: the case itself was shown already."""
    if not database_url:
        return None
    try:
        conn = await asyncpg.connect(database_url, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return say(lang, OUTBOX_UNKNOWN)
    try:
        found = await last_escalation(conn, case_id)
    finally:
        await conn.close()
    return found.sentence(lang) if found else None

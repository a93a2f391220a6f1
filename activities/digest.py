"""The daily digest activity: one outbox message per team per day.

Idempotent by key 'digest/<team>/<date>' (insert-or-nothing): a retried activity, a
second run on the same day (a schedule triggered by hand, a backfill) writes nothing new.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from zoneinfo import ZoneInfo

import asyncpg
import structlog
from temporalio import activity

from core.digest import DUE_WITHIN, DigestLine, digest_key, digest_text
from observability.metrics import count_digests
from workflows.activity_names import WRITE_DIGEST
from workflows.digest_payloads import DigestRequest, DigestResult

log = structlog.get_logger("activities.digest")

# Open cases that are stalled or whose deadline falls before the end of the week (an
# overdue one too: it is due now). Cases without a team are grouped by department.
_LINES = """
SELECT case_id, coalesce(team, department, 'unassigned') AS team, stage, owner, deadline,
       stalled, escalation_level
FROM case_projection
WHERE stage <> 'CLOSED' AND (stalled OR deadline < $1)
ORDER BY team, stalled DESC, deadline NULLS LAST, case_id
"""
_OUTBOX = """
INSERT INTO outbox (message_key, case_id, kind, stage, level, recipients, message, due_at)
VALUES ($1, NULL, 'digest', NULL, NULL, $2::jsonb, $3, NULL)
ON CONFLICT (message_key) DO NOTHING
RETURNING message_key
"""


class DigestStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name=WRITE_DIGEST)
    async def write_digest(self, request: DigestRequest) -> DigestResult:
        """Write each team's digest for ``request.day`` (idempotent: see the module doc)."""
        tz = ZoneInfo(request.timezone)
        until = datetime.combine(request.day + DUE_WITHIN, time.min, tz)
        async with self._pool.acquire() as conn, conn.transaction():
            teams: dict[str, list[DigestLine]] = {}
            for row in await conn.fetch(_LINES, until):
                teams.setdefault(row["team"], []).append(_line(row))
            written = 0
            for team, lines in teams.items():
                text = digest_text(team, request.day, lines, tz)
                key = digest_key(team, request.day)
                written += bool(await conn.fetchval(_OUTBOX, key, json.dumps([team]), text))
        count_digests(activity.metric_meter(), written)
        log.info("daily digest", day=request.day.isoformat(), teams=len(teams), written=written)
        return DigestResult(day=request.day, teams=len(teams), written=written)


def _line(row: asyncpg.Record) -> DigestLine:
    return DigestLine(
        case_id=row["case_id"],
        stage=row["stage"],
        owner=row["owner"],
        deadline=row["deadline"],
        stalled=row["stalled"],
        escalation_level=row["escalation_level"],
    )

"""The period's logged events from PostgreSQL (case_event), grouped by case, in the order
the workflows applied them (seq). Read-only.

A case is in the period when any of its events happened in it; it is replayed from its
case_opened on (its state needs the whole story), up to the end of the period.
"""

from __future__ import annotations

import asyncpg

from core.case.events import Event
from core.intake_fast import read_whole
from reports.data import Period
from reports.whatif.replay import Logged

_EVENTS = """
WITH cases AS (
    SELECT DISTINCT case_id FROM case_event WHERE occurred_at >= $1 AND occurred_at < $2
), opened AS (
    SELECT o.case_id FROM case_event o JOIN cases USING (case_id)
    WHERE o.type = 'case_opened' AND ($3::text IS NULL OR o.data->>'municipality' = $3)
)
SELECT e.case_id, e.applied_at, e.type, json_build_object('event_id', e.event_id, 'case_id',
    e.case_id, 'type', e.type, 'occurred_at', e.occurred_at, 'data', e.data)::text AS event
FROM case_event e JOIN opened USING (case_id)
WHERE e.occurred_at < $2
ORDER BY e.case_id, e.seq
"""


async def load_events(conn: asyncpg.Connection, period: Period) -> dict[str, list[Logged]]:
    rows = await conn.fetch(_EVENTS, period.start, period.end, period.municipality)
    cases: dict[str, list[Logged]] = {}
    for row in rows:
        cases.setdefault(row["case_id"], []).append(logged(row))
    return cases


def logged(row: asyncpg.Record) -> Logged:
    """A case_event row as the event the workflow applied (it passed intake then): read in
    one strict validation where it can be, as the models read it otherwise."""
    event = read_whole(row["type"], row["event"])
    if not isinstance(event, Event):
        event = Event.model_validate_json(row["event"])
    return Logged(event, row["applied_at"])

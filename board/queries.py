"""The board's reads from PostgreSQL: the case projection, its event log and outbox, the
openings and the report views. Every case query is limited to what a lead sees:
`team = ANY($1) OR stage = ANY($2)`, which the planner answers from two indexes."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from board.leads import Lead

VISIBLE = "(team = ANY($1::text[]) OR stage = ANY($2::text[]))"
LIMIT = 500  # rows per list on one page; the count says when there are more

OVERDUE = f"""
SELECT case_id, municipality, stage, team, owner, deadline, escalation_level, stalled,
       stage_entered_at, paused, count(*) OVER () AS total
FROM case_projection
WHERE stage <> 'CLOSED' AND deadline < now() AND {VISIBLE}
ORDER BY team, owner, deadline
LIMIT {LIMIT}
"""

HANDOVERS = f"""
SELECT case_id, municipality, team, owner, deadline, escalation_level, stalled,
       stage_entered_at, count(*) OVER () AS total
FROM case_projection
WHERE stage = 'HANDOVER' AND {VISIBLE}
ORDER BY stage_entered_at
LIMIT {LIMIT}
"""

OPENINGS = f"""
SELECT opening_id, municipality, kind, title, consultant, candidates_by, registered_at,
       escalation_level, count(*) OVER () AS total
FROM opening_projection
WHERE status IN ('OPEN', 'PROPOSED') AND proposals = 0
ORDER BY candidates_by, opening_id
LIMIT {LIMIT}
"""

# The live poll's version: when anything the board shows last changed.
VERSION = """
SELECT concat_ws('/', (SELECT max(updated_at) FROM case_projection),
                      (SELECT max(updated_at) FROM opening_projection),
                      (SELECT max(delivered_at) FROM outbox)) AS version
"""

CASE = """
SELECT case_id, municipality, stage, department, team, owner, consultant, deadline,
       escalation_level, stalled, paused, review_on, outcome, cv_complete,
       expected_fit_for_work_on, declared_fit_on, opened_at, stage_entered_at, closed_at,
       policy_version, stages
FROM case_projection WHERE case_id = $1
"""

EVENTS = """
SELECT seq, type, occurred_at, data FROM case_event WHERE case_id = $1 ORDER BY seq
"""

MESSAGES = """
SELECT message_key, kind, stage, level, recipients, created_at, due_at, state, attempts,
       delivered_at
FROM outbox WHERE case_id = $1 ORDER BY created_at, message_key
"""


def _visible_args(lead: Lead) -> tuple[list[str], list[str]]:
    return list(lead.teams), list(lead.stages)


async def overview(conn: asyncpg.Connection, lead: Lead) -> dict[str, list[dict[str, Any]]]:
    teams, stages = _visible_args(lead)
    openings = await conn.fetch(OPENINGS) if lead.sees_openings else []
    return {
        "overdue": [dict(r) for r in await conn.fetch(OVERDUE, teams, stages)],
        "handovers": [dict(r) for r in await conn.fetch(HANDOVERS, teams, stages)],
        "openings": [dict(r) for r in openings],
    }


async def version(conn: asyncpg.Connection) -> str:
    return str(await conn.fetchval(VERSION))


async def one_case(conn: asyncpg.Connection, case_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(CASE, case_id)
    return dict(row) if row is not None else None


async def case_history(
    conn: asyncpg.Connection, case_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    events = [dict(r) for r in await conn.fetch(EVENTS, case_id)]
    messages = [
        {**r, "recipients": _names(r["recipients"])} for r in await conn.fetch(MESSAGES, case_id)
    ]
    return events, messages


def _names(recipients: Any) -> list[str]:
    value = json.loads(recipients) if isinstance(recipients, str) else recipients
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]

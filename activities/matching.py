"""Matching as SQL over the read models, with the rules of core/matching.py.

`candidates_for_opening` ranks cases in MATCHING for one opening; `openings_for_case`
ranks open openings for one case. Both apply the hard constraints in the WHERE clause and
compute the score with the same points as `core.matching.score`. `write_suggestions` puts
each new (opening, case) pair in `match_suggestion` and the outbox, keyed
`match/<opening>/<case>`: written once, whichever side found it first.
"""

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from core import matching as m
from core.case.projection import Projection
from core.matching import Fit
from core.opening.words import suggestion_text

MAX_SUGGESTIONS = 10  # per opening registered, and per case entering MATCHING


def _graded(opening_disco: str) -> str:
    """Per job goal (columns `disco`, `sim`): how its occupation fits, and its points."""
    return f"""
        CASE WHEN disco = {opening_disco} THEN 'exact'
             WHEN left(disco, 3) = left({opening_disco}, 3) THEN 'group'
             WHEN sim >= {m.TITLE_SIMILARITY} THEN 'title' END AS occupation,
        CASE WHEN disco = {opening_disco} THEN {m.EXACT_POINTS}
             WHEN left(disco, 3) = left({opening_disco}, 3) THEN {m.GROUP_POINTS}
             ELSE {m.TITLE_POINTS} * sim END AS occupation_points"""


def _best(key: str, opening_disco: str) -> str:
    """The CTEs `graded` (each job goal of `goal` graded) and `best` (per `key`, the job
    goal that fits best), after a CTE `goal`."""
    return f"""graded AS (
    SELECT goal.*, {_graded(opening_disco)}
    FROM goal
), best AS (
    SELECT DISTINCT ON ({key}) * FROM graded WHERE occupation IS NOT NULL
    ORDER BY {key}, occupation_points DESC, title
)"""


_SCORE = f"""
    round((occupation_points
      + CASE WHEN available_on IS NULL THEN {m.UNKNOWN_POINTS}
             WHEN available_on <= starts_on THEN {m.ON_TIME_POINTS}
             ELSE greatest(0, {m.LATE_POINTS} - (available_on - starts_on)) END
      + CASE WHEN same_municipality THEN {m.MUNICIPALITY_POINTS} ELSE 0 END)::numeric, 2)"""

# $1 disco code, $2 title, $3 starts_on, $4 municipality, $5 blocked restrictions, $6 limit
CANDIDATES_SQL = f"""
WITH goal AS (
    SELECT c.case_id, c.consultant, c.restrictions, c.municipality = $4 AS same_municipality,
           coalesce(c.declared_fit_on, c.expected_fit_for_work_on) AS available_on,
           $3::date AS starts_on, g.title, g.disco_code AS disco,
           similarity(g.title, $2)::float8 AS sim
    FROM case_projection c
    CROSS JOIN LATERAL jsonb_to_recordset(c.job_goals) AS g(title text, disco_code text)
    WHERE c.stage = 'MATCHING' AND NOT c.paused AND NOT (c.restrictions ?| $5::text[])
), {_best("case_id", "$1::text")}
SELECT case_id, consultant, restrictions, same_municipality, available_on, starts_on,
       title AS goal_title, sim, occupation, {_SCORE} AS score
FROM best ORDER BY score DESC, case_id LIMIT $6
"""

# $1 job goals (jsonb), $2 restrictions, $3 available_on, $4 municipality, $5 limit
OPENINGS_SQL = f"""
WITH goal AS (
    SELECT o.opening_id, o.kind, o.employer, o.title AS opening_title, o.disco_code,
           o.hours_per_week, o.municipality, o.consultant, o.starts_on,
           o.municipality = $4 AS same_municipality, $3::date AS available_on,
           g.title, g.disco_code AS disco, similarity(g.title, o.title)::float8 AS sim
    FROM opening_projection o
    CROSS JOIN LATERAL jsonb_to_recordset($1::jsonb) AS g(title text, disco_code text)
    WHERE o.status IN ('OPEN', 'PROPOSED') AND NOT (o.blocked_restrictions && $2::text[])
), {_best("opening_id", "goal.disco_code")}
SELECT opening_id, kind, employer, opening_title AS title, disco_code, hours_per_week,
       municipality, consultant, starts_on, same_municipality, available_on,
       title AS goal_title, sim, occupation, {_SCORE} AS score
FROM best ORDER BY score DESC, opening_id LIMIT $5
"""

_SUGGESTION = """
INSERT INTO match_suggestion (opening_id, case_id, score, occupation, reasons, found_by)
VALUES ($1, $2, $3, $4, $5::jsonb, $6)
ON CONFLICT (opening_id, case_id) DO NOTHING
"""
_OUTBOX = """
INSERT INTO outbox (message_key, case_id, opening_id, kind, stage, recipients, message)
VALUES ($1, $2, $3, 'match_suggestion', 'MATCHING', $4::jsonb, $5)
ON CONFLICT (message_key) DO NOTHING
"""
_OPENING = "SELECT * FROM opening_projection WHERE opening_id = $1"


@dataclass(frozen=True)
class Suggestion:
    opening: dict[str, Any]
    case_id: str
    case_consultant: str | None
    restrictions: tuple[str, ...]
    fit: Fit
    score: float


def fit_of(row: asyncpg.Record) -> Fit:
    return Fit(
        occupation=row["occupation"],
        similarity=float(row["sim"]),
        goal_title=row["goal_title"],
        available_on=row["available_on"],
        starts_on=row["starts_on"],
        same_municipality=bool(row["same_municipality"]),
    )


async def candidates_for_opening(
    conn: asyncpg.Connection, opening: dict[str, Any], limit: int = MAX_SUGGESTIONS
) -> list[Suggestion]:
    """The best cases in MATCHING for one opening (a row of opening_projection)."""
    rows = await conn.fetch(
        CANDIDATES_SQL,
        opening["disco_code"],
        opening["title"],
        opening["starts_on"],
        opening["municipality"],
        list(opening["blocked_restrictions"]),
        limit,
    )
    return [
        Suggestion(
            opening=opening,
            case_id=r["case_id"],
            case_consultant=r["consultant"],
            restrictions=tuple(json.loads(r["restrictions"])),
            fit=fit_of(r),
            score=float(r["score"]),
        )
        for r in rows
    ]


async def openings_for_case(
    conn: asyncpg.Connection, case: Projection, limit: int = MAX_SUGGESTIONS
) -> list[Suggestion]:
    """The best open openings for one case (its projection)."""
    goals = [g.model_dump(mode="json") for g in case.job_goals]
    rows = await conn.fetch(
        OPENINGS_SQL,
        json.dumps(goals),
        list(case.restrictions),
        _available_on(case.declared_fit_on, case.expected_fit_for_work_on),
        case.municipality,
        limit,
    )
    return [
        Suggestion(
            opening=dict(r),
            case_id=case.case_id,
            case_consultant=case.consultant,
            restrictions=case.restrictions,
            fit=fit_of(r),
            score=float(r["score"]),
        )
        for r in rows
    ]


def _available_on(declared: date | None, expected: date | None) -> date | None:
    return declared if declared is not None else expected


async def opening_row(conn: asyncpg.Connection, opening_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(_OPENING, opening_id)
    return dict(row) if row else None


async def write_suggestions(
    conn: asyncpg.Connection, suggestions: list[Suggestion], found_by: str
) -> None:
    """Each (opening, case) pair once in match_suggestion and once in the outbox."""
    rows, messages = [], []
    for s in suggestions:
        opening_id = str(s.opening["opening_id"])
        why = m.reasons(s.fit, str(s.opening["disco_code"]), s.restrictions)
        rows.append((opening_id, s.case_id, s.score, s.fit.occupation, json.dumps(why), found_by))
        owner = s.opening.get("consultant")
        recipients = [r for r in dict.fromkeys((s.case_consultant, owner)) if r]
        text = suggestion_text(s.opening, s.case_id, s.fit, s.restrictions, s.score)
        key = f"match/{opening_id}/{s.case_id}"
        messages.append((key, s.case_id, opening_id, json.dumps(recipients), text))
    if rows:
        await conn.executemany(_SUGGESTION, rows)
        await conn.executemany(_OUTBOX, messages)

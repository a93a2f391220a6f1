"""What PostgreSQL holds for some cases against what the pure core says they did: the
outbox keys the cases' own rules wrote and each case's projection. The chaos and crash
proofs (testkit/rig/verify.py) and the what-if's exactness test compare through here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from core.case.projection import project
from core.case.state import CaseState

# The projection's columns that follow from the rules (the others are copies of facts).
PROJECTED = ("stage", "owner", "deadline", "escalation_level", "stalled", "version")


async def case_outbox_keys(conn: asyncpg.Connection, case_ids: Sequence[str]) -> set[str]:
    """The cases' own messages (match suggestions come from SQL, not the rules)."""
    rows = await conn.fetch(
        "SELECT message_key FROM outbox WHERE case_id = ANY($1::text[]) AND opening_id IS NULL",
        list(case_ids),
    )
    return {r["message_key"] for r in rows}


async def projections(
    conn: asyncpg.Connection, case_ids: Sequence[str]
) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch(
        "SELECT * FROM case_projection WHERE case_id = ANY($1::text[])", list(case_ids)
    )
    return {r["case_id"]: r for r in rows}


def projections_differ(
    states: Mapping[str, CaseState], rows: Mapping[str, asyncpg.Record]
) -> list[str]:
    """The cases whose row lacks or differs from the projection of the core's state."""
    differ = []
    for case_id, state in states.items():
        want, row = project(state), rows.get(case_id)
        if row is None or any(row[f] != getattr(want, f) for f in PROJECTED):
            differ.append(case_id)
    return differ


def set_difference(what: str, actual: set[Any], expected: set[Any]) -> str | None:
    """None when equal; else what is extra and what is missing, with examples."""
    extra, missing = sorted(actual - expected), sorted(expected - actual)
    if not extra and not missing:
        return None
    return (
        f"{what}: {len(extra)} unexpected, e.g. {extra[:3]}; "
        f"{len(missing)} missing, e.g. {missing[:3]}"
    )

"""The statutory timeliness views (migration 0006) on a real PostgreSQL, over case events
logged as the store logs them: they count what the pure core counts
(core/statutory/history.py and timeliness.py), as of a given day and as of today."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import asyncpg

from core.case.events import DATA_MODELS
from core.case.law import LawFact, clocks_after
from core.statutory.events import STATUTORY_DATA_MODELS
from core.statutory.history import fallen_due
from core.statutory.state import StatutoryState, start
from core.statutory.timeliness import TeamOutcome, timeliness
from core.statutory_rules import StatutoryRules
from testkit.samples import CPH

AS_OF = date(2026, 6, 30)
Case = tuple[str, str, str, list[tuple[str, dict[str, Any]]]]
# (case id, municipality, team, events after case_opened); sick_listed_on in the first.
CASES: list[Case] = [
    (
        "S-A",
        "Norddjurs",
        "team-a",
        [
            ("case_opened", {"sick_listed_on": "2026-02-10"}),
            ("statutory_talk_held", {"held_on": "2026-04-20", "kind": "first"}),
            ("statutory_talk_held", {"held_on": "2026-05-12", "kind": "regular"}),
        ],
    ),
    (
        "S-B",
        "Norddjurs",
        "team-a",
        [
            ("case_opened", {"sick_listed_on": "2026-03-02"}),
            ("early_talk_requested", {"requested_on": "2026-03-09", "requested_by": "citizen"}),
            ("statutory_talk_held", {"held_on": "2026-03-20", "kind": "early"}),
            ("statutory_talk_held", {"held_on": "2026-04-24", "kind": "regular"}),
            ("fit_for_work_declared", {"declared_on": "2026-05-15"}),
            # After the end of the benefit: counts for nothing.
            ("statutory_talk_held", {"held_on": "2026-05-20", "kind": "regular"}),
        ],
    ),
    (
        "S-C",
        "Norddjurs",
        "team-b",
        [
            ("case_opened", {"sick_listed_on": "2026-01-05"}),
            ("statutory_talk_held", {"held_on": "2026-02-20", "kind": "first"}),
            ("statutory_talk_held", {"held_on": "2026-03-27", "kind": "regular"}),
            ("statutory_talk_held", {"held_on": "2026-04-24", "kind": "regular"}),
            ("statutory_talk_held", {"held_on": "2026-04-24", "kind": "regular"}),
            ("statutory_talk_held", {"held_on": "2026-05-29", "kind": "regular"}),
            ("reassessment_held", {"held_on": "2026-06-15", "result": "extension"}),
        ],
    ),
    ("S-D", "Aarhus", "team-c", [("case_opened", {"sick_listed_on": "2026-01-05"})]),
    (
        "S-E",
        "Aarhus",
        "team-c",
        [
            ("case_opened", {"sick_listed_on": "2026-01-05"}),
            ("case_closed", {"outcome": "moved", "closed_on": "2026-02-01"}),
        ],
    ),
]


async def fill(conn: asyncpg.Connection, cases: list[Case]) -> None:
    for case_id, municipality, team, events in cases:
        closed = any(kind == "case_closed" for kind, _ in events)
        await conn.execute(
            "INSERT INTO case_projection (case_id, version, municipality, stage, team, owner) "
            "VALUES ($1, 1, $2, $3, $4, 'sb-01')",
            case_id,
            municipality,
            "CLOSED" if closed else "JOB_GOAL_TALK",
            team,
        )
        for seq, (kind, data) in enumerate(events, start=1):
            moment = datetime(2026, 7, 1, tzinfo=CPH) + timedelta(minutes=seq)
            await conn.execute(
                "INSERT INTO case_event (case_id, event_id, seq, type, occurred_at, applied_at,"
                " data) VALUES ($1, $2, $3, $4, $5, $5, $6::jsonb)",
                case_id,
                f"{case_id}-{seq}",
                seq,
                kind,
                moment,
                json.dumps(data),
            )


def core_state(case_id: str, events: list[tuple[str, dict[str, Any]]]) -> StatutoryState:
    state = start(case_id, date.fromisoformat(events[0][1]["sick_listed_on"]))
    models = {**DATA_MODELS, **STATUTORY_DATA_MODELS}
    for kind, data in events[1:]:
        fact = cast(LawFact, models[kind].model_validate(data, strict=False))
        state = clocks_after(state, fact, AS_OF)
    return state


async def fetch(url: str, sql: str, *args: Any) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        return [dict(r) for r in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


async def filled(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await fill(conn, CASES)
    finally:
        await conn.close()


async def test_what_fell_due_is_what_the_core_counts(clean_db: str) -> None:
    await filled(clean_db)
    got = await fetch(
        clean_db,
        "SELECT case_id, rule, latest_on, met_on, days_late, on_time "
        "FROM report_statutory_due_as_of($1) ORDER BY case_id, latest_on, rule",
        AS_OF,
    )
    law = StatutoryRules()
    want = [
        (case_id, o.rule, o.latest_on, o.met_on, o.days_late, o.on_time)
        for case_id, _, _, events in CASES
        for o in fallen_due(core_state(case_id, events), law, AS_OF)
    ]
    assert [tuple(r.values()) for r in got] == want
    # By hand: D owes its first talk (by 1 March) and its reassessment (by 7 June); E closed
    # on 1 February, before either fell due.
    assert [r for r in want if r[0] == "S-D"] == [
        ("S-D", "first_talk", date(2026, 3, 1), None, 121, False),
        ("S-D", "reassessment", date(2026, 6, 7), None, 23, False),
    ]
    assert not [r for r in want if r[0] == "S-E"]


async def test_timeliness_per_municipality_team_and_month(clean_db: str) -> None:
    await filled(clean_db)
    got = await fetch(
        clean_db,
        "SELECT * FROM report_statutory_timeliness_as_of($1) "
        "ORDER BY municipality, team, month, kind",
        AS_OF,
    )
    law = StatutoryRules()
    outcomes = [
        TeamOutcome(municipality=m, team=t, outcome=o)
        for case_id, m, t, events in CASES
        for o in fallen_due(core_state(case_id, events), law, AS_OF)
    ]
    want = [
        {
            **r.model_dump(),
            "median_days_late": _num(r.median_days_late),
            "p90_days_late": _num(r.p90_days_late),
        }
        for r in timeliness(outcomes)
    ]
    assert got == want
    april_a = [r for r in got if r["team"] == "team-a" and r["month"] == date(2026, 4, 1)]
    assert april_a == [
        {
            "municipality": "Norddjurs",
            "team": "team-a",
            "month": date(2026, 4, 1),
            "kind": "talk",
            "due": 3,
            "on_time": 1,
            "late": 2,
            "median_days_late": Decimal("10.50"),
            "p90_days_late": Decimal("13.30"),
        },
    ]


async def test_open_cases_overdue_today(clean_db: str) -> None:
    await filled(clean_db)
    got = await fetch(
        clean_db,
        "SELECT case_id, rule, latest_on, days_overdue FROM report_statutory_overdue "
        "ORDER BY case_id, latest_on",
    )
    today = datetime.now(CPH).date()
    # A still owes the talk due 9 June (and its reassessment by 13 July); C the talk due 26
    # June; D its first talk and reassessment. B ended at fit for work; E is closed.
    want = [
        ("S-A", "followup_talk", date(2026, 6, 9)),
        ("S-A", "reassessment", date(2026, 7, 13)),
        ("S-C", "followup_talk", date(2026, 6, 26)),
        ("S-D", "first_talk", date(2026, 3, 1)),
        ("S-D", "reassessment", date(2026, 6, 7)),
    ]
    assert [tuple(r.values()) for r in got] == [
        (*row, (today - row[2]).days) for row in want if row[2] < today
    ]


def _num(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(f"{value:.2f}")


def random_cases(seed: int, count: int) -> list[Case]:
    """Histories with talks out of order and on one day, requests, reassessments, an end
    of benefit (or none) and facts logged after it: every date on or after the first day."""
    rnd = random.Random(seed)
    kinds = ["statutory_talk_held"] * 5 + ["early_talk_requested", "reassessment_held"]
    out: list[Case] = []
    for n in range(count):
        sick = date(2025, 6, 1) + timedelta(days=rnd.randrange(300))
        events: list[tuple[str, dict[str, Any]]] = [
            ("case_opened", {"sick_listed_on": sick.isoformat()})
        ]
        for _ in range(rnd.randrange(12)):
            on = (sick + timedelta(days=rnd.randrange(260))).isoformat()
            kind = rnd.choice(kinds)
            if kind == "statutory_talk_held":
                events.append((kind, {"held_on": on, "kind": "regular"}))
            elif kind == "early_talk_requested":
                events.append((kind, {"requested_on": on, "requested_by": "employer"}))
            else:
                events.append((kind, {"held_on": on, "result": "extension"}))
            if rnd.random() < 0.06:
                events.append(("fit_for_work_declared", {"declared_on": on}))
        team = f"team-{n % 3}"
        out.append((f"R-{n}", "Norddjurs", team, events))
    return out


async def test_the_views_count_as_the_core_on_random_histories(clean_db: str) -> None:
    cases = random_cases(seed=15, count=60)
    conn = await asyncpg.connect(clean_db)
    try:
        await fill(conn, cases)
    finally:
        await conn.close()
    law = StatutoryRules()
    as_of = date(2026, 3, 31)
    got = await fetch(
        clean_db,
        "SELECT case_id, rule, latest_on, met_on, days_late "
        "FROM report_statutory_due_as_of($1) ORDER BY case_id, latest_on, rule",
        as_of,
    )
    want = sorted(
        (case_id, o.rule, o.latest_on, o.met_on, o.days_late)
        for case_id, _, _, events in cases
        for o in fallen_due(core_state(case_id, events), law, as_of)
    )
    assert len(want) > 120  # the histories reach well past week 8
    assert sorted(tuple(r.values()) for r in got) == want

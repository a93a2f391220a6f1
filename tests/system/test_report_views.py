"""The reporting views on a real PostgreSQL, filled by real cases on the time-skipping
server through the real door; every expected figure is worked out by hand from the world
in testkit/report_world.py (its docstring has the dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from testkit.report_world import HOME, OTHER, World, at, world_fixture
from testkit.samples import CPH

FULL_PATH = "JOB_GOAL_TALK > CV_READINESS > HANDOVER > MATCHING > PLACEMENT"
REOPENED_PATH = "JOB_GOAL_TALK > CV_READINESS > HANDOVER > CV_READINESS > HANDOVER > MATCHING"


world = world_fixture()


async def rows(world: World, sql: str, *args: Any) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(world.database_url)
    try:
        return [dict(r) for r in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


def d(text: str) -> Decimal:
    return Decimal(text)


async def test_time_in_stage_per_visit(world: World) -> None:
    got = await rows(
        world,
        "SELECT case_id, stage, visit, days, paused_days, active_days, still_in_stage "
        "FROM report_time_in_stage ORDER BY case_id, entered_at, stage",
    )
    by_case: dict[str, list[tuple[str, int, Decimal, Decimal, Decimal]]] = {}
    for r in got:
        if not r["still_in_stage"]:
            by_case.setdefault(r["case_id"], []).append(
                (r["stage"], r["visit"], r["days"], r["paused_days"], r["active_days"])
            )
    c = world.cases
    # A: 14 d 1 h, 13 d 14 h (to the window opening at midnight), 2 d 11 h, 11 d 23 h, and
    # 84 days less the hour summer time takes.
    assert by_case[c["A"]] == [
        ("JOB_GOAL_TALK", 1, d("14.04"), d("0.00"), d("14.04")),
        ("CV_READINESS", 1, d("13.58"), d("0.00"), d("13.58")),
        ("HANDOVER", 1, d("2.46"), d("0.00"), d("2.46")),
        ("MATCHING", 1, d("11.96"), d("0.00"), d("11.96")),
        ("PLACEMENT", 1, d("83.96"), d("0.00"), d("83.96")),
    ]
    # B: the second CV_READINESS lasted 14 days, 10 of them paused.
    assert by_case[c["B"]] == [
        ("JOB_GOAL_TALK", 1, d("2.00"), d("0.00"), d("2.00")),
        ("CV_READINESS", 1, d("5.00"), d("0.00"), d("5.00")),
        ("HANDOVER", 1, d("2.00"), d("0.00"), d("2.00")),
        ("CV_READINESS", 2, d("14.00"), d("10.00"), d("4.00")),
        ("HANDOVER", 2, d("12.00"), d("0.00"), d("12.00")),
        ("MATCHING", 1, d("11.00"), d("0.00"), d("11.00")),
    ]
    # C: CV_READINESS skipped (entered and left in one moment); still in HANDOVER.
    assert by_case[c["C"]] == [
        ("JOB_GOAL_TALK", 1, d("3.00"), d("0.00"), d("3.00")),
        ("CV_READINESS", 1, d("0.00"), d("0.00"), d("0.00")),
    ]
    still = [(r["case_id"], r["stage"]) for r in got if r["still_in_stage"]]
    assert still == [(c["C"], "HANDOVER")]
    assert by_case[c["D"]] == [("JOB_GOAL_TALK", 1, d("2.00"), d("0.00"), d("2.00"))]


async def test_stage_log_and_pause(world: World) -> None:
    c = world.cases
    log = await rows(
        world,
        "SELECT step, stage, department, entered_at, next_stage FROM report_stage_log "
        "WHERE case_id = $1 ORDER BY step",
        c["A"],
    )
    assert [r["stage"] for r in log] == [*FULL_PATH.split(" > "), "CLOSED"]
    assert log[2]["entered_at"] == datetime(2026, 2, 2, tzinfo=CPH)  # by itself, at midnight
    assert [r["department"] for r in log][:3] == ["sick_leave", "sick_leave", "company_service"]
    assert log[-1]["department"] is None and log[-1]["next_stage"] is None
    pauses = await rows(world, "SELECT case_id, paused_at, review_on, resumed_at FROM report_pause")
    assert pauses == [
        {
            "case_id": c["B"],
            "paused_at": at(1, 15),
            "review_on": date(2026, 2, 10),
            "resumed_at": at(1, 25),
        }
    ]


async def test_handover_lead_time(world: World) -> None:
    got = {r["case_id"]: r for r in await rows(world, "SELECT * FROM report_handover_lead_time")}
    c = world.cases
    assert set(got) == {c["A"], c["B"], c["C"]}  # D was never handed over
    a, b, open_case = got[c["A"]], got[c["B"]], got[c["C"]]
    # A: accepted Wed 4 Feb, fit 2 Mar: help started 26 days before the citizen was fit.
    assert (a["accepted_on"], a["fit_for_work_on"], a["fit_basis"]) == (
        date(2026, 2, 4),
        date(2026, 3, 2),
        "declared",
    )
    assert (a["lead_days"], a["handovers"], a["rejections"]) == (-26, 1, 0)
    assert a["first_handover_at"] == datetime(2026, 2, 2, tzinfo=CPH)
    # B: fit 9 Jan, rejected once, accepted Mon 9 Feb: 31 days after.
    assert (b["lead_days"], b["handovers"], b["rejections"]) == (31, 2, 1)
    assert b["first_handover_at"] == at(1, 12)
    # C: handed over, never accepted.
    assert open_case["accepted_on"] is None and open_case["lead_days"] is None
    assert open_case["fit_for_work_on"] == date(2026, 2, 4)


async def test_escalations_by_stage_level_department_and_time(world: World) -> None:
    c = world.cases
    got = await rows(
        world,
        "SELECT case_id, opening_id, stage, department, level, reminder, due_at, due_week "
        "FROM report_escalation ORDER BY due_at, message_key",
    )
    firsts = [r for r in got if not r["reminder"] and r["stage"] != "OPENING"]
    assert [(r["case_id"], r["stage"], r["level"], r["due_at"]) for r in firsts] == [
        (c["A"], "JOB_GOAL_TALK", 1, at(1, 15)),
        (c["A"], "JOB_GOAL_TALK", 2, at(1, 17)),
        (c["B"], "HANDOVER", 1, at(2, 2)),
        (c["B"], "HANDOVER", 2, at(2, 4)),
        (c["B"], "HANDOVER", 3, at(2, 7)),
        (c["C"], "HANDOVER", 1, at(2, 10)),
        (c["C"], "HANDOVER", 2, at(2, 12)),
        (c["C"], "HANDOVER", 3, at(2, 15)),
    ]
    assert [r["due_week"] for r in firsts] == [date(2026, 1, 12)] * 2 + [date(2026, 2, 2)] * 3 + [
        date(2026, 2, 9)
    ] * 3
    reminders = [r for r in got if r["reminder"]]
    assert reminders and all((r["case_id"], r["level"]) == (c["C"], 3) for r in reminders)
    openings = [r for r in got if r["stage"] == "OPENING"]
    assert [(r["opening_id"], r["department"]) for r in openings] == [
        (world.openings["X"], "company_service")
    ]
    monthly = await rows(
        world,
        "SELECT month, department, stage, level, escalations, cases_or_openings "
        "FROM report_escalations_monthly WHERE municipality = $1 AND month < '2026-03-01' "
        "AND stage <> 'OPENING' ORDER BY month, stage, level",
        HOME,
    )
    assert [tuple(r.values()) for r in monthly] == [
        (date(2026, 1, 1), "sick_leave", "JOB_GOAL_TALK", 1, 1, 1),
        (date(2026, 1, 1), "sick_leave", "JOB_GOAL_TALK", 2, 1, 1),
        (date(2026, 2, 1), "company_service", "HANDOVER", 1, 2, 2),
        (date(2026, 2, 1), "company_service", "HANDOVER", 2, 2, 2),
        (date(2026, 2, 1), "company_service", "HANDOVER", 3, 2, 2),
    ]


async def test_outcomes_by_path(world: World) -> None:
    got = await rows(
        world,
        "SELECT municipality, closed_month, path, placement_kind, outcome, cases "
        "FROM report_outcomes_by_path ORDER BY closed_month",
    )
    assert [tuple(r.values()) for r in got] == [
        (HOME, date(2026, 2, 1), REOPENED_PATH, None, "moved", 1),
        (OTHER, date(2026, 3, 1), "JOB_GOAL_TALK", None, "education", 1),
        (HOME, date(2026, 5, 1), FULL_PATH, "wage_subsidy", "employed", 1),
    ]
    funnel = await rows(
        world,
        "SELECT count(*) AS opened, count(*) FILTER (WHERE reached_cv_readiness) AS cv, "
        "count(*) FILTER (WHERE reached_handover) AS handover, "
        "count(*) FILTER (WHERE reached_matching) AS matching, "
        "count(*) FILTER (WHERE reached_placement) AS placement, "
        "count(*) FILTER (WHERE employed) AS employed "
        "FROM report_case_path WHERE municipality = $1",
        HOME,
    )
    assert tuple(funnel[0].values()) == (3, 3, 3, 2, 1, 1)


def _band(days: float) -> str:
    limits = [(28, "1: under 4 weeks"), (91, "2: 1-3 months"), (182, "3: 3-6 months")]
    limits.append((365, "4: 6-12 months"))
    return next((band for limit, band in limits if days <= limit), "5: over a year")


async def test_open_cases_by_stage_and_age(world: World) -> None:
    got = await rows(world, "SELECT * FROM report_open_cases")
    assert [(r["case_id"], r["stage"], r["stalled"]) for r in got] == [
        (world.cases["C"], "HANDOVER", True)
    ]
    age = (datetime.now(UTC) - at(2, 2)).total_seconds() / 86400
    assert abs(float(got[0]["days_open"]) - age) < 0.1
    grouped = await rows(world, "SELECT * FROM report_open_cases_by_stage_age")
    assert [(r["stage"], r["age_band"], r["cases"], r["stalled"]) for r in grouped] == [
        ("HANDOVER", _band(age), 1, 1)
    ]


async def test_openings_time_to_first_proposal_and_fill_rate(world: World) -> None:
    got = {r["opening_id"]: r for r in await rows(world, "SELECT * FROM report_opening")}
    a, x = got[world.openings["A"]], got[world.openings["X"]]
    assert (a["days_to_first_proposal"], a["status"], a["filled"], a["escalated"]) == (
        d("4.00"),
        "FILLED",
        True,
        False,
    )
    assert (x["first_proposal_at"], x["status"], x["filled"], x["escalated"]) == (
        None,
        "OPEN",
        False,
        True,
    )
    rate = await rows(
        world,
        "SELECT kind, registered_month, openings, proposed, filled, still_open, fill_rate, "
        "median_days_to_first_proposal FROM report_opening_fill_rate",
    )
    assert [tuple(r.values()) for r in rate] == [
        ("wage_subsidy", date(2026, 2, 1), 2, 1, 1, 1, d("0.500"), d("4.00"))
    ]


async def test_a_case_from_before_the_stage_log_shows_its_current_stage(world: World) -> None:
    """A projection written before the stage log was kept (stages '[]') still reports the
    stage it is in, from when it entered it; a new case keeps a log from its opening."""
    conn = await asyncpg.connect(world.database_url)
    try:
        await conn.execute(
            "INSERT INTO case_projection (case_id, version, municipality, stage, opened_at, "
            "stage_entered_at) VALUES ('K-legacy', 9, $1, 'MATCHING', $2, $3)",
            OTHER,
            at(1, 5),
            at(2, 2),
        )
        got = await conn.fetch("SELECT * FROM report_stage_log WHERE case_id = 'K-legacy'")
        assert [(r["step"], r["stage"], r["entered_at"], r["left_at"]) for r in got] == [
            (1, "MATCHING", at(2, 2), None)
        ]
    finally:
        await conn.execute("DELETE FROM case_projection WHERE case_id = 'K-legacy'")
        await conn.close()

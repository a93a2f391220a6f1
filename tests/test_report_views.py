"""The reporting views on a real PostgreSQL, filled by real cases on the time-skipping
server through the real door; every expected figure is worked out by hand from the world
in tests/report_world.py (its docstring has the dates)."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from reports.charts import CHARTS
from tests.core_support import CPH, ROOT
from tests.report_world import HOME, OTHER, World, at, report_world

FULL_PATH = "JOB_GOAL_TALK > CV_READINESS > HANDOVER > MATCHING > PLACEMENT"
REOPENED_PATH = "JOB_GOAL_TALK > CV_READINESS > HANDOVER > CV_READINESS > HANDOVER > MATCHING"


@pytest.fixture(scope="module")
async def world(
    ts_env: WorkflowEnvironment, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    conn = await asyncpg.connect(database_url)
    try:
        from tests.conftest import CASE_TABLES

        await conn.execute(f"TRUNCATE {', '.join(CASE_TABLES)}")
    finally:
        await conn.close()
    async with report_world(ts_env, database_url, Path(tmp_path_factory.mktemp("rw"))) as w:
        yield w


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


async def test_report_command_writes_charts_and_page(world: World, tmp_path: Path) -> None:
    """`starter.py report` as a child process: the terminal tables, the four PNGs and one
    self-contained HTML page holding those PNGs and the figures worked out above."""
    out = tmp_path / "report"
    command = [sys.executable, str(ROOT / "starter.py"), "report", "--from", "2026-01-01"]
    command += ["--to", "2026-06-30", "--municipality", HOME, "--out", str(out)]
    env = {**os.environ, "DATABASE_URL": world.database_url, "COLUMNS": "160"}
    done = await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    for figure in ("Handovers accepted in the period", "Accepted before the citizen was fit"):
        assert figure in done.stdout
    pngs = {name: (out / name).read_bytes() for name in CHARTS}
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in pngs.values())
    html = (out / "report.html").read_text(encoding="utf-8")
    inlined = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert sorted(base64.b64decode(i) for i in inlined) == sorted(pngs.values())
    assert "http://" not in html and "https://" not in html  # nothing fetched from outside
    text = re.sub(r"(?:<[^>]+>)+", "|", html)
    # A started 26 days before fit, B 31 after: one of two, typical gap 2.5 days.
    assert "|50%|" in text
    assert "1 of 2 accepted handovers; typically 2.5 days after the fit-for-work date" in text
    # Norddjurs opened A, B, C in the period; A is employed (D is Viborg's).
    assert "|Case opened|3|100%|" in text and "|Employed at the end|1|33%|" in text
    # Job-goal talk: A 14.04, B 2, C 3 days: three stays, typical 3.0.
    assert "|Job-goal talk|3|3.0|" in text
    assert "|Sick-leave department|Job-goal talk|1: owner reminded|1|1|" in text


async def test_report_refuses_without_database(tmp_path: Path) -> None:
    command = [sys.executable, str(ROOT / "starter.py"), "report", "--from", "2026-01-01"]
    command += ["--to", "2026-01-31", "--out", str(tmp_path)]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "DATABASE_URL is not set" in done.stdout

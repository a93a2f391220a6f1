"""A small world for the report tests, sent through the real door to real cases on the
time-skipping server with a calendar-day policy, so every figure can be worked out by hand.

All times are Copenhagen time in 2026 (CET until 29 March). Policy: JOB_GOAL_TALK,
CV_READINESS 10 days, HANDOVER 5 days, MATCHING 30 days, a proposal 10 days; the ladder
level 2 after 2 days, level 3 after 3 more, reminders every 7 days; handover window 4 weeks.

A (Norddjurs): straight through, handed over before the citizen was fit, employed.
  opened Mon 5 Jan 09:00; talk Mon 19 Jan 10:00 (late: level 1 Thu 15 Jan 09:00, level 2
  Sat 17 Jan 09:00); complete CV Mon 26 Jan 10:00, fit expected Mon 2 Mar, so the window
  opens Mon 2 Feb 00:00 and the case hands over by itself then; accepted Wed 4 Feb 11:00;
  proposed wage-subsidy opening Tue 10 Feb 10:00; placed Mon 16 Feb 10:00; follow-ups
  23 Feb, 16 Mar, 11 May 10:00 (the last closes: employed); fit declared Mon 2 Mar.
B (Norddjurs): handover rejected and sent again, a pause, a late acceptance, moved away.
  opened Mon 5 Jan 09:00; talk Wed 7 Jan 09:00; fit declared Fri 9 Jan; complete CV Mon
  12 Jan 09:00 (handover); rejected Wed 14 Jan 09:00 (back to CV_READINESS); paused Thu
  15 Jan 09:00; resumed Sun 25 Jan 09:00; complete CV Wed 28 Jan 09:00 (handover again,
  due Mon 2 Feb 09:00: level 1 then, 2 Wed 4 Feb, 3 Sat 7 Feb); accepted Mon 9 Feb 09:00;
  closed (moved) Fri 20 Feb 09:00.
C (Norddjurs): skips a stage. Opened Mon 2 Feb 09:00, a complete CV Tue 3 Feb and fit
  declared Wed 4 Feb before the talk Thu 5 Feb 09:00, so CV_READINESS lasts no time; the
  handover is never accepted (level 1 Tue 10 Feb, 2 Thu 12 Feb, 3 Sun 15 Feb, then one
  collapsed reminder) and the case is still open, stalled.
D (Viborg): closed early. Opened Mon 2 Mar 09:00, closed (education) Wed 4 Mar 09:00.
Openings (Norddjurs): O-A registered Fri 6 Feb 10:00 (candidates far ahead), proposed to A
  on 10 Feb, filled by A's placement; O-X registered Fri 6 Feb 10:00 with candidates by
  Mon 9 Feb and nobody proposed: its one escalation, still open.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from doors.ingest import ingest
from testkit.builders import new_case_id, write_policy
from testkit.common import CASE_TABLES
from testkit.harness import open_harness
from testkit.openings import opening_data
from testkit.samples import CPH, raw
from testkit.waiting import eventually
from workflows.case_payloads import workflow_id
from workflows.opening_payloads import opening_workflow_id

POLICY = {
    "JOB_GOAL_TALK": "10 days",
    "CV_READINESS": "10 days",
    "HANDOVER": "5 days",
    "MATCHING": "30 days",
    "match_response": "10 days",
    "handover_window": "4 weeks",
    "level_2_after": "2 days",
    "level_3_after": "3 days",
    "repeat_after": "7 days",
}
HOME, OTHER = "Norddjurs", "Viborg"


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=CPH)


@dataclass
class World:
    database_url: str
    cases: dict[str, str]  # A, B, C, D -> case id
    openings: dict[str, str]  # A, X -> opening id


def _case_lines(case_id: str, steps: list[tuple[str, datetime, dict[str, Any]]]) -> list[str]:
    return [
        json.dumps(raw(kind, moment, event_id=f"{case_id}-{n:02d}", case_id=case_id, **data))
        for n, (kind, moment, data) in enumerate(steps, 1)
    ]


def _steps(opening_a: str) -> dict[str, list[tuple[str, datetime, dict[str, Any]]]]:
    placed = {"opening_id": opening_a, "kind": "wage_subsidy", "employer": "Brugsen Viby"}
    return {
        "A": [
            (
                "case_opened",
                at(1, 5),
                {"municipality": HOME, "expected_fit_for_work_on": "2026-03-02"},
            ),
            ("job_goal_talk_held", at(1, 19, 10), {}),
            ("cv_updated", at(1, 26, 10), {}),
            ("handover_accepted", at(2, 4, 11), {"consultant": "vs-01"}),
            ("match_proposed", at(2, 10, 10), placed),
            ("placement_started", at(2, 16, 10), {"opening_id": opening_a}),
            ("followup_held", at(2, 23, 10), {}),
            ("fit_for_work_declared", at(3, 2, 10), {}),
            ("followup_held", at(3, 16, 10), {}),
            ("followup_held", at(5, 11, 10), {}),
        ],
        "B": [
            ("case_opened", at(1, 5), {"municipality": HOME}),
            ("job_goal_talk_held", at(1, 7), {}),
            ("fit_for_work_declared", at(1, 9), {}),
            ("cv_updated", at(1, 12), {}),
            ("handover_rejected", at(1, 14), {}),
            ("case_paused", at(1, 15), {"review_on": "2026-02-10"}),
            ("case_resumed", at(1, 25), {}),
            ("cv_updated", at(1, 28), {}),
            ("handover_accepted", at(2, 9), {}),
            ("case_closed", at(2, 20), {"outcome": "moved"}),
        ],
        "C": [
            ("case_opened", at(2, 2), {"municipality": HOME}),
            ("cv_updated", at(2, 3), {}),
            ("fit_for_work_declared", at(2, 4), {}),
            ("job_goal_talk_held", at(2, 5), {}),
        ],
        "D": [
            ("case_opened", at(3, 2), {"municipality": OTHER}),
            ("case_closed", at(3, 4), {"outcome": "education"}),
        ],
    }


def _opening_lines(openings: dict[str, str]) -> list[str]:
    registered = at(2, 6, 10)
    dates = {
        "A": {"starts_on": "2030-01-01", "candidates_by": "2029-12-01"},
        "X": {"starts_on": "2026-03-02", "candidates_by": "2026-02-09"},
    }
    lines = []
    for name, opening_id in openings.items():
        data = {**opening_data("opening_registered", registered.date()), **dates[name]}
        data["municipality"] = HOME
        lines.append(
            json.dumps(
                {
                    "event_id": f"{opening_id}-registered",
                    "opening_id": opening_id,
                    "type": "opening_registered",
                    "occurred_at": registered.isoformat(),
                    "data": data,
                }
            )
        )
    return lines


def _opening_id() -> str:
    return "O-" + "".join(c for c in uuid.uuid4().hex if c.isalpha())[:8]


def world_fixture() -> Any:
    """A module's `world` fixture: the tables emptied, then the world sent once."""

    @pytest.fixture(scope="module")
    async def world(
        ts_env: WorkflowEnvironment, database_url: str, tmp_path_factory: pytest.TempPathFactory
    ) -> AsyncIterator[World]:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(f"TRUNCATE {', '.join(CASE_TABLES)}")
        finally:
            await conn.close()
        folder = Path(tmp_path_factory.mktemp("report-world"))
        async with report_world(ts_env, database_url, folder) as sent:
            yield sent

    return world


@asynccontextmanager
async def report_world(
    env: WorkflowEnvironment, database_url: str, folder: Path
) -> AsyncIterator[World]:
    """Send the world through the door (openings first, so the proposal reaches O-A) and
    wait until the open case and the unanswered opening have escalated."""
    cases = {name: new_case_id() for name in "ABCD"}
    openings = {name: _opening_id() for name in "AX"}
    async with open_harness(env, database_url, write_policy(folder, **POLICY)) as h:
        report = await ingest(h.client, h.queue, _opening_lines(openings))
        assert report.ok and report.accepted == 2, report
        lines = [
            line
            for name, steps in _steps(openings["A"]).items()
            for line in _case_lines(cases[name], steps)
        ]
        report = await ingest(h.client, h.queue, lines)
        assert report.ok and report.accepted == len(lines), report
        await _settle(h.pool, cases["C"], openings["X"])
        try:
            yield World(database_url, cases, openings)
        finally:
            # The session's time-skipping server must not keep a case or opening whose
            # timers fire for a worker that is gone: it would stop skipping time.
            ids = [workflow_id(c) for c in cases.values()]
            ids += [opening_workflow_id(o) for o in openings.values()]
            for wid in ids:
                with contextlib.suppress(RPCError):
                    await h.client.get_workflow_handle(wid).terminate(reason="test finished")


async def _settle(pool: asyncpg.Pool, open_case: str, open_opening: str) -> None:
    async def count() -> int:
        return int(
            await pool.fetchval(
                "SELECT count(*) FROM outbox WHERE (case_id = $1 AND kind = 'escalation') "
                "OR (opening_id = $2 AND kind = 'opening_escalation')",
                open_case,
                open_opening,
            )
        )

    # C: levels 1-3 and one collapsed reminder; O-X: its one message.
    await eventually(count, lambda n: n >= 5, "the open case and opening to escalate")

"""How fast the board answers its overview page: 10,000 open cases (and closed ones beside
them) in PostgreSQL, the page fetched over HTTP from the board as it runs, signed in.

  .venv/bin/python bench/board_speed.py [--cases 10000] [--closed 20000] [--runs 200]
  .venv/bin/python bench/board_speed.py --cases 1000 --closed 1000 --runs 20 --no-targets  # small

Uses DATABASE_URL's server when set, otherwise an embedded PostgreSQL in a temporary
folder; creates a database of its own and drops it afterwards. Times /now for a team lead
(one team) and for a company-service head (a department: every case in its stages), prints
median and p95 and the EXPLAIN ANALYZE plans of the overview's queries. PASS, or FAIL and
exit 1, when a p95 is 300 ms or more or a plan reads case_projection by a sequential scan
(`--no-targets`: the figures only).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import time
from pathlib import Path

import aiohttp
import asyncpg

from board import queries
from board.leads import DEPARTMENT_STAGES
from board.testing import running_board, write_leads
from infrastructure.exit import run_main
from testkit.rig.options import script_parser
from testkit.rig.scratch import scratch_database
from testkit.rig.verdict import load, verdict

TEAMS = 40
TARGET_MS = 300.0
# Open stages in proportion; a third of the cases are past their deadline, 1 in 20 stalled.
FILL = """
INSERT INTO case_projection (case_id, version, municipality, stage, owner, team, deadline,
    escalation_level, stalled, opened_at, stage_entered_at, closed_at, updated_at)
SELECT 'B-' || lpad(i::text, 7, '0'), 1, 'Aarhus',
       CASE WHEN i > $1::integer THEN 'CLOSED'
            ELSE (ARRAY['JOB_GOAL_TALK', 'CV_READINESS', 'HANDOVER', 'MATCHING', 'PLACEMENT'])
                 [1 + i % 5] END,
       'sb-' || (i % 400), 'team-' || lpad((i % $3::integer)::text, 2, '0'),
       now() + make_interval(days => (i % 30) - 10),
       CASE WHEN i % 30 < 10 THEN 1 + i % 3 ELSE 0 END, i % 20 = 0 AND i % 30 < 10,
       now() - make_interval(days => 30 + i % 200), now() - make_interval(days => i % 60),
       CASE WHEN i > $1::integer THEN now() - make_interval(days => i % 300) END,
       now() - make_interval(secs => i)
FROM generate_series(1, $1::integer + $2::integer) AS i
"""
OPENINGS = """
INSERT INTO opening_projection (opening_id, version, status, kind, employer, title,
    disco_code, hours_per_week, municipality, starts_on, candidates_by, proposals)
SELECT 'O-' || i, 1, CASE WHEN i % 4 = 0 THEN 'FILLED' ELSE 'OPEN' END, 'recruitment',
       'Virksomhed ' || i, 'Lagermedarbejder', '9333', 37, 'Aarhus', current_date + 30,
       current_date + (i % 20), i % 3
FROM generate_series(1, 1000) AS i
"""


def _parser() -> argparse.ArgumentParser:
    parser = script_parser(__doc__, targets=True)
    parser.add_argument("--cases", type=int, default=10_000, help="open cases")
    parser.add_argument("--closed", type=int, default=20_000, help="closed cases beside them")
    parser.add_argument("--runs", type=int, default=200, help="page loads timed per lead")
    return parser


async def _fill(url: str, args: argparse.Namespace) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(FILL, args.cases, args.closed, TEAMS)
        await conn.execute(OPENINGS)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def _sign_in(session: aiohttp.ClientSession, base: str, staff_id: str) -> None:
    async with session.get(f"{base}/login") as r:
        token = re.search(r'name="csrf_token" value="([^"]+)"', await r.text())
    assert token is not None
    form = {"csrf_token": token[1], "staff_id": staff_id}
    async with session.post(f"{base}/dev-login", data=form) as r:
        assert r.status == 200 and "<h1>Nu</h1>" in await r.text(), r.status


async def _times(base: str, staff_id: str, runs: int) -> tuple[list[float], int]:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        await _sign_in(session, base, staff_id)
        took, size = [], 0
        for _ in range(runs):
            start = time.perf_counter()
            async with session.get(f"{base}/now") as r:
                body = await r.read()
                assert r.status == 200
            took.append((time.perf_counter() - start) * 1000)
            size = len(body)
    return took, size


async def _plans(url: str, teams: list[str], stages: list[str]) -> list[str]:
    conn = await asyncpg.connect(url)
    plans = []
    try:
        for name, sql, args in (
            ("overdue", queries.OVERDUE, (teams, stages)),
            ("handovers", queries.HANDOVERS, (teams, stages)),
            ("openings", queries.OPENINGS, ()),
            ("version", queries.VERSION, ()),
        ):
            rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
            plans.append(f"-- {name}\n" + "\n".join(r[0] for r in rows))
    finally:
        await conn.close()
    return plans


async def bench(url: str, args: argparse.Namespace, folder: Path) -> int:
    started = time.perf_counter()
    await _fill(url, args)
    filled = time.perf_counter() - started
    leads = write_leads(folder, {"tl-one-team": (["team-07"], []),
                                 "head-company-service": ([], ["company_service"])})  # fmt: skip
    figures: dict[str, object] = {
        "open cases / closed cases": f"{args.cases} / {args.closed} ({TEAMS} teams)",
        "filled in": f"{filled:.1f} s",
        "load average": load(),
    }
    failures: list[str] = []
    async with running_board(url, leads) as base:
        for staff_id in ("tl-one-team", "head-company-service"):
            took, size = await _times(base, staff_id, args.runs)
            p95 = statistics.quantiles(took, n=20)[-1]
            figures[f"/now {staff_id} median / p95"] = (
                f"{statistics.median(took):.1f} / {p95:.1f} ms ({size // 1024} KiB page)"
            )
            if p95 >= TARGET_MS:
                failures.append(f"/now for {staff_id}: p95 {p95:.1f} ms >= {TARGET_MS:.0f} ms")
    for teams, stages in ((["team-07"], []), ([], list(DEPARTMENT_STAGES["company_service"]))):
        for plan in await _plans(url, teams, stages):
            print(plan, "\n")
            if "Seq Scan on case_projection" in plan:
                failures.append(f"a sequential scan of case_projection: {plan.splitlines()[0]}")
    status: int = verdict(figures, [] if args.no_targets else failures)
    return status


async def main_async(args: argparse.Namespace) -> int:
    async with scratch_database() as (url, folder):
        return await bench(url, args, folder)


def main() -> int:
    return asyncio.run(main_async(_parser().parse_args()))


if __name__ == "__main__":
    run_main(main)

"""How long matching takes: one opening against 10,000 cases in MATCHING, and one case
against 1,000 open openings, on a real PostgreSQL with the generated data set.

  .venv/bin/python bench/matching.py [--cases 10000] [--openings 1000] [--runs 200]
  .venv/bin/python bench/matching.py --cases 500 --openings 100 --runs 20 --no-targets  # CI

Uses DATABASE_URL's server when set, otherwise an embedded PostgreSQL in a temporary
folder; creates a database of its own and drops it afterwards. Prints median and p95 of
each query over `--runs` different openings (and cases), with an EXPLAIN ANALYZE plan.
PASS, or FAIL and exit 1, when a query found no suggestion at all or returned more than the
top ten, or a median is 50 ms or more (`--no-targets`: the times are figures only).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg

from activities.matching import (
    CANDIDATES_SQL,
    MAX_SUGGESTIONS,
    OPENINGS_SQL,
    candidates_for_opening,
    openings_for_case,
)
from infrastructure.exit import run_main
from testkit.matching_data import (
    generate_cases,
    generate_openings,
    insert,
    projection_of,
)
from testkit.rig.options import script_parser
from testkit.rig.scratch import scratch_database
from testkit.rig.verdict import load, verdict

REPO_ROOT = Path(__file__).resolve().parent.parent


def _parser() -> argparse.ArgumentParser:
    parser = script_parser(__doc__, targets=True)
    parser.add_argument("--cases", type=int, default=10_000, help="cases in MATCHING")
    parser.add_argument("--openings", type=int, default=1_000, help="open openings")
    parser.add_argument("--runs", type=int, default=200, help="openings (and cases) timed")
    parser.add_argument("--seed", type=int, default=7)
    return parser


AIM_MS = 50.0  # median of either query


async def _timed(runs: list[Callable[[], Awaitable[list[Any]]]]) -> tuple[float, float, int, int]:
    """Median and p95 in ms, how many suggestions were found in all, and the most in one."""
    times, found, most = [], 0, 0
    for run in runs:
        started = time.perf_counter()
        suggestions = len(await run())
        times.append((time.perf_counter() - started) * 1000)
        found, most = found + suggestions, max(most, suggestions)
    p95 = statistics.quantiles(times, n=20)[-1]
    return statistics.median(times), p95, found, most


def _judge(what: str, timed: tuple[float, float, int, int], targets: bool) -> list[str]:
    median, _, found, most = timed
    out = [f"{what}: no suggestion found at all"] * (found == 0)
    out += [f"{what}: {most} suggestions, more than the top {MAX_SUGGESTIONS}"] * (
        most > MAX_SUGGESTIONS
    )
    out += [f"{what}: median {median:.1f} ms >= {AIM_MS:.0f} ms"] * (targets and median >= AIM_MS)
    return out


def _figure(timed: tuple[float, float, int, int], runs: int) -> str:
    median, p95, found, _ = timed
    return f"{median:.1f} / {p95:.1f} ms, {found / runs:.1f} suggestions each"


async def _plan(conn: asyncpg.Connection, sql: str, *args: Any) -> str:
    rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
    return "\n".join("    " + r[0] for r in rows)


async def bench(url: str, args: argparse.Namespace) -> int:
    conn = await asyncpg.connect(url)
    try:
        cases = generate_cases(args.cases, args.seed, matching_share=1.0)
        openings = generate_openings(args.openings, args.seed, open_share=1.0)
        started = time.perf_counter()
        await insert(conn, cases, openings)
        print(
            f"data: {len(cases):,} cases in MATCHING, {len(openings):,} open openings, "
            f"inserted in {time.perf_counter() - started:.1f} s"
        )
        rows = [
            dict(r)
            for r in await conn.fetch(
                "SELECT * FROM opening_projection ORDER BY opening_id LIMIT $1", args.runs
            )
        ]
        for row in rows[:3]:  # warm the cache and the plan
            await candidates_for_opening(conn, row)
        by_opening = await _timed([partial(candidates_for_opening, conn, row) for row in rows])
        print(f"\nplan, one opening against {len(cases):,} cases (top {MAX_SUGGESTIONS}):")
        row = rows[0]
        print(
            await _plan(
                conn,
                CANDIDATES_SQL,
                row["disco_code"],
                row["title"],
                row["starts_on"],
                row["municipality"],
                list(row["blocked_restrictions"]),
                MAX_SUGGESTIONS,
            )
        )
        case_rows = [
            dict(r)
            for r in await conn.fetch(
                "SELECT * FROM case_projection ORDER BY case_id LIMIT $1", args.runs
            )
        ]
        projections = [projection_of(r) for r in case_rows]
        for p in projections[:3]:
            await openings_for_case(conn, p)
        by_case = await _timed([partial(openings_for_case, conn, p) for p in projections])
        print(f"\nplan, one case against {len(openings):,} open openings:")
        p = projections[0]
        goals = "[" + ",".join(g.model_dump_json() for g in p.job_goals) + "]"
        print(
            await _plan(
                conn,
                OPENINGS_SQL,
                goals,
                list(p.restrictions),
                p.declared_fit_on or p.expected_fit_for_work_on,
                p.municipality,
                MAX_SUGGESTIONS,
            )
        )
    finally:
        await conn.close()
    print(f"\nmedian / p95 over {len(rows)} openings and {len(projections)} cases, top "
          f"{MAX_SUGGESTIONS}:")  # fmt: skip
    figures = {
        f"one opening against {len(cases):,} cases": _figure(by_opening, len(rows)),
        f"one case against {len(openings):,} open openings": _figure(by_case, len(projections)),
        "load average (1, 5, 15 min)": load(),
    }
    targets = not args.no_targets
    failures = _judge("one opening", by_opening, targets) + _judge("one case", by_case, targets)
    return verdict(figures, failures)


async def main_async(args: argparse.Namespace) -> int:
    async with scratch_database() as (url, _):
        return await bench(url, args)


def main() -> int:
    return asyncio.run(main_async(_parser().parse_args()))


if __name__ == "__main__":
    run_main(main)

"""Feed a generated year (bench/year.py) through the real door, then time the report.

  python scripts/feed_year.py                     # a year of three municipalities
  python scripts/feed_year.py --report-only       # the reports again, on the kept data

Starts a Temporal dev server on free ports and `worker.py` under policies/default.toml,
with PostgreSQL embedded in --pg-dir (kept afterwards, its database `year` made afresh)
or DATABASE_URL. Sends the openings' registrations first (so proposals find their
opening), then every case event and withdrawal, through `doors.ingest.ingest`, the door
`starter.py ingest` uses; waits until the outbox and projections stop changing (deadlines
that passed in the year escalate as the cases catch up); then writes the report for all
three municipalities and for each one to --out, and prints how long everything took. PASS,
or FAIL and exit 1, unless the door accepted every line, the cases settled and every report
was written. A smoke run (CI, about a minute): `--scale 0.02 --quiet-for 3 --pg-dir DIR
--out DIR`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from rich.console import Console
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from doors.ingest import ingest
from infrastructure.exit import run_main
from infrastructure.postgres import start_embedded, with_database
from reports.cli import HTML_NAME, make_report
from reports.data import TZ, Period
from testkit.rig.stack import fresh_database, local_stack
from testkit.rig.tasks import until
from testkit.rig.verdict import verdict
from testkit.rig.year import RATES, Year, generate_year

REPO_ROOT = Path(__file__).resolve().parent.parent

QUEUE = "year-cases"
SETTLE_LIMIT = 900.0  # seconds
Figures = dict[str, object]


async def settle(url: str, quiet_for: float) -> bool:
    """Whether the outbox and the projections stopped changing for `quiet_for` seconds."""
    conn = await asyncpg.connect(url)
    last: tuple[int, int] = (-1, -1)
    quiet_since = time.monotonic()

    async def quiet() -> bool:
        nonlocal last, quiet_since
        now = (
            int(await conn.fetchval("SELECT count(*) FROM outbox")),
            int(await conn.fetchval("SELECT coalesce(sum(version), 0) FROM case_projection")),
        )
        if now != last:
            last, quiet_since = now, time.monotonic()
        return time.monotonic() - quiet_since >= quiet_for

    try:
        return await until(quiet, SETTLE_LIMIT, 1.0)
    finally:
        await conn.close()


# One batch, not month by month: a case whose events stop at a month's end would escalate
# (against the real clock) before the next month's events came.
async def feed(year: Year, concurrency: int, quiet_for: float) -> tuple[Figures, list[str]]:
    """Send the year through the door: the figures, and what went wrong (nothing: PASS)."""
    async with local_stack() as (stack, client):
        worker = stack.child("worker")
        await worker.start(sys.executable, "worker.py", env=stack.worker_env(QUEUE))

        async def polling() -> bool:
            # Before the worker polls, a receipt can time out and end the ingest.
            if not worker.running:
                raise RuntimeError(f"worker exited:\n{worker.tail()}")
            request = DescribeTaskQueueRequest(
                namespace="default", task_queue=TaskQueue(name=QUEUE)
            )
            return bool((await client.workflow_service.describe_task_queue(request)).pollers)

        if not await until(polling, 60, 0.2):
            raise RuntimeError("the worker is not polling after 60 s")
        started = time.monotonic()
        first = await ingest(client, QUEUE, year.registrations, concurrency)
        done = {"n": 0}

        def progress(n: int) -> None:
            done["n"] += n
            if done["n"] % 2000 < n:
                rate = done["n"] / (time.monotonic() - started)
                print(f"  {done['n']} of {len(year.events)} events, {rate:.0f}/s", flush=True)

        report = await ingest(client, QUEUE, year.events, concurrency, on_done=progress)
        fed = time.monotonic() - started
        quiet = await settle(stack.database_url, quiet_for)
        settled = time.monotonic() - started - quiet_for
        await worker.stop(40)
    total = len(year.registrations) + len(year.events)
    accepted = first.accepted + report.accepted
    refused = len(first.refused) + len(report.refused)
    unconfirmed = len(first.unconfirmed) + len(report.unconfirmed)
    figures: Figures = {
        "lines fed (cases, openings)": f"{total} ({year.cases}, {len(year.registrations)})",
        "fed in (s), lines/s": f"{fed:.0f}, {total / fed:.0f}",
        "settled after (s)": f"{settled:.0f}",
        "accepted, refused, unconfirmed": f"{accepted}, {refused}, {unconfirmed}",
    }
    failures = [f"{accepted} of {total} lines accepted"] * (accepted != total)
    failures += [f"the cases did not settle in {SETTLE_LIMIT:.0f} s"] * (not quiet)
    return figures, failures


async def reports(url: str, period: Period, out: Path) -> Figures:
    """Each report's seconds, by its label; a report without its page is not in it."""
    console = Console(width=120, quiet=True)
    written: Figures = {}
    for municipality in (None, *RATES):
        one = Period(period.first, period.last, municipality)
        folder = out / (municipality or "all")
        seconds = await make_report(url, one, folder, console)
        print(f"report {one.label}: {seconds:.1f} s -> {folder}")
        if (folder / HTML_NAME).is_file():
            written[f"report {municipality or 'all'} (s)"] = f"{seconds:.1f}"
    return written


async def main_async(args: argparse.Namespace) -> int:
    pg, url = None, os.environ.get("DATABASE_URL", "")
    if not url and args.report_only:
        pg = await asyncio.to_thread(start_embedded, args.pg_dir)
        url = with_database(pg.url("postgres"), "year")
    elif not url:
        pg, url = await fresh_database(args.pg_dir)
        os.environ["DATABASE_URL"] = url  # the local stack and its worker use it
    figures: Figures = {}
    failures: list[str] = []
    try:
        now = datetime.now(UTC)
        if not args.report_only:
            started = time.monotonic()
            year = generate_year(args.seed, args.scale, now)
            print(f"generated {year.cases} cases in {time.monotonic() - started:.1f} s")
            figures, failures = await feed(year, args.concurrency, args.quiet_for)
        end = (now - timedelta(days=1)).astimezone(TZ).date()
        period = Period(end - timedelta(days=365), end - timedelta(days=1))
        written = await reports(url, period, args.out)
    finally:
        if pg is not None:
            await asyncio.to_thread(pg.stop)
    missing = 1 + len(RATES) - len(written)
    failures += [f"{missing} reports without their page"] * bool(missing)
    return verdict(figures | written, failures, width=32)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0, help="times the case rates")
    parser.add_argument("--concurrency", type=int, default=16, help="cases sent in parallel")
    parser.add_argument("--pg-dir", type=Path, default=REPO_ROOT / ".data" / "year-pg")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / ".data" / "year-report")
    parser.add_argument("--report-only", action="store_true", help="only the reports")
    parser.add_argument("--quiet-for", type=float, default=10.0,
                        help="seconds with no new outbox row or version: settled (10)")  # fmt: skip
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    run_main(main)

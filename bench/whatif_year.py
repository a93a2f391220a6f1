"""The what-if on a generated year of three municipalities (bench/year.py), timed as a
whole process: `starter.py whatif` under a policy with shorter handover and ladder
deadlines against policies/default.toml.

  python bench/whatif_year.py                 # generate, log, time 3 runs
  python bench/whatif_year.py --runs 5 --scale 2

The year's case_event rows are written as the workers write them for a backlog sent at
once (scripts/feed_year.py): each case's events through the pure core at one workflow
time, each LogEvent as activities/store.py writes it. That takes seconds where feeding
the real service takes many minutes; tests/system/test_whatif_exact.py shows the replay of real
workflow output is exact. PostgreSQL is embedded in --pg-dir (database `year` made
afresh, as scripts/feed_year.py does) or DATABASE_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from activities.store import _LOG_EVENT, _log_row
from infrastructure.exit import run_main
from infrastructure.policy_file import load_policy_book
from infrastructure.postgres import migrate
from reports.data import TZ
from testkit.rig.expectation import replay
from testkit.rig.stack import fresh_database
from testkit.rig.year import generate_year

_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_POLICY = _ROOT / "policies" / "default.toml"
# The change tried: a day less for the company service to answer, a quicker ladder.
CHANGES = {
    'HANDOVER = "3 working days"': 'HANDOVER = "2 working days"',
    'level_2_after = "2 working days"': 'level_2_after = "1 working day"',
}


def new_policy(folder: Path) -> Path:
    text = DEFAULT_POLICY.read_text("utf-8")
    for old, new in CHANGES.items():
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "shorter.toml"
    path.write_text(text, "utf-8")
    return path


async def fill(url: str, scale: float, now: datetime) -> tuple[int, int, str, str]:
    year = generate_year(1, scale, now)
    case_lines = [line for line in year.events if '"case_id"' in line]
    expected = replay(case_lines, load_policy_book(DEFAULT_POLICY), now)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("TRUNCATE case_event")
        await conn.executemany(_LOG_EVENT, [_log_row(e) for e in expected.log])
    finally:
        await conn.close()
    first = year.start.astimezone(TZ).date()
    last = (year.end - timedelta(days=1)).astimezone(TZ).date()
    return year.cases, len(expected.log), first.isoformat(), last.isoformat()


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def time_runs(url: str, first: str, last: str, runs: int, cpus: list[float]) -> list[float] | None:
    """Seconds each whole `starter.py whatif` process took (None: it failed), and in
    `cpus` the CPU seconds it and its child used: on a shared machine, the figure that
    waiting for a core does not inflate."""
    with tempfile.TemporaryDirectory() as folder:
        policy = new_policy(Path(folder))
        command = [sys.executable, str(_ROOT / "starter.py"), "whatif", "--policy", str(policy),
                   "--against", str(DEFAULT_POLICY), "--from", first, "--to", last,
                   "--out", str(Path(folder) / "out")]  # fmt: skip
        env = {**os.environ, "DATABASE_URL": url}
        times = []
        for run in range(runs):
            started, cpu = time.perf_counter(), _children_cpu()
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - started)
            cpus.append(_children_cpu() - cpu)
            if done.returncode != 0:
                print(done.stdout[-2000:], done.stderr[-2000:])
                return None
            if run == 0:
                print(done.stdout)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="times the case rates")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg-dir", type=Path, default=_ROOT / ".data" / "whatif-pg")
    args = parser.parse_args()
    pg, url = None, os.environ.get("DATABASE_URL", "")
    if not url:
        pg, url = asyncio.run(fresh_database(args.pg_dir))
    try:
        asyncio.run(migrate(url))
        cases, events, first, last = asyncio.run(fill(url, args.scale, datetime.now(UTC)))
        print(f"logged {events} events of {cases} cases, {first} to {last}", flush=True)
        cpus: list[float] = []
        times = time_runs(url, first, last, args.runs, cpus)
    finally:
        if pg is not None:
            pg.stop()
    if times is None:
        return 1
    print(f"whatif, whole process, {cases} cases / {events} events, both policies: "
          + ", ".join(f"{t:.2f} s" for t in times) + f" (best {min(times):.2f} s); CPU "
          + ", ".join(f"{c:.2f} s" for c in cpus))  # fmt: skip
    return 0


if __name__ == "__main__":
    run_main(main)

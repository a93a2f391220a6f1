"""Scale: a country's caseload of open cases on one dev server and one worker.

  python bench/scale.py --cases 100000          # the long run (two hours and more on 2 cores)
  python bench/scale.py --cases 100000 --budget 60   # grow for an hour at most, then finish
  python bench/scale.py --cases 10000           # about ten minutes
  python bench/scale.py --cases 600 --step 200 --latency-cases 20 --no-targets   # CI

Starts a dev server, PostgreSQL and `worker.py` (testkit/rig/stack.py) and opens `--cases`
cases (one `case_opened` each, through `doors.ingest.ingest`), in steps of `--step`, each
step timed until case_event holds every event of it. It prints the ingest rate of every step,
so how the cost grows with the number of open cases shows: the rate of the first step (at
1,000 open cases) against the last (at `--cases`) is the ratio the aim is about.

The last step opens twice `--step` cases; two seconds into it, `--latency-cases` more cases
open in a municipality whose policy has second-scale deadlines (a copy of
policies/default.toml with an override like policies/demo.toml), so their escalations
(levels 1-3, 30, 35 and 40 s after opening) fall due while the step still loads the stack:
the latency is each outbox row's `created_at` less its `due_at`. Each step also reports the
CPU the worker, the dev server and PostgreSQL spent per event (from /proc), which the other
load on a shared machine disturbs less than the wall-clock rate.

With `--budget MINUTES` the steps stop growing once that much time has gone: the last step
runs at the size reached, and the run FAILs for not reaching `--cases` (the figures stand).

At the end: worker RSS (now and peak, from /proc), PostgreSQL database size, and the checks
(every case opened and logged once, every escalation once, no failed workflow, every open
case with an owner and a deadline). PASS or FAIL (exit 1); targets: rate ratio >= 0.8, p99
escalation latency < 5 s, worker RSS < 1 GiB (`--no-targets`: figures only, for CI).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from temporalio.client import Client

from doors.ingest import IngestReport, ingest
from infrastructure.exit import run_main
from infrastructure.served import served_municipalities
from testkit.rig.catalogue import MUNICIPALITIES, case_opened, run_tag
from testkit.rig.costs import cpu_seconds
from testkit.rig.options import script_parser
from testkit.rig.stack import Child, local_stack
from testkit.rig.tasks import run_interruptible, until
from testkit.rig.verdict import load, verdict

REPO_ROOT = Path(__file__).resolve().parent.parent

LATENCY_MUNICIPALITY = "Latency"
# The demo policy's deadlines for one municipality: level 1, 2, 3 at 10, 20, 30 s.
LATENCY_POLICY = f"""
[municipalities."{LATENCY_MUNICIPALITY}".deadlines]
JOB_GOAL_TALK = "30 seconds"

[municipalities."{LATENCY_MUNICIPALITY}".ladder]
level_2_after = "5 seconds"
level_3_after = "5 seconds"
repeat_after = "1 hours"
"""
LEVELS = 3
GIB = 1 << 30


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in KiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0])
    return out


class Scale:
    def __init__(self, args: argparse.Namespace, client: Client, queue: str, db: str) -> None:
        self.args, self.client, self.queue, self.db = args, client, queue, db
        self.tag = run_tag(random.Random(args.seed))
        self.opened = 0
        self.steps: list[dict[str, Any]] = []
        self.reports: list[IngestReport] = []
        self.pids: tuple[int, int, int | None] = (0, 0, None)  # worker, server, PostgreSQL
        self.served: frozenset[str] | None = None  # the municipalities of the run's policy

    def cpu(self) -> list[float]:
        """CPU seconds so far of the worker, the dev server and PostgreSQL."""
        worker, server, postgres = self.pids
        used = [cpu_seconds(worker), cpu_seconds(server), cpu_seconds(postgres, True)]
        return [u or 0.0 for u in used]

    async def logged(self, low: str, high: str) -> int:
        """Rows logged for case ids in [low, high]: a range of the primary key, so the poll
        costs the step's size, not the table's (a count of the whole table would grow)."""
        conn = await asyncpg.connect(self.db)
        try:
            query = "SELECT count(*) FROM case_event WHERE case_id BETWEEN $1 AND $2"
            count: int = await conn.fetchval(query, low, high)
            return count
        finally:
            await conn.close()

    async def send(self, lines: list[str]) -> None:
        report = await ingest(
            self.client, self.queue, lines, self.args.concurrency, served=self.served
        )
        self.reports.append(report)

    async def step(self, size: int, latency: int = 0) -> dict[str, Any]:
        """Open `size` more cases (and `latency` cases 2 s in), timed until logged."""
        now = datetime.now(UTC) - timedelta(hours=1)
        ids = [f"S-{self.tag}-{self.opened + i:06d}" for i in range(1, size + 1)]
        lines = [case_opened(case_id, self.opened + i, MUNICIPALITIES[i % len(MUNICIPALITIES)], now)
                 for i, case_id in enumerate(ids, 1)]  # fmt: skip

        async def latency_cases() -> None:
            await asyncio.sleep(2)
            await self.send(latency_lines(self.tag, latency))

        began, before = time.monotonic(), self.cpu()
        await asyncio.gather(self.send(lines), *([latency_cases()] if latency else []))
        ranges = [(ids[0], ids[-1], size)]
        if latency:
            ranges.append((f"L-{self.tag}-", f"L-{self.tag}-~", latency))
        if not await until(lambda: self._reached(ranges), 600, 0.2):
            raise RuntimeError(f"case_event did not reach {size + latency} new rows in 600 s")
        took, events = time.monotonic() - began, size + latency
        self.opened += size
        spent = [1000 * (b - a) / events for a, b in zip(before, self.cpu(), strict=True)]
        step = {"open cases": self.opened, "events": events, "seconds": round(took, 1),
                "events/s": round(events / took, 1), "load": load(),
                "cpu ms/event": round(sum(spent), 1)}  # fmt: skip
        self.steps.append(step)
        split = "/".join(f"{ms:.0f}" for ms in spent)
        print(f"  {self.opened:>7} open: {step['events/s']:>6} events/s, "
              f"{step['cpu ms/event']:>5} ms CPU/event (worker/server/pg {split})  "
              f"({events} in {took:.1f}s, load {step['load']})", flush=True)  # fmt: skip
        return step

    async def _reached(self, ranges: list[tuple[str, str, int]]) -> bool:
        for low, high, expected in ranges:
            if await self.logged(low, high) < expected:
                return False
        return True


def latency_lines(tag: str, count: int) -> list[str]:
    at = datetime.now(UTC).replace(microsecond=0)
    return [case_opened(f"L-{tag}-{i:04d}", i, LATENCY_MUNICIPALITY, at)
            for i in range(1, count + 1)]  # fmt: skip


async def latencies(db: str, count: int, limit: float) -> list[float]:
    """Seconds from each escalation's due time to its outbox row, once all are written."""
    conn = await asyncpg.connect(db)
    query = (
        "SELECT extract(epoch FROM created_at - due_at)::float8 AS late FROM outbox "
        "WHERE case_id LIKE 'L-%' AND kind = 'escalation'"
    )
    try:

        async def complete() -> bool:
            return len(await conn.fetch(query)) >= count * LEVELS

        await until(complete, limit, 1.0)
        return sorted(r["late"] for r in await conn.fetch(query))
    finally:
        await conn.close()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


async def database_figures(db: str, opened: int, failures: list[str]) -> dict[str, Any]:
    conn = await asyncpg.connect(db)
    try:
        size = await conn.fetchval("SELECT pg_database_size(current_database())")
        events = await conn.fetchval("SELECT count(*) FROM case_event")
        distinct = await conn.fetchval("SELECT count(DISTINCT (case_id, event_id)) FROM case_event")
        open_rows = await conn.fetchval(
            "SELECT count(*) FROM case_projection WHERE stage <> 'CLOSED'"
        )
        parked = await conn.fetchval(
            "SELECT count(*) FROM case_projection WHERE stage <> 'CLOSED' "
            "AND (owner IS NULL OR deadline IS NULL)"
        )
        dup_keys = await conn.fetchval("SELECT count(*) - count(DISTINCT message_key) FROM outbox")
    finally:
        await conn.close()
    if events != opened or distinct != opened:
        failures.append(f"case_event rows {events} ({distinct} distinct) != {opened} opened")
    if open_rows != opened:
        failures.append(f"{open_rows} open projections != {opened} cases opened")
    if parked:
        failures.append(f"{parked} open cases without owner or deadline")
    if dup_keys:
        failures.append(f"{dup_keys} outbox message keys twice")
    return {"PostgreSQL database size (MiB)": round(size / (1 << 20), 1),
            "case_event rows": events, "open cases (projection)": open_rows}  # fmt: skip


async def scale(args: argparse.Namespace) -> int:
    default = (REPO_ROOT / "policies" / "default.toml").read_text()
    async with local_stack(keep=args.keep, persist=args.db_file) as (stack, client):
        policy = stack.folder / "scale-policy.toml"
        policy.write_text(default + LATENCY_POLICY)
        stack.policy = str(policy)
        queue = "scale"
        worker: Child = stack.child("worker")
        await worker.start(sys.executable, "worker.py", env=stack.worker_env(queue))
        where = "a file" if args.db_file else "memory"
        print(f"scale: {args.cases} cases in steps of {args.step} on {os.cpu_count()} cores, "
              f"temporal {stack.address} (its database in {where}), worker pid {worker.pid}",
              flush=True)  # fmt: skip
        run = Scale(args, client, queue, stack.database_url)
        run.served = served_municipalities(policy)  # the door takes what the worker's file serves
        assert stack.server is not None and stack.server.proc is not None
        run.pids = (worker.pid, stack.server.proc.pid, stack.pg.pid if stack.pg else None)
        stop_growing = time.monotonic() + 60 * args.budget if args.budget else float("inf")
        try:
            while run.opened + 2 * args.step < args.cases and time.monotonic() < stop_growing:
                await run.step(args.step)
            last = await run.step(min(2 * args.step, args.cases - run.opened), args.latency_cases)
        except Exception:
            print(f"--- worker log (last lines) ---\n{worker.tail(40)}", file=sys.stderr)
            raise
        late = await latencies(stack.database_url, args.latency_cases, 90)
        failures: list[str] = []
        opened = run.opened + args.latency_cases
        figures = await database_figures(stack.database_url, opened, failures)
        failed = (await client.count_workflows('ExecutionStatus="Failed"')).count
        memory = memory_kib(worker.pid)
        if not worker.running:
            failures.append("the worker is not running")
    refused = sum(len(r.refused) + len(r.unconfirmed) for r in run.reports)
    first = run.steps[0]
    ratio = last["events/s"] / first["events/s"]
    expected_rows = args.latency_cases * LEVELS
    rss = memory["VmHWM"] * 1024
    rows: dict[str, Any] = {
        f"ingest rate at {first['open cases']} open (events/s)": first["events/s"],
        f"ingest rate at {last['open cases']} open (events/s)": last["events/s"],
        "ratio (aim >= 0.8)": round(ratio, 2),
        "CPU per event, first / last (ms)": f"{first['cpu ms/event']} / {last['cpu ms/event']}",
        "ratio by CPU cost (first / last)": round(first["cpu ms/event"] / last["cpu ms/event"], 2),
        "escalations under load": f"{len(late)} of {expected_rows} expected",
        "escalation latency p50 / p99 / max (s)": " / ".join(
            f"{percentile(late, p):.2f}" for p in (50, 99, 100)
        ),
        "worker RSS now / peak (MiB)": f"{memory['VmRSS'] // 1024} / {rss // (1 << 20)}",
        **figures,
        "workflows failed": failed,
        "refused or unconfirmed": refused,
        "load average (1, 5, 15 min)": load(),
    }
    failures += [f"{failed} workflows failed"] * bool(failed)
    failures += [f"{refused} events refused or unconfirmed"] * bool(refused)
    if len(late) != expected_rows:
        failures.append(f"{len(late)} escalations written, {expected_rows} expected")
    if not args.no_targets:
        failures += [f"rate ratio {ratio:.2f} < 0.8"] * (ratio < 0.8)
        failures += [f"p99 latency {percentile(late, 99):.2f}s >= 5s"] * (percentile(late, 99) >= 5)
        failures += [f"worker RSS {rss / GIB:.2f} GiB >= 1 GiB"] * (rss >= GIB)
    if run.opened < args.cases:
        failures.append(f"{run.opened} cases opened of {args.cases} within {args.budget} minutes")
    return verdict(rows, failures)


def parse_args() -> argparse.Namespace:
    """--cases must be at least 3 x --step: the first step and the last are compared."""
    parser = script_parser(__doc__, targets=True, seed=True, keep=True)
    parser.add_argument("--cases", type=int, default=10_000, help="open cases (10,000)")
    parser.add_argument("--step", type=int, default=1_000, help="cases per timed step (1,000)")
    parser.add_argument("--latency-cases", type=int, default=200, help="cases (200)")
    parser.add_argument("--concurrency", type=int, default=32, help="cases sent at once (32)")
    parser.add_argument("--db-file", action="store_true",
                        help="dev server database in a file, as scripts/up")  # fmt: skip
    parser.add_argument("--budget", type=float, help="minutes to grow for at most (no limit)")
    return parser.parse_args()


def main() -> int:
    return run_interruptible(scale(parse_args()), "scale")


if __name__ == "__main__":
    run_main(main)

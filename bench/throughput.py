"""Throughput: the case service end to end against a minimal Temporal workflow, same machine.

  python bench/throughput.py                    # 300 cases (~1,600 events), concurrency 16
  python bench/throughput.py --cases 100 --json
  python bench/throughput.py --profile          # also cProfile the workers (slows them)
  python bench/throughput.py --cases 20 --concurrency 4 --no-targets   # the smoke run (CI)

One run starts a Temporal dev server (free ports), a real PostgreSQL (embedded in a temporary
folder, or DATABASE_URL) and, per phase, a worker as a SUBPROCESS (testkit/rig/phase_worker.py,
built by `composition.create_worker` as worker.py builds it), then measures:

(a) case events per second end to end: a generated batch (testkit/rig/generate.py) sent with
    `doors.ingest.ingest` (signal-with-start and a receipt per event, `--concurrency` cases
    in flight), timed from the start of the ingest until case_event holds every accepted
    event (written in the same transaction as case_projection);
(b) the baseline (testkit/rig/minimal.py): as many minimal workflows as (a) sent lines, each
    signal-with-start, one activity writing one row through an asyncpg pool, a 1 s timer;
    `--concurrency` senders; timed from the first send until every row is written.

Prints both rates, their ratio, and where the time goes: CPU seconds per event of each
process (worker, Temporal server, PostgreSQL, this client), and per event the workflow tasks,
activities, signals, updates and history events, from a sample of the histories. Then PASS,
or FAIL and exit 1: when the door's receipts differ from what the pure core expects of the
batch, an event or a row is missing, or the ratio is under 0.8 (`--no-targets`: the ratio
is a figure only, as in the smoke run CI makes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

import asyncpg

from infrastructure.exit import run_main
from testkit.rig.minimal import TABLE
from testkit.rig.options import script_parser
from testkit.rig.phases import phase_cases, phase_minimal
from testkit.rig.stack import local_stack
from testkit.rig.tasks import interruptible
from testkit.rig.verdict import load, verdict

AIM = 0.8  # case events per second over minimal workflows per second


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    async with local_stack(keep=args.keep) as (stack, client):
        db = await asyncpg.create_pool(stack.database_url, min_size=1, max_size=4)
        try:
            cases = await phase_cases(stack, client, db, args)
            # As many signals in flight as the door allows: its cases times their events.
            window = round(args.concurrency * cases["events sent"] / cases["cases"])
            minimal = await phase_minimal(stack, client, db, args, cases["events sent"], window)
            await db.execute(f"DROP TABLE IF EXISTS {TABLE}")
        finally:
            await db.close()
    ratio = cases["events/s (sent)"] / minimal["workflows/s (row written)"]
    return {
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "worker": "subprocess per phase (composition.create_worker for the cases)",
        "concurrency": args.concurrency,
        "profiled": bool(args.profile),
        "(a) case service": cases,
        "(b) minimal workflow": minimal,
        "ratio (a)/(b)": round(ratio, 2),
        "wall time (s)": round(time.monotonic() - started, 1),
        "load average (1, 5, 15 min)": load(),
    }


def print_human(result: dict[str, Any]) -> None:
    def show(value: Any, indent: int) -> None:
        for key, item in value.items():
            if isinstance(item, dict):
                print(f"{' ' * indent}{key}:")
                show(item, indent + 2)
            else:
                print(f"{' ' * indent}{key:<40} {item}")

    show(result, 0)
    print()


def failures(result: dict[str, Any], targets: bool) -> list[str]:
    """What makes the run FAIL: receipts other than the core's, a lost event or row, the aim."""
    a, b = result["(a) case service"], result["(b) minimal workflow"]
    out: list[str] = []
    receipts = [a["accepted"], a["duplicates"], a["refused"]]
    if receipts != a["accepted, duplicates, refused (pure core)"]:
        out.append(f"accepted, duplicates, refused {receipts} differ from the pure core's")
    out += [f"{a['unconfirmed']} events unconfirmed"] * bool(a["unconfirmed"])
    if a["case_event rows"] != a["accepted"]:
        out.append(f"case_event holds {a['case_event rows']} rows of {a['accepted']} accepted")
    written, completed = b["rows written, workflows completed"]
    if min(written, completed) < b["workflows"]:
        out.append(f"minimal: {written} rows, {completed} completed of {b['workflows']}")
    ratio = result["ratio (a)/(b)"]
    out += [f"ratio {ratio} < {AIM}"] * (targets and ratio < AIM)
    return out


def parse_args() -> argparse.Namespace:
    parser = script_parser(__doc__, targets=True, seed=True, keep=True)
    parser.add_argument("--cases", type=int, default=300, help="cases in the batch (300)")
    parser.add_argument("--concurrency", type=int, default=16, help="in flight (16)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--profile", action="store_true", help="cProfile the workers (slower)")
    return parser.parse_args()


async def main_async(args: argparse.Namespace) -> int:
    result = await interruptible(bench(args), "benchmark")
    if result is None:
        return 130
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_human(result)
    a, b = result["(a) case service"], result["(b) minimal workflow"]
    summary = {
        "case events/s (sent)": a["events/s (sent)"],
        "minimal workflows/s (row written)": b["workflows/s (row written)"],
        f"ratio (aim >= {AIM}{', not applied' if args.no_targets else ''})": result[
            "ratio (a)/(b)"
        ],
    }
    return verdict(summary, failures(result, not args.no_targets))


def main() -> int:
    return asyncio.run(main_async(parse_args()))


if __name__ == "__main__":
    run_main(main)

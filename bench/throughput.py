"""Throughput: the case service end to end against a minimal Temporal workflow, same machine.

  python bench/throughput.py                    # 300 cases (~1,600 events), concurrency 16
  python bench/throughput.py --cases 100 --json
  python bench/throughput.py --profile          # also cProfile the workers (slows them)
  python bench/throughput.py --cases 20 --concurrency 4 --no-targets   # the smoke run (CI)

One run starts a Temporal dev server (free ports), a real PostgreSQL (embedded in a temporary
folder, or DATABASE_URL) and, per phase, a worker as a SUBPROCESS of this script (built by
`service.wiring.create_worker`, as worker.py builds it), then measures:

(a) case events per second end to end: a generated batch (bench/generate.py) sent with
    `service.door.ingest` (signal-with-start and a receipt per event, `--concurrency` cases
    in flight), timed from the start of the ingest until case_event holds every accepted
    event (written in the same transaction as case_projection);
(b) the baseline (bench/minimal.py): as many minimal workflows as (a) sent lines, each
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
import random
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

# bench/ and scripts/ are folders of scripts, not packages: they import each other by file
# name (as mypy maps them), with the repository root for the service's own packages.
import asyncpg
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import (
    SandboxedWorkflowRunner,
    SandboxRestrictions,
)

from activities.db import create_pool
from core.policy import load_policy_book
from service.config import load_settings
from service.door import IngestReport, ingest
from service.exit import run_main
from service.logs import configure_logging
from service.temporal import connect
from service.wiring import PASSTHROUGH, create_worker
from testkit.rig.catalogue import run_tag
from testkit.rig.costs import CpuMeter, ThreadProfiles, cpu_per_unit, history_counts
from testkit.rig.expectation import replay
from testkit.rig.generate import generate
from testkit.rig.minimal import CREATE_TABLE, SIGNAL, TABLE, Hit, MinimalStore, MinimalWorkflow
from testkit.rig.stack import (
    POLICY,
    Child,
    LocalStack,
    interruptible,
    local_stack,
    until,
)
from testkit.rig.verdict import load, verdict
from workflows.messages import workflow_id

REPO_ROOT = Path(__file__).resolve().parent.parent

HISTORY_SAMPLE = 40
AIM = 0.8  # case events per second over minimal workflows per second


# --- the workers (run as subprocesses of the benchmark) ---------------------------------


async def serve(kind: str, ready: Path, profile: Path | None) -> int:
    """A worker for one phase until SIGTERM; with `profile`, cProfile all its threads."""
    settings = load_settings()
    configure_logging(settings.log_level)
    assert settings.database_url is not None
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    pool = await create_pool(settings.database_url, settings.db_pool_max)
    client = await connect(settings)
    if kind == "case":
        worker = create_worker(client, settings.task_queue, pool, settings.policy_path)
    else:
        # The same runner and limits as service.wiring gives the case worker.
        worker = Worker(
            client,
            task_queue=settings.task_queue,
            workflows=[MinimalWorkflow],
            activities=[MinimalStore(pool).write_row],
            workflow_runner=SandboxedWorkflowRunner(
                restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
            ),
            max_concurrent_activities=50,
        )
    profiles = ThreadProfiles()
    if profile:
        profiles.start()
    async with worker:
        await asyncio.to_thread(ready.write_text, "ready")
        await stop.wait()
    if profile:
        await asyncio.to_thread(profile.write_text, json.dumps(profiles.summary()))
    await pool.close()
    return 0


async def start_worker(
    stack: LocalStack, kind: str, queue: str, profile: Path | None
) -> tuple[Child, Path]:
    ready = stack.folder / f"{kind}.ready"
    command = [sys.executable, str(Path(__file__)), "--serve", kind, "--ready", str(ready)]
    if profile:
        command += ["--profile-out", str(profile)]
    worker = stack.child(f"worker-{kind}")
    await worker.start(*command, env=stack.worker_env(queue))

    async def up() -> bool:
        if not worker.running:
            raise RuntimeError(f"{kind} worker exited:\n{worker.tail()}")
        return ready.exists()

    if not await until(up, 60, 0.1):
        raise RuntimeError(f"{kind} worker not ready in 60s")
    return worker, ready


# --- the two phases -----------------------------------------------------------------------


async def rows(db: asyncpg.Pool, sql: str, *args: Any) -> Callable[[], Awaitable[int]]:
    """A row counter; each call borrows its own connection, since the sender's progress poll
    and the wait for the last row count at the same time (one connection refuses that)."""

    async def count() -> int:
        return int(await db.fetchval(sql, *args))

    return count


async def phase_cases(
    stack: LocalStack, client: Client, db: asyncpg.Pool, args: argparse.Namespace
) -> dict[str, Any]:
    tag = run_tag(random.Random(args.seed))
    queue = f"bench-case-{tag}"
    profile = stack.folder / "case-profile.json" if args.profile else None
    worker, _ = await start_worker(stack, "case", queue, profile)
    meter = CpuMeter(worker.pid, _server_pid(stack), stack.pg.pid if stack.pg else None)
    # A few cases first: the worker's first workflow runs import and warm caches.
    warm = generate(8, args.seed + 1, tag=tag + "w")
    await ingest(client, queue, warm.lines, args.concurrency)
    batch = generate(args.cases, args.seed, tag=tag, policy_path=REPO_ROOT / POLICY)
    expected = replay(batch.lines, load_policy_book(batch.policy_path), batch.now)
    applied = await rows(
        db, "SELECT count(*) FROM case_event WHERE case_id LIKE $1", f"K-{tag}-%"
    )
    before = meter.read()
    started = time.monotonic()
    report: IngestReport = await ingest(client, queue, batch.lines, args.concurrency)
    ingested = time.monotonic() - started

    async def all_applied() -> bool:
        return await applied() >= report.accepted

    await until(all_applied, 120, 0.05)
    elapsed = time.monotonic() - started
    after = meter.read()
    logged = await applied()
    await worker.stop(40)
    sample = [workflow_id(c) for c in batch.case_ids[:HISTORY_SAMPLE]]
    sampled = set(batch.case_ids[:HISTORY_SAMPLE])
    sample_lines = sum(json.loads(line)["case_id"] in sampled for line in batch.lines)
    result: dict[str, Any] = {
        "cases": len(batch.case_ids),
        "events sent": batch.events,
        "accepted": report.accepted,
        "duplicates": report.duplicate,
        "refused": len(report.refused),
        "unconfirmed": len(report.unconfirmed),
        "accepted, duplicates, refused (pure core)": [expected.accepted,
            expected.outcomes["duplicate"], expected.outcomes["refused"]],
        "case_event rows": logged,
        "ingest returned after (s)": round(ingested, 2),
        "all applied after (s)": round(elapsed, 2),
        "events/s (sent)": round(batch.events / elapsed, 1),
        "events/s (accepted)": round(report.accepted / elapsed, 1),
        "CPU ms per event sent": cpu_per_unit(before, after, batch.events),
        "per event sent (history sample)": await history_counts(client, sample, sample_lines),
    }
    if profile and profile.exists():
        result["worker profile (cProfile, all threads)"] = json.loads(profile.read_text())
    return result


async def phase_minimal(
    stack: LocalStack, client: Client, db: asyncpg.Pool, args: argparse.Namespace,
    count: int, window: int,
) -> dict[str, Any]:  # fmt: skip
    tag = run_tag(random.Random(args.seed + 2))
    queue = f"bench-min-{tag}"
    profile = stack.folder / "minimal-profile.json" if args.profile else None
    worker, _ = await start_worker(stack, "minimal", queue, profile)
    meter = CpuMeter(worker.pid, _server_pid(stack), stack.pg.pid if stack.pg else None)
    await db.execute(CREATE_TABLE)
    await send_minimal(client, queue, f"w{tag}", 20, args.concurrency)
    written = await rows(db, f"SELECT count(*) FROM {TABLE} WHERE key LIKE $1", f"m{tag}-%")
    before = meter.read()
    started = time.monotonic()
    await send_minimal(client, queue, f"m{tag}", count, args.concurrency, window, written)
    sent = time.monotonic() - started

    async def all_written() -> bool:
        return await written() >= count

    await until(all_written, 120, 0.05)
    elapsed = time.monotonic() - started
    after = meter.read()
    rows_written = await written()

    async def finished() -> int:
        query = f'WorkflowId STARTS_WITH "min-m{tag}-" AND ExecutionStatus="Completed"'
        return (await client.count_workflows(query)).count

    async def all_completed() -> bool:
        return await finished() >= count

    await until(all_completed, 120, 0.2)
    completed = time.monotonic() - started
    done = await finished()
    await worker.stop(40)
    sample = [f"min-m{tag}-{i}" for i in range(min(HISTORY_SAMPLE, count))]
    result: dict[str, Any] = {
        "workflows": count,
        "rows written, workflows completed": [rows_written, done],
        "in flight at most (signals not yet written)": window,
        "sends returned after (s)": round(sent, 2),
        "all rows written after (s)": round(elapsed, 2),
        "all completed after (s)": round(completed, 2),
        "workflows/s (row written)": round(count / elapsed, 1),
        "CPU ms per workflow": cpu_per_unit(before, after, count),
        "per workflow (history sample)": await history_counts(client, sample, len(sample)),
    }
    if profile and profile.exists():
        result["worker profile (cProfile, all threads)"] = json.loads(profile.read_text())
    return result


async def send_minimal(
    client: Client,
    queue: str,
    prefix: str,
    count: int,
    senders: int,
    window: int | None = None,
    written: Callable[[], Awaitable[int]] | None = None,
) -> None:
    """`count` workflows by signal-with-start from `senders` coroutines; with `window`, never
    more than that many sent whose row is not written yet (the door's kind of back-pressure:
    it holds a case until its events are applied)."""
    numbers = iter(range(count))
    progress = {"sent": 0, "written": 0}
    polled = asyncio.Event()

    async def poll() -> None:
        assert written is not None
        while True:
            progress["written"] = await written()
            polled.set()
            await asyncio.sleep(0.02)

    async def sender() -> None:
        for number in numbers:  # shared: each sender takes the next number
            while window and progress["sent"] - progress["written"] >= window:
                polled.clear()
                await polled.wait()
            progress["sent"] += 1
            await client.start_workflow(
                MinimalWorkflow.run,
                id=f"min-{prefix}-{number}",
                task_queue=queue,
                start_signal=SIGNAL,
                start_signal_args=[Hit(key=f"{prefix}-{number}", payload="x" * 200)],
            )

    poller = asyncio.create_task(poll()) if window and written else None
    try:
        await asyncio.gather(*(sender() for _ in range(senders)))
    finally:
        if poller:
            poller.cancel()


def _server_pid(stack: LocalStack) -> int:
    assert stack.server is not None
    return stack.server.pid


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
        "worker": "subprocess per phase (service.wiring.create_worker for the cases)",
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300, help="cases in the batch (300)")
    parser.add_argument("--concurrency", type=int, default=16, help="in flight (16)")
    parser.add_argument("--seed", type=int, default=1, help="batch seed (1)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--profile", action="store_true", help="cProfile the workers (slower)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--no-targets", action="store_true", help="the ratio as a figure only")
    parser.add_argument("--serve", choices=("case", "minimal"), help=argparse.SUPPRESS)
    parser.add_argument("--ready", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


async def main_async(args: argparse.Namespace) -> int:
    if args.serve:
        return await serve(args.serve, args.ready, args.profile_out)
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

"""The two phases of the throughput benchmark (bench/throughput.py): (a) the case service
end to end, (b) the minimal workflow as many times, each on its own worker subprocess."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from temporalio.client import Client

from doors.ingest import IngestReport, ingest
from infrastructure.policy_file import load_policy_book
from testkit.paths import REPO_ROOT
from testkit.rig.catalogue import run_tag
from testkit.rig.costs import CpuMeter, cpu_per_unit, history_counts
from testkit.rig.expectation import replay
from testkit.rig.generate import generate
from testkit.rig.minimal import CREATE_TABLE, SIGNAL, TABLE, Hit, MinimalWorkflow
from testkit.rig.phase_worker import start_worker
from testkit.rig.stack import POLICY, LocalStack
from testkit.rig.tasks import until
from workflows.case_payloads import workflow_id

HISTORY_SAMPLE = 40


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

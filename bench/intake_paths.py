"""The door's synchronous intake, two ways, in one run on one stack: which is faster?

  python bench/intake_paths.py                  # 120 cases (~650 events), concurrency 16
  python bench/intake_paths.py --cases 60 --rounds 3

(a) today's path (`doors.ingest.send`): signal-with-start the event, then the `receipt`
    update that answers once the case has applied it: two calls per event;
(b) update-with-start: the `submit` update, starting the case if it is not running, in
    one call (`Client.execute_update_with_start_workflow`).

A real dev server, PostgreSQL and `worker.py` (testkit/rig/stack.py). Each round sends a fresh
generated batch (bench/generate.py) through (a) and another through (b), one case's events
one after another and `--concurrency` cases at once, and times each until every event is
answered. Prints events per second of each path per round and the ratio (b)/(a).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError

from core.case.events import Event
from core.intake import parse_event
from doors.ingest import send
from infrastructure.exit import run_main
from testkit.rig.generate import generate
from testkit.rig.stack import local_stack
from testkit.rig.tasks import gather_limited, interruptible
from workflows.case import CaseWorkflow
from workflows.case_payloads import SUBMIT_UPDATE, CaseInput, Delivery, workflow_id
from workflows.payloads import Receipt

REPO_ROOT = Path(__file__).resolve().parent.parent

_NO_DIGITS = str.maketrans("0123456789", "ghijklmnop")  # digits could form a CPR-like id
Path_ = Callable[[Client, str, Event], Awaitable[Receipt]]


async def update_with_start(client: Client, queue: str, event: Event) -> Receipt:
    start = WithStartWorkflowOperation(
        CaseWorkflow.run,
        CaseInput(case_id=event.case_id),
        id=workflow_id(event.case_id),
        task_queue=queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    )
    delivery = Delivery(event=event, delivery_id=uuid.uuid4().hex)
    try:
        receipt: Receipt = await client.execute_update_with_start_workflow(
            SUBMIT_UPDATE, delivery, start_workflow_operation=start, result_type=Receipt
        )
    except (RPCError, WorkflowUpdateFailedError):  # a closed case, or the validator refused
        return Receipt(outcome="refused")
    return receipt


async def timed(client: Client, queue: str, path: Path_, cases: int, seed: int,
                concurrency: int) -> tuple[float, int]:  # fmt: skip
    """Events per second through `path` for a fresh batch, and the events answered."""
    batch = generate(cases, seed, tag=uuid.uuid4().hex[:5].translate(_NO_DIGITS))
    by_case: dict[str, list[Event]] = {}
    for line in batch.lines:
        event = parse_event(line)
        by_case.setdefault(event.case_id, []).append(event)
    answered = 0

    async def one_case(events: list[Event]) -> None:
        nonlocal answered
        for event in events:
            receipt = await path(client, queue, event)
            answered += receipt.outcome is not None

    began = time.monotonic()
    await gather_limited(concurrency, [one_case(e) for e in by_case.values()])
    return batch.events / (time.monotonic() - began), answered


async def bench(args: argparse.Namespace) -> dict[str, list[float]]:
    rates: dict[str, list[float]] = {"signal-with-start + receipt": [], "update-with-start": []}
    async with local_stack() as (stack, client):
        queue = f"intake-{uuid.uuid4().hex[:8]}"
        worker = stack.child("worker")
        await worker.start(sys.executable, "worker.py", env=stack.worker_env(queue))
        await timed(client, queue, send, 4, 99, 4)  # warm up the worker and the server
        for n in range(args.rounds):
            for (name, path), seed in zip(
                (("signal-with-start + receipt", send), ("update-with-start", update_with_start)),
                (2 * n + 1, 2 * n + 2),
                strict=True,
            ):
                rate, answered = await timed(
                    client, queue, path, args.cases, seed, args.concurrency
                )
                rates[name].append(round(rate, 1))
                print(f"round {n + 1}: {name:<28} {rate:7.1f} events/s ({answered} answered)",
                      flush=True)  # fmt: skip
    return rates


async def main_async(args: argparse.Namespace) -> int:
    rates = await interruptible(bench(args), "intake benchmark")
    if rates is None:
        return 130
    a, b = (sum(r) / len(r) for r in rates.values())
    print(json.dumps({"rates": rates, "ratio_update_with_start": round(b / a, 3)}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=120, help="cases per batch (120)")
    parser.add_argument("--concurrency", type=int, default=16, help="cases at once (16)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of (a) then (b) (2)")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    run_main(main)

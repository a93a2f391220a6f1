"""The outbox relay: messages per second by one relay, and the delay from insert to delivery.

  python bench/relay.py                      # 5,000 burst, then 200/s for 20 s
  python bench/relay.py --burst 10000 --rate 300 --seconds 30 --json

A real PostgreSQL (embedded in a temporary folder, or DATABASE_URL), the local receiver
(``python -m outbox.receiver``, verifying every signature) and one relay
(``python -m outbox``), each a process of its own, as in production. Three figures:

(a) baseline: the same signed CloudEvents posted straight to the receiver by this script,
    64 at a time, no database: what the receiver and the machine allow;
(b) burst: ``--burst`` rows inserted at once, delivered by the relay; messages per second
    from the insert to the last ``delivered_at``, and its ratio to (a);
(c) steady: ``--rate`` rows per second for ``--seconds`` (inserted every 50 ms); the delay
    from each row's ``created_at`` (its insert) to its ``delivered_at`` (written after the
    receiver's 2xx, so later than the receipt): p50, p99, max. With ``--cases N`` a worker
    runs and N generated cases (bench/generate.py) are ingested meanwhile: the case service
    under load on the same machine and database.

Aims (issue 11): 500+ messages/s in (b), p99 under 2 s in (c).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import asyncpg
from temporalio.client import Client

from devstack.parts import free_port
from doors.ingest import ingest
from infrastructure.exit import run_main
from outbox.config import Receiver
from outbox.event import body
from outbox.send import headers
from testkit.relay import SECRET, insert_messages, receivers_file
from testkit.rig.catalogue import run_tag
from testkit.rig.generate import generate
from testkit.rig.stack import LocalStack, local_stack
from testkit.rig.tasks import until

REPO_ROOT = Path(__file__).resolve().parent.parent

BATCH = 200
CONCURRENCY = 64


async def start_pair(stack: LocalStack, port: int) -> None:
    """The receiver, then one relay, as child processes of the stack."""
    config = receivers_file(stack.folder, port, batch=BATCH, concurrency=CONCURRENCY)
    receiver = stack.child("receiver")
    await receiver.start(
        sys.executable, "-m", "outbox.receiver", "--port", str(port), "--quiet",
        "--secret-file", str(stack.folder / "webhook-secret"),
    )  # fmt: skip
    await until(lambda: _seen(port), 30, 0.2)
    relay = stack.child("relay")
    env = stack.worker_env("unused", TRAPPEBRO_RECEIVERS=str(config))
    await relay.start(sys.executable, "-m", "outbox", env=env)


async def _seen(port: int) -> bool:
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/seen") as response,
        ):
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def baseline(port: int, count: int) -> float:
    """Signed posts straight to the receiver: messages per second."""
    receiver = Receiver("baseline", f"http://127.0.0.1:{port}/hook", SECRET)
    gate = asyncio.Semaphore(CONCURRENCY)
    now = datetime.now(UTC)
    row = {"message_key": "", "case_id": "c", "opening_id": None, "kind": "escalation",
           "stage": "JOB_GOAL_TALK", "level": 1, "recipients": ["teamleder"],
           "message": "Sagen er gået i stå", "due_at": now, "created_at": now}  # fmt: skip
    async with aiohttp.ClientSession() as session:

        async def one(n: int) -> None:
            key = f"baseline/{n}"
            data = body({**row, "message_key": key})
            async with (
                gate,
                session.post(
                    receiver.url, data=data, headers=headers(receiver, key, data, datetime.now(UTC))
                ) as response,
            ):
                assert response.status == 204, response.status

        began = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(count)))
        return count / (time.perf_counter() - began)


async def burst(url: str, count: int) -> float:
    conn = await asyncpg.connect(url)
    try:
        began = time.perf_counter()
        await insert_messages(url, count, tag="burst")
        inserted = await conn.fetchval("SELECT max(created_at) FROM outbox")

        async def done() -> bool:
            return bool(
                await conn.fetchval("SELECT count(*) = 0 FROM outbox WHERE state <> 'delivered'")
            )

        assert await until(done, 300, 0.05), "burst not delivered in 300 s"
        last = await conn.fetchval("SELECT max(delivered_at) FROM outbox")
        print(f"  burst wall time {time.perf_counter() - began:.2f} s", file=sys.stderr)
        return float(count / max((last - inserted).total_seconds(), 1e-6))
    finally:
        await conn.close()


async def steady(url: str, rate: int, seconds: float) -> list[float]:
    per_tick, tick = max(1, round(rate * 0.05)), 0.05
    conn = await asyncpg.connect(url)
    try:
        began = time.perf_counter()
        n = 0
        while time.perf_counter() - began < seconds:
            await insert_messages(url, per_tick, tag=f"steady{n}")
            n += 1
            await asyncio.sleep(max(0.0, began + n * tick - time.perf_counter()))

        async def done() -> bool:
            return bool(
                await conn.fetchval("SELECT count(*) = 0 FROM outbox WHERE state <> 'delivered'")
            )

        assert await until(done, 120, 0.1), "steady load not delivered in 120 s"
        rows = await conn.fetch(
            "SELECT extract(epoch FROM delivered_at - created_at) AS d FROM outbox "
            "WHERE message_key LIKE 'test/steady%'"
        )
        return sorted(float(r["d"]) for r in rows)
    finally:
        await conn.close()


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


async def case_load(stack: LocalStack, client: Client, cases: int) -> int:
    """Ingest ``cases`` generated cases through a worker; the events accepted."""
    if not cases:
        return 0
    tag = run_tag(random.Random(11))
    queue = f"bench-relay-{tag}"
    worker = stack.child("worker")
    await worker.start(sys.executable, "worker.py", env=stack.worker_env(queue))
    report = await ingest(client, queue, generate(cases, 11, tag=tag).lines, 16)
    return report.accepted


async def run(args: argparse.Namespace) -> int:
    async with local_stack() as (stack, client):
        port = free_port()
        await start_pair(stack, port)
        base = await baseline(port, args.burst)
        rate = await burst(stack.database_url, args.burst)
        delays, events = await asyncio.gather(
            steady(stack.database_url, args.rate, args.seconds),
            case_load(stack, client, args.cases),
        )
    figures = {
        "baseline posts per second (no relay, no database)": round(base),
        "relay messages per second (burst)": round(rate),
        "relay / baseline": round(rate / base, 2),
        "steady rate (inserted per second)": args.rate,
        "steady messages": len(delays),
        "case events ingested meanwhile": events,
        "insert to delivery p50 (s)": round(quantile(delays, 0.50), 3),
        "insert to delivery p99 (s)": round(quantile(delays, 0.99), 3),
        "insert to delivery max (s)": round(max(delays), 3),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for label, value in figures.items():
            print(f"{label}: {value}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench/relay.py", description=__doc__)
    parser.add_argument("--burst", type=int, default=5000)
    parser.add_argument("--rate", type=int, default=200, help="steady inserts per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--cases", type=int, default=0, help="cases ingested during (c)")
    parser.add_argument("--json", action="store_true")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    run_main(main)

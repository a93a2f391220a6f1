"""The outbox relay's part of the crash and chaos tests (scripts/crash_test.py): a relay and a
local receiver run beside the worker; the relay is SIGKILLed and started again, the receiver
is down for a while, at random moments like the other faults. At the end every outbox row
must be delivered, each message key received at least once, and the receiver's distinct
webhook-ids exactly the outbox's rows (a resend only ever under the same id).

The receiver appends each webhook-id it answered 2xx to a file, so its count survives its
own restart.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from devstack.parts import free_port
from testkit.relay import receivers_file
from testkit.rig.stack import Child, LocalStack
from testkit.rig.tasks import until
from testkit.rig.verify import Run

Fault = tuple[str, Callable[[], Awaitable[None]]]
# Quick retries, so a receiver back from its outage gets everything within seconds; and
# attempts enough never to dead-letter during it.
SETTINGS = {"first_delay_seconds": 0.5, "max_delay_seconds": 3.0, "max_attempts": 10_000,
            "timeout_seconds": 2.0}  # fmt: skip


@dataclass
class Delivery:
    relay: Child
    receiver: Child
    port: int
    record: Path
    start_relay: Callable[[], Awaitable[None]]
    start_receiver: Callable[[], Awaitable[None]]


def wanted(args: argparse.Namespace) -> bool:
    return bool(args.relay_kills or args.receiver_down)


async def start(stack: LocalStack, queue: str) -> Delivery:
    port = free_port()
    config = receivers_file(stack.folder, port, **SETTINGS)
    record = stack.folder / "received.txt"
    relay, receiver = stack.child("relay"), stack.child("receiver")
    env = stack.worker_env(queue, TRAPPEBRO_RECEIVERS=str(config), LOG_LEVEL="WARNING")

    async def start_relay() -> None:
        await relay.start(sys.executable, "-m", "outbox", env=env)

    async def start_receiver() -> None:
        await receiver.start(
            sys.executable, "-m", "outbox.receiver", "--port", str(port), "--quiet",
            "--secret-file", str(stack.folder / "webhook-secret"), "--record", str(record),
        )  # fmt: skip

    await start_receiver()
    await start_relay()
    return Delivery(relay, receiver, port, record, start_relay, start_receiver)


def faults(run: Run, delivery: Delivery, args: argparse.Namespace, rng: Any) -> list[Fault]:
    async def kill_relay() -> None:
        await delivery.relay.kill()
        await asyncio.sleep(rng.uniform(0.5, 3.0))
        await delivery.start_relay()

    async def receiver_outage() -> None:
        began = time.monotonic()
        await delivery.receiver.kill()
        await asyncio.sleep(args.receiver_down)
        await delivery.start_receiver()
        run.downtime.setdefault("receiver down", []).append(time.monotonic() - began)

    chosen: list[Fault] = [("relay SIGKILL", kill_relay)] * args.relay_kills
    chosen += [("receiver down", receiver_outage)] * (args.receiver_down > 0)
    return chosen


async def check(conn: asyncpg.Connection, run: Run, delivery: Delivery, limit: float) -> None:
    """Wait for every outbox row to be delivered, then compare with what was received."""

    async def all_delivered() -> bool:
        return bool(
            await conn.fetchval("SELECT count(*) = 0 FROM outbox WHERE state <> 'delivered'")
        )

    began = time.monotonic()
    done = await until(all_delivered, limit, 1.0)
    run.figures["outbox delivered after settling (s)"] = round(time.monotonic() - began, 1)
    keys = {r["message_key"] for r in await conn.fetch("SELECT message_key FROM outbox")}
    states = dict(await conn.fetch("SELECT state, count(*) FROM outbox GROUP BY state"))
    received = (
        delivery.record.read_text(encoding="utf-8").split() if delivery.record.exists() else []
    )
    distinct = set(received)
    run.figures["relay kills (SIGKILL)"] = run.inflicted["relay SIGKILL"]
    down = run.downtime.get("receiver down", [])
    run.figures["receiver outages"] = ", ".join(f"{d:.1f}s" for d in down) or "none"
    run.figures["outbox rows"] = len(keys)
    run.figures["outbox rows delivered"] = states.get("delivered", 0)
    run.figures["webhook deliveries received"] = len(received)
    run.figures["distinct webhook-ids received"] = len(distinct)
    run.figures["resends (same id)"] = len(received) - len(distinct)
    run.check(done, f"outbox not all delivered in {limit:.0f}s: {states}")
    run.check(keys <= distinct, f"{len(keys - distinct)} outbox rows never received")
    run.check(distinct == keys, f"{len(distinct - keys)} ids received that no row has")
    run.check(delivery.relay.running, "the relay is not running at the end")

"""A real webhook receiver on a loopback port, a receivers file for it, and outbox rows
written straight into PostgreSQL, for the relay tests, the chaos script and the benchmark."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from temporalio.client import Client

from activities.db import create_pool
from devstack.parts import free_port
from outbox.config import load_config
from outbox.notify import CaseNotifier, made
from outbox.receiver import Receiver
from outbox.relay import Relay
from testkit.common import serving_on

SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()

_INSERT = """
INSERT INTO outbox (message_key, case_id, kind, stage, level, recipients, message, due_at)
SELECT 'test/' || $1 || '/' || n, 'case-' || $1 || '-' || n, 'escalation', 'JOB_GOAL_TALK', 1,
       $4::jsonb, 'Sagen er gået i stå', COALESCE($3::timestamptz, now())
FROM generate_series(1, $2) AS n
"""


@asynccontextmanager
async def receiving(receiver: Receiver, port: int) -> AsyncIterator[Receiver]:
    """Serve ``receiver`` on 127.0.0.1:``port`` while inside."""
    async with serving_on(receiver.app(), port):
        yield receiver


def receivers_file(folder: Path, port: int, **relay: float) -> Path:
    """A receivers file sending everything to the loopback receiver, with ``relay`` settings."""
    path = folder / "receivers.toml"
    settings = "".join(f"{k} = {v!r}\n" for k, v in relay.items())
    (folder / "webhook-secret").write_text(SECRET, encoding="utf-8")
    path.write_text(
        f'[relay]\n{settings}\n[receivers.local]\nurl = "http://127.0.0.1:{port}/hook"\n'
        f"secret_file = {json.dumps(str(folder / 'webhook-secret'))}\n",
        encoding="utf-8",
    )
    return path


async def insert_messages(
    url: str,
    count: int,
    tag: str = "m",
    due: datetime | None = None,
    recipients: tuple[str, ...] = ("teamleder",),
) -> list[str]:
    """``count`` escalation rows keyed ``test/<tag>/<n>``, due ``due`` (default: now)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(_INSERT, tag, count, due, json.dumps(list(recipients)))
    finally:
        await conn.close()
    return [f"test/{tag}/{n}" for n in range(1, count + 1)]


async def states(url: str) -> dict[str, dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT * FROM outbox")
    finally:
        await conn.close()
    return {r["message_key"]: dict(r) for r in rows}


async def until(check: Callable[[], Any], what: str, limit: float = 30.0) -> Any:
    """Poll the async or plain ``check`` until it gives a true value; fail after ``limit``."""
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        assert asyncio.get_running_loop().time() < deadline, f"no {what} in {limit:.0f}s"
        await asyncio.sleep(0.05)


async def all_in_state(url: str, state: str, count: int) -> bool:
    return sum(r["state"] == state for r in (await states(url)).values()) == count  # type: ignore[no-any-return]


def port() -> int:
    return free_port()


FAST = {"first_delay_seconds": 0.05, "max_delay_seconds": 0.2, "timeout_seconds": 0.5}


@contextlib.asynccontextmanager
async def relay(url: str, config: Path, count: int = 1) -> AsyncIterator[list[Relay]]:
    """``count`` relays in this process, each with its own pool, until the block ends."""
    pools = [await create_pool(url, 4) for _ in range(count)]
    relays = [Relay(pool, load_config(config)) for pool in pools]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(r.run(stop)) for r in relays]
    try:
        yield relays
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for pool in pools:
            await pool.close()


@asynccontextmanager
async def relay_telling(url: str, config: Path, client: Client) -> AsyncIterator[Relay]:
    """A relay in this process whose notifier signals through ``client``."""
    pool = await create_pool(url, 4)
    relay = Relay(pool, load_config(config), notifier=CaseNotifier(made(client)))
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        yield relay
    finally:
        stop.set()
        await task
        await pool.close()

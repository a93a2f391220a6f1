"""The daily digest: a real Temporal Schedule on the dev server (the time-skipping server
does not implement schedules), backfilled over past days, and the digest workflow on the
time-skipping server over several virtual days. One outbox row per team per day, whatever
runs twice.

The read model is seeded directly: it is all the digest reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from temporalio.client import (
    Client,
    ScheduleActionStartWorkflow,
    ScheduleBackfill,
    ScheduleOverlapPolicy,
)
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.db import create_pool
from composition import create_worker
from core.digest import local_day
from infrastructure.config import DEV_KEY_FILE, REPO_ROOT
from infrastructure.schedules import ensure_digest_schedule
from testkit.builders import DEFAULT_POLICY
from testkit.waiting import eventually
from workflows.digest import DigestWorkflow
from workflows.digest_payloads import DIGEST_SCHEDULE_ID, DIGEST_TIMEZONE, DigestResult

CPH = ZoneInfo(DIGEST_TIMEZONE)
REGISTER = REPO_ROOT / "deploy" / "register_search_attributes.py"


async def seed(url: str, now: datetime) -> None:
    """Team sb-nord: one case due in 2 days, one stalled; team sb-syd: one due in 10 days
    (after any week below) and one closed. Only sb-nord gets digests."""
    rows = [
        ("K-DIGEST-a", "sb-nord", "CV_READINESS", now + timedelta(days=2), False, 0),
        ("K-DIGEST-b", "sb-nord", "HANDOVER", now + timedelta(days=20), True, 3),
        ("K-DIGEST-c", "sb-syd", "MATCHING", now + timedelta(days=10), False, 0),
        ("K-DIGEST-d", "sb-syd", "CLOSED", None, False, 0),
    ]
    conn = await asyncpg.connect(url)
    try:
        await conn.executemany(
            "INSERT INTO case_projection (case_id, version, team, owner, stage, deadline, "
            "stalled, escalation_level) VALUES ($1, 1, $2, 'sb-14', $3, $4, $5, $6)",
            rows,
        )
    finally:
        await conn.close()


async def digests(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT message_key, message FROM outbox WHERE kind = 'digest'")
    finally:
        await conn.close()
    return {r["message_key"]: r["message"] for r in rows}


async def drop_schedule(client: Client) -> None:
    # The session's dev server is shared: another test may have registered it already.
    with contextlib.suppress(RPCError):
        await client.get_schedule_handle(DIGEST_SCHEDULE_ID).delete()


async def register(dev_env: WorkflowEnvironment) -> str:
    """deploy/register_search_attributes.py as ops run it: no payload key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAPPEBRO_PAYLOAD")}
    env["TEMPORAL_ADDRESS"] = dev_env.client.service_client.config.target_host
    env["TRAPPEBRO_TASK_QUEUE"] = "digest-registered"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(REGISTER), cwd=REGISTER.parent.parent, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    return out.decode()


@pytest.mark.skipif(DEV_KEY_FILE.exists(), reason="a local dev key file is present")
async def test_the_deploy_script_creates_the_schedule_once(dev_env: WorkflowEnvironment) -> None:
    await drop_schedule(dev_env.client)
    try:
        assert f"digest schedule {DIGEST_SCHEDULE_ID} created" in await register(dev_env)
        assert f"digest schedule {DIGEST_SCHEDULE_ID} updated" in await register(dev_env)
        described = await dev_env.client.get_schedule_handle(DIGEST_SCHEDULE_ID).describe()
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert (action.workflow, action.task_queue) == ("DigestWorkflow", "digest-registered")
        assert described.schedule.spec.time_zone_name == DIGEST_TIMEZONE
    finally:
        await drop_schedule(dev_env.client)


@pytest.fixture
async def worker_on(clean_db: str) -> AsyncIterator[Any]:
    pools: list[asyncpg.Pool] = []

    async def start(client: Client) -> Any:
        pools.append(await create_pool(clean_db))
        queue = f"digest-{uuid.uuid4().hex}"
        return queue, create_worker(client, queue, pools[-1], DEFAULT_POLICY)

    yield start
    for pool in pools:
        await pool.close()


async def test_the_schedule_writes_one_digest_per_team_per_day(
    dev_env: WorkflowEnvironment, clean_db: str, worker_on: Any
) -> None:
    client = dev_env.client
    now = datetime.now(UTC)
    await seed(clean_db, now)
    queue, worker = await worker_on(client)
    today = local_day(now, DIGEST_TIMEZONE)
    days = [today - timedelta(days=n) for n in (4, 3, 2, 1)]
    handle = client.get_schedule_handle(DIGEST_SCHEDULE_ID)
    await drop_schedule(client)
    async with worker:
        assert await ensure_digest_schedule(client, queue) == "created"
        try:
            await handle.pause(note="paused by ops")
            # Run again (a redeploy): the schedule is brought in line, the pause kept.
            assert await ensure_digest_schedule(client, queue) == "updated"
            described = await handle.describe()
            assert (
                described.schedule.state.paused and described.schedule.state.note == "paused by ops"
            )

            backfill = ScheduleBackfill(
                start_at=datetime.combine(days[0], time(6), CPH),
                end_at=datetime.combine(days[-1], time(7), CPH),
                overlap=ScheduleOverlapPolicy.ALLOW_ALL,
            )
            query = f"WorkflowType = 'DigestWorkflow' AND TaskQueue = '{queue}'"

            async def completed() -> int:
                done = "ExecutionStatus = 'Completed'"
                return (await client.count_workflows(f"{query} AND {done}")).count

            await handle.backfill(backfill)
            await eventually(completed, lambda n: n == 4, "four digest runs", 60)
            written = await digests(clean_db)
            assert sorted(written) == [f"digest/sb-nord/{d.isoformat()}" for d in days]
            # The same days once more: four more runs, not one more row.
            await handle.backfill(backfill)
            await eventually(completed, lambda n: n == 8, "four more runs", 60)
            assert await digests(clean_db) == written
        finally:
            await handle.delete()
    text = written[f"digest/sb-nord/{days[-1].isoformat()}"]
    day = days[-1].isoformat()
    assert text.startswith(f"Dagligt overblik for sb-nord, {day}: 1 gået i stå, 1 med frist")
    assert "K-DIGEST-a: CV klar" in text and "K-DIGEST-b: Overlevering" in text
    assert "K-DIGEST-c" not in text and "K-DIGEST-d" not in text


async def test_the_digest_workflow_writes_each_virtual_day_once(
    ts_env: WorkflowEnvironment, clean_db: str, worker_on: Any
) -> None:
    client = ts_env.client
    start = await ts_env.get_current_time()
    await seed(clean_db, start)
    queue, worker = await worker_on(client)
    results: list[DigestResult] = []
    async with worker:
        for _ in range(3):
            # Time moves only by the sleeps below, not while a run is awaited.
            with ts_env.auto_time_skipping_disabled():
                for _ in range(2):  # twice a day: a manual run beside the scheduled one
                    results.append(
                        await client.execute_workflow(
                            DigestWorkflow.run, id=f"digest-{uuid.uuid4().hex}", task_queue=queue
                        )
                    )
            await ts_env.sleep(timedelta(days=1))
    assert [r.written for r in results] == [1, 0, 1, 0, 1, 0]
    days = [local_day(start + timedelta(days=n), DIGEST_TIMEZONE) for n in range(3)]
    assert [r.day for r in results[::2]] == days
    assert sorted(await digests(clean_db)) == [f"digest/sb-nord/{d.isoformat()}" for d in days]

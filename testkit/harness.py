"""A real worker per test on the time-skipping server, on a task queue of its own.

Nothing here is a mock. `open_harness` runs `composition.create_worker` (or a worker a
test builds itself); `Harness.case` gives a `CaseRun` (testkit/case_run.py), whose `send`
goes through `doors.ingest.send` (signal-with-start, then the receipt update) and whose row
helpers read the real tables. Time is the test server's: events occur "now" in virtual time,
and `Harness.sleep_until` skips ahead to a moment.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.db import create_pool
from composition import create_worker
from core.policy import Policy
from testkit.builders import DEFAULT_POLICY, load_policy, new_case_id
from testkit.case_run import CaseRun
from testkit.describe import describe
from testkit.samples import (
    CPH,
    MUNICIPALITY,
)

WorkerFactory = Callable[[Client, str, asyncpg.Pool, Path], Worker]


@dataclass
class Harness:
    """One test's view: the time-skipping server, a worker on its own queue, the pool."""

    env: WorkflowEnvironment
    queue: str
    pool: asyncpg.Pool
    policy_path: Path
    started: list[str] = field(default_factory=list)

    @property
    def client(self) -> Client:
        return self.env.client

    def policy(self, municipality: str = MUNICIPALITY) -> Policy:
        return load_policy(self.policy_path, municipality)

    def case(self, case_id: str | None = None) -> CaseRun:
        run = CaseRun(self, case_id or new_case_id())
        self.started.append(run.workflow_id)
        return run

    async def now(self) -> datetime:
        """The server's current (virtual) time, whole seconds, in Copenhagen."""
        moment = await self.env.get_current_time()
        return moment.astimezone(CPH).replace(microsecond=0)

    async def sleep_until(self, moment: datetime) -> None:
        """Skip the server's clock forward to `moment` (no-op if it has passed)."""
        gap = moment - await self.env.get_current_time()
        if gap > timedelta(0):
            await self.env.sleep(gap)

    async def skip(self, gap: timedelta) -> None:
        await self.env.sleep(gap)

    async def terminate_running(self) -> None:
        """Stop the cases a test left running: the session's server outlives the test."""
        for wid in self.started:
            try:
                if (await describe(self.client, wid)).status == WorkflowExecutionStatus.RUNNING:
                    await self.client.get_workflow_handle(wid).terminate(reason="test finished")
            except RPCError:
                continue


@asynccontextmanager
async def open_harness(
    env: WorkflowEnvironment,
    database_url: str,
    policy_path: Path = DEFAULT_POLICY,
    make_worker: WorkerFactory = create_worker,
) -> AsyncIterator[Harness]:
    """A pool and a running worker on a fresh task queue; running cases are terminated after."""
    pool = await create_pool(database_url)
    queue = f"test-{uuid.uuid4().hex}"
    harness = Harness(env=env, queue=queue, pool=pool, policy_path=policy_path)
    try:
        async with make_worker(env.client, queue, pool, policy_path):
            try:
                yield harness
            finally:
                await harness.terminate_running()
    finally:
        await pool.close()

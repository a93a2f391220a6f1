"""The baseline for bench/throughput.py: the least a Temporal workflow can do per signal.

One signal (delivered by signal-with-start), one activity that writes one row to PostgreSQL
through the same kind of asyncpg pool the case store uses, one short timer, done. Its rate
on a machine is the ceiling the case workflow is measured against.

A module of its own, not the benchmark's __main__: the workflow sandbox re-imports a
workflow's module by name, which __main__ never is.
"""

from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    # The sandbox re-imports this module for every workflow run: keep the driver out of it.
    import asyncpg

SIGNAL = "hit"
WRITE_ROW = "minimal_write_row"
TIMER = timedelta(seconds=1)
TABLE = "bench_minimal"
CREATE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    key        text        PRIMARY KEY,
    payload    text        NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Hit:
    key: str
    payload: str


@workflow.defn(name="MinimalWorkflow")
class MinimalWorkflow:
    def __init__(self) -> None:
        self._hits: list[Hit] = []

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: bool(self._hits))
        await workflow.execute_activity(
            WRITE_ROW,
            self._hits[0],
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1)),
        )
        await workflow.sleep(TIMER)

    @workflow.signal(name=SIGNAL)
    def hit(self, hit: Hit) -> None:
        self._hits.append(hit)


class MinimalStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name=WRITE_ROW)
    async def write_row(self, hit: Hit) -> None:
        """One row per workflow; idempotent on its key like the case store's writes."""
        async with self._pool.acquire() as conn:
            await conn.execute(
                f"INSERT INTO {TABLE} (key, payload) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                hit.key,
                hit.payload,
            )

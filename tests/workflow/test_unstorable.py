"""A step the database refuses for its data is never retried: its event is refused with the
database's reason and the case goes on (activities/unstorable.py, workflows/case.py).

The data error is a real one from the real PostgreSQL: a CHECK constraint added for the
test refuses events whose id starts with `poison` (intake lets nothing through that the
store's types refuse, so a constraint is the way to make the store refuse a valid event).
"""

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from testkit.harness import Harness, open_harness
from workflows.case import CaseWorkflow
from workflows.case_payloads import CaseInput, Delivery

POISON = "ALTER TABLE case_event ADD CONSTRAINT test_poison CHECK (event_id NOT LIKE 'poison%')"


@pytest.fixture
async def h(ts_env: WorkflowEnvironment, clean_db: str) -> AsyncIterator[Harness]:
    async with open_harness(ts_env, clean_db) as harness:
        await harness.pool.execute(POISON)
        try:
            yield harness
        finally:
            await harness.pool.execute("ALTER TABLE case_event DROP CONSTRAINT test_poison")


async def _rows(pool: asyncpg.Pool, table: str, case_id: str) -> list[str]:
    rows = await pool.fetch(f"SELECT event_id FROM {table} WHERE case_id = $1", case_id)
    return sorted(r["event_id"] for r in rows)


async def test_a_data_error_in_persist_refuses_the_event_at_once_and_the_case_goes_on(
    h: Harness,
) -> None:
    case = h.case()
    await case.accept("case_opened")
    refused = await case.send("job_goal_talk_held", event_id="poison-1")
    # Answered (not "unconfirmed" after the door's patience), with the database's reason.
    assert refused.outcome == "refused" and refused.field == "<event>", refused
    assert refused.reason and "CheckViolationError" in refused.reason
    assert "SQLSTATE 23514" in refused.reason
    state = await case.state()
    assert "poison-1" not in state.seen and state.seq == 1
    await case.accept("job_goal_talk_held")
    assert (await case.state()).seq == 2
    assert await _rows(h.pool, "refused_event", case.case_id) == ["poison-1"]
    assert "poison-1" not in await _rows(h.pool, "case_event", case.case_id)


async def test_one_unstorable_event_in_a_batch_refuses_only_that_one(h: Harness) -> None:
    case = h.case()
    now = await h.now()
    events = [
        case.event("case_opened", now),
        case.event("job_goal_talk_held", now, event_id="poison-2"),
        case.event("fit_for_work_declared", now),
    ]
    ids = [uuid.uuid4().hex for _ in events]
    # Three events in the case's first step: the store refuses the step as a whole.
    inbox = tuple(Delivery(event=e, delivery_id=d) for e, d in zip(events, ids, strict=True))
    await h.client.start_workflow(
        CaseWorkflow.run,
        CaseInput(case_id=case.case_id, inbox=inbox),
        id=case.workflow_id,
        task_queue=h.queue,
    )
    outcomes = [(await case.handle.execute_update("receipt", d)).get("outcome") for d in ids]
    assert outcomes == ["accepted", "refused", "accepted"]
    assert await _rows(h.pool, "refused_event", case.case_id) == ["poison-2"]
    logged = await _rows(h.pool, "case_event", case.case_id)
    assert logged == sorted([events[0].event_id, events[2].event_id])

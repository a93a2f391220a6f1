"""Refusals on a real Temporal server (time-skipping) and a real PostgreSQL.

Two kinds: the process refuses an event that is well formed but makes no sense for the case
as it stands (the workflow answers with field and reason, records a `refused_event` row and
changes nothing else); the door refuses an event that breaks the contract before it reaches
any case (`doors.ingest.ingest` reports the line, field and reason).
"""

import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from composition import create_worker
from core.stages import Stage
from doors.ingest import ingest
from testkit.builders import DEFAULT_POLICY
from testkit.case_run import CaseRun, reach
from testkit.harness import Harness, open_harness
from testkit.samples import OPENING, SAMPLE
from workflows.case import CaseWorkflow
from workflows.case_payloads import EVENT_SIGNAL, CaseInput, CaseResult, Delivery
from workflows.payloads import Receipt


@pytest.fixture
async def h(ts_env: WorkflowEnvironment, clean_db: str) -> AsyncIterator[Harness]:
    async with open_harness(ts_env, clean_db) as harness:
        yield harness


Data = Callable[[date], dict[str, Any]]


def nothing(day: date) -> dict[str, Any]:
    return {}


# (case in, event type, its data from today, refused field, reason)
REFUSALS: dict[str, tuple[Stage | str, str, Data, str, str]] = {
    "handover_accepted with no handover pending": (
        Stage.JOB_GOAL_TALK,
        "handover_accepted",
        nothing,
        "type",
        "no handover is waiting for an answer (stage JOB_GOAL_TALK)",
    ),
    "handover_rejected with no handover pending": (
        Stage.MATCHING,
        "handover_rejected",
        nothing,
        "type",
        "no handover is waiting for an answer (stage MATCHING)",
    ),
    "match_declined for an unknown opening": (
        "proposed",
        "match_declined",
        lambda day: {"opening_id": "O-2026-9999"},
        "data.opening_id",
        "no open proposal for this opening",
    ),
    "match_proposed before matching": (
        Stage.CV_READINESS,
        "match_proposed",
        nothing,
        "type",
        "matching has not started (stage CV_READINESS)",
    ),
    "placement_started before matching": (
        Stage.HANDOVER,
        "placement_started",
        nothing,
        "type",
        "matching has not started (stage HANDOVER)",
    ),
    "progression_scored with no placement": (
        Stage.CV_READINESS,
        "progression_scored",
        nothing,
        "type",
        "no placement under way (stage CV_READINESS)",
    ),
    "followup_held with no after-care": (
        Stage.MATCHING,
        "followup_held",
        nothing,
        "type",
        "no after-care under way (stage MATCHING)",
    ),
    "case_resumed when not paused": (
        Stage.JOB_GOAL_TALK,
        "case_resumed",
        nothing,
        "type",
        "case is not paused",
    ),
    "case_paused beyond the maximum pause": (
        Stage.CV_READINESS,
        "case_paused",
        lambda day: {"review_on": (day + timedelta(weeks=12, days=1)).isoformat()},
        "data.review_on",
        "lies beyond the policy's maximum pause (12 weeks)",
    ),
    "case_paused when already paused": (
        "paused",
        "case_paused",
        nothing,
        "type",
        "case is already paused",
    ),
    "deadline_moved while paused": (
        "paused",
        "deadline_moved",
        nothing,
        "type",
        "case is paused: resume it, or pause again with a new review date",
    ),
    "a second case_opened": (
        Stage.CV_READINESS,
        "case_opened",
        nothing,
        "type",
        "case already opened",
    ),
}


async def prepare(case: CaseRun, where: Stage | str) -> None:
    if where == "paused":
        await reach(case, Stage.CV_READINESS)
        await case.accept("case_paused")
    elif where == "proposed":
        await reach(case, Stage.MATCHING)
        await case.accept("match_proposed", opening_id=OPENING)
    else:
        assert isinstance(where, Stage)
        await reach(case, where)


@pytest.mark.parametrize("name", list(REFUSALS))
async def test_the_process_refuses_with_field_and_reason(h: Harness, name: str) -> None:
    where, kind, data, field, reason = REFUSALS[name]
    case = h.case()
    await prepare(case, where)
    before = await case.expect_attributes()
    logged_before = await case.logged_ids()
    outbox_before = await case.outbox_keys()

    event = case.event(kind, await h.now(), **data((await h.now()).date()))
    receipt = await case.deliver(event)

    assert receipt == Receipt(outcome="refused", field=field, reason=reason)
    after = await case.expect_attributes()
    # Nothing else happens: same state version, nothing logged or sent, the id not "seen".
    assert after.state.version == before.state.version
    assert after.state == before.state
    assert after.projection == before.projection
    assert event.event_id not in after.state.seen
    assert await case.logged_ids() == logged_before
    assert await case.outbox_keys() == outbox_before
    # Nothing lost: the refusal is on record with its reason.
    [row] = await case.refused()
    assert (row["event_id"], row["field"], row["reason"]) == (event.event_id, field, reason)


async def test_an_event_for_a_closed_case_is_refused_by_the_case(h: Harness) -> None:
    """case_closed and a later event in one batch: the workflow itself refuses the second.
    The deliveries wait on a queue with no worker yet, so the case sees all three at once."""
    case = h.case()
    now = await h.now()
    opened = case.event("case_opened", now)
    closed = case.event("case_closed", now, outcome="back_to_sick_leave")
    late = case.event("job_goal_talk_held", now)
    deliveries = [Delivery(event=e, delivery_id=uuid.uuid4().hex) for e in (opened, closed, late)]

    idle_queue = f"idle-{uuid.uuid4().hex}"
    handle = await h.client.start_workflow(
        CaseWorkflow.run,
        CaseInput(case_id=case.case_id),
        id=case.workflow_id,
        task_queue=idle_queue,
        start_signal=EVENT_SIGNAL,
        start_signal_args=[deliveries[0]],
    )
    for delivery in deliveries[1:]:
        await handle.signal(EVENT_SIGNAL, delivery)

    async with create_worker(h.client, idle_queue, h.pool, DEFAULT_POLICY):
        result = await case.result()
        assert result == CaseResult(
            case_id=case.case_id, outcome="back_to_sick_leave", events_applied=2
        )
        receipts = [await case.receipt_of(d.delivery_id or "") for d in deliveries]
        state = (await case.settled()).state

    assert [r.outcome for r in receipts] == ["accepted", "accepted", "refused"]
    assert receipts[2] == Receipt(outcome="refused", field="case_id", reason="case closed")
    assert state.stage is Stage.CLOSED
    assert late.event_id not in state.seen
    assert state.timeline[-1].what.startswith("case_closed accepted")
    assert await case.logged_ids() == [opened.event_id, closed.event_id]
    [row] = await case.refused()
    assert (row["event_id"], row["field"], row["reason"]) == (
        late.event_id,
        "case_id",
        "case closed",
    )


async def test_the_door_refuses_what_breaks_the_contract(h: Harness) -> None:
    """The shared sample file: ex-0008 has no `complete`, ex-0009 carries a CPR number in its
    reason; the other seven are accepted. Case ids get a suffix of this test's own, as the
    session's server is shared."""
    suffix = uuid.uuid4().hex[:8]
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    objects = [json.loads(line) for line in lines if line.strip()]
    cases = sorted({o["case_id"] for o in objects})
    for obj in objects:
        obj["case_id"] = f"{obj['case_id']}-{suffix}"
    batch = [json.dumps(o, ensure_ascii=False) for o in objects]
    runs = {c: h.case(f"{c}-{suffix}") for c in cases}
    by_line = {n: o["event_id"] for n, o in enumerate(objects, 1)}

    report = await ingest(h.client, h.queue, batch)

    assert (report.accepted, report.duplicate, report.unconfirmed) == (7, 0, [])
    refused = [(by_line[r.line], r.field, r.reason) for r in report.refused]
    assert refused == [
        ("ex-0008", "data.complete", "is required"),
        ("ex-0009", "data.reason", "holds a CPR-like number; send no personal identity numbers"),
    ]
    assert not report.ok

    # Refused at the door: the cases never saw them, and nothing was recorded for them.
    first, second = (runs[c] for c in cases)
    assert await first.logged_ids() == [f"ex-000{n}" for n in range(1, 7)]
    assert await second.logged_ids() == ["ex-0007"]
    second_state = (await second.settled()).state
    assert second_state.seen == {"ex-0007"}
    assert await first.refused() == [] and await second.refused() == []
    assert "120375" not in json.dumps(report.refused, default=str)

    # The same batch again: every accepted event is a duplicate, the refusals the same.
    again = await ingest(h.client, h.queue, batch)
    assert (again.accepted, again.duplicate) == (0, 7)
    assert [(r.line, r.field) for r in again.refused] == [(r.line, r.field) for r in report.refused]
    assert (await second.settled()).state.version == second_state.version

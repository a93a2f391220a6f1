"""Messages sent straight to a case workflow, past the doors (anyone with access to
Temporal can send them), meet the same contract: what intake refuses, the `submit` update's
validator turns away and the `event` signal refuses with intake's field and reason."""

from collections.abc import AsyncIterator

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from core.case.events import Event
from core.intake import contract_refusals, parse_event
from core.kernel.refusal import Refused
from testkit.harness import Harness, open_harness
from workflows.case_payloads import EVENT_SIGNAL, SUBMIT_UPDATE, Delivery
from workflows.payloads import Receipt

CPR = "010190-1234"  # a real date: CPR-like


@pytest.fixture
async def h(ts_env: WorkflowEnvironment, clean_db: str) -> AsyncIterator[Harness]:
    async with open_harness(ts_env, clean_db) as harness:
        yield harness


def past_the_door(event: Event, **data: object) -> Event:
    """The event with data intake refuses, built as a client could build it: the models
    alone do not check for CPR-like numbers or facts dated after the event."""
    changed = event.model_copy(update={"data": event.data.model_copy(update=data)})
    with pytest.raises(Refused):
        parse_event(changed.model_dump(mode="json"))
    return changed


def test_contract_refusals_name_what_intake_names() -> None:
    event = parse_event(
        '{"event_id": "e-1", "case_id": "K-a", "type": "case_paused", "occurred_at": '
        '"2026-11-23T09:30:00+01:00", "data": {"reason": "syg", "review_on": "2026-12-01"}}'
    )
    assert contract_refusals(event) == []
    refused = past_the_door(event, reason=f"borger {CPR}")
    [refusal] = contract_refusals(refused)
    assert (refusal.field, "CPR" in refusal.reason) == ("data.reason", True)


async def test_submit_and_signal_refuse_what_intake_refuses(h: Harness) -> None:
    case = h.case()
    now = await h.now()
    handle = await case.start(case.event("case_opened", now))
    await case.settled()
    paused = case.event("case_paused", now, reason="syg")
    cpr = past_the_door(paused, reason=f"borger {CPR}")
    late = past_the_door(
        case.event("job_goal_talk_held", now), held_on=now.date().replace(year=2099)
    )

    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(
            SUBMIT_UPDATE, Delivery(event=cpr, delivery_id="u-1"), result_type=Receipt
        )
    assert "data.reason: holds a CPR-like number" in str(failed.value.cause)

    for n, event in enumerate((cpr, late)):
        await handle.signal(EVENT_SIGNAL, Delivery(event=event, delivery_id=f"s-{n}"))
    receipts = [await case.receipt_of(f"s-{n}") for n in range(2)]
    assert [(r.outcome, r.field) for r in receipts] == [
        ("refused", "data.reason"),
        ("refused", "data.held_on"),
    ]
    assert receipts[1].reason == "lies after occurred_at"
    s = await case.settled()
    assert (s.state.seq, s.state.paused) == (1, False)
    assert await case.logged_ids() == [case.sent[0].event_id]

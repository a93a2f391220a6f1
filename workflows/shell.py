"""What the case and opening shells share: the policy read, receipts, history length.

Workflow code: deterministic, no I/O (the policy is read by a local activity).
"""

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from core.case.events import Event
    from core.case.state import RecordRefusal
    from core.intake import contract_refusals
    from core.opening.events import OpeningEvent
    from core.policy import Policy
    from workflows.activity_names import LOAD_POLICY, UNSTORABLE
    from workflows.case_payloads import Delivery, PersistRequest
    from workflows.payloads import Receipt

RECEIPT_WAIT = timedelta(minutes=2)
RECEIPTS_KEPT = 500
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)


def patiently(summary: str, seconds: int = 30) -> workflow.ActivityConfig:
    """How the shells run an activity: each try bounded, retried until it succeeds."""
    return workflow.ActivityConfig(
        start_to_close_timeout=timedelta(seconds=seconds),
        retry_policy=ACTIVITY_RETRY,
        summary=summary,
    )


async def load_policy(municipality: str) -> Policy:
    """The municipality's policy, recorded in the history: the entity keeps this snapshot."""
    policy: Policy = await workflow.execute_local_activity(
        LOAD_POLICY,
        municipality,
        result_type=Policy,
        start_to_close_timeout=timedelta(seconds=10),
        retry_policy=ACTIVITY_RETRY,
        summary=f"Load the deadline policy for {municipality}",
    )
    return policy


async def receipt_for(receipts: dict[str, Receipt], delivery_id: str, what: str) -> Receipt:
    """Wait (a while) until the delivery has been applied; unknown if it has not."""
    try:
        await workflow.wait_condition(
            lambda: delivery_id in receipts, timeout=RECEIPT_WAIT, timeout_summary=what
        )
    except TimeoutError:
        return Receipt()
    return receipts[delivery_id]


def refused_by_contract(event: Event | OpeningEvent) -> Receipt | None:
    """A message sent straight to the workflow meets the doors' contract too: what intake
    refuses is refused here, with its field and reason, and changes nothing. Every recorded
    history came through a door, so none of them has such an event and they replay alike."""
    refusals = contract_refusals(event)
    if not refusals:
        return None
    return Receipt(outcome="refused", field=refusals[0].field, reason=refusals[0].reason)


def remember(receipts: dict[str, Receipt], new: dict[str, Receipt]) -> None:
    # A door that timed out sends the same delivery again: its first receipt is the answer
    # (the repeat is a duplicate of it). Receipts are only for senders checking on recent
    # deliveries: keep the newest deliveries.
    for delivery_id, receipt in new.items():
        receipts.setdefault(delivery_id, receipt)
    for stale in list(receipts)[: max(0, len(receipts) - RECEIPTS_KEPT)]:
        del receipts[stale]


def history_is_long(limit: int) -> bool:
    info = workflow.info()
    return info.is_continue_as_new_suggested() or info.get_current_history_length() > limit


def unstorable_reason(err: ActivityError) -> str | None:
    """The database's reason when it refused a step for its data (never retried), else None."""
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.type == UNSTORABLE:
        return cause.message
    return None


def refused_step(delivery: Delivery, reason: str, now: datetime) -> tuple[PersistRequest, Receipt]:
    """What refusing an event the store cannot hold writes (a refusal row) and answers."""
    event = delivery.event
    workflow.logger.error(
        "case %s: event %s refused, the database cannot store it", event.case_id, event.event_id
    )
    refusal = RecordRefusal(case_id=event.case_id, event_id=event.event_id, field="<event>",
                            reason=reason, refused_at=now)  # fmt: skip
    request = PersistRequest(case_id=event.case_id, effects=(refusal,))
    return request, Receipt(outcome="refused", field=refusal.field, reason=reason)

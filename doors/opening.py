"""The door for openings: the company service's events start or reach `opening-<id>`. The
case events that name an opening (a proposal, a placement) reach it from the case workflow
itself (workflows/hand_off.py), not through a door."""

import sys
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from core.describe import plain
from core.opening_events import OpeningEvent
from core.opening_words import describe_opening, summary
from infrastructure.patience import CALL_TIMEOUT
from workflows.opening import OpeningWorkflow
from workflows.opening_messages import (
    OPENING_EVENT_SIGNAL,
    OpeningDelivery,
    OpeningInput,
    opening_workflow_id,
)


async def deliver_opening(
    client: Client, task_queue: str, event: OpeningEvent, delivery_id: str
) -> WorkflowHandle[Any, Any] | None:
    """Signal-with-start one opening event; returns the handle (None: opening closed)."""
    delivery = OpeningDelivery(event=event, delivery_id=delivery_id)
    try:
        handle = await client.start_workflow(
            OpeningWorkflow.run,
            OpeningInput(opening_id=event.opening_id),
            id=opening_workflow_id(event.opening_id),
            task_queue=task_queue,
            start_signal=OPENING_EVENT_SIGNAL,
            start_signal_args=[delivery],
            # A filled or withdrawn opening stays closed, as a closed case does.
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            static_summary=summary(event.opening_id),
            static_details="Started by the company service's event door. Current details: "
            "status, employer, occupation, candidates-by deadline, proposals.",
            rpc_timeout=CALL_TIMEOUT,
        )
    except WorkflowAlreadyStartedError:
        return None
    return handle


async def opening_status(client: Client, opening_id: str, as_json: bool) -> int:
    """`starter.py opening`: the opening in words and its timeline (or its state as JSON)."""
    handle = client.get_workflow_handle(opening_workflow_id(opening_id))
    try:
        state = await handle.query(OpeningWorkflow.state)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            print(f"no opening {opening_id}", file=sys.stderr)
            return 1
        raise
    if as_json:
        print(state.model_dump_json(indent=2, exclude={"held"}))
        return 0
    tz = state.policy.timezone if state.policy else "Europe/Copenhagen"
    print(plain(describe_opening(state), state.timeline, tz))
    return 0

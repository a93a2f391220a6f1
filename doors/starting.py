"""Starting an entity's workflow with its first delivery, or signalling the running one: the
one way the doors send an event to a case (`case-<id>`) or an opening (`opening-<id>`). The
case events that name an opening (a proposal, a placement) reach it from the case workflow
itself (workflows/hand_off.py), not through a door."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from core.case.details import summary as case_summary
from core.case.events import Event
from core.opening.events import OpeningEvent
from core.opening.words import summary as opening_summary
from infrastructure.patience import CALL_TIMEOUT
from workflows.case import CaseWorkflow
from workflows.case_payloads import EVENT_SIGNAL, CaseInput, Delivery, workflow_id
from workflows.opening import OpeningWorkflow
from workflows.opening_payloads import (
    OPENING_EVENT_SIGNAL,
    OpeningDelivery,
    OpeningInput,
    opening_workflow_id,
)


@dataclass(frozen=True)
class Entrance:
    """How a door reaches one kind of entity: its workflow and first input, its workflow id,
    the signal that carries an event, and what the Web UI shows of a new one."""

    run: Callable[[Any, Any], Awaitable[Any]]
    first_input: Callable[[str], object]
    delivery: Callable[..., object]
    workflow_id: Callable[[str], str]
    signal: str
    summary: Callable[[str], str]
    details: str


CASES = Entrance(
    CaseWorkflow.run,
    lambda case_id: CaseInput(case_id=case_id),
    Delivery,
    workflow_id,
    EVENT_SIGNAL,
    case_summary,
    "Started by the case system's event door. Current details: stage, owner, next deadline, "
    "last event and escalation.",
)
OPENINGS = Entrance(
    OpeningWorkflow.run,
    lambda opening_id: OpeningInput(opening_id=opening_id),
    OpeningDelivery,
    opening_workflow_id,
    OPENING_EVENT_SIGNAL,
    opening_summary,
    "Started by the company service's event door. Current details: status, employer, "
    "occupation, candidates-by deadline, proposals.",
)


async def deliver(
    client: Client, task_queue: str, event: Event | OpeningEvent, delivery_id: str
) -> WorkflowHandle[Any, Any] | None:
    """Signal-with-start one event to its case or opening; its handle (None: closed)."""
    if isinstance(event, OpeningEvent):
        entrance, entity_id = OPENINGS, event.opening_id
    else:
        entrance, entity_id = CASES, event.case_id
    return await signal_with_start(client, task_queue, entrance, entity_id, event, delivery_id)


async def signal_with_start(
    client: Client,
    task_queue: str,
    entrance: Entrance,
    entity_id: str,
    event: Event | OpeningEvent,
    delivery_id: str,
) -> WorkflowHandle[Any, Any] | None:
    delivery = entrance.delivery(event=event, delivery_id=delivery_id)
    try:
        return await client.start_workflow(
            entrance.run,
            entrance.first_input(entity_id),
            id=entrance.workflow_id(entity_id),
            task_queue=task_queue,
            start_signal=entrance.signal,
            start_signal_args=[delivery],
            # A closed case or opening stays closed: its id never starts a new run. Only a
            # run that ops terminated or that failed may be started again.
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            static_summary=entrance.summary(entity_id),
            static_details=entrance.details,
            rpc_timeout=CALL_TIMEOUT,
        )
    except WorkflowAlreadyStartedError:
        return None

"""The case system's door into Temporal: validate, deliver by signal-with-start, confirm.

Shared by `starter.py` and any other door (HTTP later), so every door refuses the same
events with the same reasons. Events of one case go in the order given; cases in parallel.
"""

import asyncio
import time
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import structlog
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError

from core.case.events import Event
from core.intake import parse_any
from core.kernel.refusal import Refused
from core.opening.events import OpeningEvent
from doors.starting import deliver
from infrastructure.patience import PATIENCE, Undelivered, patiently
from infrastructure.served import served_municipalities
from workflows.case_payloads import (
    RECEIPT_QUERY,
    RECEIPT_UPDATE,
    workflow_id,
)
from workflows.opening_payloads import opening_workflow_id
from workflows.payloads import Receipt

log = structlog.get_logger(__name__)

# Receipt updates waited for at once per case: the server refuses more than 10 in-flight
# updates on one workflow, and a case system's batch can hold more events of one case.
RECEIPTS_AT_ONCE = 8
CLOSED = Receipt(outcome="refused", field="case_id", reason="case closed")
OPENING_CLOSED = Receipt(outcome="refused", field="opening_id", reason="opening closed")


@dataclass
class RefusedLine:
    line: int
    field: str
    reason: str


@dataclass
class IngestReport:
    accepted: int = 0
    duplicate: int = 0
    refused: list[RefusedLine] = field(default_factory=list)
    unconfirmed: list[int] = field(default_factory=list)

    def count(self, line: int, receipt: Receipt) -> None:
        if receipt.outcome in ("accepted", "held"):
            self.accepted += 1
        elif receipt.outcome == "duplicate":
            self.duplicate += 1
        elif receipt.outcome == "refused":
            self.refused.append(RefusedLine(line, receipt.field or "?", receipt.reason or "?"))
        else:
            self.unconfirmed.append(line)

    @property
    def ok(self) -> bool:
        return not self.refused and not self.unconfirmed


async def confirm(
    handle: WorkflowHandle[Any, Any], delivery_id: str, patience: float = PATIENCE
) -> Receipt:
    """Wait for the case to apply a delivery; a case that has closed answers by query.

    A case answers only once its step is persisted, so while PostgreSQL is down the update
    gives up and the query does not know yet; while its last workflow task failed (a worker
    killed mid-task, a task timed out on a starved CPU) or the server is frozen (the call
    times out) it answers neither. Temporal retries
    both, so ask again for `patience` seconds, then give up: an unknown receipt, reported
    as unconfirmed."""
    deadline = time.monotonic() + patience
    while True:
        try:
            receipt: Receipt = await handle.execute_update(
                RECEIPT_UPDATE, delivery_id, result_type=Receipt
            )
            return receipt
        except (WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, RPCError):
            try:
                receipt = await handle.query(RECEIPT_QUERY, delivery_id, result_type=Receipt)
            except RPCError:
                receipt = Receipt()
            if receipt.outcome is not None or time.monotonic() > deadline:
                return receipt
        await asyncio.sleep(1)


async def deliver_any(
    client: Client, task_queue: str, event: Event | OpeningEvent
) -> tuple[WorkflowHandle[Any, Any] | None, str]:
    """Route by kind (a case event to its case, an opening event to its opening); returns
    the handle (None: closed) and the delivery id to confirm.

    While the server does not answer (busy past CALL_TIMEOUT, frozen, restarting) the same
    delivery is sent again for PATIENCE seconds: the entity dedupes by event id and keeps a
    delivery's first receipt, so a repeat of one it took changes nothing. Then Undelivered."""
    delivery_id = uuid.uuid4().hex

    async def once() -> WorkflowHandle[Any, Any] | None:
        return await deliver(client, task_queue, event, delivery_id)

    return await patiently(once, PATIENCE, entity_id(event)), delivery_id


async def send(client: Client, task_queue: str, event: Event | OpeningEvent) -> Receipt:
    try:
        handle, delivery_id = await deliver_any(client, task_queue, event)
    except Undelivered:
        return Receipt()
    if handle is None:
        return OPENING_CLOSED if isinstance(event, OpeningEvent) else CLOSED
    return await confirm(handle, delivery_id)


def entity_id(event: Event | OpeningEvent) -> str:
    """The workflow an event belongs to: its events go there in the order given."""
    if isinstance(event, OpeningEvent):
        return opening_workflow_id(event.opening_id)
    return workflow_id(event.case_id)


async def ingest(
    client: Client,
    task_queue: str,
    lines: Iterable[str | bytes],
    concurrency: int = 16,
    on_done: Callable[[int], None] = lambda n: None,
    served: Collection[str] | None = None,
) -> IngestReport:
    """Validate every line, send the valid ones, and count what became of each. `served`:
    the municipalities an event may name, by default those of the policy file."""
    report = IngestReport()
    places = served_municipalities() if served is None else served
    by_case: dict[str, list[tuple[int, Event | OpeningEvent]]] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            event = parse_any(line, places)
        except Refused as refusal:
            report.refused += [RefusedLine(number, r.field, r.reason) for r in refusal.refusals]
            on_done(1)
            continue
        by_case.setdefault(entity_id(event), []).append((number, event))
    gate = asyncio.Semaphore(concurrency)

    async def confirmed(
        number: int,
        event: Event | OpeningEvent,
        handle: WorkflowHandle[Any, Any] | None,
        delivery: str,
    ) -> Receipt:
        closed = OPENING_CLOSED if isinstance(event, OpeningEvent) else CLOSED
        receipt = await confirm(handle, delivery) if handle else closed
        report.count(number, receipt)
        on_done(1)
        return receipt

    async def deliver_in_order(
        events: list[tuple[int, Event | OpeningEvent]],
    ) -> list[tuple[int, Event | OpeningEvent, WorkflowHandle[Any, Any] | None, str]]:
        sent = []
        for number, event in events:
            try:
                sent.append((number, event, *await deliver_any(client, task_queue, event)))
            except Undelivered:
                # The case's later events wait with it: sending them would reorder the case.
                for later, _ in events[len(sent) :]:
                    report.unconfirmed.append(later)
                    on_done(1)
                break
        return sent

    async def one_case(events: list[tuple[int, Event | OpeningEvent]]) -> None:
        # One case's events go in its order; their receipts may come back in any order.
        async with gate:
            sent = await deliver_in_order(events)
            updates = asyncio.Semaphore(RECEIPTS_AT_ONCE)

            async def limited(number: int, event: Event | OpeningEvent, *rest: Any) -> Receipt:
                async with updates:
                    return await confirmed(number, event, *rest)

            # The case itself tells an opening of a proposal or placement it accepted
            # (workflows/hand_off.py): nothing of it hangs on this process staying alive.
            await asyncio.gather(*(limited(*delivery) for delivery in sent))

    await asyncio.gather(*(one_case(events) for events in by_case.values()))
    report.refused.sort(key=lambda r: r.line)
    report.unconfirmed.sort()
    return report

"""The opening workflow: a thin durable shell around `core.opening.process.decide_opening`.

One loop waits for the next event or the candidates-by deadline, lets the core decide,
persists the effects (and the candidate suggestions) through one activity, and keeps the
search attributes and the UI's details current. No clock, randomness or I/O here.
"""

import contextlib
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from core.opening.events import OpeningEvent
    from core.opening.process import decide_opening, next_opening_wakeup
    from core.opening.projection import project_opening
    from core.opening.state import OpeningEffect, OpeningState
    from core.opening.words import describe_opening, waiting_summary
    from core.policy import Policy
    from workflows import search_attributes as sa
    from workflows.activity_names import PERSIST_OPENING
    from workflows.case_payloads import Receipt, Timeline
    from workflows.opening_payloads import (
        OpeningDelivery,
        OpeningInput,
        OpeningResult,
        PersistOpeningRequest,
    )
    from workflows.shell import (
        ACTIVITY_RETRY,
        history_is_long,
        load_policy,
        receipt_for,
        refused_by_contract,
        remember,
    )


@workflow.defn(name="OpeningWorkflow")
class OpeningWorkflow:
    @workflow.init
    def __init__(self, inp: OpeningInput) -> None:
        self._state = inp.state or OpeningState(opening_id=inp.opening_id)
        self._inbox: list[OpeningDelivery] = list(inp.inbox)
        self._receipts: dict[str, Receipt] = dict(inp.receipts)
        self._shown: list[SearchAttributeUpdate[Any]] = []

    @workflow.run
    async def run(self, inp: OpeningInput) -> OpeningResult:
        self._show()
        while True:
            await self._wait()
            await self._step()
            if self._state.closed and not self._inbox:
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self._inbox:
                    return OpeningResult(
                        opening_id=self._state.opening_id,
                        status=self._state.status,
                        placed_case_id=self._state.placed_case_id,
                    )
            elif history_is_long(inp.continue_as_new_after) and not self._inbox:
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    OpeningInput(
                        opening_id=self._state.opening_id,
                        state=self._state,
                        receipts=self._receipts,
                        continue_as_new_after=inp.continue_as_new_after,
                    )
                )

    # --- messages -------------------------------------------------------------------

    @workflow.signal(name="opening_event", description="An opening event (OpeningDelivery).")
    def opening_event(self, delivery: OpeningDelivery) -> None:
        """Intake: signal-with-start delivers here, so an event before registration is held."""
        if refused := refused_by_contract(delivery.event):
            if delivery.delivery_id:
                remember(self._receipts, {delivery.delivery_id: refused})
            return
        self._inbox.append(delivery)

    @workflow.update(
        name="receipt", description="What became of a delivery sent by signal (waits for it)."
    )
    async def receipt(self, delivery_id: str) -> Receipt:
        return await receipt_for(
            self._receipts, delivery_id, "Waiting for the opening to apply the event"
        )

    @receipt.validator
    def _validate_receipt(self, delivery_id: str) -> None:
        if not delivery_id:
            raise ValueError("delivery_id: is required")

    @workflow.query(name="receipt_of", description="A delivery's receipt, without waiting.")
    def receipt_of(self, delivery_id: str) -> Receipt:
        return self._receipts.get(delivery_id, Receipt())

    @workflow.query(name="state", description="The whole opening state.")
    def state(self) -> OpeningState:
        return self._state

    @workflow.query(name="timeline", description="Every step of the opening, with its time.")
    def timeline(self) -> Timeline:
        return Timeline(entries=self._state.timeline)

    @workflow.query(name="details", description="The opening in words, as in Current details.")
    def details(self) -> str:
        return describe_opening(self._state)

    # --- the loop -------------------------------------------------------------------

    async def _wait(self) -> None:
        if self._inbox:
            return
        now = workflow.now()
        wake = next_opening_wakeup(self._state)
        if wake is not None and wake <= now:
            return
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: bool(self._inbox),
                timeout=None if wake is None else wake - now,
                timeout_summary=waiting_summary(self._state),
            )

    async def _step(self) -> None:
        now = workflow.now()
        batch, self._inbox = self._inbox, []
        before = self._state.version
        effects: list[OpeningEffect] = []
        deliveries: list[OpeningDelivery | None] = [*batch] or [None]  # None: the clock
        for delivery in deliveries:
            event = delivery.event if delivery else None
            policy = await self._policy_for(event) if isinstance(event, OpeningEvent) else None
            decision = decide_opening(self._state, event, now, policy)
            self._state = decision.state
            effects += decision.effects
            if delivery and delivery.delivery_id:
                receipt = Receipt(
                    outcome=decision.outcome, field=decision.field, reason=decision.reason
                )
                remember(self._receipts, {delivery.delivery_id: receipt})
        if effects or self._state.version != before:
            request = PersistOpeningRequest(
                opening_id=self._state.opening_id,
                effects=tuple(effects),
                projection=project_opening(self._state),
            )
            await workflow.execute_activity(
                PERSIST_OPENING,
                request,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=ACTIVITY_RETRY,
                summary=request.summary(),
            )
        self._show()

    async def _policy_for(self, event: OpeningEvent) -> Policy | None:
        if event.type != "opening_registered" or self._state.registered:
            return None
        return await load_policy(getattr(event.data, "municipality", ""))

    def _show(self) -> None:
        """Keep search attributes and the UI's current details in step with the state."""
        workflow.set_current_details(describe_opening(self._state))
        if not self._state.registered:
            return
        wake = next_opening_wakeup(self._state)
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.OPENING_STATUS.value_set(self._state.status),
            sa.ESCALATION_LEVEL.value_set(self._state.escalation_level),
            sa.NEXT_DEADLINE.value_set(wake) if wake else sa.NEXT_DEADLINE.value_unset(),
        ]
        for key, value in (
            (sa.OPENING_KIND, self._state.kind),
            (sa.EMPLOYER, self._state.employer),
            (sa.OWNER, self._state.owner),
            (sa.MUNICIPALITY, self._state.municipality),
            (sa.DEPARTMENT, "company_service"),
        ):
            updates.append(key.value_set(value) if value else key.value_unset())
        if updates != self._shown:
            workflow.upsert_search_attributes(updates)
            self._shown = updates

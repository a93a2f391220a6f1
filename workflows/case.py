"""The case workflow: a thin durable shell around `core.case.process.decide`.

One loop waits for the next event or the next deadline, lets the core decide, persists
the effects through one activity, and keeps search attributes and the UI's details current.
No clock, randomness or I/O here: time is `workflow.now()`, I/O is in activities.
"""

import contextlib
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from core.case.describe import describe, waiting_summary
    from core.case.events import Event
    from core.case.ladder import next_wakeup
    from core.case.process import decide
    from core.case.projection import project
    from core.case.stages import Stage
    from core.case.state import CaseState, Effect
    from core.delivery import DeliveryNews
    from core.policy import Policy
    from workflows import search_attributes as sa
    from workflows.activity_names import PERSIST_CASE, SUGGEST_OPENINGS
    from workflows.case_payloads import (
        DELIVERY_SIGNAL,
        CaseInput,
        CaseResult,
        Delivery,
        PersistRequest,
        Receipt,
        SuggestRequest,
        Timeline,
    )
    from workflows.hand_off import tell_openings
    from workflows.shell import (
        ACTIVITY_RETRY,
        history_is_long,
        load_policy,
        receipt_for,
        refused_by_contract,
        refused_step,
        remember,
        unstorable_reason,
    )

# When the clock is already overdue after a batch (a backlog sent late), wait this long
# for the rest of the backlog before firing escalations it might make moot.
BACKLOG_SETTLE = timedelta(seconds=5)
# Patch (see README, "Changing the workflow"): opening suggestions for a case entering
# MATCHING run in an activity of their own after the step is written, so a slow or failing
# matching query neither holds the step's transaction nor makes the step's writes retry.
# Cases whose history predates it keep suggesting inside the step until they end.
SUGGEST_APART = "suggest-openings-apart"


@workflow.defn(name="CaseWorkflow")
class CaseWorkflow:
    @workflow.init
    def __init__(self, inp: CaseInput) -> None:
        self._state = inp.state or CaseState(case_id=inp.case_id)
        self._inbox: list[Delivery] = list(inp.inbox)
        self._receipts: dict[str, Receipt] = dict(inp.receipts)
        self._deliveries = inp.deliveries
        self._settle_until: datetime | None = None
        self._shown: list[SearchAttributeUpdate[Any]] = []

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseResult:
        self._show()
        while True:
            await self._wait()
            await self._step()
            if self._state.closed and not self._inbox:
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self._inbox:
                    return CaseResult(
                        case_id=self._state.case_id,
                        outcome=self._state.outcome,
                        events_applied=self._state.seq,
                    )
            elif history_is_long(inp.continue_as_new_after) and not self._inbox:
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    CaseInput(
                        case_id=self._state.case_id,
                        state=self._state,
                        inbox=tuple(self._inbox),
                        receipts=self._receipts,
                        continue_as_new_after=inp.continue_as_new_after,
                        deliveries=self._deliveries,
                    )
                )

    # --- messages -------------------------------------------------------------------

    @workflow.signal(name="event", description="An event from the case system (Delivery).")
    def event(self, delivery: Delivery) -> None:
        """Intake: signal-with-start delivers here, so an event before case_opened is held."""
        if refused := refused_by_contract(delivery.event):
            if delivery.delivery_id:
                remember(self._receipts, {delivery.delivery_id: refused})
            return
        self._inbox.append(delivery)

    @workflow.signal(
        name=DELIVERY_SIGNAL, description="What became of an outbox message (the relay)."
    )
    def outbox_delivery(self, news: DeliveryNews) -> None:
        """Kept in the state, shown in Current details; issues no command."""
        self._deliveries = self._deliveries.heard(news)
        workflow.set_current_details(self._details())

    @workflow.update(
        name="submit", description="An event, answered once applied: accepted/duplicate/refused."
    )
    async def submit(self, delivery: Delivery) -> Receipt:
        """Intake with a synchronous answer: accepted, duplicate, held or refused (why)."""
        self._inbox.append(delivery)
        return await self._receipt_for(delivery.delivery_id or "")

    @submit.validator
    def _validate_submit(self, delivery: Delivery) -> None:
        if not delivery.delivery_id:
            raise ValueError("delivery_id: is required for a synchronous answer")
        if delivery.event.case_id != self._state.case_id:
            raise ValueError("case_id: belongs to another case")
        if refused := refused_by_contract(delivery.event):
            raise ValueError(f"{refused.field}: {refused.reason}")

    @workflow.update(
        name="receipt", description="What became of a delivery sent by signal (waits for it)."
    )
    async def receipt(self, delivery_id: str) -> Receipt:
        """What became of an event sent by signal: waits until the case has applied it."""
        return await self._receipt_for(delivery_id)

    @receipt.validator
    def _validate_receipt(self, delivery_id: str) -> None:
        if not delivery_id:
            raise ValueError("delivery_id: is required")

    @workflow.query(name="receipt_of", description="A delivery's receipt, without waiting.")
    def receipt_of(self, delivery_id: str) -> Receipt:
        """A receipt without waiting: also answers once the case has closed."""
        return self._receipts.get(delivery_id, Receipt())

    @workflow.query(name="state", description="The whole case state.")
    def state(self) -> CaseState:
        return self._state

    @workflow.query(name="timeline", description="Every step of the case, with its time.")
    def timeline(self) -> Timeline:
        return Timeline(entries=self._state.timeline)

    @workflow.query(name="details", description="The case in words, as in Current details.")
    def details(self) -> str:
        return self._details()

    def _details(self) -> str:
        return describe(self._state, self._deliveries.last())

    # --- the loop -------------------------------------------------------------------

    async def _wait(self) -> None:
        if self._inbox:
            return
        now = workflow.now()
        wake = next_wakeup(self._state)
        if wake is not None and self._settle_until is not None:
            wake = max(wake, self._settle_until)
        if wake is not None and wake <= now:
            return
        timeout = None if wake is None else wake - now
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: bool(self._inbox),
                timeout=timeout,
                timeout_summary=waiting_summary(self._state, now),
            )

    async def _step(self) -> None:
        batch, self._inbox = self._inbox, []
        reason = await self._apply(batch)
        if reason is None:
            return
        if len(batch) == 1:
            await self._refuse(batch[0], reason)
            return
        # The store refused the step for its data: each event alone, so that only the
        # one it cannot hold is refused.
        for delivery in batch:
            if (reason := await self._apply([delivery])) is not None:
                await self._refuse(delivery, reason)

    async def _apply(self, batch: list[Delivery]) -> str | None:
        """Decide and persist one step; the database's reason if it refused the events'
        data (the case is then as before the step), else None."""
        now = workflow.now()
        start = self._state
        before, stage_before = self._state.version, self._state.stage
        effects: list[Effect] = []
        receipts: dict[str, Receipt] = {}
        for delivery in batch:
            decision = decide(
                self._state, delivery.event, now, await self._policy_for(delivery.event)
            )
            self._state = decision.state
            effects += decision.effects
            if delivery.delivery_id:
                receipt = Receipt(
                    outcome=decision.outcome, field=decision.field, reason=decision.reason
                )
                remember(receipts, {delivery.delivery_id: receipt})
        if not batch:
            decision = decide(self._state, None, now)
            self._state = decision.state
            effects += decision.effects
        wake = next_wakeup(self._state)
        self._settle_until = now + BACKLOG_SETTLE if batch and wake and wake <= now else None
        entered_matching = (
            self._state.stage is Stage.MATCHING and stage_before is not Stage.MATCHING
        )
        try:
            await self._persist(effects, self._state.version != before, entered_matching)
        except ActivityError as err:
            if (reason := unstorable_reason(err)) is None:
                raise
            if not batch:  # only the clock's effects, which the core made: nothing to refuse
                workflow.logger.error("case %s: a step the database cannot store", start.case_id)
                return None
            self._state = start
            return reason
        remember(self._receipts, receipts)
        self._deliveries = self._deliveries.wrote(effects)
        self._show()
        # In the task that answers the receipts: the opening hears of what the case took.
        await tell_openings(effects)
        return None

    async def _refuse(self, delivery: Delivery, reason: str) -> None:
        """An event the store cannot hold: refused, recorded, answered; the case goes on."""
        request, receipt = refused_step(delivery, reason, workflow.now())
        await self._activity(PERSIST_CASE, request, request.summary())
        if delivery.delivery_id:
            remember(self._receipts, {delivery.delivery_id: receipt})

    async def _policy_for(self, event: Event) -> Policy | None:
        if event.type != "case_opened" or self._state.opened:
            return None
        return await load_policy(getattr(event.data, "municipality", ""))

    async def _persist(self, effects: list[Effect], changed: bool, match: bool) -> None:
        if not effects and not changed:
            return
        projection = project(self._state) if self._state.opened else None
        apart = match and projection is not None and self._suggest_apart()
        request = PersistRequest(
            case_id=self._state.case_id,
            effects=tuple(effects),
            projection=projection,
            match_openings=match and not apart,
        )
        await self._activity(PERSIST_CASE, request, request.summary())
        if apart and projection is not None:
            suggest = SuggestRequest(projection=projection)
            await self._activity(SUGGEST_OPENINGS, suggest, suggest.summary())

    def _suggest_apart(self) -> bool:
        """Asked only where the paths part (a case entering MATCHING), as patches must be."""
        return workflow.patched(SUGGEST_APART)

    async def _activity(self, name: str, request: object, summary: str) -> None:
        await workflow.execute_activity(
            name,
            request,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=ACTIVITY_RETRY,
            summary=summary,
        )

    async def _receipt_for(self, delivery_id: str) -> Receipt:
        return await receipt_for(
            self._receipts, delivery_id, "Waiting for the case to apply the event"
        )

    def _show(self) -> None:
        """Keep search attributes and the UI's current details in step with the state."""
        workflow.set_current_details(self._details())
        if not self._state.opened:
            return
        wake = next_wakeup(self._state)
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.CASE_STAGE.value_set(self._state.stage.value),
            sa.ESCALATION_LEVEL.value_set(self._state.escalation_level),
            sa.STALLED.value_set(self._state.stalled),
            sa.NEXT_DEADLINE.value_set(wake) if wake else sa.NEXT_DEADLINE.value_unset(),
        ]
        for key, value in (
            (sa.DEPARTMENT, self._state.department),
            (sa.OWNER, self._state.owner),
            (sa.MUNICIPALITY, self._state.municipality),
            (sa.OUTCOME, self._state.outcome),
        ):
            updates.append(key.value_set(str(value)) if value else key.value_unset())
        if updates != self._shown:
            workflow.upsert_search_attributes(updates)
            self._shown = updates

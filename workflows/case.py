"""The case workflow: a thin durable shell around the case's rules (core.case.process).

The loop (workflows/entity_shell.py) waits for the next event or the next deadline, lets
the core decide, persists the effects through one activity, and keeps search attributes
and the UI's details current. No clock, randomness or I/O here.
"""

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from core.case.deadlines import next_wakeup
    from core.case.delivery import DeliveryNews
    from core.case.details import describe, waiting_summary
    from core.case.law_ladder import case_wakeup, law_details, law_next, with_law_clocks
    from core.case.process import CASE
    from core.case.projection import project
    from core.case.state import CaseState, Effect
    from core.stages import Stage
    from workflows import search_attributes as sa
    from workflows.activity_names import PERSIST_CASE, SUGGEST_OPENINGS
    from workflows.case_payloads import (
        DELIVERY_SIGNAL,
        CaseInput,
        CaseResult,
        Delivery,
        PersistRequest,
        SuggestRequest,
    )
    from workflows.entity_shell import EntityShell
    from workflows.hand_off import HandOffs
    from workflows.payloads import Receipt
    from workflows.shell import (
        patiently,
        refused_by_contract,
        refused_step,
        remember,
        unstorable_reason,
    )

# When the ladder is already overdue after a batch (a backlog sent late), wait this long
# for the rest of the backlog before firing escalations it might make moot.
BACKLOG_SETTLE = timedelta(seconds=5)
# Patch (see README, "Changing the workflow"): opening suggestions for a case entering
# MATCHING run in an activity of their own after the step is written, so a slow or failing
# matching query neither holds the step's transaction nor makes the step's writes retry.
# Cases whose history predates it keep suggesting inside the step until they end.
SUGGEST_APART = "suggest-openings-apart"
# Patch: the law's clocks (docs/statutory.md): their escalations, wake-ups and search
# attribute. Asked at each step; a case whose history predates it runs without them until
# its next run, where they start at its next event or tick.
STATUTORY_CLOCKS = "statutory-clocks"


@workflow.defn(name="CaseWorkflow")
class CaseWorkflow(EntityShell[CaseState, Delivery]):
    rules = CASE
    noun = "case"

    @workflow.init
    def __init__(self, inp: CaseInput) -> None:
        state = inp.state or CaseState(case_id=inp.case_id)
        self._begin(state, inp.inbox, inp.receipts, inp.continue_as_new_after)
        self._deliveries = inp.deliveries
        self._settle_until: datetime | None = None
        self._hand_offs = HandOffs()

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseResult:
        await self._loop()
        state = self._state
        return CaseResult(case_id=state.case_id, outcome=state.outcome, events_applied=state.seq)

    def _carried(self, **common: Any) -> CaseInput:
        return CaseInput(case_id=self._state.case_id, deliveries=self._deliveries, **common)

    # --- messages -------------------------------------------------------------------

    @workflow.signal(name="event", description="An event from the case system (Delivery).")
    def event(self, delivery: Delivery) -> None:
        """Intake: signal-with-start delivers here, so an event before case_opened is held."""
        self._take(delivery)

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

    @workflow.query(name="state", description="The whole case state.")
    def state(self) -> CaseState:
        return self._state

    def _details(self) -> str:
        words = describe(self._state, self._deliveries.last())
        law = law_details(self._state)
        return words if law is None else f"{words}\n\n{law}"

    # --- the step -------------------------------------------------------------------

    def _wake(self) -> datetime | None:
        wake = case_wakeup(self._state)
        if wake is not None and self._settle_until is not None:
            wake = max(wake, self._settle_until)
        return wake

    def _waiting_summary(self, now: datetime) -> str:
        return waiting_summary(self._state, now)

    def _settled(self) -> bool:
        """Also every hand-off to an opening sent: none is left behind a finished run."""
        return super()._settled() and self._hand_offs.idle()

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
        self._state = with_law_clocks(self._state, self._law_clocks())
        start = self._state
        effects, receipts = await self._decide_all(batch, now)
        wake = case_wakeup(self._state)
        self._settle_until = now + BACKLOG_SETTLE if batch and wake and wake <= now else None
        entered = self._state.stage is Stage.MATCHING and start.stage is not Stage.MATCHING
        try:
            await self._persist(effects, self._state.version != start.version, entered)
        except ActivityError as err:
            if (reason := unstorable_reason(err)) is None:
                raise
            if not batch:  # only the ladder's effects, which the core made: nothing to refuse
                workflow.logger.error("case %s: a step the database cannot store", start.case_id)
                return None
            self._state = start
            return reason
        remember(self._receipts, receipts)
        self._deliveries = self._deliveries.wrote(effects)
        self._show()
        # In the task that answers the receipts: the opening hears of what the case took.
        await self._hand_offs.send(effects)
        return None

    async def _refuse(self, delivery: Delivery, reason: str) -> None:
        """An event the store cannot hold: refused, recorded, answered; the case goes on."""
        request, receipt = refused_step(delivery, reason, workflow.now())
        await self._activity(PERSIST_CASE, request, request.summary())
        if delivery.delivery_id:
            remember(self._receipts, {delivery.delivery_id: receipt})

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

    def _law_clocks(self) -> bool:
        """Whether the law's clocks run in this step (the patch: docs/statutory.md)."""
        return workflow.patched(STATUTORY_CLOCKS)

    def _suggest_apart(self) -> bool:
        """Asked only where the paths part (a case entering MATCHING), as patches must be."""
        return workflow.patched(SUGGEST_APART)

    async def _activity(self, name: str, request: object, summary: str) -> None:
        await workflow.execute_activity(name, request, **patiently(summary))

    def _attributes(self) -> list[SearchAttributeUpdate[Any]] | None:
        state = self._state
        if not state.opened:
            return None
        own: list[SearchAttributeUpdate[Any]] = [
            sa.CASE_STAGE.value_set(state.stage.value),
            sa.ESCALATION_LEVEL.value_set(state.escalation_level),
            sa.STALLED.value_set(state.stalled),
        ]
        names = [(sa.DEPARTMENT, state.department), (sa.OWNER, state.owner)]
        names += [(sa.MUNICIPALITY, state.municipality), (sa.OUTCOME, state.outcome)]
        shown = sa.shown(own, next_wakeup(state), names)
        if state.law_clocks and state.statutory is not None:  # only once the patch is in
            law = law_next(state)
            key = sa.NEXT_STATUTORY_DEADLINE
            shown.append(key.value_set(law.due_at) if law else key.value_unset())
        return shown

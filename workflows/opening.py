"""The opening workflow: a thin durable shell around the opening's rules
(core.opening.process).

The loop (workflows/entity_shell.py) waits for the next event or the candidates-by
deadline, lets the core decide, persists the effects (and the candidate suggestions)
through one activity, and keeps the search attributes and the UI's details current.
"""

from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from core.opening.process import OPENING, next_opening_wakeup
    from core.opening.projection import project_opening
    from core.opening.state import OpeningState
    from core.opening.words import describe_opening, waiting_summary
    from workflows import search_attributes as sa
    from workflows.activity_names import PERSIST_OPENING
    from workflows.entity_shell import EntityShell
    from workflows.opening_payloads import (
        OpeningDelivery,
        OpeningInput,
        OpeningResult,
        PersistOpeningRequest,
    )
    from workflows.shell import patiently


@workflow.defn(name="OpeningWorkflow")
class OpeningWorkflow(EntityShell[OpeningState, OpeningDelivery]):
    rules = OPENING
    noun = "opening"
    receipts_at_once = True

    @workflow.init
    def __init__(self, inp: OpeningInput) -> None:
        state = inp.state or OpeningState(opening_id=inp.opening_id)
        self._begin(state, inp.inbox, inp.receipts, inp.continue_as_new_after)

    @workflow.run
    async def run(self, inp: OpeningInput) -> OpeningResult:
        await self._loop()
        state = self._state
        return OpeningResult(
            opening_id=state.opening_id, status=state.status, placed_case_id=state.placed_case_id
        )

    def _carried(self, **common: Any) -> OpeningInput:
        return OpeningInput(opening_id=self._state.opening_id, **common)

    @workflow.signal(name="opening_event", description="An opening event (OpeningDelivery).")
    def opening_event(self, delivery: OpeningDelivery) -> None:
        """Intake: signal-with-start delivers here, so an event before registration is held."""
        self._take(delivery)

    @workflow.query(name="state", description="The whole opening state.")
    def state(self) -> OpeningState:
        return self._state

    def _details(self) -> str:
        return describe_opening(self._state)

    def _wake(self) -> datetime | None:
        return next_opening_wakeup(self._state)

    def _waiting_summary(self, now: datetime) -> str:
        return waiting_summary(self._state)

    async def _step(self) -> None:
        batch, self._inbox = self._inbox, []
        before = self._state.version
        effects, _ = await self._decide_all(batch, workflow.now())
        if effects or self._state.version != before:
            request = PersistOpeningRequest(
                opening_id=self._state.opening_id,
                effects=tuple(effects),
                projection=project_opening(self._state),
            )
            await workflow.execute_activity(
                PERSIST_OPENING, request, **patiently(request.summary())
            )
        self._show()

    def _attributes(self) -> list[SearchAttributeUpdate[Any]] | None:
        state = self._state
        if not state.registered:
            return None
        own: list[SearchAttributeUpdate[Any]] = [
            sa.OPENING_STATUS.value_set(state.status),
            sa.ESCALATION_LEVEL.value_set(state.escalation_level),
        ]
        names: list[tuple[SearchAttributeKey[str], object]] = [
            (sa.OPENING_KIND, state.kind),
            (sa.EMPLOYER, state.employer),
            (sa.OWNER, state.owner),
            (sa.MUNICIPALITY, state.municipality),
            (sa.DEPARTMENT, "company_service"),
        ]
        return sa.shown(own, next_opening_wakeup(state), names)

"""One case in a test: build and send its events, read its state, attributes and rows."""


from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from temporalio.client import WorkflowHandle

from core.case.deadlines import next_wakeup
from core.case.events import Event
from core.case.law_ladder import law_next
from core.case.state import CaseState
from core.kernel.timeline import TimelineEntry
from core.stages import Stage
from doors.ingest import send
from testkit.builders import build_event
from testkit.describe import Description, Settled, at_rest, describe
from testkit.waiting import eventually
from workflows import search_attributes as sa
from workflows.case import CaseWorkflow
from workflows.case_payloads import (
    EVENT_SIGNAL,
    RECEIPT_QUERY,
    CaseInput,
    CaseResult,
    Delivery,
    workflow_id,
)
from workflows.payloads import Receipt, Timeline

if TYPE_CHECKING:
    from testkit.harness import Harness


class CaseRun:
    """One case: build and send its events, read its state, attributes and rows."""

    def __init__(self, harness: Harness, case_id: str) -> None:
        self.h = harness
        self.case_id = case_id
        self.workflow_id = workflow_id(case_id)
        self.sent: list[Event] = []
        self._n = 0

    # events

    def event(
        self, kind: str, at: datetime, /, *, event_id: str | None = None, **data: Any
    ) -> Event:
        self._n += 1
        eid = event_id or f"{self.case_id}-{self._n:03d}-{kind}"
        return build_event(self.case_id, eid, kind, at, **data)

    async def send(
        self,
        kind: str,
        at: datetime | None = None,
        /,
        *,
        event_id: str | None = None,
        **data: Any,
    ) -> Receipt:
        """Send one event through the door; it occurs now (virtual time) unless `at`."""
        event = self.event(kind, at or await self.h.now(), event_id=event_id, **data)
        return await self.deliver(event)

    async def deliver(self, event: Event) -> Receipt:
        self.sent.append(event)
        return await send(self.h.client, self.h.queue, event)

    async def accept(self, kind: str, at: datetime | None = None, /, **data: Any) -> Receipt:
        """Send an event that must be accepted."""
        receipt = await self.send(kind, at, **data)
        assert receipt.outcome == "accepted", (kind, receipt)
        return receipt

    async def start(
        self, event: Event, inp: CaseInput | None = None
    ) -> WorkflowHandle[CaseWorkflow, CaseResult]:
        """Signal-with-start with a chosen `CaseInput` (the door always uses the default)."""
        self.sent.append(event)
        return await self.h.client.start_workflow(
            CaseWorkflow.run,
            inp or CaseInput(case_id=self.case_id),
            id=self.workflow_id,
            task_queue=self.h.queue,
            start_signal=EVENT_SIGNAL,
            start_signal_args=[Delivery(event=event, delivery_id=uuid.uuid4().hex)],
        )

    # the workflow

    @property
    def handle(self) -> WorkflowHandle[Any, Any]:
        return self.h.client.get_workflow_handle(self.workflow_id)

    async def state(self) -> CaseState:
        state: CaseState = await self.handle.query(CaseWorkflow.state)
        return state

    async def details(self) -> str:
        details: str = await self.handle.query(CaseWorkflow.details)
        return details

    async def timeline(self) -> tuple[TimelineEntry, ...]:
        timeline: Timeline = await self.handle.query(CaseWorkflow.timeline)
        return timeline.entries

    async def receipt_of(self, delivery_id: str) -> Receipt:
        receipt: Receipt = await self.handle.query(RECEIPT_QUERY, delivery_id, result_type=Receipt)
        return receipt

    async def result(self) -> CaseResult:
        handle = self.h.client.get_workflow_handle(self.workflow_id, result_type=CaseResult)
        result: CaseResult = await handle.result()
        return result

    async def describe(self, run_id: str | None = None) -> Description:
        return await describe(self.h.client, self.workflow_id, run_id)

    async def wait_for(
        self, ok: Callable[[CaseState], bool], what: str = "the case state"
    ) -> Settled:
        """Wait until the state satisfies `ok` and the case is at rest (see `settled`)."""
        await eventually(self.state, ok, what)
        return await self.settled()

    async def settled(self) -> Settled:
        """Wait until the case is at rest, and return what it shows then.

        At rest: its history ends with a completed workflow task (and the commands it
        gave), no activity is pending, and the projection row has the state's version; the
        search attributes are then current too. (The time-skipping server never reports a
        pending workflow task in `describe`, so the history is the witness.) The history
        is read before and after the rest, so the snapshot is of one moment.
        """

        async def probe() -> tuple[int, CaseState, Description, dict[str, Any] | None] | None:
            before = await self.history_events()
            if not at_rest(before):
                return None
            desc = await self.describe()
            state = await self.state()
            projection = await self.projection()
            if len(await self.history_events()) != len(before):
                return None
            return len(before), state, desc, projection

        def ready(value: tuple[int, CaseState, Description, dict[str, Any] | None] | None) -> bool:
            if value is None:
                return False
            _, state, desc, projection = value
            if desc.raw.pending_activities:
                return False
            if not state.opened:
                return True
            return projection is not None and projection["version"] == state.version

        value = await eventually(probe, ready, "the case to settle")
        assert value is not None
        _, state, desc, projection = value
        return Settled(state=state, desc=desc, projection=projection)

    async def expect_attributes(self, settled: Settled | None = None) -> Settled:
        """The search attributes say what the state says (stage, owner, deadline, ...)."""
        s = settled or await self.settled()
        state = s.state
        assert s.attr(sa.CASE_STAGE) == state.stage.value
        assert s.attr(sa.ESCALATION_LEVEL) == state.escalation_level
        assert s.attr(sa.STALLED) is state.stalled
        assert s.attr(sa.OWNER) == state.owner
        assert s.attr(sa.DEPARTMENT) == (state.department.value if state.department else None)
        assert s.attr(sa.MUNICIPALITY) == state.municipality
        assert s.attr(sa.OUTCOME) == state.outcome
        assert s.attr(sa.NEXT_DEADLINE) == next_wakeup(state)
        law = law_next(state)
        assert s.attr(sa.NEXT_STATUTORY_DEADLINE) == (law.due_at if law else None)
        if state.opened and not state.closed:
            # Never parking: an open case always has an owner and a next date.
            assert state.owner is not None and next_wakeup(state) is not None
        return s

    # rows

    async def _fetch(self, sql: str) -> list[dict[str, Any]]:
        async with self.h.pool.acquire() as conn:
            rows = await conn.fetch(sql, self.case_id)
        return [dict(r) for r in rows]

    async def logged(self) -> list[dict[str, Any]]:
        return await self._fetch("SELECT * FROM case_event WHERE case_id = $1 ORDER BY seq")

    async def logged_ids(self) -> list[str]:
        return [r["event_id"] for r in await self.logged()]

    async def outbox(self) -> list[dict[str, Any]]:
        return await self._fetch(
            "SELECT * FROM outbox WHERE case_id = $1 ORDER BY due_at NULLS LAST, created_at"
        )

    async def stage_outbox(self) -> list[dict[str, Any]]:
        """The outbox without the law's escalations (core/case/law_ladder.py)."""
        return [r for r in await self.outbox() if r["kind"] != "statutory_escalation"]

    async def outbox_keys(self) -> list[str]:
        return [r["message_key"] for r in await self.outbox()]

    async def escalations(self) -> list[dict[str, Any]]:
        rows = await self._fetch(
            "SELECT * FROM outbox WHERE case_id = $1 AND kind = 'escalation' "
            "ORDER BY due_at, message_key"
        )
        return rows

    async def refused(self) -> list[dict[str, Any]]:
        return await self._fetch(
            "SELECT * FROM refused_event WHERE case_id = $1 ORDER BY refused_at"
        )

    async def projection(self) -> dict[str, Any] | None:
        rows = await self._fetch("SELECT * FROM case_projection WHERE case_id = $1")
        return rows[0] if rows else None

    # history

    async def history_events(self, run_id: str | None = None) -> list[int]:
        handle = self.h.client.get_workflow_handle(self.workflow_id, run_id=run_id)
        history = await handle.fetch_history()
        return [e.event_type for e in history.events]


async def reach(case: CaseRun, stage: Stage, **opened: Any) -> Settled:
    """Drive a new case into `stage` with accepted events occurring now: opened (with
    `opened` as extra case_opened data), talk held, fit declared, CV ready, accepted."""
    steps: list[tuple[Stage, str]] = [
        (Stage.JOB_GOAL_TALK, "case_opened"),
        (Stage.CV_READINESS, "job_goal_talk_held"),
        (Stage.CV_READINESS, "fit_for_work_declared"),
        (Stage.HANDOVER, "cv_updated"),
        (Stage.MATCHING, "handover_accepted"),
        (Stage.PLACEMENT, "placement_started"),
    ]
    for entered, kind in steps:
        await case.accept(kind, **(opened if kind == "case_opened" else {}))
        if entered is stage and (stage is not Stage.CV_READINESS or kind == "job_goal_talk_held"):
            break
    settled = await case.settled()
    assert settled.state.stage is stage, settled.state.stage
    return settled


def key(case: CaseRun, *parts: object) -> str:
    """An outbox message key of `case`: key(case, "escalation", 1, 2)."""
    return "/".join([case.case_id, *(str(p) for p in parts)])


def levels(rows: Iterable[dict[str, Any]]) -> list[int]:
    return [int(r["level"]) for r in rows]

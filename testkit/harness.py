"""Helpers for the workflow tests and the history recorder: a real worker per test on the
time-skipping server, events built and sent the way the case system sends them, and the
rows a case left in PostgreSQL.

Nothing here is a mock. `open_harness` runs `service.wiring.create_worker` (or a worker a
test builds itself) on a task queue of its own, `CaseRun.send` goes through
`service.door.send` (signal-with-start, then the receipt update), and the row helpers read
the real tables. Time is the test server's: events occur "now" in virtual time, and
`Harness.sleep_until` skips ahead to a moment.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from temporalio.api.common.v1 import SearchAttributes, WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    DescribeWorkflowExecutionResponse,
)
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributeValueType,
    TypedSearchAttributes,
)
from temporalio.converter import decode_typed_search_attributes
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.db import create_pool
from core.clock import next_wakeup
from core.events import Event
from core.intake import parse_event
from core.policy import Policy, load_policy_book
from core.stages import Stage
from core.state import CaseState, TimelineEntry
from service.door import send
from service.wiring import create_worker
from testkit.paths import TESTS
from testkit.samples import (
    CPH,
    MUNICIPALITY,
    POLICIES,
    valid_data,
)
from workflows import search_attributes as sa
from workflows.case import CaseWorkflow
from workflows.messages import (
    EVENT_SIGNAL,
    RECEIPT_QUERY,
    CaseInput,
    CaseResult,
    Delivery,
    Receipt,
    Timeline,
    workflow_id,
)

DEFAULT_POLICY = POLICIES / "default.toml"
HISTORIES = TESTS / "histories"
WAIT = 20.0  # real seconds a helper waits for the worker to catch up

WorkerFactory = Callable[[Client, str, asyncpg.Pool, Path], Worker]
T = TypeVar("T")


# --- policies --------------------------------------------------------------------------

SECONDS_POLICY: dict[str, Any] = {
    "JOB_GOAL_TALK": "100 seconds",
    "CV_READINESS": "200 seconds",
    "HANDOVER": "150 seconds",
    "MATCHING": "300 seconds",
    "match_response": "120 seconds",
    "handover_window": "4 weeks",
    "max_pause": "12 weeks",
    "after_care": ["1 weeks", "4 weeks", "12 weeks"],
    "level_2_after": "50 seconds",
    "level_3_after": "60 seconds",
    "repeat_after": "500 seconds",
}


def write_policy(folder: Path, **overrides: Any) -> Path:
    """A small one-policy TOML file under `folder`: second-scale deadlines (SECONDS_POLICY)
    unless `overrides` say otherwise; returns its path."""
    values = {**SECONDS_POLICY, **overrides}

    def q(text: str) -> str:
        return f'"{text}"'

    after_care = ", ".join(q(d) for d in values["after_care"])
    text = f"""
[default]
timezone = "Europe/Copenhagen"
match_response = {q(values["match_response"])}
handover_window = {q(values["handover_window"])}
max_pause = {q(values["max_pause"])}
after_care = [{after_care}]

[default.deadlines]
JOB_GOAL_TALK = {q(values["JOB_GOAL_TALK"])}
CV_READINESS = {q(values["CV_READINESS"])}
HANDOVER = {q(values["HANDOVER"])}
MATCHING = {q(values["MATCHING"])}

[default.ladder]
level_2_after = {q(values["level_2_after"])}
level_3_after = {q(values["level_3_after"])}
repeat_after = {q(values["repeat_after"])}

[default.roles]
company_service_team = "virksomhedsservice"
sick_leave_team_lead = "teamleder-sygedagpenge"
sick_leave_department_head = "afdelingsleder-sygedagpenge"
company_service_team_lead = "teamleder-virksomhedsservice"
company_service_department_head = "afdelingsleder-virksomhedsservice"
"""
    path = folder / f"policy-{uuid.uuid4().hex[:8]}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def history_files() -> list[Path]:
    """The recorded workflow histories (tests/histories/<version>/<scenario>.json)."""
    return sorted(HISTORIES.glob("**/*.json"))


def load_policy(path: Path, municipality: str = MUNICIPALITY) -> Policy:
    return load_policy_book(path).for_municipality(municipality)


# --- events ----------------------------------------------------------------------------


def build_event(case_id: str, event_id: str, kind: str, at: datetime, **data: Any) -> Event:
    """An event as the case system sends it, through the same intake as production."""
    local = at.astimezone(CPH).replace(microsecond=0)
    return parse_event(
        {
            "event_id": event_id,
            "case_id": case_id,
            "type": kind,
            "occurred_at": local.isoformat(),
            "data": {**valid_data(kind, local.date()), **data},
        }
    )


_NO_DIGITS = str.maketrans("0123456789", "ghijklmnop")


def new_case_id(prefix: str = "K-2026") -> str:
    # Letters only: ten random hex digits can form a CPR-like number and be refused.
    return f"{prefix}-{uuid.uuid4().hex[:10].translate(_NO_DIGITS)}"


# --- waiting ---------------------------------------------------------------------------


async def eventually(
    probe: Callable[[], Awaitable[T]],
    ok: Callable[[T], bool],
    what: str,
    within: float = WAIT,
) -> T:
    """Probe until `ok` holds (the worker runs in real time while the server's is virtual)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await probe()
        if ok(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value: {value!r}")
        await asyncio.sleep(0.05)


# --- harness ---------------------------------------------------------------------------


@dataclass
class Harness:
    """One test's view: the time-skipping server, a worker on its own queue, the pool."""

    env: WorkflowEnvironment
    queue: str
    pool: asyncpg.Pool
    policy_path: Path
    started: list[str] = field(default_factory=list)

    @property
    def client(self) -> Client:
        return self.env.client

    def policy(self, municipality: str = MUNICIPALITY) -> Policy:
        return load_policy(self.policy_path, municipality)

    def case(self, case_id: str | None = None) -> CaseRun:
        run = CaseRun(self, case_id or new_case_id())
        self.started.append(run.workflow_id)
        return run

    async def now(self) -> datetime:
        """The server's current (virtual) time, whole seconds, in Copenhagen."""
        moment = await self.env.get_current_time()
        return moment.astimezone(CPH).replace(microsecond=0)

    async def sleep_until(self, moment: datetime) -> None:
        """Skip the server's clock forward to `moment` (no-op if it has passed)."""
        gap = moment - await self.env.get_current_time()
        if gap > timedelta(0):
            await self.env.sleep(gap)

    async def skip(self, gap: timedelta) -> None:
        await self.env.sleep(gap)

    async def terminate_running(self) -> None:
        """Stop the cases a test left running: the session's server outlives the test."""
        for wid in self.started:
            try:
                if (await describe(self.client, wid)).status == WorkflowExecutionStatus.RUNNING:
                    await self.client.get_workflow_handle(wid).terminate(reason="test finished")
            except RPCError:
                continue


@asynccontextmanager
async def open_harness(
    env: WorkflowEnvironment,
    database_url: str,
    policy_path: Path = DEFAULT_POLICY,
    make_worker: WorkerFactory = create_worker,
) -> AsyncIterator[Harness]:
    """A pool and a running worker on a fresh task queue; running cases are terminated after."""
    pool = await create_pool(database_url)
    queue = f"test-{uuid.uuid4().hex}"
    harness = Harness(env=env, queue=queue, pool=pool, policy_path=policy_path)
    try:
        async with make_worker(env.client, queue, pool, policy_path):
            try:
                yield harness
            finally:
                await harness.terminate_running()
    finally:
        await pool.close()


# --- one case --------------------------------------------------------------------------


@dataclass
class Description:
    """What `WorkflowHandle.describe()` tells: status, run, typed search attributes."""

    run_id: str
    status: WorkflowExecutionStatus
    typed_search_attributes: TypedSearchAttributes
    raw: DescribeWorkflowExecutionResponse


async def describe(client: Client, wid: str, run_id: str | None = None) -> Description:
    """`WorkflowHandle.describe()`, made to work on the time-skipping server too.

    A workflow unsets a search attribute with a null payload; a real server then drops the
    attribute, but the Java test server keeps the null, and the SDK's decoder fails on a
    null Datetime (the NextDeadline of a closed case). Then decode as the SDK does, minus
    the nulls.
    """
    handle = client.get_workflow_handle(wid, run_id=run_id)
    try:
        desc = await handle.describe()
    except TypeError:
        pass
    else:
        assert desc.status is not None
        return Description(
            run_id=desc.run_id,
            status=desc.status,
            typed_search_attributes=desc.typed_search_attributes,
            raw=desc.raw_description,
        )
    response = await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=client.namespace,
            execution=WorkflowExecution(workflow_id=wid, run_id=run_id or ""),
        )
    )
    info = response.workflow_execution_info
    present = SearchAttributes()
    for name, payload in info.search_attributes.indexed_fields.items():
        if payload.metadata.get("encoding") != b"binary/null":
            present.indexed_fields[name].CopyFrom(payload)
    return Description(
        run_id=info.execution.run_id,
        status=WorkflowExecutionStatus(info.status),
        typed_search_attributes=decode_typed_search_attributes(present),
        raw=response,
    )


@dataclass
class Settled:
    """A case at rest: its state, search attributes and read-model row agree."""

    state: CaseState
    desc: Description
    projection: dict[str, Any] | None

    @property
    def attrs(self) -> TypedSearchAttributes:
        return self.desc.typed_search_attributes

    def attr(
        self, key: SearchAttributeKey[SearchAttributeValueType]
    ) -> SearchAttributeValueType | None:
        return self.attrs.get(key)


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


# What a completed workflow task may leave after itself in the history while the case
# waits: the commands it gave. Anything else (a signal, a fired timer, an activity result,
# a scheduled or started task) means the workflow has work to do.
_COMMAND_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_TIMER_STARTED,
    EventType.EVENT_TYPE_TIMER_CANCELED,
    EventType.EVENT_TYPE_MARKER_RECORDED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
    EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
}
_CLOSED_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
}


def at_rest(events: list[int]) -> bool:
    """A history whose workflow has nothing to do until something new happens."""
    if events and events[-1] in _CLOSED_EVENTS:
        return True
    completed = [
        i for i, e in enumerate(events) if e == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    ]
    return bool(completed) and all(e in _COMMAND_EVENTS for e in events[completed[-1] :])


def key(case: CaseRun, *parts: object) -> str:
    """An outbox message key of `case`: key(case, "escalation", 1, 2)."""
    return "/".join([case.case_id, *(str(p) for p in parts)])


def levels(rows: Iterable[dict[str, Any]]) -> list[int]:
    return [int(r["level"]) for r in rows]


CONTINUED_AS_NEW = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW

"""What the crash and chaos tests check once every case has settled, case by case, against
the expectation the pure core computes offline (bench/generate.py):

- every accepted event is in case_event exactly once, with the seq the core gives it, and
  the rows equal the accepted events the door reported;
- the outbox holds exactly the message keys the core produces (each escalation once);
- refusals and every case's projection (stage, owner, deadline, escalation) match too;
- every open case has an owner and a deadline still ahead (its next wake-up);
- no workflow failed and no workflow task failed (histories scanned).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.client import Client, WorkflowExecutionStatus

from core.case.law_ladder import case_wakeup as next_wakeup  # the stages and the law
from core.case.state import CaseState
from doors.ingest import IngestReport
from reports.whatif.exact import (
    case_outbox_keys,
    projections,
    projections_differ,
    set_difference,
)
from testkit.rig.expectation import Batch, Expectation
from testkit.rig.tasks import gather_limited, until
from testkit.rig.verdict import verdict
from workflows.case_payloads import workflow_id

CAUSE_PREFIX = "WORKFLOW_TASK_FAILED_CAUSE_"


@dataclass
class Run:
    batch: Batch
    expected: Expectation
    report: IngestReport | None = None
    # Faults by name: how many were inflicted, how many while the ingest was in flight, and
    # how long each outage lasted (seconds).
    inflicted: Counter[str] = field(default_factory=Counter)
    in_flight: Counter[str] = field(default_factory=Counter)
    downtime: dict[str, list[float]] = field(default_factory=dict)
    done: int = 0
    ingest_finished: bool = False
    killing: bool = False
    restarted: asyncio.Event = field(default_factory=asyncio.Event)
    progressed: asyncio.Event = field(default_factory=asyncio.Event)
    failures: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    # Each running case's next wake-up as its workflow says, from the last settle check.
    wakes: dict[str, datetime | None] = field(default_factory=dict)

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.failures.append(what)


async def settled(client: Client, conn: asyncpg.Connection, run: Run) -> bool:
    """Every case quiet: nothing running, the state persisted, no deadline already due."""
    now = datetime.now(UTC)
    rows = await conn.fetch(
        "SELECT case_id, version FROM case_projection WHERE case_id = ANY($1::text[])",
        run.batch.case_ids,
    )
    persisted = {r["case_id"]: r["version"] for r in rows}

    async def quiet(case_id: str) -> bool:
        handle = client.get_workflow_handle(workflow_id(case_id))
        described = await handle.describe()
        if described.raw_description.pending_activities:
            return False
        state = await handle.query("state", result_type=CaseState)
        if persisted.get(case_id) != state.version:
            return False
        if described.status == WorkflowExecutionStatus.COMPLETED:
            return True
        wake = run.wakes[case_id] = next_wakeup(state)
        return described.status == WorkflowExecutionStatus.RUNNING and (wake is None or wake > now)

    answers = await gather_limited(16, [quiet(c) for c in run.batch.case_ids])
    run.figures["cases settled"] = sum(answers)
    return all(answers)


async def check_database(conn: asyncpg.Connection, run: Run) -> None:
    expected, cases = run.expected, run.batch.case_ids
    assert run.report is not None
    rows = await conn.fetch(
        "SELECT case_id, event_id, min(seq) AS seq, count(*) AS n FROM case_event "
        "WHERE case_id = ANY($1::text[]) GROUP BY case_id, event_id",
        cases,
    )
    logged = {(r["case_id"], r["event_id"]): r["seq"] for r in rows}
    total = sum(r["n"] for r in rows)
    run.figures["case_event rows"] = total
    run.check(all(r["n"] == 1 for r in rows), "an event is in case_event more than once")
    run.check(total == run.report.accepted, f"case_event rows {total} != accepted "
              f"{run.report.accepted}")  # fmt: skip
    _same(run, "case_event (case, event, seq)", set(logged.items()), set(expected.logged.items()))

    keys = await case_outbox_keys(conn, cases)
    run.figures["outbox messages"] = len(keys)
    run.figures["match suggestions (openings)"] = await conn.fetchval(
        "SELECT count(*) FROM outbox WHERE case_id = ANY($1::text[]) AND opening_id IS NOT NULL",
        cases,
    )
    run.figures["outbox expected (pure core)"] = len(expected.outbox)
    _same(run, "outbox message keys", keys, expected.outbox)

    refusals = await conn.fetchval(
        "SELECT count(*) FROM refused_event WHERE case_id = ANY($1::text[])", cases
    )
    run.figures["refused_event rows"] = refusals
    run.check(refusals == expected.refusals, f"refused_event rows {refusals} != "
              f"{expected.refusals} expected")  # fmt: skip

    rows = await projections(conn, cases)
    run.check(len(rows) == len(cases), f"{len(cases) - len(rows)} cases lack a projection")
    differ = projections_differ(expected.states, rows)
    run.check(not differ, f"{len(differ)} projections differ from the core's, e.g. {differ[:3]}")
    open_rows = [r for r in rows.values() if r["stage"] != "CLOSED"]
    parked = [r["case_id"] for r in open_rows if r["owner"] is None or r["deadline"] is None]
    run.figures["open cases"] = len(open_rows)
    run.check(not parked, f"open cases without owner or deadline: {parked[:5]}")
    now = datetime.now(UTC)
    ahead = [r["case_id"] for r in open_rows if (run.wakes.get(r["case_id"]) or now) > now]
    run.figures["open cases, owner and deadline ahead"] = len(ahead)
    run.check(len(ahead) == len(open_rows), f"{len(open_rows) - len(ahead)} open cases have no "
              "deadline ahead")  # fmt: skip


def _same(run: Run, what: str, actual: set[Any], expected: set[Any]) -> None:
    difference = set_difference(what, actual, expected)
    run.check(difference is None, difference or "")


async def check_workflows(client: Client, run: Run) -> None:
    failed = (await client.count_workflows('ExecutionStatus="Failed"')).count
    run.figures["workflows failed"] = failed
    run.check(failed == 0, f"{failed} workflows failed")
    closed = sum(s.closed for s in run.expected.states.values())
    completed = 0

    async def all_completed() -> bool:  # visibility follows the histories closely, not at once
        nonlocal completed
        query = 'ExecutionStatus="Completed" AND WorkflowType="CaseWorkflow"'
        completed = (await client.count_workflows(query)).count
        return completed == closed

    await until(all_completed, 15, 0.5)
    run.figures["workflows completed (closed cases)"] = completed
    run.check(completed == closed, f"{completed} workflows completed, {closed} cases closed")

    async def history(case_id: str) -> Counter[str]:
        events = Counter[str]()
        handle = client.get_workflow_handle(workflow_id(case_id))
        async for event in handle.fetch_history_events():
            events[EventType.Name(event.event_type)] += 1
            if event.HasField("workflow_task_failed_event_attributes"):
                failed = event.workflow_task_failed_event_attributes
                cause = WorkflowTaskFailedCause.Name(failed.cause).removeprefix(CAUSE_PREFIX)
                events[f"task failed: {cause}: {failed.failure.message[:160]}"] += 1
            if event.HasField("activity_task_started_event_attributes"):
                attempt = event.activity_task_started_event_attributes.attempt
                events["activity retries"] += attempt > 1
        return events

    totals = Counter[str]()
    for counts in await gather_limited(16, [history(c) for c in run.batch.case_ids]):
        totals += counts
    for name, label in (
        ("EVENT_TYPE_WORKFLOW_TASK_FAILED", "workflow tasks failed"),
        ("EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT", "workflow tasks timed out (kills)"),
        ("activity retries", "activity attempts retried"),
    ):
        run.figures[label] = totals[name]
    # Why each failed task failed (cause and message), so that a failure says what to fix.
    for name, count in sorted(totals.items()):
        if name.startswith("task failed: "):
            run.figures[name] = count
    run.check(totals["EVENT_TYPE_WORKFLOW_TASK_FAILED"] == 0, "a workflow task failed")


def _faults(run: Run) -> list[tuple[str, str]]:
    rows = []
    for name, label in (
        ("worker SIGKILL", "worker kills (SIGKILL)"),
        ("worker SIGTERM", "worker stops (SIGTERM)"),
        ("PostgreSQL stop", "PostgreSQL stops"),
        ("Temporal restart", "dev server restarts (db file kept)"),
        ("Temporal pause", "dev server pauses (SIGSTOP)"),
    ):
        if run.inflicted[name] or name == "worker SIGKILL":
            line = f"{run.inflicted[name]} ({run.in_flight[name]} during the ingest)"
            down = run.downtime.get(name)
            if down:
                line += ", down " + ", ".join(f"{d:.1f}s" for d in down)
            rows.append((label, line))
    return rows


def print_result(run: Run) -> None:
    report, expected = run.report, run.expected
    if report is None:
        verdict({}, run.failures or ["no report from the door"])
        return
    rows: list[tuple[str, Any]] = [
        ("cases", len(run.batch.case_ids)),
        ("events sent", run.batch.events),
        ("accepted (door)", f"{report.accepted} (core expects {expected.accepted})"),
        (
            "duplicates (door)",
            f"{report.duplicate} (core expects {expected.outcomes['duplicate']})",
        ),
        ("refused (door)", f"{len(report.refused)} (core expects {expected.outcomes['refused']})"),
        ("unconfirmed", len(report.unconfirmed)),
        *_faults(run),
        *run.figures.items(),
    ]
    verdict(dict(rows), run.failures, width=38)

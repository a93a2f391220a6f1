"""The what-if replays the real rules: a few dozen cases of the generated year, sent
through the real door to real workflows on the dev server (the outbox and projections
written by the real worker), then read back from case_event and replayed under the same
policy, give exactly the outbox keys and final states PostgreSQL holds. Under a policy
with shorter deadlines the same events give other messages."""

from __future__ import annotations

import contextlib
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from core.case.law_ladder import case_wakeup as next_wakeup  # the stages and the law
from doors.ingest import ingest
from infrastructure.policy_file import load_policy_book
from reports.data import Period
from reports.whatif.exact import (
    case_outbox_keys,
    projections,
    projections_differ,
    set_difference,
)
from reports.whatif.replay import policies_of, replay_case
from reports.whatif.source import load_events
from testkit.builders import DEFAULT_POLICY
from testkit.harness import open_harness
from testkit.rig.expectation import replay
from testkit.rig.year import generate_year
from testkit.waiting import eventually
from workflows.case_payloads import workflow_id

CASES = 36
# A case whose clock would fire while the test runs could differ between the worker's
# run and the replay's: such cases are left out (the year's last weeks have many).
STABLE_FOR = timedelta(minutes=20)
QUIET = 12.0  # seconds without change: well beyond the workflow's settle pause (5 s)


def _pick(lines: list[str], now: datetime) -> tuple[list[str], list[str]]:
    by_case: dict[str, list[str]] = {}
    for line in lines:
        case_id = json.loads(line).get("case_id")
        if case_id:
            by_case.setdefault(case_id, []).append(line)
    case_lines = [line for chosen in by_case.values() for line in chosen]
    expected = replay(case_lines, load_policy_book(DEFAULT_POLICY), now).states
    stable = [
        c for c in by_case if (wake := next_wakeup(expected[c])) is None or wake > now + STABLE_FOR
    ]
    chosen = stable[:: max(1, len(stable) // CASES)][:CASES]
    return chosen, [line for c in chosen for line in by_case[c]]


async def _settled(pool: asyncpg.Pool, cases: list[str]) -> None:
    """Every case projected, and no new outbox row or version for QUIET seconds."""
    seen: tuple[object, ...] = ()
    since = time.monotonic()

    async def probe() -> float:
        nonlocal seen, since
        now = (
            await pool.fetchval("SELECT count(*) FROM outbox"),
            await pool.fetchval(
                "SELECT array[count(*), coalesce(sum(version), 0)] FROM case_projection "
                "WHERE case_id = ANY($1::text[])",
                cases,
            ),
        )
        if now != seen or now[1][0] < len(cases):
            seen, since = now, time.monotonic()
        return time.monotonic() - since

    await eventually(probe, lambda quiet: quiet >= QUIET, "the cases to settle", within=240)


async def test_replay_under_current_policy_is_what_the_workflows_wrote(
    dev_env: WorkflowEnvironment, clean_db: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    year = generate_year(seed=5, scale=0.06, now=now)
    cases, lines = _pick(year.events, now)
    assert len(cases) >= 30
    async with open_harness(dev_env, clean_db) as h:
        try:
            first = await ingest(h.client, h.queue, year.registrations)
            report = await ingest(h.client, h.queue, lines)
            assert first.ok and report.ok and report.accepted == len(lines), report
            await _settled(h.pool, cases)
        finally:
            for case_id in cases:
                with contextlib.suppress(RPCError):
                    await h.client.get_workflow_handle(workflow_id(case_id)).terminate()
    conn = await asyncpg.connect(clean_db)
    try:
        period = Period(year.start.date(), now.date())
        events = await load_events(conn, period)
        assert sorted(events) == sorted(cases)
        until = datetime.now(UTC)
        book = load_policy_book(DEFAULT_POLICY)
        runs = {c: replay_case(c, events[c], policies_of(book), until) for c in cases}
        keys = {s.message.message_key for run in runs.values() for s in run.messages}
        held = await case_outbox_keys(conn, cases)
        assert set_difference("outbox keys", keys, held) is None
        assert sum("/escalation/" in k for k in held) > 20  # the year escalated
        states = {c: run.state for c, run in runs.items()}
        assert projections_differ(states, await projections(conn, cases)) == []
        assert all(not run.refused for run in runs.values())

        shorter = tmp_path / "shorter.toml"
        text = DEFAULT_POLICY.read_text("utf-8")
        shorter.write_text(text.replace('HANDOVER = "3 working days"', 'HANDOVER = "1 day"'))
        policies = policies_of(load_policy_book(shorter))
        other = {c: replay_case(c, events[c], policies, until) for c in cases}
        other_keys = {s.message.message_key for run in other.values() for s in run.messages}
        assert set_difference("outbox keys", other_keys, held) is not None
    finally:
        await conn.close()

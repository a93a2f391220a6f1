"""Openings, matching and after-care on a real Temporal server (time-skipping) and a real
PostgreSQL: the production worker, events through the door, days skipped in virtual time.

Under policies/default.toml (Norddjurs): candidates-by is the end of that day in
Copenhagen; nobody proposed by then tells the company-service team lead, once.
"""

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from core.durations import end_of_day
from core.stages import Stage
from doors.ingest import ingest
from testkit.builders import new_case_id
from testkit.case_run import reach
from testkit.harness import Harness, open_harness
from testkit.keys import keys_env
from testkit.openings import OpeningRun, opening_data, opening_event
from testkit.samples import CONSULTANT, CPH, ROOT, SAMPLE
from testkit.waiting import eventually
from workflows import search_attributes as sa

CS_LEAD = "teamleder-virksomhedsservice"
OPENING_CONSULTANT = "vs-09"


@pytest.fixture
async def h(ts_env: WorkflowEnvironment, clean_db: str) -> AsyncIterator[Harness]:
    async with open_harness(ts_env, clean_db) as harness:
        yield harness


async def test_an_opening_nobody_answers_escalates_to_the_team_lead_once(h: Harness) -> None:
    opening = OpeningRun(h)
    today = (await h.now()).date()
    candidates_by = today + timedelta(days=10)
    await opening.accept("opening_registered", candidates_by=candidates_by.isoformat())
    state = await opening.wait_for(lambda s: s.status == "OPEN")
    deadline = end_of_day(candidates_by, CPH)
    assert state.deadline == deadline
    attrs = (await opening.describe()).typed_search_attributes
    assert attrs.get(sa.OPENING_STATUS) == "OPEN"
    assert attrs.get(sa.OPENING_KIND) == "wage_subsidy"
    assert attrs.get(sa.EMPLOYER) == "Nordhavn Forsikring A/S"
    assert attrs.get(sa.OWNER) == OPENING_CONSULTANT
    assert attrs.get(sa.NEXT_DEADLINE) == deadline
    assert "kandidater senest" in await opening.details()

    await h.sleep_until(deadline - timedelta(minutes=1))
    assert (await opening.wait_for(lambda s: True)).escalation_level == 0
    assert await opening.outbox() == []

    await h.sleep_until(deadline + timedelta(minutes=1))
    state = await opening.wait_for(lambda s: s.escalation_level == 2, "the escalation")
    await h.skip(timedelta(days=30))
    rows = await opening.outbox()
    assert [r["message_key"] for r in rows] == [
        f"opening/{opening.opening_id}/escalation/candidates_by"
    ]
    assert rows[0]["kind"] == "opening_escalation" and rows[0]["case_id"] is None
    assert rows[0]["due_at"] == deadline
    assert json.loads(rows[0]["recipients"]) == [CS_LEAD, OPENING_CONSULTANT]
    assert "ingen kandidat foreslået (eller alle forslag afvist) inden" in rows[0]["message"]
    attrs = (await opening.describe()).typed_search_attributes
    assert attrs.get(sa.ESCALATION_LEVEL) == 2
    assert attrs.get(sa.NEXT_DEADLINE) is None
    assert "teamleder underrettet" in await opening.details()
    projection = await opening.projection()
    assert projection is not None and projection["escalation_level"] == 2


async def test_matching_proposal_and_placement_close_the_loop(h: Harness) -> None:
    # A case in MATCHING (job goal Kontorassistent, DISCO 4110) before the opening exists.
    first = h.case()
    await reach(first, Stage.MATCHING)
    opening = OpeningRun(h)
    today = (await h.now()).date()
    candidates_by = today + timedelta(days=10)
    await opening.accept("opening_registered", candidates_by=candidates_by.isoformat())
    await opening.wait_for(lambda s: s.status == "OPEN")
    found = await opening.suggestions()
    assert [(r["case_id"], r["found_by"], r["occupation"]) for r in found] == [
        (first.case_id, "opening_registered", "exact")
    ]
    message = [r for r in await opening.outbox() if r["kind"] == "match_suggestion"]
    assert [r["message_key"] for r in message] == [f"match/{opening.opening_id}/{first.case_id}"]
    assert json.loads(message[0]["recipients"]) == [CONSULTANT, OPENING_CONSULTANT]
    assert "samme stilling (DISCO 4110)" in message[0]["message"]

    # A second case enters MATCHING after the opening: it is suggested the opening.
    # A third cannot stand for long: a standing opening is never suggested to it.
    standing = OpeningRun(h)
    await standing.accept("opening_registered", requirements=["standing_work"])
    second, third = h.case(), h.case()
    await reach(second, Stage.MATCHING)
    await reach(third, Stage.MATCHING, restrictions=["no_long_standing"])
    suggested = {(r["case_id"], r["found_by"]) for r in await opening.suggestions()}
    assert (second.case_id, "case_matching") in suggested
    assert (third.case_id, "case_matching") in suggested
    standing_for = {r["case_id"] for r in await standing.suggestions()}
    assert second.case_id in standing_for and third.case_id not in standing_for
    assert f"match/{opening.opening_id}/{second.case_id}" in await second.outbox_keys()

    # The proposal meets the candidates-by deadline: no escalation, even weeks later.
    await first.accept("match_proposed", opening_id=opening.opening_id)
    state = await opening.wait_for(lambda s: s.status == "PROPOSED", "the proposal")
    assert state.proposals == (first.case_id,) and state.deadline is None
    await h.sleep_until(end_of_day(candidates_by, CPH) + timedelta(days=1))
    assert not [r for r in await opening.outbox() if r["kind"] == "opening_escalation"]

    # The placement fills the opening; the opening's workflow completes; it stays closed.
    await first.accept("placement_started", opening_id=opening.opening_id)
    state = await opening.wait_for(lambda s: s.status == "FILLED", "the placement")
    assert state.placed_case_id == first.case_id
    await _completed(opening)
    receipt = await opening.send("opening_withdrawn")
    assert (receipt.outcome, receipt.field, receipt.reason) == (
        "refused",
        "opening_id",
        "opening closed",
    )
    logged = [r["type"] for r in await opening.logged()]
    assert logged == ["opening_registered"]


async def _completed(opening: OpeningRun) -> None:
    for _ in range(200):
        if (await opening.describe()).status == WorkflowExecutionStatus.COMPLETED:
            return
        await opening.h.skip(timedelta(seconds=1))
    raise AssertionError("the opening workflow did not complete")


async def test_events_before_registration_are_held_and_duplicates_ignored(h: Harness) -> None:
    opening = OpeningRun(h)
    now = await h.now()
    held = await opening.send("opening_withdrawn", now)
    assert held.outcome == "held"
    state = await opening.wait_for(lambda s: len(s.held) == 1)
    assert "1 hændelse(r) holdes tilbage" in await opening.details()
    receipt = await opening.send("opening_registered", now - timedelta(hours=1))
    assert receipt.outcome == "accepted"
    state = await opening.wait_for(lambda s: s.status == "WITHDRAWN", "the held withdrawal")
    assert state.withdrawn_reason == "virksomheden har ansat selv"
    await _completed(opening)
    assert [r["type"] for r in await opening.logged()] == [
        "opening_registered",
        "opening_withdrawn",
    ]


async def test_one_batch_routes_case_and_opening_events_by_type(h: Harness) -> None:
    """starter.py ingest: openings and cases in one file, each to its own workflow."""
    now = await h.now()
    opening, case = OpeningRun(h), h.case()
    lines = [
        opening_event(opening.opening_id, "b-1", "opening_registered", now).model_dump_json(),
        json.dumps(
            {
                "event_id": "b-2",
                "opening_id": "O-2026-other",
                "type": "opening_registered",
                "occurred_at": now.isoformat(),
                "data": {**opening_data("opening_registered", now.date()), "kind": "internship"},
            }
        ),
        case.event("case_opened", now).model_dump_json(),
        opening_event(opening.opening_id, "b-3", "opening_filled", now).model_dump_json(),
    ]
    report = await ingest(h.client, h.queue, lines)
    assert (report.accepted, report.duplicate, report.unconfirmed) == (3, 0, [])
    assert [(r.line, r.field) for r in report.refused] == [(2, "data.leads_to_paid_job")]
    state = await opening.wait_for(lambda s: s.status == "FILLED")
    assert state.closed and (await case.state()).opened


async def test_ops_find_openings_by_their_search_attributes(
    dev_env: WorkflowEnvironment, clean_db: str
) -> None:
    """On the real dev server, with real visibility queries, as in the Web UI."""
    async with open_harness(dev_env, clean_db) as dh:
        kept, withdrawn = OpeningRun(dh), OpeningRun(dh)
        await kept.accept("opening_registered", employer="Arla Foods", kind="small_job")
        await withdrawn.accept("opening_registered", employer="Arla Foods")
        await withdrawn.accept("opening_withdrawn")

        async def listed(query: str) -> set[str]:
            ids = {kept.workflow_id, withdrawn.workflow_id}
            return {w.id async for w in dev_env.client.list_workflows(query) if w.id in ids}

        query = "Employer = 'Arla Foods' AND OpeningStatus = '{}'"
        assert await eventually(
            lambda: listed(query.format("OPEN") + " AND OpeningKind = 'small_job'"),
            lambda found: found == {kept.workflow_id},
            "the open opening in visibility",
        )
        assert await eventually(
            lambda: listed(query.format("WITHDRAWN") + " AND ExecutionStatus = 'Completed'"),
            lambda found: found == {withdrawn.workflow_id},
            "the withdrawn opening in visibility",
        )


async def test_starter_ingests_openings_and_shows_one(
    dev_env: WorkflowEnvironment, clean_db: str
) -> None:
    """`starter.py ingest` with the opening sample file, then `starter.py opening`."""
    async with open_harness(dev_env, clean_db) as dh:
        env = {
            **os.environ,
            **keys_env(),
            "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
            "TEMPORAL_NAMESPACE": dev_env.client.namespace,
            "TRAPPEBRO_TASK_QUEUE": dh.queue,
        }
        suffix = new_case_id("")  # the sample's ids, made unique on the session's server
        sample = (SAMPLE.parent / "openings.sample.jsonl").read_text(encoding="utf-8")
        lines = sample.replace('"O-2026-00', f'"O{suffix}-').encode()
        dh.started += [f"opening-O{suffix}-{n}" for n in ("42", "43", "44")]

        async def starter(*args: str, stdin: bytes = b"") -> tuple[int, str]:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, str(ROOT / "starter.py"), *args, env=env,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, _ = await proc.communicate(stdin)
            assert proc.returncode is not None
            return proc.returncode, out.decode()

        status, out = await starter("ingest", "-", stdin=lines)
        assert status == 1, out  # one refusal: the internship with no paid work at the end
        assert out.splitlines()[:2] == [
            "accepted 3, duplicate 0, refused 1",
            "line 3: data.leads_to_paid_job: an internship needs paid work at the end: "
            "must be true",
        ]
        status, out = await starter("opening", f"O{suffix}-42")
        assert status == 0, out
        assert out.startswith("ÅBEN - Opslag O")
        assert "Sagsbehandler: vs-03" in out and "opening_registered modtaget; ÅBEN" in out
        status, out = await starter("opening", "O-2026-none")
        assert status == 1

        # The case system's sample: K-...101 is proposed for the opening, then placed.
        cases = SAMPLE.read_text(encoding="utf-8").replace('"K-2026-000', f'"K{suffix}-')
        cases = cases.replace('"O-2026-00', f'"O{suffix}-')
        dh.started += [f"case-K{suffix}-{n}" for n in ("101", "102")]
        status, out = await starter("ingest", "-", stdin=cases.encode())
        assert out.startswith("accepted 7, duplicate 0, refused 2"), out
        opening = OpeningRun(dh, f"O{suffix}-42")
        state = await opening.wait_for(lambda s: s.status == "FILLED", "the placement")
        assert state.placed_case_id == f"K{suffix}-101"
        assert state.proposals == (f"K{suffix}-101",)

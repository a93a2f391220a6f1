"""After-care on a real Temporal server (time-skipping) and PostgreSQL: follow-ups on the
policy's schedule (1, 4 and 12 weeks after the placement starts), a missed follow-up
escalates, a score of 7 or more starts the wage talk, a drop of 3 or more warns early."""

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from core.durations import end_of_day
from core.stages import Stage
from testkit.case_run import key, reach
from testkit.harness import Harness, open_harness
from testkit.samples import CONSULTANT, CPH


@pytest.fixture
async def h(ts_env: WorkflowEnvironment, clean_db: str) -> AsyncIterator[Harness]:
    async with open_harness(ts_env, clean_db) as harness:
        yield harness


async def test_follow_ups_on_schedule_a_missed_one_escalates(h: Harness) -> None:
    case = h.case()
    s = await reach(case, Stage.PLACEMENT)
    start = s.state.placement_started_on
    assert start is not None
    first_due = end_of_day(start + timedelta(weeks=1), CPH)
    assert (s.state.deadline, s.state.deadline_kind) == (first_due, "follow_up")

    # Follow-up 1 held on time: the clock moves to follow-up 2, four weeks after the start.
    await h.sleep_until(first_due - timedelta(hours=6))
    await case.accept("followup_held")
    s = await case.wait_for(lambda st: st.followups_held == 1)
    second_due = end_of_day(start + timedelta(weeks=4), CPH)
    assert s.state.deadline == second_due and s.state.escalation_level == 0
    assert await case.escalations() == []

    # Follow-up 2 missed: the consultant is told at the end of its day, once.
    await h.sleep_until(second_due + timedelta(minutes=1))
    s = await case.wait_for(lambda st: st.escalation_level == 1, "the missed follow-up")
    rows = await case.escalations()
    assert [r["message_key"] for r in rows] == [key(case, "escalation", s.state.deadline_no, 1)]
    assert "opfølgning 2 i efterværnet skulle have været holdt" in rows[0]["message"]
    assert CONSULTANT in rows[0]["recipients"]
    await case.expect_attributes(s)

    # Holding it late clears the escalation and sets the last follow-up's date.
    await case.accept("followup_held")
    s = await case.wait_for(lambda st: st.followups_held == 2)
    assert s.state.escalation_level == 0
    assert s.state.deadline == end_of_day(start + timedelta(weeks=12), CPH)


async def test_wage_talk_at_seven_and_early_warning_on_a_drop(h: Harness) -> None:
    case = h.case()
    await reach(case, Stage.PLACEMENT)
    phone, files = "telefonbetjening", "arkivering"
    await case.accept("progression_scored", work_function=phone, score=5)
    await case.accept("progression_scored", work_function=files, score=6)
    await case.accept("progression_scored", work_function=phone, score=8)  # wage talk
    await case.accept("progression_scored", work_function=files, score=4)  # -2: nothing
    await case.accept("progression_scored", work_function=phone, score=5)  # -3: warning
    await case.settled()
    rows = [r for r in await case.outbox() if r["kind"] in ("wage_talk", "early_warning")]
    kinds = [(r["kind"], r["message"]) for r in rows]
    assert [k for k, _ in kinds] == ["wage_talk", "early_warning"], kinds
    assert "fik 8/10 på 'telefonbetjening'" in kinds[0][1]
    assert "faldt fra 8 til 5/10" in kinds[1][1]
    assert all(CONSULTANT in r["recipients"] for r in rows)

"""The case workflow on a real Temporal server (time-skipping) and a real PostgreSQL.

Each test runs the production worker (`composition.create_worker`) on its own task queue
and sends events through the case system's door (`doors.ingest.send`: signal-with-start,
then the receipt). Events occur "now" in the server's virtual time; the tests skip months
ahead and check what ops staff and the case system see: the `state`, `details` and
`timeline` queries, the search attributes, and the event log, outbox and read model rows.

Unless said otherwise a case uses policies/default.toml (Norddjurs: the default policy):
10 working days for the job-goal talk and the CV, 3 for the handover, 20 for matching, 5 to
answer a match; the ladder climbs 2 and then 3 working days after a deadline and reminds
every 5; the handover goes 4 weeks before the expected fit-for-work date; after-care
follow-ups 1, 4 and 12 weeks after the placement starts.
"""

from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.policies import PolicySource
from activities.store import CaseStore
from composition import PASSTHROUGH
from core.case.state import CaseState
from core.durations import end_of_day, start_of_day
from core.stages import Stage
from doors.ingest import CLOSED, confirm
from doors.starting import deliver
from testkit.builders import build_event, new_case_id, write_policy
from testkit.case_run import key, levels, reach
from testkit.describe import CONTINUED_AS_NEW
from testkit.harness import Harness, open_harness
from testkit.samples import CONSULTANT, CPH, OWNER
from workflows import search_attributes as sa
from workflows.activity_names import PERSIST_CASE
from workflows.case import CaseWorkflow
from workflows.case_payloads import SUBMIT_UPDATE, CaseInput, CaseResult, Delivery, PersistRequest
from workflows.payloads import Receipt

TEAM_LEAD = "teamleder-sygedagpenge"
HEAD = "afdelingsleder-sygedagpenge"
CS_TEAM = "virksomhedsservice"
CS_LEAD = "teamleder-virksomhedsservice"
CS_HEAD = "afdelingsleder-virksomhedsservice"
MINUTE = timedelta(minutes=1)


@pytest.fixture
async def h(ts_env: WorkflowEnvironment, clean_db: str) -> AsyncIterator[Harness]:
    """The default policy (working days)."""
    async with open_harness(ts_env, clean_db) as harness:
        yield harness


@pytest.fixture
async def hs(ts_env: WorkflowEnvironment, clean_db: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """A second-scale test policy (see workflow_support.SECONDS_POLICY)."""
    async with open_harness(ts_env, clean_db, write_policy(tmp_path)) as harness:
        yield harness


def whats(entries: object) -> list[str]:
    return [e.what for e in entries]  # type: ignore[attr-defined]


def reached(rungs: int) -> Callable[[CaseState], bool]:
    """The ladder has climbed `rungs` rungs (levels 1-3, then level-3 reminders)."""
    return lambda state: state.escalation_level + state.repeats >= rungs


def on_day(day: date, hour: int = 10) -> datetime:
    """`hour` o'clock on `day` in Copenhagen."""
    return datetime.combine(day, datetime.min.time(), CPH).replace(hour=hour)


# --- the whole way ---------------------------------------------------------------------


async def test_happy_path_through_months_to_employed(h: Harness) -> None:
    policy, tz = h.policy(), h.policy().tz
    case = h.case()
    t0 = await h.now()
    expected_fit = (t0 + timedelta(weeks=8)).date()

    await case.accept("case_opened", expected_fit_for_work_on=expected_fit.isoformat())
    s = await case.expect_attributes()
    assert s.state.stage is Stage.JOB_GOAL_TALK
    assert s.attr(sa.OWNER) == OWNER
    assert s.attr(sa.DEPARTMENT) == "sick_leave"
    assert s.attr(sa.MUNICIPALITY) == "Norddjurs"
    assert s.attr(sa.OUTCOME) is None
    assert s.state.deadline == policy.deadlines[Stage.JOB_GOAL_TALK].after(t0, tz)
    assert s.projection is not None and s.projection["stage"] == "JOB_GOAL_TALK"

    await h.skip(timedelta(days=2))
    t1 = await h.now()
    await case.accept("job_goal_talk_held")
    s = await case.expect_attributes()
    assert s.state.stage is Stage.CV_READINESS
    assert s.state.deadline == policy.deadlines[Stage.CV_READINESS].after(t1, tz)

    # The CV is ready weeks before the citizen is expected fit: the case waits for the
    # handover window (4 weeks before the expected date), not for the CV deadline.
    await h.skip(timedelta(days=3))
    await case.accept("cv_updated")
    window = policy.handover_window.before(start_of_day(expected_fit, tz), tz)
    s = await case.expect_attributes()
    assert s.state.stage is Stage.CV_READINESS
    assert (s.state.deadline_kind, s.state.deadline) == ("handover_window", window)
    assert s.attr(sa.NEXT_DEADLINE) == window
    assert "overleveringsvindue" in await case.details()

    # The window opens: the handover is sent at once, four weeks early.
    await h.sleep_until(window + MINUTE)
    s = await case.wait_for(lambda st: st.stage is Stage.HANDOVER, "the handover")
    await case.expect_attributes(s)
    assert s.state.stage_entered_at == window < start_of_day(expected_fit, tz)
    assert s.attr(sa.OWNER) == CS_TEAM
    assert s.attr(sa.DEPARTMENT) == "company_service"
    assert s.state.deadline == policy.deadlines[Stage.HANDOVER].after(window, tz)
    # The stages' messages (this case holds no statutory talk: the law's clocks escalate
    # beside them, tests/workflow/test_statutory_clocks.py).
    [handover] = await case.stage_outbox()
    assert handover["message_key"] == key(case, "handover_requested", s.state.deadline_no)
    assert handover["kind"] == "handover_requested"
    assert handover["recipients"] == f'["{CS_TEAM}", "{OWNER}"]'

    await h.skip(timedelta(days=1))
    await case.accept("handover_accepted")
    s = await case.expect_attributes()
    assert s.state.stage is Stage.MATCHING
    assert s.attr(sa.OWNER) == CONSULTANT

    await h.skip(timedelta(days=5))
    t2 = await h.now()
    await case.accept("match_proposed")
    s = await case.expect_attributes()
    assert (s.state.deadline_kind, s.state.deadline) == (
        "match_response",
        policy.match_response.after(t2, tz),
    )

    await h.skip(timedelta(days=2))
    start = (await h.now()).date()
    await case.accept("placement_started")
    s = await case.expect_attributes()
    assert s.state.stage is Stage.PLACEMENT
    assert s.state.deadline_kind == "follow_up"
    assert s.state.deadline == end_of_day(start + timedelta(weeks=1), tz)

    # After-care: follow-ups on the day they are due; a score of 8 starts the wage talk.
    for n, weeks in enumerate((1, 4, 12), 1):
        await h.sleep_until(on_day(start + timedelta(weeks=weeks)))
        if n == 2:
            await case.accept("progression_scored", score=8)
        await case.accept("followup_held")
        s = await case.settled()
        assert s.state.followups_held == n
        assert s.state.escalation_level == 0

    result = await case.result()
    assert result == CaseResult(case_id=case.case_id, outcome="employed", events_applied=10)
    s = await case.expect_attributes()
    assert s.desc.status == WorkflowExecutionStatus.COMPLETED
    assert s.state.stage is Stage.CLOSED
    assert s.attr(sa.CASE_STAGE) == "CLOSED"
    assert s.attr(sa.OUTCOME) == "employed"
    assert s.attr(sa.NEXT_DEADLINE) is None
    assert s.projection is not None
    assert (s.projection["stage"], s.projection["outcome"], s.projection["deadline"]) == (
        "CLOSED",
        "employed",
        None,
    )
    assert (await case.state()).closed_at is not None
    assert "**Afsluttet** - udfald **i job**" in await case.details()
    timeline = whats(await case.timeline())
    assert "handover sent to the company service" in timeline
    assert timeline[-2:] == ["closed: employed", "followup_held accepted; stage CLOSED"]

    # Every event in the log once, in order; no escalation was ever due.
    logged = await case.logged()
    assert [r["event_id"] for r in logged] == [e.event_id for e in case.sent]
    assert [r["seq"] for r in logged] == list(range(1, 11))
    kinds = [r["kind"] for r in await case.stage_outbox()]
    assert sorted(kinds) == ["handover_requested", "wage_talk"]


# --- deadlines and the ladder ----------------------------------------------------------


async def test_the_whole_ladder_at_the_policy_times(h: Harness) -> None:
    policy, tz = h.policy(), h.policy().tz
    ladder = policy.ladder
    case = h.case()
    t0 = await h.now()
    await case.accept("case_opened")

    deadline = policy.deadlines[Stage.JOB_GOAL_TALK].after(t0, tz)
    level_2 = ladder.level_2_after.after(deadline, tz)
    level_3 = ladder.level_3_after.after(level_2, tz)
    repeat_1 = ladder.repeat_after.after(level_3, tz)
    rungs = [
        (deadline, 1, [OWNER], "1"),
        (level_2, 2, [TEAM_LEAD], "2"),
        (level_3, 3, [HEAD], "3"),
        (repeat_1, 3, [HEAD], "3r1"),
    ]
    for n, (due, level, recipients, suffix) in enumerate(rungs, 1):
        # Nothing before the moment the policy names...
        await h.sleep_until(due - MINUTE)
        s = await case.settled()
        assert len(await case.escalations()) == n - 1
        # ...and the message right after it, once.
        await h.sleep_until(due + MINUTE)
        s = await case.wait_for(reached(n))
        await case.expect_attributes(s)
        assert s.attr(sa.ESCALATION_LEVEL) == level
        assert s.attr(sa.STALLED) is (level >= 3)
        assert s.state.stage is Stage.JOB_GOAL_TALK
        assert s.projection is not None and s.projection["escalation_level"] == level
        rows = await case.escalations()
        assert len(rows) == n
        row = rows[-1]
        assert row["message_key"] == key(case, "escalation", 1, suffix)
        assert (row["level"], row["due_at"]) == (level, due)
        assert row["recipients"] == "[" + ", ".join(f'"{r}"' for r in recipients) + "]"
        assert "Sendt for sent" not in row["message"]
        assert ("sagen er gået i stå" in row["message"]) is (level >= 3)

    assert "**GÅET I STÅ**" in await case.details()
    timeline = whats(await case.timeline())
    assert [w for w in timeline if "escalated" in w or "reminder" in w] == [
        "escalated to level 1",
        "escalated to level 2",
        "escalated to level 3",
        "still stalled: level 3 reminder",
    ]

    # Progress clears the ladder of the stage it leaves; the old deadline says no more.
    await case.accept("job_goal_talk_held")
    s = await case.expect_attributes()
    assert s.state.stage is Stage.CV_READINESS
    assert (s.state.escalation_level, s.state.stalled) == (0, False)
    assert s.attr(sa.STALLED) is False
    assert s.attr(sa.ESCALATION_LEVEL) == 0
    assert s.state.deadline is not None
    await h.sleep_until(s.state.deadline - MINUTE)
    await case.settled()
    assert levels(await case.escalations()) == [1, 2, 3, 3]


async def test_every_stage_deadline_escalates_to_its_owner(hs: Harness) -> None:
    """Second-scale policy: JOB_GOAL_TALK 100 s, CV 200 s, HANDOVER 150 s, MATCHING 300 s,
    120 s to answer a match, level 2 after 50 s and level 3 after 60 s more."""
    policy, tz = hs.policy(), hs.policy().tz
    case = hs.case()
    expected: list[tuple[str, list[str]]] = []

    async def escalates(level: int, recipients: list[str], phrase: str) -> None:
        state = (await case.settled()).state
        assert state.deadline is not None
        due = state.deadline
        if level >= 2:
            due = policy.ladder.level_2_after.after(due, tz)
        if level >= 3:
            due = policy.ladder.level_3_after.after(due, tz)
        await hs.sleep_until(due + timedelta(seconds=1))
        s = await case.wait_for(lambda st: st.escalation_level == level, f"level {level}")
        await case.expect_attributes(s)
        row = (await case.escalations())[-1]
        assert row["message_key"] == key(case, "escalation", s.state.deadline_no, level)
        assert row["due_at"] == due
        assert row["recipients"] == "[" + ", ".join(f'"{r}"' for r in recipients) + "]"
        assert phrase in row["message"]
        expected.append((row["message_key"], recipients))

    t0 = await hs.now()
    await case.accept("case_opened")
    assert (await case.state()).deadline == t0 + timedelta(seconds=100)
    await escalates(1, [OWNER], "ventet på den tidlige jobmålssamtale")

    await case.accept("job_goal_talk_held")
    await escalates(1, [OWNER], "ventet på et opdateret, komplet CV")

    # A handover: both departments hear of it, at every level.
    await case.accept("fit_for_work_declared")
    await case.accept("cv_updated")
    assert (await case.settled()).state.stage is Stage.HANDOVER
    await escalates(1, [OWNER, CS_TEAM], "at virksomhedsservice accepterer overleveringen")
    await escalates(2, [TEAM_LEAD, CS_LEAD], "at virksomhedsservice accepterer overleveringen")
    await escalates(3, [HEAD, CS_HEAD], "at virksomhedsservice accepterer overleveringen")
    assert (await case.settled()).attr(sa.STALLED) is True

    await case.accept("handover_accepted")
    s = await case.expect_attributes()
    assert (s.state.stage, s.state.stalled, s.attr(sa.STALLED)) == (Stage.MATCHING, False, False)
    await escalates(1, [CONSULTANT], "ventet på et match med en arbejdsgiver")

    await case.accept("match_proposed")
    await escalates(1, [CONSULTANT], "matchforslaget har ikke fået svar")

    start = (await hs.now()).date()
    await case.accept("placement_started")
    s = await case.settled()
    # The first follow-up is due a week after the start (a day-based entry), by day's end.
    assert s.state.deadline == end_of_day(start + timedelta(weeks=1), tz)
    await escalates(1, [CONSULTANT], "opfølgning 1 i efterværnet skulle have været holdt")

    # Exactly these messages, each once.
    rows = await case.escalations()
    assert sorted(r["message_key"] for r in rows) == sorted(k for k, _ in expected)


async def test_a_rejected_handover_goes_back_to_cv_readiness(h: Harness) -> None:
    case = h.case()
    await reach(case, Stage.HANDOVER)
    reason = "CV mangler seneste erfaring som kontorassistent"

    receipt = await case.send("handover_rejected", reason=reason)
    assert receipt.outcome == "accepted"
    rejection = case.sent[-1]
    s = await case.expect_attributes()
    assert s.state.stage is Stage.CV_READINESS
    assert s.state.handover_rejection == reason
    assert s.state.cv_complete is False
    assert (s.attr(sa.OWNER), s.attr(sa.DEPARTMENT)) == (OWNER, "sick_leave")
    assert "har sendt overleveringen tilbage" in await case.details()
    assert whats(await case.timeline())[-2:] == [
        "entered CV_READINESS",
        "handover_rejected accepted; stage CV_READINESS",
    ]
    [row] = [r for r in await case.outbox() if r["kind"] == "handover_rejected"]
    assert row["message_key"] == key(case, "handover_rejected", rejection.event_id)
    assert row["recipients"] == f'["{OWNER}"]'
    assert reason in row["message"]

    # The caseworker brings the CV up to date: a new handover, a new request.
    await case.accept("cv_updated")
    s = await case.settled()
    assert s.state.stage is Stage.HANDOVER
    kinds = [r["kind"] for r in await case.outbox()]
    assert sorted(kinds) == ["handover_rejected", "handover_requested", "handover_requested"]
    await case.accept("handover_accepted")
    s = await case.settled()
    assert (s.state.stage, s.state.handover_rejection) == (Stage.MATCHING, None)


# --- pause, owner, moved deadlines -----------------------------------------------------


async def test_a_pause_not_resumed_escalates_after_its_review_day(h: Harness) -> None:
    policy, tz = h.policy(), h.policy().tz
    case = h.case()
    await reach(case, Stage.CV_READINESS)
    stage_deadline = (await case.state()).deadline
    assert stage_deadline is not None
    today = (await h.now()).date()
    review_on = today + timedelta(days=21)

    await case.accept("case_paused", review_on=review_on.isoformat(), reason="operation")
    s = await case.expect_attributes()
    review = end_of_day(review_on, tz)
    assert (s.state.paused, s.state.review_on) == (True, review_on)
    assert (s.state.deadline_kind, s.state.deadline) == ("pause_review", review)
    assert s.attr(sa.NEXT_DEADLINE) == review
    assert review > stage_deadline
    assert f"revurdering af pausen senest {review_on}" in await case.details()

    # The stage's own deadline passes quietly while the case is paused...
    await h.sleep_until(stage_deadline + timedelta(days=1))
    await h.sleep_until(review - MINUTE)
    assert (await case.settled()).state.escalation_level == 0
    assert await case.escalations() == []

    # ...the review day does not.
    await h.sleep_until(review + MINUTE)
    s = await case.wait_for(lambda st: st.escalation_level == 1)
    await case.expect_attributes(s)
    [row] = await case.escalations()
    assert row["due_at"] == review
    assert (
        f"pausens revurderingsdato {review_on} er passeret, uden at sagen er genoptaget"
        in row["message"]
    )

    # Resuming ends the pause and the escalation: the stage's clock starts again.
    resumed_at = await h.now()
    await case.accept("case_resumed")
    s = await case.expect_attributes()
    assert (s.state.paused, s.state.escalation_level, s.state.deadline_kind) == (
        False,
        0,
        "stage",
    )
    assert s.state.deadline == policy.deadlines[Stage.CV_READINESS].after(resumed_at, tz)


async def test_resume_restarts_the_stage_clock(h: Harness) -> None:
    policy, tz = h.policy(), h.policy().tz
    case = h.case()
    await reach(case, Stage.CV_READINESS)
    today = (await h.now()).date()
    await case.accept("case_paused", review_on=(today + timedelta(days=30)).isoformat())

    await h.skip(timedelta(days=9))
    resumed_at = await h.now()
    await case.accept("case_resumed")
    s = await case.expect_attributes()
    deadline = policy.deadlines[Stage.CV_READINESS].after(resumed_at, tz)
    assert (s.state.paused, s.state.review_on, s.state.deadline) == (False, None, deadline)
    assert s.attr(sa.NEXT_DEADLINE) == deadline

    await h.sleep_until(deadline - MINUTE)
    assert await case.escalations() == []
    await h.sleep_until(deadline + MINUTE)
    await case.wait_for(lambda st: st.escalation_level == 1)
    [row] = await case.escalations()
    assert row["due_at"] == deadline
    assert "ventet på et opdateret, komplet CV" in row["message"]


async def test_an_owner_change_shows_in_the_owner_attribute(h: Harness) -> None:
    case = h.case()
    await reach(case, Stage.JOB_GOAL_TALK)
    before = (await case.state()).deadline

    await case.accept("owner_changed", owner="sb-07", team="sygedagpenge-3")
    s = await case.expect_attributes()
    assert (s.state.owner, s.state.team, s.attr(sa.OWNER)) == ("sb-07", "sygedagpenge-3", "sb-07")
    assert s.state.deadline == before  # a new owner, the same date
    assert s.projection is not None
    assert (s.projection["owner"], s.projection["team"]) == ("sb-07", "sygedagpenge-3")
    assert "Sagsbehandler: **sb-07**" in await case.details()

    # The reminder at the deadline goes to the new owner.
    assert before is not None
    await h.sleep_until(before + MINUTE)
    await case.wait_for(lambda st: st.escalation_level == 1)
    [row] = await case.escalations()
    assert row["recipients"] == '["sb-07"]'

    # In the company service the owner is the consultant.
    await case.accept("job_goal_talk_held")
    await case.accept("fit_for_work_declared")
    await case.accept("cv_updated")
    await case.accept("handover_accepted")
    await case.accept("owner_changed", owner="vs-09")
    s = await case.expect_attributes()
    assert (s.state.stage, s.state.consultant, s.attr(sa.OWNER)) == (
        Stage.MATCHING,
        "vs-09",
        "vs-09",
    )
    assert s.state.caseworker == "sb-07"


async def test_a_moved_deadline_carries_its_reason_and_replaces_the_old_one(h: Harness) -> None:
    tz = h.policy().tz
    case = h.case()
    await reach(case, Stage.JOB_GOAL_TALK)
    old = (await case.state()).deadline
    assert old is not None
    new_day = (await h.now()).date() + timedelta(days=30)
    reason = "afventer speciallægeerklæring"

    await case.accept("deadline_moved", new_deadline=new_day.isoformat(), reason=reason)
    moved = case.sent[-1]
    s = await case.expect_attributes()
    new = end_of_day(new_day, tz)
    assert (s.state.deadline_kind, s.state.deadline) == ("moved", new)
    assert s.attr(sa.NEXT_DEADLINE) == new
    assert s.projection is not None and s.projection["deadline"] == new
    [row] = [r for r in await case.logged() if r["event_id"] == moved.event_id]
    assert reason in row["data"]

    await h.sleep_until(old + timedelta(days=1))
    assert await case.escalations() == []
    await h.sleep_until(new + MINUTE)
    await case.wait_for(lambda st: st.escalation_level == 1)
    [esc] = await case.escalations()
    assert esc["due_at"] == new
    assert "fristen, som sagsbehandleren satte, er overskredet" in esc["message"]


# --- intake: duplicates, order, held events, closed cases ------------------------------


async def test_a_delivery_sent_again_keeps_its_first_receipt(h: Harness) -> None:
    """A door whose send timed out sends the same delivery again (same delivery id): the
    repeat is a duplicate of the event, and the delivery's receipt stays the first one."""
    case = h.case()
    await case.accept("case_opened")
    talk = case.event("job_goal_talk_held", await h.now())
    handle = await deliver(h.client, h.queue, talk, "sent-twice")
    assert handle is not None
    await deliver(h.client, h.queue, talk, "sent-twice")  # in the same step or the next
    assert (await confirm(handle, "sent-twice")).outcome == "accepted"
    await deliver(h.client, h.queue, talk, "sent-twice")  # once it has been applied
    settled = await case.settled()
    assert (await case.receipt_of("sent-twice")).outcome == "accepted"
    assert settled.state.seq == 2


async def test_the_same_event_twice_changes_nothing_the_second_time(h: Harness) -> None:
    case = h.case()
    await case.accept("case_opened")
    talk = case.event("job_goal_talk_held", await h.now())
    assert (await case.deliver(talk)).outcome == "accepted"
    before = (await case.settled()).state

    assert (await case.deliver(talk)).outcome == "duplicate"
    # The id is the key: other content under a seen id is a duplicate too.
    again = case.event("cv_updated", await h.now(), event_id=talk.event_id)
    assert (await case.deliver(again)).outcome == "duplicate"
    opened_again = case.sent[0]
    assert (await case.deliver(opened_again)).outcome == "duplicate"

    after = (await case.settled()).state
    assert after.version == before.version
    assert after.seq == before.seq == 2
    assert await case.logged_ids() == [opened_again.event_id, talk.event_id]
    assert await case.refused() == []


async def test_a_cv_before_the_talk_moves_the_case_on_when_the_talk_comes(h: Harness) -> None:
    case = h.case()
    # Expected fit in two weeks: the handover window is already open.
    fit = (await h.now()).date() + timedelta(weeks=2)
    await case.accept("case_opened", expected_fit_for_work_on=fit.isoformat())
    await case.accept("cv_updated")
    s = await case.settled()
    assert (s.state.stage, s.state.cv_complete) == (Stage.JOB_GOAL_TALK, True)

    await case.accept("job_goal_talk_held")
    s = await case.expect_attributes()
    assert s.state.stage is Stage.HANDOVER
    assert [r["kind"] for r in await case.outbox()] == ["handover_requested"]
    timeline = whats(await case.timeline())
    assert timeline.index("entered CV_READINESS") < timeline.index(
        "handover sent to the company service"
    )


async def test_events_before_case_opened_are_held_then_applied(h: Harness) -> None:
    case = h.case()
    now = await h.now()
    talk = case.event("job_goal_talk_held", now - timedelta(hours=1))
    cv = case.event("cv_updated", now - timedelta(minutes=30))
    opened = case.event("case_opened", now - timedelta(hours=2))

    assert (await case.deliver(cv)).outcome == "held"
    assert (await case.deliver(talk)).outcome == "held"
    assert (await case.deliver(talk)).outcome == "duplicate"
    s = await case.settled()
    assert (s.state.opened, len(s.state.held)) == (False, 2)
    assert "**Venter på case_opened** - 2 hændelse(r) holdes" in await case.details()
    assert s.attr(sa.CASE_STAGE) is None
    assert await case.logged() == []

    assert (await case.deliver(opened)).outcome == "accepted"
    s = await case.expect_attributes()
    assert s.state.held == ()
    assert s.state.stage is Stage.CV_READINESS
    assert s.state.cv_complete is True
    # Applied in business-time order, each logged once.
    logged = await case.logged()
    assert [r["event_id"] for r in logged] == [opened.event_id, talk.event_id, cv.event_id]
    assert [r["seq"] for r in logged] == [1, 2, 3]


async def test_a_closed_case_stays_closed(h: Harness) -> None:
    case = h.case()
    await case.accept("case_opened")
    await case.accept("case_closed", outcome="education")
    result = await case.result()
    assert result == CaseResult(case_id=case.case_id, outcome="education", events_applied=2)
    first = await case.settled()
    assert first.desc.status == WorkflowExecutionStatus.COMPLETED
    assert first.attr(sa.OUTCOME) == "education"

    # Later events are refused at the door: no new run of the workflow starts.
    assert await case.send("job_goal_talk_held") == CLOSED
    assert await case.send("case_opened") == CLOSED
    assert CLOSED.field == "case_id" and CLOSED.reason == "case closed"
    later = await case.settled()
    assert later.desc.run_id == first.desc.run_id
    assert later.desc.status == WorkflowExecutionStatus.COMPLETED
    assert later.state.version == first.state.version
    assert len(await case.logged()) == 2


async def test_a_late_backlog_escalates_at_once_and_says_so(h: Harness) -> None:
    """Deadlines run from business time. A month-old backlog arrives now: the talk came in
    time for its deadline, so only the CV stage escalates, at once, marked as sent late,
    and the old reminders are folded into one."""
    policy, tz = h.policy(), h.policy().tz
    ladder = policy.ladder
    case = h.case()
    now = await h.now()
    opened = case.event("case_opened", now - timedelta(days=30))
    talk = case.event("job_goal_talk_held", now - timedelta(days=25))
    assert (await case.deliver(opened)).outcome == "accepted"
    assert (await case.deliver(talk)).outcome == "accepted"
    assert await case.escalations() == []

    # The case waits a few seconds for more of the backlog before it catches up.
    await h.skip(timedelta(seconds=10))
    s = await case.wait_for(lambda st: st.escalation_level == 3)
    await case.expect_attributes(s)
    deadline = policy.deadlines[Stage.CV_READINESS].after(talk.occurred_at, tz)
    level_2 = ladder.level_2_after.after(deadline, tz)
    level_3 = ladder.level_3_after.after(level_2, tz)
    repeats: list[datetime] = []
    while (nxt := ladder.repeat_after.after(repeats[-1] if repeats else level_3, tz)) <= now:
        repeats.append(nxt)
    expected = [
        (key(case, "escalation", 2, n), due)
        for n, due in enumerate([deadline, level_2, level_3], 1)
    ]
    if repeats:
        expected.append((key(case, "escalation", 2, f"3r{len(repeats)}"), repeats[-1]))
    rows = await case.escalations()
    assert [(r["message_key"], r["due_at"]) for r in rows] == expected
    assert all(r["stage"] == "CV_READINESS" for r in rows)
    assert all("Sendt for sent: skulle være sendt" in r["message"] for r in rows)
    assert (s.state.stalled, s.attr(sa.STALLED)) == (True, True)


async def test_submit_answers_synchronously_and_validates(h: Harness) -> None:
    case = h.case()
    now = await h.now()
    handle = await case.start(case.event("case_opened", now))
    # Let the case apply case_opened first: an update that reaches the case in the same
    # workflow task as the start signal is applied before it (the event would be held).
    await case.settled()
    talk = case.event("job_goal_talk_held", now)

    first, again = [
        await handle.execute_update(
            SUBMIT_UPDATE, Delivery(event=talk, delivery_id=d), result_type=Receipt
        )
        for d in ("d-1", "d-2")
    ]
    assert (first.outcome, again.outcome) == ("accepted", "duplicate")

    # The validator turns these away before they reach the case's history.
    other = build_event(new_case_id(), "evt-other", "job_goal_talk_held", now)
    for delivery, reason in (
        (Delivery(event=talk), "delivery_id: is required"),
        (Delivery(event=other, delivery_id="d-3"), "case_id: belongs to another case"),
    ):
        with pytest.raises(WorkflowUpdateFailedError) as failed:
            await handle.execute_update(SUBMIT_UPDATE, delivery, result_type=Receipt)
        assert reason in str(failed.value.cause)
    s = await case.settled()
    assert s.state.seq == 2
    assert await case.logged_ids() == [case.sent[0].event_id, talk.event_id]


# --- continue-as-new -------------------------------------------------------------------


async def test_continue_as_new_carries_the_case_over(h: Harness) -> None:
    tz = h.policy().tz
    case = h.case()
    opened = case.event("case_opened", await h.now())
    handle = await case.start(opened, CaseInput(case_id=case.case_id, continue_as_new_after=25))
    first_run = handle.result_run_id
    await case.settled()

    moved_to = (await h.now()).date() + timedelta(days=20)
    await case.accept("owner_changed", owner="sb-11")
    await case.accept("job_goal_talk_held")
    await case.accept("fit_for_work_expected")
    await case.accept("cv_updated", complete=False)
    await case.accept("deadline_moved", new_deadline=moved_to.isoformat())
    s = await case.expect_attributes()

    # At least one new run, and the first one ended by continuing as new.
    assert s.desc.run_id != first_run
    assert (await case.history_events(first_run))[-1] == CONTINUED_AS_NEW
    # The state came along: stage, owner, deadline, the ids seen.
    assert s.state.stage is Stage.CV_READINESS
    assert s.state.caseworker == "sb-11"
    assert (s.state.deadline_kind, s.state.deadline) == ("moved", end_of_day(moved_to, tz))
    assert s.state.seen == {e.event_id for e in case.sent}
    assert s.state.seq == 6

    # Duplicates are still caught, whichever run saw the event first.
    for event in (opened, case.sent[2]):
        assert (await case.deliver(event)).outcome == "duplicate"
    assert (await case.settled()).state.version == s.state.version

    # The deadline still fires, once, in the latest run.
    await h.sleep_until(end_of_day(moved_to, tz) + MINUTE)
    s = await case.wait_for(lambda st: st.escalation_level == 1)
    [row] = await case.escalations()
    assert row["message_key"] == key(case, "escalation", s.state.deadline_no, 1)
    assert [r["event_id"] for r in await case.logged()] == [e.event_id for e in case.sent[:6]]


# --- activity failures -----------------------------------------------------------------


class FlakyStore:
    """The real CaseStore behind an activity of the same name whose first attempt fails:
    for the first step before anything is written, for later ones after the transaction
    committed (the worker lost the result), so the retry writes everything a second time."""

    def __init__(self, store: CaseStore) -> None:
        self.store = store
        self.attempts: list[tuple[str, int]] = []

    @activity.defn(name=PERSIST_CASE)
    async def persist_case(self, request: PersistRequest) -> None:
        info = activity.info()
        self.attempts.append((info.activity_id, info.attempt))
        if info.attempt == 1 and len(self.attempts) == 1:
            raise RuntimeError("connection refused (first attempt)")
        await self.store.persist_case(request)
        if info.attempt == 1:
            raise RuntimeError("connection lost after commit (first attempt)")


async def test_a_failed_persist_attempt_is_retried_and_writes_once(
    ts_env: WorkflowEnvironment, clean_db: str, tmp_path: Path
) -> None:
    stores: list[FlakyStore] = []

    def flaky_worker(client: Client, queue: str, pool: asyncpg.Pool, policy: Path) -> Worker:
        stores.append(FlakyStore(CaseStore(pool)))
        return Worker(
            client,
            task_queue=queue,
            workflows=[CaseWorkflow],
            activities=[stores[-1].persist_case, PolicySource(policy).load_policy],
            workflow_runner=SandboxedWorkflowRunner(
                restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
            ),
        )

    async with open_harness(ts_env, clean_db, write_policy(tmp_path), flaky_worker) as hs:
        case = hs.case()
        await case.accept("case_opened")
        await case.accept("job_goal_talk_held")
        s = await case.settled()
        assert s.state.deadline is not None
        await hs.sleep_until(s.state.deadline + timedelta(seconds=1))
        s = await case.wait_for(lambda st: st.escalation_level == 1)
        await case.expect_attributes(s)

        attempts = stores[0].attempts
        calls = {activity_id for activity_id, _ in attempts}
        assert len(calls) == 3  # two events and one escalation
        assert sorted(attempts) == sorted((a, n) for a in calls for n in (1, 2))
        assert await case.logged_ids() == [e.event_id for e in case.sent]
        [row] = await case.escalations()
        assert row["message_key"] == key(case, "escalation", s.state.deadline_no, 1)
        assert s.projection is not None and s.projection["escalation_level"] == 1
        assert s.desc.status == WorkflowExecutionStatus.RUNNING
        history = await case.history_events()
        assert EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED not in history
        assert EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED not in history
        assert history.count(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) == 3

"""The law's clocks inside the case: the three statutory events through intake and the
case's rules, the first day of absence kept from case_opened, refusals with field and
reason, the early reassessment flagged, the end of the benefit."""

from datetime import UTC, date
from typing import Any

import pytest

from core.case.law import law_calendar
from core.case.state import CaseState
from core.intake import parse_event
from core.kernel.refusal import Refused
from core.statutory.deadlines import next_deadline
from core.statutory.state import StatutoryState
from testkit.samples import Case, event, local, raw

OPENED = "2026-03-02 09:00"
SICK = "2026-02-10"  # case_opened's sick_listed_on below


def opened() -> Case:
    case = Case()
    decision = case.apply(event("case_opened", local(OPENED), sick_listed_on=SICK))
    assert decision.outcome == "accepted"
    return case


def clocks(state: CaseState) -> StatutoryState:
    assert state.statutory is not None
    return state.statutory


def test_case_opened_keeps_the_first_day_of_absence_and_starts_the_clocks() -> None:
    state = opened().state
    assert state.sick_listed_on == date(2026, 2, 10)
    assert clocks(state).sick_listed_on == date(2026, 2, 10)
    assert state.policy is not None
    law = state.policy.statutory
    assert (law.first_talk_weeks, law.followup_every_weeks) == (8, 4)


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("statutory_talk_held", {"held_on": "2026-03-10", "kind": "first"}),
        ("reassessment_held", {"held_on": "2026-03-10", "result": "job_clarification_course"}),
        ("early_talk_requested", {"requested_on": "2026-03-10", "requested_by": "citizen"}),
    ],
)
def test_each_statutory_event_is_accepted_and_reaches_the_clocks(
    kind: str, data: dict[str, Any]
) -> None:
    case = opened()
    assert case.apply(event(kind, local("2026-03-10 12:00"), **data)).outcome == "accepted"
    law = clocks(case.state)
    assert len(law.talks) + len(law.reassessments) + len(law.early_requests) == 1


def test_a_talk_moves_the_next_statutory_deadline_four_weeks_on() -> None:
    case = opened()
    case.apply(event("statutory_talk_held", local("2026-03-16 12:00"), held_on="2026-03-16"))
    assert case.state.policy is not None

    calendar = law_calendar(case.state.policy, date(2026, 2, 10))
    deadline = next_deadline(clocks(case.state), case.state.policy.statutory, calendar)
    assert deadline is not None
    assert (deadline.rule, deadline.latest_on) == ("followup_talk", date(2026, 4, 13))


def test_a_talk_before_the_first_day_of_absence_is_refused_by_the_case() -> None:
    case = opened()
    decision = case.apply(
        event("statutory_talk_held", local("2026-03-10 12:00"), held_on="2026-02-01")
    )
    assert decision.outcome == "refused"
    assert (decision.field, decision.reason) == (
        "data.held_on",
        "lies before the first day of absence",
    )
    assert clocks(case.state).talks == ()


@pytest.mark.parametrize(
    ("kind", "field", "data"),
    [
        ("statutory_talk_held", "data.held_on", {"held_on": "2026-03-11"}),
        ("reassessment_held", "data.held_on", {"held_on": "2026-03-11"}),
        ("early_talk_requested", "data.requested_on", {"requested_on": "2026-03-11"}),
    ],
)
def test_a_date_after_occurred_at_is_refused_at_intake(
    kind: str, field: str, data: dict[str, Any]
) -> None:
    with pytest.raises(Refused) as refused:
        parse_event(raw(kind, "2026-03-10T12:00:00+01:00", **data))
    assert [(r.field, r.reason) for r in refused.value.refusals] == [
        (field, "lies after occurred_at")
    ]


def test_a_statutory_event_on_a_closed_case_is_refused() -> None:
    case = opened()
    case.apply(event("case_closed", local("2026-03-20 12:00"), closed_on="2026-03-20"))
    decision = case.apply(
        event("statutory_talk_held", local("2026-03-21 12:00"), held_on="2026-03-21")
    )
    assert (decision.outcome, decision.field, decision.reason) == (
        "refused",
        "case_id",
        "case closed",
    )


def test_a_reassessment_before_week_8_is_accepted_and_flagged_on_the_timeline() -> None:
    case = opened()
    decision = case.apply(
        event("reassessment_held", local("2026-03-10 12:00"), held_on="2026-03-10")
    )
    assert decision.outcome == "accepted"
    flagged = [e.what for e in case.state.timeline if "before week 8" in e.what]
    assert flagged == [
        "reassessment held in week 5 of absence, before week 8: accepted (the law sets a "
        "latest date, not an earliest)"
    ]


def test_fit_for_work_ends_the_benefit_and_a_pause_is_only_kept() -> None:
    case = opened()
    case.apply(event("case_paused", local("2026-03-05 12:00"), review_on="2026-03-20"))
    assert clocks(case.state).pauses[0].paused_on == date(2026, 3, 5)
    case.apply(event("case_resumed", local("2026-03-09 12:00")))
    assert clocks(case.state).pauses[0].resumed_on == date(2026, 3, 9)
    case.apply(event("fit_for_work_declared", local("2026-03-12 12:00"), declared_on="2026-03-12"))
    ended = clocks(case.state).ended
    assert ended is not None and (ended.on, ended.why) == (date(2026, 3, 12), "fit_for_work")


def test_a_talk_just_after_midnight_in_copenhagen_is_accepted_when_read_back_in_utc() -> None:
    """00:15 on 10 March in Copenhagen is 23:15 on the 9th in UTC, as the store gives it
    back (the what-if replay reads it so): held on the 10th, it is not after the event."""
    case = opened()
    sent = event("statutory_talk_held", local("2026-03-10 00:15"), held_on="2026-03-10")
    in_utc = sent.model_copy(update={"occurred_at": sent.occurred_at.astimezone(UTC)})
    assert case.apply(in_utc).outcome == "accepted"

"""The opening contract and the opening's pure rules (core/opening/process.py)."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from core.case.events import Event
from core.intake import parse_any, parse_event
from core.kernel.refusal import Refused
from core.opening.events import OpeningEvent, OpeningRegistered
from core.opening.process import decide_opening, next_opening_wakeup
from core.opening.projection import project_opening
from core.opening.state import OpeningMessage, OpeningState, SuggestCandidates
from core.opening.words import describe_opening
from testkit.openings import AT, OPENING, opening, opening_raw
from testkit.samples import CPH, SAMPLE, local, policy, raw


def refusals(obj: dict[str, Any]) -> list[str]:
    with pytest.raises(Refused) as refused:
        parse_any(obj)
    return [str(r) for r in refused.value.refusals]


# --- the contract --------------------------------------------------------------------


def test_an_opening_event_parses_as_one() -> None:
    event = opening("opening_registered")
    assert isinstance(event.data, OpeningRegistered)
    assert event.data.requirements == ("customer_contact",)
    assert isinstance(parse_any(raw("case_opened")), Event)


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (
            {"kind": "internship"},
            "data.leads_to_paid_job: an internship needs paid work at the end: must be true",
        ),
        (
            {"kind": "internship", "leads_to_paid_job": False},
            "data.leads_to_paid_job: an internship needs paid work at the end: must be true",
        ),
        ({"candidates_by": "2027-02-01"}, "data.candidates_by: lies after data.starts_on"),
        (
            {"employer": "Kontakt 120375-1234"},
            "data.employer: holds a CPR-like number; send no personal identity numbers",
        ),
        ({"disco_code": "41A0"}, "data.disco_code: String should match pattern '^\\d{4,6}$'"),
        ({"hours_per_week": 0}, "data.hours_per_week: Input should be greater than 0"),
        (
            {"starts_on": "2026-02-30"},
            "data.starts_on: Input should be a valid date in the format YYYY-MM-DD, day value is"
            " outside expected range",
        ),
        ({"salary": 1}, "data.salary: is not part of the contract"),
    ],
)
def test_opening_registered_is_refused_with_field_and_reason(
    change: dict[str, Any], refusal: str
) -> None:
    assert refusal in refusals(opening_raw("opening_registered", **change))


def test_internship_with_paid_work_at_the_end_is_accepted() -> None:
    event = opening("opening_registered", kind="internship", leads_to_paid_job=True)
    assert isinstance(event.data, OpeningRegistered) and event.data.leads_to_paid_job


def test_the_envelope_names_the_opening_not_a_case() -> None:
    obj = opening_raw("opening_filled")
    obj["case_id"] = obj.pop("opening_id")
    assert refusals(obj) == [
        "opening_id: is required",
        "case_id: is not part of the contract",
    ]
    assert refusals(opening_raw("opening_filled", filled_on="2026-11-24")) == [
        "data.filled_on: lies after occurred_at"
    ]
    with pytest.raises(Refused, match="an opening event, not a case event"):
        parse_event(opening_raw("opening_filled"))


# --- the rules -----------------------------------------------------------------------

POLICY = policy()


def registered(**data: Any) -> OpeningState:
    event = opening("opening_registered", **data)
    decision = decide_opening(OpeningState(opening_id=OPENING), event, event.occurred_at, POLICY)
    assert decision.outcome == "accepted"
    assert [e.kind for e in decision.effects] == ["log_opening_event", "suggest_candidates"]
    assert decision.effects[1] == SuggestCandidates(opening_id=OPENING)
    return decision.state


def test_registration_sets_the_candidates_by_deadline() -> None:
    state = registered()
    assert state.status == "OPEN" and state.owner == "vs-09"
    assert state.deadline == local("2026-12-08 00:00")
    assert next_opening_wakeup(state) == state.deadline
    row = project_opening(state)
    assert row is not None and row.blocked_restrictions == ("no_customer_contact",)
    assert "**ÅBEN**" in describe_opening(state)


def test_no_proposal_by_the_deadline_escalates_once_to_the_team_lead() -> None:
    state = registered()
    assert state.deadline is not None
    early = decide_opening(state, None, state.deadline - timedelta(seconds=1))
    assert early.effects == () and early.state == state
    due = decide_opening(state, None, state.deadline)
    [message] = due.effects
    assert isinstance(message, OpeningMessage)
    assert message.message_key == f"opening/{OPENING}/escalation/candidates_by"
    assert message.recipients == ("teamleder-virksomhedsservice", "vs-09")
    assert "Sendt for sent" not in message.text
    again = decide_opening(due.state, None, state.deadline + timedelta(days=30))
    assert again.effects == () and next_opening_wakeup(due.state) is None


def test_a_late_backlog_escalates_at_once_and_says_so() -> None:
    state = registered()
    assert state.deadline is not None
    late = decide_opening(state, None, state.deadline + timedelta(days=2))
    [message] = late.effects
    assert isinstance(message, OpeningMessage) and "Sendt for sent" in message.text


def case_event(kind: str, at: str, **data: Any) -> Event:
    return parse_event(raw(kind, datetime.fromisoformat(at), event_id=f"e-{kind}", **data))


def test_a_proposal_meets_the_deadline_and_a_placement_fills() -> None:
    state = registered()
    proposed = case_event("match_proposed", "2026-11-30T10:00:00+01:00", opening_id=OPENING)
    decision = decide_opening(state, proposed, proposed.occurred_at)
    assert decision.state.status == "PROPOSED" and decision.state.deadline is None
    assert decision.effects == ()  # case events are logged by the case
    assert decide_opening(decision.state, proposed, proposed.occurred_at).outcome == "duplicate"
    far = decide_opening(decision.state, None, proposed.occurred_at + timedelta(days=60))
    assert far.effects == ()
    started = case_event("placement_started", "2026-12-21T08:00:00+01:00", opening_id=OPENING)
    filled = decide_opening(far.state, started, started.occurred_at)
    assert filled.state.status == "FILLED" and filled.state.closed
    assert filled.state.placed_case_id == proposed.case_id
    after = decide_opening(
        filled.state, opening("opening_withdrawn", AT, "o-9"), started.occurred_at
    )
    assert (after.outcome, after.field, after.reason) == (
        "refused",
        "opening_id",
        "opening closed (filled)",
    )


def test_when_every_proposal_is_declined_the_deadline_applies_again() -> None:
    state = registered()
    deadline = state.deadline
    proposed = case_event("match_proposed", "2026-11-30T10:00:00+01:00", opening_id=OPENING)
    state = decide_opening(state, proposed, proposed.occurred_at).state
    declined = case_event(
        "match_declined", "2026-12-09T10:00:00+01:00", opening_id=OPENING, reason="for langt"
    )
    decision = decide_opening(state, declined, declined.occurred_at)
    assert (decision.state.status, decision.state.deadline, decision.state.proposals) == (
        "OPEN",
        deadline,
        (),
    )
    [message] = decide_opening(decision.state, None, declined.occurred_at).effects
    assert isinstance(message, OpeningMessage) and "Sendt for sent" in message.text
    again = decide_opening(decision.state, declined, declined.occurred_at)
    assert again.outcome == "duplicate"
    other = parse_event(
        raw(
            "match_declined",
            declined.occurred_at,
            event_id="e-x",
            case_id="K-2026-other",
            opening_id=OPENING,
        )
    )
    refused = decide_opening(decision.state, other, other.occurred_at)
    assert (refused.outcome, refused.field) == ("refused", "data.opening_id")


def test_events_before_registration_are_held_then_applied() -> None:
    empty = OpeningState(opening_id=OPENING)
    early = opening("opening_filled", "2026-11-25T09:00:00+01:00", "o-2")
    held = decide_opening(empty, early, early.occurred_at)
    assert held.outcome == "held" and held.state.held == (early,)
    event = opening("opening_registered")
    done = decide_opening(held.state, event, early.occurred_at, POLICY)
    assert done.state.status == "FILLED" and done.state.held == ()
    assert [e.kind for e in done.effects] == [
        "log_opening_event",
        "suggest_candidates",
        "log_opening_event",
    ]


def test_a_case_event_for_another_opening_is_refused() -> None:
    other = case_event("match_proposed", "2026-11-30T10:00:00+01:00", opening_id="O-2026-9")
    decision = decide_opening(registered(), other, other.occurred_at)
    assert (decision.outcome, decision.reason) == ("refused", "names another opening")


def test_registered_twice_is_refused() -> None:
    state = registered()
    again = opening("opening_registered", AT, "o-3")
    decision = decide_opening(state, again, again.occurred_at, POLICY)
    assert (decision.outcome, decision.reason) == ("refused", "opening already registered")
    assert decision.state == state


def test_moments_are_in_copenhagen() -> None:
    assert registered().registered_at == datetime(2026, 11, 23, 9, 30, tzinfo=CPH)


def test_the_opening_sample_file_parses_except_the_unpaid_internship() -> None:
    lines = (SAMPLE.parent / "openings.sample.jsonl").read_text(encoding="utf-8").splitlines()
    refused = []
    for line in lines:
        try:
            assert isinstance(parse_any(line), OpeningEvent)
        except Refused as refusal:
            refused += [str(r) for r in refusal.refusals]
    assert refused == [
        "data.leads_to_paid_job: an internship needs paid work at the end: must be true"
    ]

"""The law's clocks inside the case over random histories (test_properties.py's): an open
case always has a statutory deadline ahead or an escalation on it; no statutory
escalation once the benefit ended; each written once; and a case from before the clocks
starts them at its next tick."""

from datetime import date, datetime

from hypothesis import given

from core.case.law_ladder import law_next, law_tick, with_law_clocks
from core.case.process import decide
from core.case.state import CaseState, SendMessage
from core.statutory.ladder import escalation_key
from testkit.samples import CASE, Case, event, local
from tests.unit.test_properties import HISTORY, History, histories


def _law_messages(effects: tuple[object, ...]) -> list[SendMessage]:
    return [
        e
        for e in effects
        if isinstance(e, SendMessage) and e.message_kind == "statutory_escalation"
    ]


def _ahead_or_escalated(state: CaseState, now: datetime) -> None:
    clocks = state.statutory
    if not state.opened or state.closed or clocks is None or clocks.ended is not None:
        return
    deadline = law_next(state)
    assert deadline is not None, "an open case always has a statutory deadline"
    on_it = escalation_key(CASE, deadline, 1) in clocks.escalated
    assert deadline.due_at > now or on_it, (deadline, now)


@HISTORY
@given(histories())
def test_the_law_always_has_a_deadline_ahead_and_is_silent_after_the_benefit(
    history: History,
) -> None:
    state, now, keys = CaseState(case_id=CASE), history.start, list[str]()
    for step in history.steps:
        now += step.gap
        if step.event is not None:
            now = max(now, step.event.occurred_at)
        ended = state.statutory is not None and state.statutory.ended is not None
        decision = decide(state, step.event, now, history.policy)
        sent = _law_messages(decision.effects)
        assert not (ended and sent), "a statutory escalation after the benefit ended"
        keys += [m.message_key for m in sent]
        state = decision.state
        if step.event is None:
            _ahead_or_escalated(state, now)
    assert len(keys) == len(set(keys))


def test_a_case_from_before_the_clocks_starts_them_at_its_next_tick_from_its_opening() -> None:
    old = Case(law=False)
    old.apply(event("case_opened", local("2026-03-02 09:00"), sick_listed_on="2026-02-10"))
    # What the old code kept: neither the first day of absence nor the clocks.
    state = old.state.model_copy(update={"sick_listed_on": None, "statutory": None})
    assert law_tick(state, local("2026-06-01 12:00")) == (state, [])  # patch not in: nothing
    state, sent = law_tick(with_law_clocks(state, True), local("2026-06-01 12:00"))
    assert state.statutory is not None and state.statutory.sick_listed_on == date(2026, 3, 2)
    assert any("from 2026-03-02 (the day the case opened" in e.what for e in state.timeline)
    # Week 8 from 2 March ends on 26 April (a Sunday): due Friday 24 April, all three late.
    messages = _law_messages(tuple(sent))
    assert [m.message_key for m in messages] == [
        f"{CASE}/statutory/first_talk/2026-04-26/{level}" for level in (1, 2, 3)
    ]
    assert all("Sendt for sent" in m.text for m in messages)

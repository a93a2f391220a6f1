"""Properties of the statutory clocks over random case histories: facts arrive in any
order with dates in the past, time moves on, escalations are written as they fall due."""

from datetime import date, datetime, time, timedelta
from random import Random

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from core.case.events import CaseClosed, CasePaused, CaseResumed, FitForWorkDeclared
from core.case.law import LawFact, clocks_after
from core.statutory.calendar import Calendar
from core.statutory.deadlines import open_deadlines
from core.statutory.events import EarlyTalkRequested, ReassessmentHeld, StatutoryTalkHeld
from core.statutory.ladder import escalated, escalations_due
from core.statutory.state import StatutoryState, start
from core.statutory_rules import StatutoryRules
from testkit.samples import CASE, CPH
from tests.unit.statutory_support import LADDER

CALENDAR = Calendar(CPH, frozenset(holidays.country_holidays("DK", years=range(2025, 2029))))
RULES = st.builds(
    StatutoryRules,
    first_talk_weeks=st.integers(1, 8),
    followup_every_weeks=st.integers(1, 4),
    reassessment_weeks=st.integers(1, 22),
    early_talk_weeks=st.integers(1, 2),
)
# One step: time moves on this many hours, then maybe a fact dated this many days back.
KINDS = ("talk", "reassessment", "request", "pause", "resume", "fit", "closed")
STEP = st.tuples(st.integers(1, 24 * 12), st.none() | st.sampled_from(KINDS), st.integers(0, 30))


def fact(kind: str, on: date) -> LawFact:
    if kind == "talk":
        return StatutoryTalkHeld(held_on=on, kind="regular")
    if kind == "reassessment":
        return ReassessmentHeld(held_on=on, result="extension")
    if kind == "request":
        return EarlyTalkRequested(requested_on=on, requested_by="citizen")
    if kind == "pause":
        return CasePaused(reason="treatment", review_on=on + timedelta(days=30))
    if kind == "resume":
        return CaseResumed()
    if kind == "fit":
        return FitForWorkDeclared(declared_on=on)
    return CaseClosed(outcome="other", closed_on=on)


def run(
    sick: date, rules: StatutoryRules, steps: list[tuple[int, str | None, int]]
) -> list[tuple[StatutoryState, datetime, list[str]]]:
    """Each step's state and time after writing what fell due, and the keys written."""
    state = start(CASE, sick)
    now = datetime.combine(sick, time(8), CPH)
    out = []
    for hours, kind, back in steps:
        now += timedelta(hours=hours)
        if kind is not None:
            on = max(sick, now.date() - timedelta(days=back))
            state = clocks_after(state, fact(kind, on), now.date())
        written = escalations_due(state, rules, LADDER, CALENDAR, now)
        state = escalated(state, written)
        out.append((state, now, [e.key for e in written]))
    return out


HISTORY = {
    "sick": st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    "rules": RULES,
    "steps": st.lists(STEP, min_size=1, max_size=60),
}


@settings(max_examples=300, deadline=None)
@given(**HISTORY)
def test_an_open_case_always_has_a_deadline_ahead_or_an_escalation_on_it(
    sick: date, rules: StatutoryRules, steps: list[tuple[int, str | None, int]]
) -> None:
    for state, now, _ in run(sick, rules, steps):
        if state.ended is not None:
            continue
        deadlines = open_deadlines(state, rules, CALENDAR)
        assert deadlines, "an open case always owes the law something"
        for deadline in deadlines:
            assert deadline.due_on <= deadline.latest_on
            passed = deadline.due_at <= now
            assert not passed or f"{CASE}/statutory/{deadline.key}/1" in state.escalated


@settings(max_examples=300, deadline=None)
@given(**HISTORY, later=st.integers(0, 24 * 400))
def test_no_statutory_escalation_once_the_benefit_ended(
    sick: date, rules: StatutoryRules, steps: list[tuple[int, str | None, int]], later: int
) -> None:
    ended = False
    for state, now, written in run(sick, rules, steps):
        assert not (ended and written)
        ended = state.ended is not None
        if ended:
            then = now + timedelta(hours=later)
            assert escalations_due(state, rules, LADDER, CALENDAR, then) == ()


@settings(max_examples=300, deadline=None)
@given(**HISTORY)
def test_escalations_exactly_once_per_level_in_order(
    sick: date, rules: StatutoryRules, steps: list[tuple[int, str | None, int]]
) -> None:
    keys = [key for _, _, written in run(sick, rules, steps) for key in written]
    assert len(keys) == len(set(keys))
    levels: dict[str, list[int]] = {}
    for key in keys:
        deadline, level = key.rsplit("/", 1)
        levels.setdefault(deadline, []).append(int(level))
    for written in levels.values():
        assert written == [1, 2, 3][: len(written)]


FACT = st.tuples(st.sampled_from(("talk", "reassessment", "request")), st.integers(0, 300))


@settings(max_examples=200, deadline=None)
@given(
    sick=HISTORY["sick"],
    rules=RULES,
    facts=st.lists(FACT, max_size=12),
    order=st.randoms(use_true_random=False),
    pauses=st.lists(st.integers(0, 300), max_size=4),
)
def test_deadlines_depend_on_the_facts_not_their_order_nor_on_pauses(
    sick: date,
    rules: StatutoryRules,
    facts: list[tuple[str, int]],
    order: Random,
    pauses: list[int],
) -> None:
    dated = [(kind, sick + timedelta(days=days)) for kind, days in facts]
    shuffled = order.sample(dated, len(dated))
    with_pauses = [*(("pause", sick + timedelta(days=p)) for p in pauses), *shuffled]

    def fed(items: list[tuple[str, date]]) -> StatutoryState:
        state = start(CASE, sick)
        for kind, on in items:
            state = clocks_after(state, fact(kind, on), on)
        return state

    want = open_deadlines(fed(dated), rules, CALENDAR)
    assert open_deadlines(fed(shuffled), rules, CALENDAR) == want
    assert open_deadlines(fed(with_pauses), rules, CALENDAR) == want

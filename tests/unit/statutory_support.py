"""Builders for the statutory clocks' tests: the 2026 Danish public holidays written out
by hand (checked against the `holidays` package in test_statutory_dates.py), the shipped
policy's ladder, and a case fed its facts the way the case's rules will feed them."""

from datetime import date, datetime

from core.case.events import CaseClosed, CasePaused, CaseResumed, FitForWorkDeclared
from core.case.law import clocks_after
from core.statutory.calendar import Calendar
from core.statutory.events import (
    EarlyTalkRequested,
    ReassessmentHeld,
    RequestedBy,
    StatutoryTalkHeld,
    TalkKind,
)
from core.statutory.state import StatutoryState, start
from core.statutory_rules import StatutoryRules
from testkit.samples import CASE, CPH, policy

HOLIDAYS_2026 = frozenset(
    date.fromisoformat(d)
    for d in (
        "2026-01-01",  # New Year's Day
        "2026-04-02",  # Maundy Thursday
        "2026-04-03",  # Good Friday
        "2026-04-05",  # Easter Sunday
        "2026-04-06",  # Easter Monday
        "2026-05-14",  # Ascension Day
        "2026-05-24",  # Whit Sunday
        "2026-05-25",  # Whit Monday
        "2026-12-25",  # Christmas Day
        "2026-12-26",  # Second Day of Christmas
    )
)
CALENDAR = Calendar(CPH, HOLIDAYS_2026)
LAW = StatutoryRules()
LADDER = policy().ladder  # the shipped default: level 2 after 2, level 3 after 3 working days
ROLES = policy().roles


def d(text: str) -> date:
    return date.fromisoformat(text)


def at(text: str) -> datetime:
    """'2026-04-02 00:00' as an aware moment in Copenhagen."""
    return datetime.fromisoformat(text).replace(tzinfo=CPH)


def case(sick_listed_on: str) -> StatutoryState:
    return start(CASE, d(sick_listed_on))


def talk(state: StatutoryState, held_on: str, kind: TalkKind = "regular") -> StatutoryState:
    return clocks_after(state, StatutoryTalkHeld(held_on=d(held_on), kind=kind), d(held_on))


def reassessed(state: StatutoryState, held_on: str) -> StatutoryState:
    data = ReassessmentHeld(held_on=d(held_on), result="extension")
    return clocks_after(state, data, d(held_on))


def asked(state: StatutoryState, on: str, by: RequestedBy = "citizen") -> StatutoryState:
    return clocks_after(state, EarlyTalkRequested(requested_on=d(on), requested_by=by), d(on))


def paused(state: StatutoryState, on: str, review_on: str) -> StatutoryState:
    return clocks_after(state, CasePaused(reason="treatment", review_on=d(review_on)), d(on))


def resumed(state: StatutoryState, on: str) -> StatutoryState:
    return clocks_after(state, CaseResumed(), d(on))


def fit(state: StatutoryState, on: str) -> StatutoryState:
    return clocks_after(state, FitForWorkDeclared(declared_on=d(on)), d(on))


def closed(state: StatutoryState, on: str) -> StatutoryState:
    return clocks_after(state, CaseClosed(outcome="employed", closed_on=d(on)), d(on))

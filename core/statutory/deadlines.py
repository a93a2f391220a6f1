"""The statutory deadlines open on a case: which talk or reassessment the law wants, by
when. Pure: the same facts, rules and calendar give the same deadlines, in any order.

- first talk: by the end of week `first_talk_weeks` of absence, until a talk is held;
- next talk: `followup_every_weeks` after the last talk held (after a late talk, after
  that late talk, not after the date it missed);
- reassessment: by the end of week `reassessment_weeks`, until one is held;
- early talk: `early_talk_weeks` after each request no talk has answered yet (any talk
  held on or after the request day answers it).
None once the benefit ended (fit for work declared, or the case closed). Pauses count for
nothing here. Dates and closed days: core/statutory/calendar.py.
"""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from core.statutory.calendar import Calendar, end_of_week, weeks_after
from core.statutory.state import StatutoryState
from core.statutory_rules import StatutoryRules

Rule = Literal["first_talk", "followup_talk", "reassessment", "early_talk"]


class StatutoryDeadline(BaseModel):
    """One thing the law wants done. `latest_on` is the law's own date (timeliness is
    measured against it); `due_on` the last working day on or before it, at whose end the
    ladder starts (`due_at`). `key` names this deadline for good: rule and latest date."""

    model_config = ConfigDict(frozen=True)

    rule: Rule
    counted_from: date
    latest_on: date
    due_on: date
    due_at: datetime

    @property
    def key(self) -> str:
        return f"{self.rule}/{self.latest_on.isoformat()}"


def open_deadlines(
    state: StatutoryState, rules: StatutoryRules, calendar: Calendar
) -> tuple[StatutoryDeadline, ...]:
    """Every statutory deadline not yet met, soonest first; empty once the benefit ended."""
    if state.ended is not None:
        return ()
    found = [_talk(state, rules), *_reassessment(state, rules), *_early(state, rules)]
    deadlines = {
        (rule, latest): _deadline(rule, since, latest, calendar) for rule, since, latest in found
    }
    return tuple(sorted(deadlines.values(), key=lambda d: (d.due_at, d.rule)))


def next_deadline(
    state: StatutoryState, rules: StatutoryRules, calendar: Calendar
) -> StatutoryDeadline | None:
    """The rule that is next and by when (the search attribute and Current details)."""
    return next(iter(open_deadlines(state, rules, calendar)), None)


_Found = tuple[Rule, date, date]


def _talk(state: StatutoryState, rules: StatutoryRules) -> _Found:
    if not state.talks:
        first = state.sick_listed_on
        return "first_talk", first, end_of_week(first, rules.first_talk_weeks)
    last = max(t.held_on for t in state.talks)
    return "followup_talk", last, weeks_after(last, rules.followup_every_weeks)


def _reassessment(state: StatutoryState, rules: StatutoryRules) -> list[_Found]:
    if state.reassessments:
        return []
    first = state.sick_listed_on
    return [("reassessment", first, end_of_week(first, rules.reassessment_weeks))]


def _early(state: StatutoryState, rules: StatutoryRules) -> list[_Found]:
    last_talk = max((t.held_on for t in state.talks), default=None)
    return [
        ("early_talk", r.requested_on, weeks_after(r.requested_on, rules.early_talk_weeks))
        for r in state.early_requests
        if last_talk is None or last_talk < r.requested_on
    ]


def _deadline(rule: Rule, since: date, latest: date, calendar: Calendar) -> StatutoryDeadline:
    # Never before the day it counts from (only a closed stretch longer than the rule).
    due = max(calendar.working_day_on_or_before(latest), since)
    return StatutoryDeadline(
        rule=rule, counted_from=since, latest_on=latest, due_on=due, due_at=calendar.end_of(due)
    )

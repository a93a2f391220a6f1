"""The law's clocks inside the case: the three statutory events' handler and what the
case's other events mean to the law (a pause, fit for work, the close).

The case's rules (core/case/process.py) call these; the clocks stay pure data in
`CaseState.statutory` (core/statutory/state.py). A case opened before they were kept has
no `sick_listed_on`: its statutory events are recorded, and no rule counts them.
"""

from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from core.calendar_dk import danish_holidays
from core.case import events as ev
from core.case.state import CaseState, Effect
from core.kernel.refusal import Refused
from core.kernel.timeline import DEFAULT_TZ, note
from core.policy import Policy
from core.statutory.calendar import Calendar
from core.statutory.events import (
    STATUTORY_DATA_MODELS,
    EarlyTalkRequested,
    ReassessmentHeld,
    StatutoryData,
    StatutoryTalkHeld,
    statutory_refusals,
    timeline_flags,
)
from core.statutory.state import (
    StatutoryState,
    benefit_ended,
    paused,
    resumed,
    start,
    with_fact,
)

# The years a case's law calendar covers beyond the year it counts from (the benefit runs
# 22 weeks, longer only by extension).
_YEARS_AHEAD = 2
_STATUTORY = (StatutoryTalkHeld, ReassessmentHeld, EarlyTalkRequested)

LawFact = StatutoryData | ev.CasePaused | ev.CaseResumed | ev.FitForWorkDeclared | ev.CaseClosed
Result = tuple[CaseState, list[Effect]]


def opened(state: CaseState, data: ev.CaseOpened) -> CaseState:
    """A new case keeps its first day of absence, and its clocks start from it."""
    clocks = start(state.case_id, data.sick_listed_on)
    return state.model_copy(update={"sick_listed_on": data.sick_listed_on, "statutory": clocks})


def statutory_event(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    """`statutory_talk_held`, `reassessment_held`, `early_talk_requested`: checked here,
    fed to the clocks by `with_law_fact` as every accepted event is."""
    assert isinstance(data, _STATUTORY)
    # Dates are the job centre's: `at` in its zone (an event read back from the store is
    # in UTC, where 00:15 on the 17th in Copenhagen is still the 16th).
    local = at.astimezone(_zone(state))
    for field, reason in statutory_refusals(data, local, state.sick_listed_on, state.closed):
        raise Refused(field, reason)
    if state.sick_listed_on is not None:
        for flag in timeline_flags(data, state.sick_listed_on):
            state = note(state, at, flag)
    return state, []


STATUTORY_HANDLERS = dict.fromkeys(STATUTORY_DATA_MODELS, statutory_event)


def clocks_after(clocks: StatutoryState, data: ev.EventData, on: date) -> StatutoryState:
    """The clocks after one accepted event (`on`: its business date); the same clocks for
    an event that means nothing to the law."""
    if isinstance(data, _STATUTORY):
        return with_fact(clocks, data, on)
    if isinstance(data, ev.CasePaused):
        return paused(clocks, on)
    if isinstance(data, ev.CaseResumed):
        return resumed(clocks, on)
    if isinstance(data, ev.FitForWorkDeclared):
        return benefit_ended(clocks, data.declared_on, "fit_for_work")
    if isinstance(data, ev.CaseClosed):
        return benefit_ended(clocks, data.closed_on, "case_closed")
    return clocks


def with_law_fact(state: CaseState, data: ev.EventData, at: datetime) -> CaseState:
    """`state` with an accepted event's meaning for the law."""
    if state.statutory is None:
        return state
    clocks = clocks_after(state.statutory, data, at.astimezone(_zone(state)).date())
    return state if clocks is state.statutory else state.model_copy(update={"statutory": clocks})


def _zone(state: CaseState) -> ZoneInfo:
    return state.policy.tz if state.policy else ZoneInfo(DEFAULT_TZ)


def law_calendar(policy: Policy, counted_from: date) -> Calendar:
    """The days the job centre is closed, from the case's policy snapshot."""
    return _calendar(policy.timezone, policy.holidays, policy.holiday_years, counted_from.year)


@cache
def _calendar(tz: str, carried: tuple[date, ...], years: tuple[int, ...], first: int) -> Calendar:
    days = {d for d in carried if d.year in years}
    for year in range(first, first + _YEARS_AHEAD + 1):
        if year not in years:
            days |= danish_holidays(year)
    return Calendar(ZoneInfo(tz), frozenset(days))

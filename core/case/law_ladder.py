"""The law's ladder beside the stages' (core/case/ladder.py): what the passing of time does
to a case's statutory deadlines, the wake-up they ask for, and the line in Current details.

Escalations go to the sick-leave department (the caseworker, its team lead, its head),
exactly once per level per deadline, keyed `<case>/statutory/<rule>/<latest date>/<level>`
(core/statutory/ladder.py). None after fit for work or the close; a pause counts for
nothing. `CaseState.law_clocks` is off only in a workflow whose history predates the
clocks (the `statutory-clocks` patch, workflows/case.py): then this module does nothing.
"""

from datetime import datetime

from core.case.deadlines import next_wakeup as stage_wakeup
from core.case.ladder import run_ladder
from core.case.law import law_calendar
from core.case.state import CaseState, Effect, SendMessage
from core.kernel.timeline import built, note
from core.statutory.calendar import Calendar
from core.statutory.deadlines import StatutoryDeadline, next_deadline
from core.statutory.ladder import (
    StatutoryEscalation,
    escalated,
    escalations_due,
    next_wakeup,
    recipients,
)
from core.statutory.state import StatutoryState, start
from core.statutory.words import escalation_text, next_in_words


def with_law_clocks(state: CaseState, on: bool) -> CaseState:
    """The case with its law clocks switched on or off (the workflow's patch decides)."""
    return state if state.law_clocks is on else state.model_copy(update={"law_clocks": on})


def law_tick(state: CaseState, now: datetime) -> tuple[CaseState, list[Effect]]:
    """Every statutory escalation due by `now` and not yet written, oldest first."""
    state = _started(state, now)
    running = _running(state)
    if running is None:
        return state, []
    clocks, calendar = running
    assert state.policy is not None
    policy = state.policy
    due = escalations_due(clocks, policy.statutory, policy.ladder, calendar, now)
    if not due:
        return state, []
    state = state.model_copy(update={"statutory": escalated(clocks, due)})
    for escalation in due:
        what = f"statutory escalation: {escalation.deadline.rule} level {escalation.level}"
        state = note(state, escalation.due_at, what)
    return state, [_message(state, e) for e in due]


def law_wakeup(state: CaseState) -> datetime | None:
    """When the law's clocks next have something to say (None: nothing due)."""
    running = _running(state)
    if running is None:
        return None
    clocks, calendar = running
    assert state.policy is not None
    return next_wakeup(clocks, state.policy.statutory, state.policy.ladder, calendar)


def law_next(state: CaseState) -> StatutoryDeadline | None:
    """The statutory rule that is next, and by when (the search attribute)."""
    running = _running(state)
    if running is None or state.policy is None:
        return None
    clocks, calendar = running
    return next_deadline(clocks, state.policy.statutory, calendar)


def law_details(state: CaseState) -> str | None:
    """The Current details line; None where the clocks do not run for this case."""
    if not state.law_clocks or state.statutory is None:
        return None
    return next_in_words(state.statutory, None if state.closed else law_next(state))


def _running(state: CaseState) -> tuple[StatutoryState, Calendar] | None:
    clocks = state.statutory
    if not state.law_clocks or clocks is None or state.policy is None or state.closed:
        return None
    if clocks.ended is not None:
        return None
    return clocks, law_calendar(state.policy, clocks.sick_listed_on)


def _started(state: CaseState, now: datetime) -> CaseState:
    """A case opened before the clocks were kept starts them at its next event or tick,
    counted from the day it opened (its first day of absence was not kept)."""
    if not state.law_clocks or not state.opened or state.closed or state.statutory:
        return state
    assert state.policy is not None and state.opened_at is not None
    first = state.sick_listed_on or state.opened_at.astimezone(state.policy.tz).date()
    what = f"statutory clocks started, counted from {first}"
    if state.sick_listed_on is None:
        what += " (the day the case opened: its first day of absence was not kept)"
    return note(state, now, what, {"statutory": start(state.case_id, first)})


def _message(state: CaseState, escalation: StatutoryEscalation) -> SendMessage:
    assert state.policy is not None
    return built(
        SendMessage,
        message_key=escalation.key,
        case_id=state.case_id,
        message_kind="statutory_escalation",
        stage=state.stage,
        level=escalation.level,
        recipients=recipients(escalation.level, state.caseworker, state.policy.roles),
        text=escalation_text(escalation, state.municipality, state.policy.timezone),
        due_at=escalation.due_at,
    )


def both_ladders(state: CaseState, now: datetime) -> tuple[CaseState, list[Effect]]:
    """The case's tick: the stages' ladder, then the law's, each to `now`."""
    state, effects = run_ladder(state, now)
    state, more = law_tick(state, now)
    return state, [*effects, *more]


def case_wakeup(state: CaseState) -> datetime | None:
    """The earlier of the stages' and the law's next wake-up (the workflow's timer)."""
    times = [t for t in (stage_wakeup(state), law_wakeup(state)) if t is not None]
    return min(times, default=None)

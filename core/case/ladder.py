"""The deadline ladder: what the passing of time does to a case.

Level 1 at the deadline (the owner), level 2 a grace later (team lead), level 3 another
grace later (department head; the case is stalled), then a level-3 reminder every
`repeat_after` until progress. Each level is one outbox message, keyed by
(case, deadline number, level), so it is written once however often the shell retries.
"""

from datetime import UTC, datetime

from core.case.deadlines import (
    next_rung,
    next_wakeup,
    stage_deadline,
    window_opening,
    with_deadline,
)
from core.case.state import CaseState, Effect
from core.case.words import escalation_message, handover_requested
from core.kernel.deadlines import is_late, run_due
from core.kernel.timeline import note
from core.stages import Stage


def run_ladder(state: CaseState, now: datetime) -> tuple[CaseState, list[Effect]]:
    """Fire everything that fell due by `now`, oldest first, each exactly once."""
    return run_due(state, now, next_wakeup, _fire)


def _fire(state: CaseState, due: datetime, now: datetime) -> tuple[CaseState, list[Effect]]:
    opening = window_opening(state)
    if opening is not None and opening <= due:
        return enter_handover(state, due)
    if state.escalation_level >= 3:
        return _repeat(state, due, now)
    return _escalate(state, due, now)


def enter_handover(state: CaseState, at: datetime) -> tuple[CaseState, list[Effect]]:
    assert state.policy is not None
    # Entering a stage ends a pause, as in process._enter: the review date gives way to
    # the handover deadline, so a pause left on would never be reviewed.
    state = state.entering(
        Stage.HANDOVER, at, handover_owner=state.policy.roles.company_service_team, paused=False
    )
    deadline, kind = stage_deadline(state, at)
    state = with_deadline(state, deadline, kind)
    return note(state, at, "handover sent to the company service"), [handover_requested(state)]


def _escalate(state: CaseState, due: datetime, now: datetime) -> tuple[CaseState, list[Effect]]:
    level = state.escalation_level + 1
    state = state.model_copy(
        update={"escalation_level": level, "stalled": level >= 3, "last_escalation_at": due}
    )
    message = escalation_message(state, level, due, late=is_late(due, now))
    return note(state, due, f"escalated to level {level}"), [message]


def _repeat(state: CaseState, due: datetime, now: datetime) -> tuple[CaseState, list[Effect]]:
    # A long outage or backlog would owe many reminders at once: send one for the
    # latest missed slot instead of a burst.
    state = state.model_copy(update={"repeats": state.repeats + 1, "last_escalation_at": due})
    while (later := next_rung(state)) is not None and later <= now and later < _never(state):
        due = later
        state = state.model_copy(update={"repeats": state.repeats + 1, "last_escalation_at": due})
    message = escalation_message(state, 3, due, late=is_late(due, now))
    return note(state, due, "still stalled: level 3 reminder"), [message]


def _never(state: CaseState) -> datetime:
    # Reminders stop collapsing at the window opening: the handover comes first.
    return window_opening(state) or datetime.max.replace(tzinfo=UTC)

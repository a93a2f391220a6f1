"""The deadline ladder: what the passing of time does to a case.

Level 1 at the deadline (the owner), level 2 a grace later (team lead), level 3 another
grace later (department head; the case is stalled), then a level-3 reminder every
`repeat_after` until progress. Each level is one outbox message, keyed by
(case, deadline number, level), so it is written once however often the shell retries.
"""

from datetime import UTC, datetime

from core.case.stages import Stage
from core.case.state import CaseState, DeadlineKind, Effect
from core.case.words import escalation_message, handover_requested
from core.durations import end_of_day, start_of_day
from core.kernel.deadlines import is_late, run_due
from core.kernel.timeline import note


def handover_due(state: CaseState, at: datetime) -> bool:
    """Send the handover early: fit declared, or the expected fit date within the window."""
    if state.declared_fit_on is not None:
        return True
    opens = handover_window_opens(state)
    return opens is not None and opens <= at


def handover_window_opens(state: CaseState) -> datetime | None:
    if state.expected_fit_for_work_on is None or state.policy is None:
        return None
    tz = state.policy.tz
    return state.policy.handover_window.before(
        start_of_day(state.expected_fit_for_work_on, tz), tz, state.policy.off
    )


def stage_deadline(state: CaseState, at: datetime) -> tuple[datetime, DeadlineKind]:
    """The deadline a stage gets when it is entered (or resumed, or progressed) at `at`."""
    policy = state.policy
    assert policy is not None, "a case has a policy from case_opened on"
    if state.stage is Stage.PLACEMENT:
        assert state.placement_started_on is not None
        start = start_of_day(state.placement_started_on, policy.tz)
        # The due day in the policy's time zone: in UTC it would be the day before.
        due = (
            policy.after_care[state.followups_held]
            .after(start, policy.tz, policy.off)
            .astimezone(policy.tz)
        )
        return end_of_day(due.date(), policy.tz), "follow_up"
    if state.stage is Stage.CV_READINESS and state.cv_complete:
        opens = handover_window_opens(state)
        if opens is not None:
            return max(opens, at), "handover_window"
    if state.stage is Stage.MATCHING and state.proposals:
        return policy.match_response.after(at, policy.tz, policy.off), "match_response"
    return policy.deadlines[state.stage].after(at, policy.tz, policy.off), "stage"


def with_deadline(state: CaseState, deadline: datetime, kind: DeadlineKind) -> CaseState:
    """A new deadline: a new number, and the ladder starts again from the bottom."""
    return state.model_copy(
        update={
            "deadline": deadline,
            "deadline_kind": kind,
            "deadline_no": state.deadline_no + 1,
            "escalation_level": 0,
            "repeats": 0,
            "last_escalation_at": None,
            "stalled": False,
        }
    )


def next_wakeup(state: CaseState) -> datetime | None:
    """When time next changes this case: the handover window opening, or the next rung of
    the ladder (the deadline itself, then each level and reminder after it)."""
    if not state.opened or state.closed or state.policy is None:
        return None
    times = [t for t in (window_opening(state), _next_rung(state)) if t is not None]
    return min(times, default=None)


def window_opening(state: CaseState) -> datetime | None:
    """A ready case hands over by itself when the window opens, whatever its deadline."""
    if state.stage is Stage.CV_READINESS and state.cv_complete and not state.paused:
        return handover_window_opens(state)
    return None


def _next_rung(state: CaseState) -> datetime | None:
    if state.deadline is None or state.policy is None:
        return None
    if state.escalation_level == 0:
        return state.deadline
    ladder = state.policy.ladder
    step = {1: ladder.level_2_after, 2: ladder.level_3_after}.get(
        state.escalation_level, ladder.repeat_after
    )
    return step.after(state.last_escalation_at or state.deadline, state.policy.tz, state.policy.off)


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
    while (later := _next_rung(state)) is not None and later <= now and later < _never(state):
        due = later
        state = state.model_copy(update={"repeats": state.repeats + 1, "last_escalation_at": due})
    message = escalation_message(state, 3, due, late=is_late(due, now))
    return note(state, due, "still stalled: level 3 reminder"), [message]


def _never(state: CaseState) -> datetime:
    # Reminders stop collapsing at the window opening: the handover comes first.
    return window_opening(state) or datetime.max.replace(tzinfo=UTC)

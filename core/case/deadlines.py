"""When a case's deadlines fall: each stage's deadline, the handover window, and the next
rung of the escalation ladder (core/case/ladder.py fires them)."""

from datetime import datetime

from core.case.state import CaseState, DeadlineKind
from core.durations import end_of_day, start_of_day
from core.stages import Stage


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
    times = [t for t in (window_opening(state), next_rung(state)) if t is not None]
    return min(times, default=None)


def window_opening(state: CaseState) -> datetime | None:
    """A ready case hands over by itself when the window opens, whatever its deadline."""
    if state.stage is Stage.CV_READINESS and state.cv_complete and not state.paused:
        return handover_window_opens(state)
    return None


def next_rung(state: CaseState) -> datetime | None:
    if state.deadline is None or state.policy is None:
        return None
    if state.escalation_level == 0:
        return state.deadline
    ladder = state.policy.ladder
    step = {1: ladder.level_2_after, 2: ladder.level_3_after}.get(
        state.escalation_level, ladder.repeat_after
    )
    return step.after(state.last_escalation_at or state.deadline, state.policy.tz, state.policy.off)

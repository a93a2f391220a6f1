"""The process rules: `decide(state, event_or_None, now) -> Decision`.

Pure and deterministic: no clock, no I/O, no randomness. `now` is the workflow's time;
deadlines run from each event's `occurred_at` (business time), so a backlog sent late
escalates at once where its deadlines already passed. Read top to bottom, the handlers
follow the process table in DESIGN.md.
"""

from collections.abc import Callable
from datetime import datetime

from core.case import events as ev
from core.case.deadlines import handover_due, stage_deadline, with_deadline
from core.case.ladder import enter_handover
from core.case.law import STATUTORY_HANDLERS, opened, with_law_fact
from core.case.law_ladder import both_ladders
from core.case.state import CaseState, Effect, LogEvent, RecordRefusal
from core.case.words import early_warning, handover_rejected, wage_talk
from core.durations import end_of_day
from core.kernel.entity import Entity, recorded
from core.kernel.refusal import Refused
from core.kernel.timeline import built, note
from core.policy import Policy
from core.stages import Stage

WAGE_TALK_SCORE = 7
EARLY_WARNING_DROP = 3  # a fall this large since the last score on a work function


def _accept(
    state: CaseState, event: ev.Event, now: datetime, policy: Policy | None
) -> tuple[CaseState, list[Effect]]:
    if state.closed:
        raise Refused("case_id", "case closed")
    if event.type == "case_opened":
        if state.opened:
            raise Refused("type", "case already opened")
        if policy is None:
            raise Refused("data.municipality", "no policy for this municipality")
        state = state.model_copy(update={"policy": policy})
    at = max(event.occurred_at, state.stage_entered_at or event.occurred_at)
    state, effects = HANDLERS[event.type](state, event.data, at, event.event_id)
    state = with_law_fact(state, event.data, at)
    what = f"{event.type} accepted; stage {state.stage.value}"
    state = recorded(state, event.event_id, event, state.policy, what)
    return state, [built(LogEvent, event=event, seq=state.seq, applied_at=now), *effects]


def _refusal_record(
    state: CaseState, event: ev.Event, refused: Refused, now: datetime
) -> tuple[Effect, ...]:
    """A case remembers what it refused (the door's refusal report reads it)."""
    record = RecordRefusal(
        case_id=state.case_id,
        event_id=event.event_id,
        field=refused.field,
        reason=refused.reason,
        refused_at=now,
    )
    return (record,)


CASE: Entity[CaseState, ev.Event, Effect] = Entity(
    opener="case_opened",
    is_open=lambda state: state.opened,
    tick=both_ladders,
    accept=_accept,
    refusal_effects=_refusal_record,
)


# `decide(state, event_or_None, now, policy=None) -> Decision`: one event (or, with None,
# only the passing of time) at `now`. `policy` is needed only for `case_opened`: the case
# keeps that snapshot for its whole life.
decide = CASE.decide


Result = tuple[CaseState, list[Effect]]
Handler = Callable[[CaseState, ev.EventData, datetime, str], Result]


def _opened(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    assert isinstance(data, ev.CaseOpened)
    state = state.model_copy(
        update={
            "opened": True,
            "municipality": data.municipality,
            "caseworker": data.owner,
            "team": data.team,
            "restrictions": data.restrictions,
            "expected_fit_for_work_on": data.expected_fit_for_work_on,
            "opened_at": at,
        }
    )
    return _enter(opened(state, data), Stage.JOB_GOAL_TALK, at)


def _job_goal_talk(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    assert isinstance(data, ev.JobGoalTalkHeld)
    return _advance(state.model_copy(update={"job_goals": data.job_goals}), at)


def _cv_updated(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    assert isinstance(data, ev.CvUpdated)
    state = state.model_copy(update={"cv_complete": data.complete})
    # Any CV news in CV_READINESS restarts its deadline (and an incomplete CV closes the window).
    return _advance(state, at, refresh=state.stage is Stage.CV_READINESS)


def _fit_expected(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    assert isinstance(data, ev.FitForWorkExpected)
    state = state.model_copy(update={"expected_fit_for_work_on": data.expected_on})
    return _advance(state, at, refresh=state.stage is Stage.CV_READINESS)


def _fit_declared(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    assert isinstance(data, ev.FitForWorkDeclared)
    return _advance(state.model_copy(update={"declared_fit_on": data.declared_on}), at)


def _handover_accepted(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    assert isinstance(data, ev.HandoverAccepted)
    _require(state, Stage.HANDOVER, "no handover is waiting for an answer")
    state = state.model_copy(update={"consultant": data.consultant, "handover_rejection": None})
    return _enter(state, Stage.MATCHING, at)


def _handover_rejected(state: CaseState, data: ev.EventData, at: datetime, eid: str) -> Result:
    assert isinstance(data, ev.HandoverRejected)
    _require(state, Stage.HANDOVER, "no handover is waiting for an answer")
    # Back to the sender: the CV must be brought up to date again before a new handover.
    state = state.model_copy(update={"cv_complete": False, "handover_rejection": data.reason})
    state, effects = _enter(state, Stage.CV_READINESS, at)
    return state, [*effects, handover_rejected(state, eid, data.reason)]


def _match_proposed(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    assert isinstance(data, ev.MatchProposed)
    _require(state, Stage.MATCHING, "matching has not started")
    proposals = (*[p for p in state.proposals if p != data.opening_id], data.opening_id)
    return _restart(state.model_copy(update={"proposals": proposals}), at)


def _match_declined(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    assert isinstance(data, ev.MatchDeclined)
    _require(state, Stage.MATCHING, "matching has not started")
    if data.opening_id not in state.proposals:
        raise Refused("data.opening_id", "no open proposal for this opening")
    proposals = tuple(p for p in state.proposals if p != data.opening_id)
    return _restart(state.model_copy(update={"proposals": proposals}), at)


def _placement_started(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    assert isinstance(data, ev.PlacementStarted)
    _require(state, Stage.MATCHING, "matching has not started")
    state = state.model_copy(
        update={
            "opening_id": data.opening_id,
            "placement_started_on": data.started_on,
            "proposals": (),
        }
    )
    return _enter(state, Stage.PLACEMENT, at)


def _progression_scored(state: CaseState, data: ev.EventData, at: datetime, eid: str) -> Result:
    assert isinstance(data, ev.ProgressionScored)
    if state.stage not in (Stage.MATCHING, Stage.PLACEMENT):
        raise Refused("type", f"no placement under way (stage {state.stage.value})")
    last = state.last_scores.get(data.work_function)
    scores = {**state.last_scores, data.work_function: data.score}
    state = state.model_copy(update={"last_scores": scores})
    if data.score >= WAGE_TALK_SCORE:
        return state, [wage_talk(state, eid, data.work_function, data.score)]
    if last is not None and last - data.score >= EARLY_WARNING_DROP:
        return state, [early_warning(state, eid, data.work_function, last, data.score)]
    return state, []


def _followup_held(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    assert isinstance(data, ev.FollowupHeld) and state.policy is not None
    _require(state, Stage.PLACEMENT, "no after-care under way")
    held, schedule = state.followups_held + 1, state.policy.after_care
    state = state.model_copy(update={"followups_held": held})
    if held >= len(schedule):
        return _close(state, "employed", at), []
    return _restart(state, at)


def _owner_changed(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    assert isinstance(data, ev.OwnerChanged)
    role = {
        Stage.JOB_GOAL_TALK: "caseworker",
        Stage.CV_READINESS: "caseworker",
        Stage.HANDOVER: "handover_owner",
    }.get(state.stage, "consultant")
    update: dict[str, object] = {role: data.owner}
    if data.team is not None:
        update["team"] = data.team
    return state.model_copy(update=update), []


def _deadline_moved(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    assert isinstance(data, ev.DeadlineMoved) and state.policy is not None
    if state.paused:
        raise Refused("type", "case is paused: resume it, or pause again with a new review date")
    return with_deadline(state, end_of_day(data.new_deadline, state.policy.tz), "moved"), []


def _paused(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    assert isinstance(data, ev.CasePaused) and state.policy is not None
    if state.paused:
        raise Refused("type", "case is already paused")
    tz = state.policy.tz
    latest = state.policy.max_pause.after(at, tz, state.policy.off)
    if end_of_day(data.review_on, tz) > end_of_day(latest.astimezone(tz).date(), tz):
        raise Refused(
            "data.review_on", f"lies beyond the policy's maximum pause ({state.policy.max_pause})"
        )
    state = state.model_copy(update={"paused": True, "review_on": data.review_on})
    return with_deadline(state, end_of_day(data.review_on, tz), "pause_review"), []


def _resumed(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    if not state.paused:
        raise Refused("type", "case is not paused")
    return _restart(state.model_copy(update={"paused": False, "review_on": None}), at)


def _closed(state: CaseState, data: ev.EventData, at: datetime, _: str) -> Result:
    assert isinstance(data, ev.CaseClosed)
    return _close(state, data.outcome, at), []


HANDLERS: dict[str, Handler] = {
    "case_opened": _opened,
    "job_goal_talk_held": _job_goal_talk,
    "cv_updated": _cv_updated,
    "fit_for_work_expected": _fit_expected,
    "fit_for_work_declared": _fit_declared,
    "handover_accepted": _handover_accepted,
    "handover_rejected": _handover_rejected,
    "match_proposed": _match_proposed,
    "match_declined": _match_declined,
    "placement_started": _placement_started,
    "progression_scored": _progression_scored,
    "followup_held": _followup_held,
    "owner_changed": _owner_changed,
    "deadline_moved": _deadline_moved,
    "case_paused": _paused,
    "case_resumed": _resumed,
    "case_closed": _closed,
    **STATUTORY_HANDLERS,
}


def _require(state: CaseState, stage: Stage, reason: str) -> None:
    if state.stage is not stage:
        raise Refused("type", f"{reason} (stage {state.stage.value})")


def _enter(state: CaseState, stage: Stage, at: datetime) -> Result:
    """Enter a stage: a new owner, a new deadline; the old stage's escalation is cleared."""
    state = note(state.entering(stage, at, paused=False), at, f"entered {stage.value}")
    return _advance(state, at, refresh=True)


def _restart(state: CaseState, at: datetime) -> Result:
    """Progress inside a stage: the stage's deadline starts again from this event."""
    if state.paused:
        return state, []
    deadline, kind = stage_deadline(state, at)
    return with_deadline(state, deadline, kind), []


def _advance(state: CaseState, at: datetime, refresh: bool = False) -> Result:
    """Move on while the facts allow it (events may have come out of order)."""
    if state.stage is Stage.JOB_GOAL_TALK and state.job_goals:
        return _enter(state, Stage.CV_READINESS, at)
    if state.stage is Stage.CV_READINESS and state.cv_complete and handover_due(state, at):
        return enter_handover(state, at)
    if refresh or (state.stage is Stage.CV_READINESS and state.cv_complete):
        return _restart(state, at)
    return state, []


def _close(state: CaseState, outcome: str, at: datetime) -> CaseState:
    closed = {
        "outcome": outcome,
        "closed_at": at,
        "deadline": None,
        "escalation_level": 0,
        "stalled": False,
        "paused": False,
        "proposals": (),
    }
    return note(state.entering(Stage.CLOSED, at), at, f"closed: {outcome}", closed)

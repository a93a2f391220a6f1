"""The opening's rules: `decide_opening(state, event_or_None, now, policy) -> OpeningDecision`.

Pure and deterministic, like core/case/process.py. An opening is registered, gets candidates
suggested, and must see a proposal by its candidates-by date; otherwise the company-service
team lead is told, once. A proposal (`match_proposed` from the case system) meets the
deadline; a placement (`placement_started`) or `opening_filled` fills it; `opening_withdrawn`
closes it; when every proposal is declined (`match_declined`) the deadline applies again.
Events before `opening_registered` are held, not lost.
"""

from datetime import datetime

from core.case import events as ev
from core.case.ladder import LATE_AFTER
from core.case.state import TimelineEntry
from core.case.words import when
from core.durations import end_of_day
from core.matching import blocking_restrictions
from core.opening import events as oe
from core.opening.state import (
    LogOpeningEvent,
    OpeningDecision,
    OpeningEffect,
    OpeningProjection,
    OpeningState,
    OpeningStatus,
    SuggestCandidates,
)
from core.opening.words import escalation
from core.policy import Policy

AnyEvent = oe.OpeningEvent | ev.Event
Result = tuple[OpeningState, list[OpeningEffect]]


class Refused(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def event_key(event: AnyEvent) -> str:
    """Opening events and forwarded case events come from two systems: keep ids apart."""
    if isinstance(event, ev.Event):
        return f"case/{event.case_id}/{event.event_id}"
    return event.event_id


def decide_opening(
    state: OpeningState, event: AnyEvent | None, now: datetime, policy: Policy | None = None
) -> OpeningDecision:
    """Apply one event (or, with `event=None`, only the passing of time) at `now`.
    `policy` is needed only for `opening_registered`: the opening keeps that snapshot."""
    if event is None:
        state, effects = run_opening_clock(state, now)
        return OpeningDecision(state=state, effects=tuple(effects))
    key = event_key(event)
    if key in state.seen or any(event_key(h) == key for h in state.held):
        return OpeningDecision(state=state, outcome="duplicate")
    if not state.registered and event.type != "opening_registered":
        held = state.model_copy(update={"held": (*state.held, event), "version": state.version + 1})
        return OpeningDecision(state=held, outcome="held")
    clocked, missed = run_opening_clock(state, min(event.occurred_at, now))
    try:
        accepted, effects = _accept(clocked, event, now, policy)
    except Refused as refusal:
        return OpeningDecision(
            state=state, outcome="refused", field=refusal.field, reason=refusal.reason
        )
    if event.type == "opening_registered":
        accepted, effects = _release_held(accepted, effects, now)
    return OpeningDecision(state=accepted, effects=(*missed, *effects))


def _accept(state: OpeningState, event: AnyEvent, now: datetime, policy: Policy | None) -> Result:
    if state.closed:
        raise Refused("opening_id", f"opening closed ({state.status.lower()})")
    data = event.data
    if isinstance(event, ev.Event) and getattr(data, "opening_id", None) != state.opening_id:
        raise Refused("data.opening_id", "names another opening")
    effects: list[OpeningEffect] = []
    if isinstance(data, oe.OpeningRegistered):
        state = _registered(state, data, event.occurred_at, policy)
        effects.append(SuggestCandidates(opening_id=state.opening_id))
    elif isinstance(data, ev.MatchProposed):
        assert isinstance(event, ev.Event)
        proposals = (*[p for p in state.proposals if p != event.case_id], event.case_id)
        state = state.model_copy(update={"proposals": proposals, "deadline": None})
        state = _status(state, "PROPOSED", event.occurred_at)
    elif isinstance(data, ev.MatchDeclined):
        assert isinstance(event, ev.Event)
        state = _declined(state, event.case_id, event.occurred_at)
    elif isinstance(data, ev.PlacementStarted):
        assert isinstance(event, ev.Event)
        state = _close(state.model_copy(update={"placed_case_id": event.case_id}), "FILLED", event)
    elif isinstance(data, oe.OpeningFilled):
        state = _close(state, "FILLED", event)
    elif isinstance(data, oe.OpeningWithdrawn):
        state = _close(
            state.model_copy(update={"withdrawn_reason": data.reason}), "WITHDRAWN", event
        )
    else:
        raise Refused("type", "not an event for an opening")
    state = state.model_copy(
        update={
            "seen": state.seen | {event_key(event)},
            "seq": state.seq + 1,
            "last_event": f"{event.type} ({when(event.occurred_at, _tz(state))})",
        }
    )
    if isinstance(event, oe.OpeningEvent):
        effects.insert(0, LogOpeningEvent(event=event, seq=state.seq, applied_at=now))
    return note(state, event.occurred_at, f"{event.type} accepted; {state.status}"), effects


def _registered(
    state: OpeningState, data: oe.OpeningRegistered, at: datetime, policy: Policy | None
) -> OpeningState:
    if state.registered:
        raise Refused("type", "opening already registered")
    if policy is None:
        raise Refused("data.municipality", "no policy for this municipality")
    return state.model_copy(
        update={
            "status": "OPEN",
            "kind": data.kind,
            "employer": data.employer,
            "title": data.title,
            "disco_code": data.disco_code,
            "hours_per_week": data.hours_per_week,
            "municipality": data.municipality,
            "starts_on": data.starts_on,
            "candidates_by": data.candidates_by,
            "requirements": data.requirements,
            "leads_to_paid_job": data.leads_to_paid_job,
            "consultant": data.consultant,
            "policy": policy,
            "registered_at": at,
            "deadline": end_of_day(data.candidates_by, policy.tz),
        }
    )


def _declined(state: OpeningState, case_id: str, at: datetime) -> OpeningState:
    """A declined proposal: with none left the candidates-by deadline applies again (it
    escalates at once if it has passed, unless the team lead was told already)."""
    if case_id not in state.proposals:
        raise Refused("data.opening_id", "no open proposal of this case for this opening")
    proposals = tuple(p for p in state.proposals if p != case_id)
    state = state.model_copy(update={"proposals": proposals})
    if proposals or state.policy is None or state.candidates_by is None:
        return state
    deadline = end_of_day(state.candidates_by, state.policy.tz)
    return _status(state.model_copy(update={"deadline": deadline}), "OPEN", at)


def _status(state: OpeningState, status: OpeningStatus, at: datetime) -> OpeningState:
    if state.status == status:
        return state
    return note(state.model_copy(update={"status": status}), at, f"now {status}")


def _close(state: OpeningState, status: OpeningStatus, event: AnyEvent) -> OpeningState:
    state = state.model_copy(update={"deadline": None, "closed_at": event.occurred_at})
    return _status(state, status, event.occurred_at)


def _release_held(state: OpeningState, effects: list[OpeningEffect], now: datetime) -> Result:
    """Events that came before opening_registered are applied now, in business-time order."""
    held = sorted(state.held, key=lambda e: e.occurred_at)
    state = state.model_copy(update={"held": ()})
    out = list(effects)
    for event in held:
        decision = decide_opening(state, event, now)
        state, out = decision.state, out + list(decision.effects)
    return state, out


def next_opening_wakeup(state: OpeningState) -> datetime | None:
    """The candidates-by deadline, until it has escalated or someone was proposed."""
    if state.closed or state.escalation_level > 0:
        return None
    return state.deadline


def run_opening_clock(state: OpeningState, now: datetime) -> Result:
    """At the candidates-by deadline with nobody proposed: the team lead is told, once."""
    due = next_opening_wakeup(state)
    if due is None or due > now:
        return state, []
    state = state.model_copy(update={"escalation_level": 2})
    message = escalation(state, due, late=now - due > LATE_AFTER)
    return note(state, due, "no candidate proposed by the candidates-by date: escalated"), [message]


def note(state: OpeningState, at: datetime, what: str) -> OpeningState:
    """Record a step on the timeline; every change to an opening bumps its version."""
    entry = TimelineEntry(at=at, what=what)
    return state.model_copy(
        update={"timeline": (*state.timeline, entry), "version": state.version + 1}
    )


def _tz(state: OpeningState) -> str:
    return state.policy.timezone if state.policy else "Europe/Copenhagen"


def project_opening(state: OpeningState) -> OpeningProjection | None:
    """The read-model row; None until the opening is registered."""
    if not state.registered:
        return None
    assert state.kind and state.employer and state.title and state.disco_code
    assert state.hours_per_week and state.municipality and state.starts_on
    assert state.candidates_by
    return OpeningProjection(
        opening_id=state.opening_id,
        version=state.version,
        status=state.status,
        kind=state.kind,
        employer=state.employer,
        title=state.title,
        disco_code=state.disco_code,
        hours_per_week=state.hours_per_week,
        municipality=state.municipality,
        starts_on=state.starts_on,
        candidates_by=state.candidates_by,
        requirements=state.requirements,
        blocked_restrictions=tuple(blocking_restrictions(state.requirements, state.hours_per_week)),
        leads_to_paid_job=state.leads_to_paid_job,
        consultant=state.consultant,
        deadline=state.deadline,
        escalation_level=state.escalation_level,
        proposals=len(state.proposals),
        placed_case_id=state.placed_case_id,
        registered_at=state.registered_at,
        closed_at=state.closed_at,
        policy_version=state.policy.version if state.policy else None,
    )

"""The opening's rules: `decide_opening(state, event_or_None, now, policy) -> OpeningDecision`.

An opening is registered, gets candidates suggested, and must see a proposal by its
candidates-by date; otherwise the company-service team lead is told, once. A proposal
(`match_proposed` from the case system) meets the deadline; a placement
(`placement_started`) or `opening_filled` fills it; `opening_withdrawn` closes it; when
every proposal is declined (`match_declined`) the deadline applies again. What every
entity does (dedupe, hold before registration, the tick, refusals) is core/kernel's.
"""

from collections.abc import Callable
from datetime import datetime

from core.case import events as ev
from core.durations import end_of_day
from core.kernel.deadlines import is_late, run_due
from core.kernel.entity import Entity, recorded
from core.kernel.refusal import Refused
from core.kernel.timeline import note
from core.opening import events as oe
from core.opening.state import (
    LogOpeningEvent,
    OpeningEffect,
    OpeningState,
    OpeningStatus,
    SuggestCandidates,
)
from core.opening.words import escalation
from core.policy import Policy

AnyEvent = oe.OpeningEvent | ev.Event
Result = tuple[OpeningState, list[OpeningEffect]]
Handler = Callable[[OpeningState, AnyEvent, Policy | None], Result]


def event_key(event: AnyEvent) -> str:
    """Opening events and forwarded case events come from two systems: keep ids apart."""
    if isinstance(event, ev.Event):
        return f"case/{event.case_id}/{event.event_id}"
    return event.event_id


def _accept(state: OpeningState, event: AnyEvent, now: datetime, policy: Policy | None) -> Result:
    if state.closed:
        raise Refused("opening_id", f"opening closed ({state.status.lower()})")
    if isinstance(event, ev.Event) and getattr(event.data, "opening_id", None) != state.opening_id:
        raise Refused("data.opening_id", "names another opening")
    handler = HANDLERS.get(event.type)
    if handler is None:
        raise Refused("type", "not an event for an opening")
    state, effects = handler(state, event, policy)
    what = f"{event.type} accepted; {state.status}"
    state = recorded(state, event_key(event), event, state.policy, what)
    if isinstance(event, oe.OpeningEvent):
        effects.insert(0, LogOpeningEvent(event=event, seq=state.seq, applied_at=now))
    return state, effects


def _registered(state: OpeningState, event: AnyEvent, policy: Policy | None) -> Result:
    data = event.data
    assert isinstance(data, oe.OpeningRegistered)
    if state.registered:
        raise Refused("type", "opening already registered")
    if policy is None:
        raise Refused("data.municipality", "no policy for this municipality")
    state = state.model_copy(
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
            "registered_at": event.occurred_at,
            "deadline": end_of_day(data.candidates_by, policy.tz),
        }
    )
    return state, [SuggestCandidates(opening_id=state.opening_id)]


def _proposed(state: OpeningState, event: AnyEvent, _: Policy | None) -> Result:
    assert isinstance(event, ev.Event)
    proposals = (*[p for p in state.proposals if p != event.case_id], event.case_id)
    state = state.model_copy(update={"proposals": proposals, "deadline": None})
    return _status(state, "PROPOSED", event.occurred_at), []


def _declined(state: OpeningState, event: AnyEvent, _: Policy | None) -> Result:
    """A declined proposal: with none left the candidates-by deadline applies again (it
    escalates at once if it has passed, unless the team lead was told already)."""
    assert isinstance(event, ev.Event)
    if event.case_id not in state.proposals:
        raise Refused("data.opening_id", "no open proposal of this case for this opening")
    proposals = tuple(p for p in state.proposals if p != event.case_id)
    state = state.model_copy(update={"proposals": proposals})
    if proposals or state.policy is None or state.candidates_by is None:
        return state, []
    deadline = end_of_day(state.candidates_by, state.policy.tz)
    return _status(state.model_copy(update={"deadline": deadline}), "OPEN", event.occurred_at), []


def _placed(state: OpeningState, event: AnyEvent, _: Policy | None) -> Result:
    assert isinstance(event, ev.Event)
    return _close(state.model_copy(update={"placed_case_id": event.case_id}), "FILLED", event)


def _filled(state: OpeningState, event: AnyEvent, _: Policy | None) -> Result:
    return _close(state, "FILLED", event)


def _withdrawn(state: OpeningState, event: AnyEvent, _: Policy | None) -> Result:
    assert isinstance(event.data, oe.OpeningWithdrawn)
    withdrawn = state.model_copy(update={"withdrawn_reason": event.data.reason})
    return _close(withdrawn, "WITHDRAWN", event)


HANDLERS: dict[str, Handler] = {
    "opening_registered": _registered,
    "match_proposed": _proposed,
    "match_declined": _declined,
    "placement_started": _placed,
    "opening_filled": _filled,
    "opening_withdrawn": _withdrawn,
}


def _status(state: OpeningState, status: OpeningStatus, at: datetime) -> OpeningState:
    if state.status == status:
        return state
    return note(state.model_copy(update={"status": status}), at, f"now {status}")


def _close(state: OpeningState, status: OpeningStatus, event: AnyEvent) -> Result:
    state = state.model_copy(update={"deadline": None, "closed_at": event.occurred_at})
    return _status(state, status, event.occurred_at), []


def next_opening_wakeup(state: OpeningState) -> datetime | None:
    """The candidates-by deadline, until it has escalated or someone was proposed."""
    if state.closed or state.escalation_level > 0:
        return None
    return state.deadline


def run_ladder(state: OpeningState, now: datetime) -> Result:
    """The opening's ladder has one rung: at the candidates-by deadline with nobody
    proposed, the team lead is told, once."""
    return run_due(state, now, next_opening_wakeup, _escalate)


def _escalate(state: OpeningState, due: datetime, now: datetime) -> Result:
    state = state.model_copy(update={"escalation_level": 2})
    message = escalation(state, due, late=is_late(due, now))
    return note(state, due, "no candidate proposed by the candidates-by date: escalated"), [message]


OPENING: Entity[OpeningState, AnyEvent, OpeningEffect] = Entity(
    opener="opening_registered",
    is_open=lambda state: state.registered,
    tick=run_ladder,
    accept=_accept,
    key=event_key,
)


# `decide_opening(state, event_or_None, now, policy=None)`: `policy` is needed only for
# `opening_registered`: the opening keeps that snapshot.
decide_opening = OPENING.decide

"""What the statutory clocks know about one case: the dated facts, as plain data.

The case's rules feed it the events that matter to the law (core/case/law.py); everything
else about the law is computed from it (core/statutory/deadlines.py). Pauses are kept for
the timeline and the reports, and deliberately used by no rule: a pause of the stage
pipeline does not pause the law.
"""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from core.statutory.events import (
    ReassessmentHeld,
    ReassessmentResult,
    RequestedBy,
    StatutoryData,
    StatutoryTalkHeld,
    TalkKind,
)

EndReason = Literal["fit_for_work", "case_closed"]


class _Fact(BaseModel):
    model_config = ConfigDict(frozen=True)


class Talk(_Fact):
    held_on: date
    kind: TalkKind


class Reassessment(_Fact):
    held_on: date
    result: ReassessmentResult


class EarlyRequest(_Fact):
    requested_on: date
    requested_by: RequestedBy


class Pause(_Fact):
    paused_on: date
    resumed_on: date | None = None


class BenefitEnd(_Fact):
    on: date
    why: EndReason


class StatutoryState(_Fact):
    case_id: str
    sick_listed_on: date
    talks: tuple[Talk, ...] = ()  # in the order held
    reassessments: tuple[Reassessment, ...] = ()
    early_requests: tuple[EarlyRequest, ...] = ()
    pauses: tuple[Pause, ...] = ()
    ended: BenefitEnd | None = None
    escalated: frozenset[str] = frozenset()  # keys of the escalations already written


def start(case_id: str, sick_listed_on: date) -> StatutoryState:
    return StatutoryState(case_id=case_id, sick_listed_on=sick_listed_on)


def with_fact(state: StatutoryState, data: StatutoryData, on: date) -> StatutoryState:
    """`state` after one accepted statutory event (`on`: its business date). Facts after
    the benefit ended change nothing; core/case/law.py feeds the case's other events."""
    if state.ended is not None:
        return state
    update: dict[str, object]
    if isinstance(data, StatutoryTalkHeld):
        talk = Talk(held_on=data.held_on, kind=data.kind)
        update = {"talks": tuple(sorted((*state.talks, talk), key=lambda t: t.held_on))}
    elif isinstance(data, ReassessmentHeld):
        held = Reassessment(held_on=data.held_on, result=data.result)
        update = {"reassessments": (*state.reassessments, held)}
    else:
        asked = EarlyRequest(requested_on=data.requested_on, requested_by=data.requested_by)
        update = {"early_requests": (*state.early_requests, asked)}
    return state.model_copy(update=update)


def paused(state: StatutoryState, on: date) -> StatutoryState:
    """Kept for the timeline and the reports; no rule counts it."""
    if state.ended is not None:
        return state
    return state.model_copy(update={"pauses": (*state.pauses, Pause(paused_on=on))})


def resumed(state: StatutoryState, on: date) -> StatutoryState:
    pauses = state.pauses
    if state.ended is not None or not pauses or pauses[-1].resumed_on is not None:
        return state
    last = pauses[-1].model_copy(update={"resumed_on": on})
    return state.model_copy(update={"pauses": (*pauses[:-1], last)})


def benefit_ended(state: StatutoryState, on: date, why: EndReason) -> StatutoryState:
    if state.ended is not None:
        return state
    return state.model_copy(update={"ended": BenefitEnd(on=on, why=why)})

"""What the statutory clocks know about one case: the dated facts, as plain data.

The case's rules feed it the events that matter to the law (`with_fact`); everything
else about the law is computed from it (core/statutory/deadlines.py). Pauses are kept for
the timeline and the reports, and deliberately used by no rule: a pause of the stage
pipeline does not pause the law.
"""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from core.case.events import CaseClosed, CasePaused, CaseResumed, FitForWorkDeclared
from core.statutory.events import (
    EarlyTalkRequested,
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


LawFact = StatutoryData | FitForWorkDeclared | CaseClosed | CasePaused | CaseResumed


def start(case_id: str, sick_listed_on: date) -> StatutoryState:
    return StatutoryState(case_id=case_id, sick_listed_on=sick_listed_on)


def with_fact(state: StatutoryState, data: LawFact, on: date) -> StatutoryState:
    """`state` after one accepted event; `on` is the event's business date (the date of a
    `case_resumed`, which carries none). Facts after the benefit ended change nothing."""
    if state.ended is not None:
        return state
    update: dict[str, object]
    if isinstance(data, StatutoryTalkHeld):
        talk = Talk(held_on=data.held_on, kind=data.kind)
        update = {"talks": tuple(sorted((*state.talks, talk), key=lambda t: t.held_on))}
    elif isinstance(data, ReassessmentHeld):
        held = Reassessment(held_on=data.held_on, result=data.result)
        update = {"reassessments": (*state.reassessments, held)}
    elif isinstance(data, EarlyTalkRequested):
        asked = EarlyRequest(requested_on=data.requested_on, requested_by=data.requested_by)
        update = {"early_requests": (*state.early_requests, asked)}
    elif isinstance(data, CasePaused):
        update = {"pauses": (*state.pauses, Pause(paused_on=on))}
    elif isinstance(data, CaseResumed):
        update = {"pauses": _resumed(state.pauses, on)}
    elif isinstance(data, FitForWorkDeclared):
        update = {"ended": BenefitEnd(on=data.declared_on, why="fit_for_work")}
    else:
        update = {"ended": BenefitEnd(on=data.closed_on, why="case_closed")}
    return state.model_copy(update=update)


def _resumed(pauses: tuple[Pause, ...], on: date) -> tuple[Pause, ...]:
    if not pauses or pauses[-1].resumed_on is not None:
        return pauses
    return (*pauses[:-1], pauses[-1].model_copy(update={"resumed_on": on}))

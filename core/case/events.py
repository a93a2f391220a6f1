"""The contract with the case system: one JSON object per event (DESIGN.md, "Contract").

Models are frozen and strict: JSON types must match exactly, unknown fields are refused,
dates must exist. `parse_event` turns a raw line into an event or a `Refusal` that names
the field and the reason, so the door can report it and nothing else happens.
"""

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    Field,
    StringConstraints,
)

from core.ids import CaseId, EventId, OpeningId, StaffId
from core.kernel.contract import ByType, Envelope, Frozen, Hours, Name, Text, unique
from core.statutory.events import (
    STATUTORY_DATA_MODELS,
    EarlyTalkRequested,
    ReassessmentHeld,
    StatutoryTalkHeld,
)

Score = Annotated[int, Field(ge=1, le=10)]


class JobGoal(Frozen):
    title: Name
    disco_code: Annotated[str, StringConstraints(pattern=r"^\d{4,6}$")] | None = None


class CaseOpened(Frozen):
    municipality: Name
    owner: StaffId
    team: StaffId
    sick_listed_on: date
    employment_ended_on: date
    expected_fit_for_work_on: date | None = None
    restrictions: Annotated[tuple[Name, ...], AfterValidator(unique)] = ()


class JobGoalTalkHeld(Frozen):
    job_goals: Annotated[tuple[JobGoal, ...], Field(min_length=1, max_length=10)]
    held_on: date


class CvUpdated(Frozen):
    complete: bool
    updated_on: date


class FitForWorkExpected(Frozen):
    expected_on: date


class FitForWorkDeclared(Frozen):
    declared_on: date


class HandoverAccepted(Frozen):
    consultant: StaffId


class HandoverRejected(Frozen):
    reason: Text


OpeningKind = Literal["recruitment", "internship", "wage_subsidy", "small_job", "flex_job"]


class MatchProposed(Frozen):
    opening_id: OpeningId
    kind: OpeningKind
    employer: Name
    leads_to_paid_job: bool | None = None


class MatchDeclined(Frozen):
    opening_id: OpeningId
    reason: Text


class PlacementStarted(Frozen):
    opening_id: OpeningId
    started_on: date
    hours_per_week: Hours


class ProgressionScored(Frozen):
    work_function: Name
    score: Score
    scored_on: date


class FollowupHeld(Frozen):
    held_on: date


class OwnerChanged(Frozen):
    owner: StaffId
    team: StaffId | None = None


class DeadlineMoved(Frozen):
    new_deadline: date
    reason: Text


class CasePaused(Frozen):
    reason: Text
    review_on: date


class CaseResumed(Frozen):
    pass


Outcome = Literal[
    "employed", "education", "flex_job", "small_job", "back_to_sick_leave", "moved", "other"
]


class CaseClosed(Frozen):
    outcome: Outcome
    closed_on: date


DATA_MODELS: dict[str, type[Frozen]] = {
    "case_opened": CaseOpened,
    "job_goal_talk_held": JobGoalTalkHeld,
    "cv_updated": CvUpdated,
    "fit_for_work_expected": FitForWorkExpected,
    "fit_for_work_declared": FitForWorkDeclared,
    "handover_accepted": HandoverAccepted,
    "handover_rejected": HandoverRejected,
    "match_proposed": MatchProposed,
    "match_declined": MatchDeclined,
    "placement_started": PlacementStarted,
    "progression_scored": ProgressionScored,
    "followup_held": FollowupHeld,
    "owner_changed": OwnerChanged,
    "deadline_moved": DeadlineMoved,
    "case_paused": CasePaused,
    "case_resumed": CaseResumed,
    "case_closed": CaseClosed,
    **STATUTORY_DATA_MODELS,  # the law's follow-up (docs/statutory.md)
}
EventType = Literal[
    "case_opened",
    "job_goal_talk_held",
    "cv_updated",
    "fit_for_work_expected",
    "fit_for_work_declared",
    "handover_accepted",
    "handover_rejected",
    "match_proposed",
    "match_declined",
    "placement_started",
    "progression_scored",
    "followup_held",
    "owner_changed",
    "deadline_moved",
    "case_paused",
    "case_resumed",
    "case_closed",
    "statutory_talk_held",
    "reassessment_held",
    "early_talk_requested",
]
EventData = (
    CaseOpened
    | JobGoalTalkHeld
    | CvUpdated
    | FitForWorkExpected
    | FitForWorkDeclared
    | HandoverAccepted
    | HandoverRejected
    | MatchProposed
    | MatchDeclined
    | PlacementStarted
    | ProgressionScored
    | FollowupHeld
    | OwnerChanged
    | DeadlineMoved
    | CasePaused
    | CaseResumed
    | CaseClosed
    | StatutoryTalkHeld
    | ReassessmentHeld
    | EarlyTalkRequested
)


class _Envelope(Envelope):
    event_id: EventId
    case_id: CaseId
    type: EventType
    occurred_at: AwareDatetime


class RawEvent(_Envelope):
    """The envelope checked, `data` not yet: the first step of intake."""

    data: dict[str, Any] = Field(default_factory=dict)


class Event(_Envelope, ByType):
    """One event of the contract; `data` is the model its `type` names."""

    data_models: ClassVar[dict[str, type[Frozen]]] = DATA_MODELS
    data: EventData


def json_data(event: Event) -> dict[str, Any]:
    """The event's data as JSON-ready values, as the case system sent them."""
    return event.data.model_dump(mode="json", exclude_none=True)

"""The contract with the case system: one JSON object per event (DESIGN.md, "Contract").

Models are frozen and strict: JSON types must match exactly, unknown fields are refused,
dates must exist. `parse_event` turns a raw line into an event or a `Refusal` that names
the field and the reason, so the door can report it and nothing else happens.
"""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from core.ids import CaseId, EventId, StaffId

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Score = Annotated[int, Field(ge=1, le=10)]
Hours = Annotated[float, Field(gt=0, le=60)]


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class JobGoal(_Frozen):
    title: Name
    disco_code: Annotated[str, StringConstraints(pattern=r"^\d{4,6}$")] | None = None


class CaseOpened(_Frozen):
    municipality: Name
    owner: StaffId
    team: StaffId
    sick_listed_on: date
    employment_ended_on: date
    expected_fit_for_work_on: date | None = None
    restrictions: Annotated[tuple[Name, ...], AfterValidator(_unique)] = ()


class JobGoalTalkHeld(_Frozen):
    job_goals: Annotated[tuple[JobGoal, ...], Field(min_length=1, max_length=10)]
    held_on: date


class CvUpdated(_Frozen):
    complete: bool
    updated_on: date


class FitForWorkExpected(_Frozen):
    expected_on: date


class FitForWorkDeclared(_Frozen):
    declared_on: date


class HandoverAccepted(_Frozen):
    consultant: StaffId


class HandoverRejected(_Frozen):
    reason: Text


OpeningKind = Literal["recruitment", "internship", "wage_subsidy", "small_job", "flex_job"]


class MatchProposed(_Frozen):
    opening_id: StaffId
    kind: OpeningKind
    employer: Name
    leads_to_paid_job: bool | None = None


class MatchDeclined(_Frozen):
    opening_id: StaffId
    reason: Text


class PlacementStarted(_Frozen):
    opening_id: StaffId
    started_on: date
    hours_per_week: Hours


class ProgressionScored(_Frozen):
    work_function: Name
    score: Score
    scored_on: date


class FollowupHeld(_Frozen):
    held_on: date


class OwnerChanged(_Frozen):
    owner: StaffId
    team: StaffId | None = None


class DeadlineMoved(_Frozen):
    new_deadline: date
    reason: Text


class CasePaused(_Frozen):
    reason: Text
    review_on: date


class CaseResumed(_Frozen):
    pass


Outcome = Literal[
    "employed", "education", "flex_job", "small_job", "back_to_sick_leave", "moved", "other"
]


class CaseClosed(_Frozen):
    outcome: Outcome
    closed_on: date


DATA_MODELS: dict[str, type[_Frozen]] = {
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
)


def data_for_type(values: Any, models: dict[str, type[_Frozen]]) -> Any:
    """Validate an envelope's `data` against the model its `type` names, before the union
    of data models sees it: the union is ambiguous on its own (several share a shape)."""
    if isinstance(values, dict):
        kind, data = values.get("type"), values.get("data")
        if isinstance(kind, str) and kind in models and isinstance(data, dict):
            values = {**values, "data": models[kind].model_validate(data, strict=False)}
    return values


class _Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: EventId
    case_id: CaseId
    type: EventType
    occurred_at: AwareDatetime


class RawEvent(_Envelope):
    """The envelope checked, `data` not yet: the first step of intake."""

    data: dict[str, Any] = {}


class Event(_Envelope):
    """One event of the contract; `data` is the model its `type` names."""

    data: EventData

    @model_validator(mode="before")
    @classmethod
    def _data_for_type(cls, values: Any) -> Any:
        return data_for_type(values, DATA_MODELS)


def json_data(event: Event) -> dict[str, Any]:
    """The event's data as JSON-ready values, as the case system sent them."""
    return event.data.model_dump(mode="json", exclude_none=True)

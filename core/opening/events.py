"""The company service's events about openings (README, "Openings in the contract").

Same envelope rules as case events, with `opening_id` where a case event has `case_id`:
frozen, strict, unknown fields refused. The door routes an event by its `type`.
"""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    StringConstraints,
    model_validator,
)

from core.case.events import Hours, Name, OpeningKind, Text, _Frozen, _unique, data_for_type
from core.ids import EventId, OpeningId, StaffId

DiscoCode = Annotated[str, StringConstraints(pattern=r"^\d{4,6}$")]
Tags = Annotated[tuple[Name, ...], AfterValidator(_unique)]


class OpeningRegistered(_Frozen):
    kind: OpeningKind
    employer: Name
    title: Name
    disco_code: DiscoCode
    hours_per_week: Hours
    municipality: Name
    starts_on: date
    candidates_by: date
    requirements: Tags = ()
    leads_to_paid_job: bool | None = None
    consultant: StaffId | None = None


class OpeningFilled(_Frozen):
    filled_on: date


class OpeningWithdrawn(_Frozen):
    reason: Text
    withdrawn_on: date


OPENING_DATA_MODELS: dict[str, type[_Frozen]] = {
    "opening_registered": OpeningRegistered,
    "opening_filled": OpeningFilled,
    "opening_withdrawn": OpeningWithdrawn,
}
OpeningEventType = Literal["opening_registered", "opening_filled", "opening_withdrawn"]
OpeningData = OpeningRegistered | OpeningFilled | OpeningWithdrawn


class _OpeningEnvelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: EventId
    opening_id: OpeningId
    type: OpeningEventType
    occurred_at: AwareDatetime


class RawOpeningEvent(_OpeningEnvelope):
    """The envelope checked, `data` not yet: the first step of intake."""

    data: dict[str, Any] = {}


class OpeningEvent(_OpeningEnvelope):
    """One opening event; `data` is the model its `type` names."""

    data: OpeningData

    @model_validator(mode="before")
    @classmethod
    def _data_for_type(cls, values: Any) -> Any:
        return data_for_type(values, OPENING_DATA_MODELS)

"""The company service's events about openings (README, "Openings in the contract").

Same envelope rules as case events, with `opening_id` where a case event has `case_id`:
frozen, strict, unknown fields refused. The door routes an event by its `type`.
"""

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints

from core.case.events import OpeningKind
from core.ids import EventId, OpeningId, StaffId
from core.kernel.contract import ByType, Envelope, Frozen, Hours, Name, Text, unique

DiscoCode = Annotated[str, StringConstraints(pattern=r"^\d{4,6}$")]
Tags = Annotated[tuple[Name, ...], AfterValidator(unique)]


class OpeningRegistered(Frozen):
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


class OpeningFilled(Frozen):
    filled_on: date


class OpeningWithdrawn(Frozen):
    reason: Text
    withdrawn_on: date


OPENING_DATA_MODELS: dict[str, type[Frozen]] = {
    "opening_registered": OpeningRegistered,
    "opening_filled": OpeningFilled,
    "opening_withdrawn": OpeningWithdrawn,
}
OpeningEventType = Literal["opening_registered", "opening_filled", "opening_withdrawn"]
OpeningData = OpeningRegistered | OpeningFilled | OpeningWithdrawn


class _OpeningEnvelope(Envelope):
    event_id: EventId
    opening_id: OpeningId
    type: OpeningEventType
    occurred_at: AwareDatetime


class RawOpeningEvent(_OpeningEnvelope):
    """The envelope checked, `data` not yet: the first step of intake."""

    data: dict[str, Any] = Field(default_factory=dict)


class OpeningEvent(_OpeningEnvelope, ByType):
    """One opening event; `data` is the model its `type` names."""

    data_models: ClassVar[dict[str, type[Frozen]]] = OPENING_DATA_MODELS
    data: OpeningData

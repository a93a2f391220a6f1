"""What every entity workflow's messages share: deliveries, receipts, the timeline, and
the input carried through continue-as-new (new fields get defaults: histories load)."""

from pydantic import BaseModel, ConfigDict

from core.kernel.entity import Outcome
from core.kernel.timeline import TimelineEntry


class Delivered(BaseModel):
    """One event as sent by a door; `delivery_id` lets the sender ask for its receipt."""

    model_config = ConfigDict(frozen=True)

    delivery_id: str | None = None


class Receipt(BaseModel):
    model_config = ConfigDict(frozen=True)

    outcome: Outcome | None = None  # None: not known (yet)
    field: str | None = None
    reason: str | None = None


class EntityInput(BaseModel):
    """Start input, and the hand-over through continue-as-new."""

    receipts: dict[str, Receipt] = {}
    continue_as_new_after: int = 2_000  # history events


class Timeline(BaseModel):
    entries: tuple[TimelineEntry, ...]

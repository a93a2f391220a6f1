"""Inputs and outputs of the opening workflow's messages (new fields get defaults)."""

from typing import Annotated

from pydantic import BaseModel, Field

from core.case.events import Event
from core.opening.events import OpeningEvent
from core.opening.projection import OpeningProjection
from core.opening.state import (
    LogOpeningEvent,
    OpeningMessage,
    OpeningState,
    SuggestCandidates,
)
from workflows.payloads import Delivered, EntityInput

OPENING_EVENT_SIGNAL = "opening_event"


def opening_workflow_id(opening_id: str) -> str:
    return f"opening-{opening_id}"


class OpeningDelivery(Delivered):
    """An opening event, or a case event that names the opening (a proposal, a placement)."""

    event: OpeningEvent | Event


class OpeningInput(EntityInput):
    opening_id: str
    state: OpeningState | None = None
    inbox: tuple[OpeningDelivery, ...] = ()


class OpeningResult(BaseModel):
    opening_id: str
    status: str
    placed_case_id: str | None


OpeningEffect = Annotated[
    LogOpeningEvent | OpeningMessage | SuggestCandidates, Field(discriminator="kind")
]


class PersistOpeningRequest(BaseModel):
    """What one opening workflow step writes to PostgreSQL, in one transaction."""

    opening_id: str
    effects: tuple[OpeningEffect, ...] = ()
    projection: OpeningProjection | None = None

    def summary(self) -> str:
        kinds = [e.kind for e in self.effects]
        parts = [
            f"{kinds.count('log_opening_event')} event(s) to the log",
            f"{kinds.count('opening_message')} outbox message(s)",
        ]
        if "suggest_candidates" in kinds:
            parts.append("candidate suggestions")
        if self.projection is not None:
            parts.append(f"projection v{self.projection.version}")
        return "Write " + ", ".join(parts)

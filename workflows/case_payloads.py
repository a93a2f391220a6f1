"""Inputs and outputs of the case workflow's messages: small types that can grow without
breaking recorded histories (new fields get defaults)."""

from typing import Annotated

from pydantic import BaseModel, Field

from core.case.delivery import Deliveries
from core.case.events import Event
from core.case.projection import Projection
from core.case.state import CaseState, LogEvent, RecordRefusal, SendMessage
from workflows.payloads import Delivered, EntityInput

TASK_QUEUE = "trappebro-cases"
EVENT_SIGNAL = "event"
RECEIPT_UPDATE = "receipt"
RECEIPT_QUERY = "receipt_of"
SUBMIT_UPDATE = "submit"
DELIVERY_SIGNAL = "outbox_delivery"  # the relay: what became of an outbox message


def workflow_id(case_id: str) -> str:
    return f"case-{case_id}"


class Delivery(Delivered):
    event: Event


class CaseInput(EntityInput):
    case_id: str
    state: CaseState | None = None
    inbox: tuple[Delivery, ...] = ()
    # What the relay said of the case's escalations (absent in older histories).
    deliveries: Deliveries = Deliveries()


class CaseResult(BaseModel):
    case_id: str
    outcome: str | None
    events_applied: int


Effect = Annotated[LogEvent | SendMessage | RecordRefusal, Field(discriminator="kind")]


class PersistRequest(BaseModel):
    """What one workflow step writes to PostgreSQL, in one transaction."""

    case_id: str
    effects: tuple[Effect, ...] = ()
    projection: Projection | None = None
    # The case entered MATCHING in this step: suggest open openings to its consultant.
    match_openings: bool = False

    def summary(self) -> str:
        kinds = [e.kind for e in self.effects]
        parts = [
            f"{kinds.count('log_event')} event(s) to the log",
            f"{kinds.count('send_message')} outbox message(s)",
        ]
        if self.match_openings:
            parts.append("opening suggestions")
        if kinds.count("record_refusal"):
            parts.append(f"{kinds.count('record_refusal')} refusal(s)")
        if self.projection is not None:
            parts.append(f"projection v{self.projection.version}")
        return "Write " + ", ".join(parts)


class SuggestRequest(BaseModel):
    """A case that entered MATCHING: find open openings for it and suggest them."""

    projection: Projection

    def summary(self) -> str:
        who = self.projection.consultant or "the consultant"
        return f"Suggest open openings for this case to {who}"

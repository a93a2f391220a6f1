"""The state of one opening and the effects its decisions ask the shell to carry out.

Plain data, like the case's: the workflow carries `OpeningState` whole through
continue-as-new, and the persist activity receives the effects as they are.
"""

from datetime import date, datetime
from typing import Literal

from core.case.events import Event
from core.kernel.effects import Effect, Logged, Message
from core.kernel.entity import Decision
from core.kernel.timeline import FrozenState, TimelineEntry
from core.opening.events import OpeningEvent
from core.policy import Policy

OpeningStatus = Literal["AWAITING_REGISTRATION", "OPEN", "PROPOSED", "FILLED", "WITHDRAWN"]
CLOSED_STATUSES = ("FILLED", "WITHDRAWN")
# Case events the case workflow also sends to the opening they name: they close the loop.
CASE_EVENTS_FOR_OPENINGS = ("match_proposed", "match_declined", "placement_started")


class OpeningState(FrozenState):
    opening_id: str
    version: int = 0
    status: OpeningStatus = "AWAITING_REGISTRATION"
    kind: str | None = None
    employer: str | None = None
    title: str | None = None
    disco_code: str | None = None
    hours_per_week: float | None = None
    municipality: str | None = None
    starts_on: date | None = None
    candidates_by: date | None = None
    requirements: tuple[str, ...] = ()
    leads_to_paid_job: bool | None = None
    consultant: str | None = None
    policy: Policy | None = None
    registered_at: datetime | None = None
    # The candidates-by deadline while nobody has been proposed; None once someone is.
    deadline: datetime | None = None
    escalation_level: int = 0
    proposals: tuple[str, ...] = ()  # case ids proposed
    placed_case_id: str | None = None
    withdrawn_reason: str | None = None
    closed_at: datetime | None = None
    last_event: str | None = None
    seq: int = 0
    seen: frozenset[str] = frozenset()
    held: tuple[OpeningEvent | Event, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()

    @property
    def registered(self) -> bool:
        return self.status != "AWAITING_REGISTRATION"

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def owner(self) -> str | None:
        """The company consultant named on the opening, else the company-service team."""
        if self.consultant:
            return self.consultant
        return self.policy.roles.company_service_team if self.policy else None


class LogOpeningEvent(Logged):
    """Append an accepted opening event to its log (key: opening_id, event_id)."""

    kind: Literal["log_opening_event"] = "log_opening_event"
    event: OpeningEvent


class OpeningMessage(Message):
    """One outbox message about the opening."""

    kind: Literal["opening_message"] = "opening_message"
    opening_id: str
    message_kind: Literal["opening_escalation"]
    status: OpeningStatus


class SuggestCandidates(Effect):
    """Match the opening against cases in MATCHING; each pair suggested once (key:
    opening_id, case_id)."""

    kind: Literal["suggest_candidates"] = "suggest_candidates"
    opening_id: str


OpeningEffect = LogOpeningEvent | OpeningMessage | SuggestCandidates
OpeningDecision = Decision[OpeningState, OpeningEffect]

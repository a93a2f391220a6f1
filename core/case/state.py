"""The state of one case and the effects a decision asks the shell to carry out.

Everything here is plain data: the workflow carries `CaseState` whole through
continue-as-new, and activities receive effects as they are.
"""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.case.events import Event, JobGoal
from core.kernel.effects import Effect as KernelEffect
from core.kernel.effects import Logged, Message
from core.kernel.entity import Decision as Decided
from core.kernel.timeline import FrozenState, TimelineEntry, built
from core.policy import Policy
from core.stages import DEPARTMENT, Department, Stage
from core.statutory.state import StatutoryState

DeadlineKind = Literal[
    "stage", "moved", "pause_review", "match_response", "follow_up", "handover_window"
]


class StageVisit(BaseModel):
    """The case entered `stage` at `entered_at` (business time): the reports' stage log."""

    model_config = ConfigDict(frozen=True)

    stage: Stage
    entered_at: datetime


class CaseState(FrozenState):
    case_id: str
    version: int = 0
    opened: bool = False
    stage: Stage = Stage.JOB_GOAL_TALK
    municipality: str | None = None
    team: str | None = None
    caseworker: str | None = None
    handover_owner: str | None = None
    consultant: str | None = None
    policy: Policy | None = None
    opened_at: datetime | None = None
    stage_entered_at: datetime | None = None
    # The current deadline. `deadline_no` grows with each new one: it keys escalations.
    deadline: datetime | None = None
    deadline_kind: DeadlineKind = "stage"
    deadline_no: int = 0
    escalation_level: int = 0
    repeats: int = 0
    last_escalation_at: datetime | None = None  # when the current level (or reminder) fell due
    stalled: bool = False
    paused: bool = False
    review_on: date | None = None
    job_goals: tuple[JobGoal, ...] = ()
    restrictions: tuple[str, ...] = ()
    cv_complete: bool = False
    expected_fit_for_work_on: date | None = None
    declared_fit_on: date | None = None
    proposals: tuple[str, ...] = ()
    opening_id: str | None = None
    placement_started_on: date | None = None
    followups_held: int = 0
    last_scores: dict[str, int] = Field(default_factory=dict)
    handover_rejection: str | None = None
    outcome: str | None = None
    closed_at: datetime | None = None
    last_event: str | None = None
    seq: int = 0
    seen: frozenset[str] = frozenset()
    held: tuple[Event, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    # Every stage entered, in order (empty for cases opened before it was kept).
    stages: tuple[StageVisit, ...] = ()
    # The first day of absence (case_opened) and the law's clocks that count from it; None
    # for a case opened before they were kept (docs/statutory.md, "Running cases").
    sick_listed_on: date | None = None
    statutory: StatutoryState | None = None
    # Off: the law's clocks do not run (a workflow whose history predates them, or tests of
    # the stages alone; core/case/law_ladder.py).
    law_clocks: bool = True

    def entering(self, stage: Stage, at: datetime, **more: Any) -> "CaseState":
        """This state moved into `stage` at `at` (with `more` changes in the same copy):
        the one place a stage changes."""
        visit = built(StageVisit, stage=stage, entered_at=at)
        return self.model_copy(
            update={
                "stage": stage,
                "stage_entered_at": at,
                "stages": (*self.stages, visit),
                **more,
            }
        )

    @property
    def closed(self) -> bool:
        return self.stage is Stage.CLOSED

    @property
    def department(self) -> Department | None:
        return DEPARTMENT.get(self.stage)

    @property
    def owner(self) -> str | None:
        if self.stage in (Stage.JOB_GOAL_TALK, Stage.CV_READINESS):
            return self.caseworker
        if self.stage is Stage.HANDOVER:
            return self.handover_owner
        if self.stage in (Stage.MATCHING, Stage.PLACEMENT):
            return self.consultant
        return None


class LogEvent(Logged):
    """Append an accepted event to the case's event log (key: case_id, event_id)."""

    kind: Literal["log_event"] = "log_event"
    event: Event


class SendMessage(Message):
    """One outbox message for the case system."""

    kind: Literal["send_message"] = "send_message"
    case_id: str
    message_kind: Literal[
        "escalation",
        "handover_requested",
        "handover_rejected",
        "wage_talk",
        "early_warning",
        "statutory_escalation",
    ]
    stage: Stage


class RecordRefusal(KernelEffect):
    """Remember an event the process refused (key: case_id, event_id, delivery)."""

    kind: Literal["record_refusal"] = "record_refusal"
    case_id: str
    event_id: str
    field: str
    reason: str
    refused_at: datetime


Effect = LogEvent | SendMessage | RecordRefusal

Decision = Decided[CaseState, Effect]

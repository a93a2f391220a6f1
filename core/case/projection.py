"""The read model row of a case, derived from its state (what reporting and matching read)."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from core.case.events import JobGoal
from core.case.state import CaseState, StageVisit


class Projection(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    version: int
    municipality: str | None
    stage: str
    department: str | None
    owner: str | None
    team: str | None
    consultant: str | None
    deadline: datetime | None
    escalation_level: int
    stalled: bool
    paused: bool
    review_on: date | None
    outcome: str | None
    job_goals: tuple[JobGoal, ...]
    restrictions: tuple[str, ...]
    cv_complete: bool
    expected_fit_for_work_on: date | None
    declared_fit_on: date | None
    opened_at: datetime | None
    stage_entered_at: datetime | None
    closed_at: datetime | None
    policy_version: str | None
    # Optional with a default: requests recorded before it existed still parse.
    stages: tuple[StageVisit, ...] = ()


def project(state: CaseState) -> Projection:
    return Projection(
        case_id=state.case_id,
        version=state.version,
        municipality=state.municipality,
        stage=state.stage.value,
        department=state.department.value if state.department else None,
        owner=state.owner,
        team=state.team,
        consultant=state.consultant,
        deadline=state.deadline,
        escalation_level=state.escalation_level,
        stalled=state.stalled,
        paused=state.paused,
        review_on=state.review_on,
        outcome=state.outcome,
        job_goals=state.job_goals,
        restrictions=state.restrictions,
        cv_complete=state.cv_complete,
        expected_fit_for_work_on=state.expected_fit_for_work_on,
        declared_fit_on=state.declared_fit_on,
        opened_at=state.opened_at,
        stage_entered_at=state.stage_entered_at,
        closed_at=state.closed_at,
        policy_version=state.policy.version if state.policy else None,
        stages=state.stages,
    )

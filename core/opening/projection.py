"""The read-model row of an opening, derived from its state (what matching reads)."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from core.matching import blocking_restrictions
from core.opening.state import OpeningState


class OpeningProjection(BaseModel):
    """The read-model row of an opening (what matching reads)."""

    model_config = ConfigDict(frozen=True)

    opening_id: str
    version: int
    status: str
    kind: str
    employer: str
    title: str
    disco_code: str
    hours_per_week: float
    municipality: str
    starts_on: date
    candidates_by: date
    requirements: tuple[str, ...]
    blocked_restrictions: tuple[str, ...]
    leads_to_paid_job: bool | None
    consultant: str | None
    deadline: datetime | None
    escalation_level: int
    proposals: int
    placed_case_id: str | None
    registered_at: datetime | None
    closed_at: datetime | None
    policy_version: str | None


def project_opening(state: OpeningState) -> OpeningProjection | None:
    """The read-model row; None until the opening is registered."""
    if not state.registered:
        return None
    assert state.kind and state.employer and state.title and state.disco_code
    assert state.hours_per_week and state.municipality and state.starts_on
    assert state.candidates_by
    return OpeningProjection(
        opening_id=state.opening_id,
        version=state.version,
        status=state.status,
        kind=state.kind,
        employer=state.employer,
        title=state.title,
        disco_code=state.disco_code,
        hours_per_week=state.hours_per_week,
        municipality=state.municipality,
        starts_on=state.starts_on,
        candidates_by=state.candidates_by,
        requirements=state.requirements,
        blocked_restrictions=tuple(blocking_restrictions(state.requirements, state.hours_per_week)),
        leads_to_paid_job=state.leads_to_paid_job,
        consultant=state.consultant,
        deadline=state.deadline,
        escalation_level=state.escalation_level,
        proposals=len(state.proposals),
        placed_case_id=state.placed_case_id,
        registered_at=state.registered_at,
        closed_at=state.closed_at,
        policy_version=state.policy.version if state.policy else None,
    )

"""Who sees what: the leads file maps each lead (the sign-in's staff id) to the teams and
departments whose cases they see. A lead not in the file sees nothing."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

# The stages whose deadline each department owns (as report_department() in the views).
DEPARTMENT_STAGES = {
    "sick_leave": ("JOB_GOAL_TALK", "CV_READINESS"),
    "company_service": ("HANDOVER", "MATCHING", "PLACEMENT"),
}


@dataclass(frozen=True)
class Lead:
    staff_id: str
    name: str
    teams: tuple[str, ...]
    departments: tuple[str, ...]

    @property
    def stages(self) -> tuple[str, ...]:
        """Stages seen whatever the case's team: those of the lead's departments."""
        return tuple(s for d in self.departments for s in DEPARTMENT_STAGES[d])

    @property
    def sees_openings(self) -> bool:
        return "company_service" in self.departments

    def sees(self, team: str | None, stage: str) -> bool:
        return (team is not None and team in self.teams) or stage in self.stages


def load_leads(path: Path) -> dict[str, Lead]:
    """Read the leads file; raises ValueError on an unknown department."""
    with path.open("rb") as f:
        raw = tomllib.load(f).get("leads", {})
    leads: dict[str, Lead] = {}
    for staff_id, entry in raw.items():
        departments = tuple(entry.get("departments", ()))
        unknown = set(departments) - DEPARTMENT_STAGES.keys()
        if unknown:
            raise ValueError(f"{path}: lead {staff_id}: unknown departments {sorted(unknown)}")
        leads[staff_id] = Lead(
            staff_id=staff_id,
            name=str(entry.get("name", staff_id)),
            teams=tuple(entry.get("teams", ())),
            departments=departments,
        )
    return leads

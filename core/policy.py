"""Deadline and escalation policy, per municipality, as the operators' TOML file has it
(read by infrastructure/policy_file.py).

The file has a `[default]` table and optional `[municipalities."<name>"]` tables that
override any of its keys. A case takes a snapshot of its municipality's policy when it
opens (see `Policy.version`), so editing the file never changes a running case's history.
"""

import hashlib
import json
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.calendar_dk import Holidays, carried
from core.durations import Duration
from core.language import DEFAULT, Language
from core.stages import Stage
from core.statutory_rules import StatutoryRules

_DEADLINE_STAGES = (
    Stage.JOB_GOAL_TALK,
    Stage.CV_READINESS,
    Stage.HANDOVER,
    Stage.MATCHING,
)


class Ladder(BaseModel):
    """Level 1 at the deadline, level 2 `level_2_after` later, level 3 `level_3_after` after
    that; a stalled case is reminded again at level 3 every `repeat_after`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level_2_after: Duration
    level_3_after: Duration
    repeat_after: Duration

    @model_validator(mode="after")
    def _repeat_moves_on(self) -> "Ladder":
        # A zero (or negative) repeat would owe endless reminders: the ladder would never stop.
        if self.repeat_after.amount < 1:
            raise ValueError("repeat_after: must be longer than zero")
        return self


class Roles(BaseModel):
    """Who receives level 2 and 3 per department; the case system resolves these ids."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    company_service_team: str
    sick_leave_team_lead: str
    sick_leave_department_head: str
    company_service_team_lead: str
    company_service_department_head: str


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    timezone: str = "Europe/Copenhagen"
    # The language of every text people read about its cases and openings; snapshots
    # recorded before there was a choice load as Danish.
    language: Language = DEFAULT
    deadlines: dict[Stage, Duration]
    match_response: Duration = Field(description="time to answer a match proposal")
    handover_window: Duration = Field(
        description="send the handover once the expected fit-for-work date is this close"
    )
    max_pause: Duration
    after_care: tuple[Duration, ...] = Field(
        min_length=1, description="follow-ups after placement start, e.g. 1, 4 and 12 weeks"
    )
    ladder: Ladder
    roles: Roles
    # The law's follow-up rules (core/statutory_rules.py); the law's values by default.
    statutory: StatutoryRules = StatutoryRules()
    version: str = ""
    # The holidays the loader found for `holiday_years` (infrastructure/policy_file.py): data
    # of the snapshot, so an upgraded `holidays` never moves a running case's deadlines.
    # Snapshots recorded before they were carried use core/calendar_dk's computed days.
    holidays: tuple[date, ...] = ()
    holiday_years: tuple[int, ...] = ()

    @model_validator(mode="after")
    def _every_stage_has_a_deadline(self) -> "Policy":
        missing = [s.value for s in _DEADLINE_STAGES if s not in self.deadlines]
        if missing:
            raise ValueError(f"deadlines: missing {', '.join(missing)}")
        ZoneInfo(self.timezone)
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def off(self) -> Holidays:
        """The holidays working-day deadlines skip."""
        return carried(self.holidays, self.holiday_years)


class PolicyBook(BaseModel):
    """All municipalities' policies as read from one file."""

    model_config = ConfigDict(frozen=True)

    default: dict[str, Any]
    municipalities: dict[str, dict[str, Any]] = {}
    served: tuple[str, ...] = ()

    @property
    def served_municipalities(self) -> frozenset[str]:
        """The municipalities whose cases and openings the door takes (the `served` list and
        every municipality with a table); empty when the file names none: no limit."""
        return frozenset(self.served) | frozenset(self.municipalities)

    def for_municipality(self, municipality: str) -> Policy:
        override = self.municipalities.get(municipality, {})
        merged = _merge(self.default, override)
        name = municipality if municipality in self.municipalities else "default"
        merged["name"] = name
        digest = hashlib.sha256(json.dumps(merged, sort_keys=True).encode()).hexdigest()
        merged["version"] = f"{name}@{digest[:12]}"
        return Policy.model_validate(merged)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged

"""Policy files, events and case ids, built the way the case system and operators
write them (the workflow tests, the recorders, the scripts)."""


from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from core.case.events import Event
from core.intake import parse_event
from core.policy import Policy
from infrastructure.policy_file import load_policy_book
from testkit.paths import TESTS
from testkit.samples import (
    CPH,
    MUNICIPALITY,
    POLICIES,
    valid_data,
)

DEFAULT_POLICY = POLICIES / "default.toml"
HISTORIES = TESTS / "histories"


# --- policies --------------------------------------------------------------------------

SECONDS_POLICY: dict[str, Any] = {
    "JOB_GOAL_TALK": "100 seconds",
    "CV_READINESS": "200 seconds",
    "HANDOVER": "150 seconds",
    "MATCHING": "300 seconds",
    "match_response": "120 seconds",
    "handover_window": "4 weeks",
    "max_pause": "12 weeks",
    "after_care": ["1 weeks", "4 weeks", "12 weeks"],
    "level_2_after": "50 seconds",
    "level_3_after": "60 seconds",
    "repeat_after": "500 seconds",
}


def write_policy(folder: Path, **overrides: Any) -> Path:
    """A small one-policy TOML file under `folder`: second-scale deadlines (SECONDS_POLICY)
    unless `overrides` say otherwise; returns its path."""
    values = {**SECONDS_POLICY, **overrides}

    def q(text: str) -> str:
        return f'"{text}"'

    after_care = ", ".join(q(d) for d in values["after_care"])
    text = f"""
[default]
timezone = "Europe/Copenhagen"
match_response = {q(values["match_response"])}
handover_window = {q(values["handover_window"])}
max_pause = {q(values["max_pause"])}
after_care = [{after_care}]

[default.deadlines]
JOB_GOAL_TALK = {q(values["JOB_GOAL_TALK"])}
CV_READINESS = {q(values["CV_READINESS"])}
HANDOVER = {q(values["HANDOVER"])}
MATCHING = {q(values["MATCHING"])}

[default.ladder]
level_2_after = {q(values["level_2_after"])}
level_3_after = {q(values["level_3_after"])}
repeat_after = {q(values["repeat_after"])}

[default.roles]
company_service_team = "virksomhedsservice"
sick_leave_team_lead = "teamleder-sygedagpenge"
sick_leave_department_head = "afdelingsleder-sygedagpenge"
company_service_team_lead = "teamleder-virksomhedsservice"
company_service_department_head = "afdelingsleder-virksomhedsservice"
"""
    path = folder / f"policy-{uuid.uuid4().hex[:8]}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def history_files() -> list[Path]:
    """The recorded workflow histories (tests/histories/<version>/<scenario>.json)."""
    return sorted(HISTORIES.glob("**/*.json"))


def load_policy(path: Path, municipality: str = MUNICIPALITY) -> Policy:
    return load_policy_book(path).for_municipality(municipality)


# --- events ----------------------------------------------------------------------------


def build_event(case_id: str, event_id: str, kind: str, at: datetime, /, **data: Any) -> Event:
    """An event as the case system sends it, through the same intake as production."""
    local = at.astimezone(CPH).replace(microsecond=0)
    return parse_event(
        {
            "event_id": event_id,
            "case_id": case_id,
            "type": kind,
            "occurred_at": local.isoformat(),
            "data": {**valid_data(kind, local.date()), **data},
        }
    )


_NO_DIGITS = str.maketrans("0123456789", "ghijklmnop")


def new_case_id(prefix: str = "K-2026") -> str:
    # Letters only: ten random hex digits can form a CPR-like number and be refused.
    return f"{prefix}-{uuid.uuid4().hex[:10].translate(_NO_DIGITS)}"

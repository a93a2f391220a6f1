"""The board's words for stages, events, messages and delivery states: English message ids,
translated by the catalogues in board/locale (Danish by default). Only these tables and
the templates hold texts people read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

Gettext = Callable[[str], str]


def N_(text: str) -> str:
    """Marks a text for the catalogue; it is translated where it is shown."""
    return text


STAGES = {
    "JOB_GOAL_TALK": N_("Job-goal talk"),
    "CV_READINESS": N_("CV readiness"),
    "HANDOVER": N_("Handover"),
    "MATCHING": N_("Matching"),
    "PLACEMENT": N_("Placement and after-care"),
    "CLOSED": N_("Closed"),
}

WAITS_FOR = {
    "JOB_GOAL_TALK": N_("the early job-goal talk"),
    "CV_READINESS": N_("a complete CV and the handover window"),
    "HANDOVER": N_("the company service to accept the handover"),
    "MATCHING": N_("a match with an employer"),
    "PLACEMENT": N_("after-care follow-up"),
    "CLOSED": N_("nothing"),
}

LEVELS = {
    0: N_("none"),
    1: N_("level 1: the caseworker"),
    2: N_("level 2: the team lead"),
    3: N_("level 3: the department head"),
}

MESSAGE_KINDS = {
    "escalation": N_("Escalation"),
    "handover_requested": N_("Handover requested"),
    "handover_rejected": N_("Handover rejected"),
    "wage_talk": N_("Wage talk"),
    "early_warning": N_("Early warning"),
    "match_proposed": N_("Match proposed"),
    "digest": N_("Daily digest"),
    "statutory_escalation": N_("Statutory follow-up escalation"),
}

DELIVERY = {
    "pending": N_("waiting to be sent"),
    "delivered": N_("delivered"),
    "failed": N_("failed"),
    "dead": N_("given up (dead letter)"),
    "pull": N_("waiting for the case system to fetch it"),
    "folded": N_("recorded, not sent (import)"),
}

OPENING_KINDS = {
    "recruitment": N_("recruitment request"),
    "internship": N_("company internship"),
    "wage_subsidy": N_("wage subsidy"),
    "small_job": N_("small job"),
    "flex_job": N_("flex job"),
}

OUTCOMES = {
    "employed": N_("employed"),
    "education": N_("education"),
    "flex_job": N_("flex job"),
    "small_job": N_("small job"),
    "back_to_sick_leave": N_("back to sick-leave benefit"),
    "moved": N_("moved"),
    "other": N_("other"),
}

# What each event says in the timeline. Fields named here are staff ids, dates or closed
# choices; free-text fields (reasons) are never shown: they may be about health.
EVENTS = {
    "case_opened": N_("Case opened; owner {owner}, team {team}"),
    "job_goal_talk_held": N_("Job-goal talk held"),
    "cv_updated": N_("CV updated"),
    "fit_for_work_expected": N_("Expected fit-for-work date set: {expected_on}"),
    "fit_for_work_declared": N_("Declared fit for work on {declared_on}"),
    "handover_accepted": N_("Handover accepted by the company service; consultant {consultant}"),
    "handover_rejected": N_("Handover rejected by the company service"),
    "match_proposed": N_("Match proposed: opening {opening_id}"),
    "match_declined": N_("Match declined: opening {opening_id}"),
    "placement_started": N_("Placement started on {started_on}"),
    "progression_scored": N_("Progression scored: {score} of 10"),
    "followup_held": N_("After-care follow-up held"),
    "owner_changed": N_("New owner: {owner}"),
    "deadline_moved": N_("Deadline moved to {new_deadline}"),
    "case_paused": N_("Case paused until review on {review_on}"),
    "case_resumed": N_("Case resumed"),
    "case_closed": N_("Case closed: {outcome}"),
    "statutory_talk_held": N_("Statutory follow-up talk held on {held_on}"),
    "reassessment_held": N_("Reassessment held on {held_on}"),
    "early_talk_requested": N_("Early talk requested on {requested_on}"),
}
SAFE_FIELDS = (
    "owner", "team", "expected_on", "declared_on", "consultant", "opening_id", "started_on",
    "score", "new_deadline", "review_on", "held_on", "requested_on",
)  # fmt: skip


def word(table: Mapping[Any, str], key: Any, _: Gettext) -> str:
    """The translated word for `key`, or the key itself when the table has none."""
    text = table.get(key)
    return _(text) if text is not None else str(key)


def event_line(kind: str, data: Mapping[str, Any], _: Gettext) -> str:
    """One timeline line for an event, from its safe fields only."""
    template = EVENTS.get(kind)
    if template is None:
        return kind
    fields = {name: str(data.get(name, "–")) for name in SAFE_FIELDS}
    fields["outcome"] = word(OUTCOMES, data.get("outcome"), _)
    return _(template).format(**fields)


def stage_line(stage: str, _: Gettext) -> str:
    return _("Entered the stage {stage}").format(stage=word(STAGES, stage, _))


def escalated_line(level: int, _: Gettext) -> str:
    return _("The deadline passed: escalated to {level}").format(level=word(LEVELS, level, _))


def day(value: date | None) -> str:
    return value.isoformat() if value is not None else "–"

"""The what-if's words for a team lead: message kinds, recipient groups, changes."""

from __future__ import annotations

from reports.words import LEVEL_WORDS, days

KIND_WORDS = {
    "escalation": "Missed deadline",
    "handover_requested": "Handover requested",
    "handover_rejected": "Handover sent back",
    "wage_talk": "Time for the wage talk",
    "early_warning": "Early warning (score fell)",
    "statutory_escalation": "Statutory follow-up missed",
}
GROUP_WORDS = {
    "caseworker": "Sick-leave caseworker (own cases)",
    "consultant": "Company consultant (own cases)",
    "company_service_team": "Company service team (shared inbox)",
    "sick_leave_team_lead": "Sick-leave team lead",
    "sick_leave_department_head": "Sick-leave department head",
    "company_service_team_lead": "Company service team lead",
    "company_service_department_head": "Company service department head",
}
NO_STATUTORY = (
    "Statutory timeliness is not compared here: the law's escalations are counted with the "
    "messages above; the timeliness per team and month is in starter.py report."
)


def kind(name: str, level: int | None) -> str:
    words = KIND_WORDS.get(name, name)
    return f"{words}, level {LEVEL_WORDS[level]}" if level in LEVEL_WORDS else words


def group(name: str) -> str:
    return GROUP_WORDS.get(name, name)


def change(current: int, new: int) -> str:
    """A count's change from current to new, with its share when there was one before."""
    delta = new - current
    if delta == 0:
        return "same"
    sign = "+" if delta > 0 else "−"
    return f"{sign}{abs(delta)} ({sign}{abs(delta) / current:.0%})" if current else f"+{delta}"


def days_change(current: float | None, new: float | None) -> str:
    if current is None or new is None or current == new:
        return "same" if current == new else "–"
    sign = "+" if new > current else "−"
    return f"{sign}{days(abs(new - current))} days"

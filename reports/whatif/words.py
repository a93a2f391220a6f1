"""The what-if's words for a team lead: message kinds, recipient groups, changes."""

from __future__ import annotations

from reports.language import N_, say
from reports.words import LEVEL_WORDS, days, level

KIND_WORDS = {
    "escalation": N_("Missed deadline"),
    "handover_requested": N_("Handover requested"),
    "handover_rejected": N_("Handover sent back"),
    "wage_talk": N_("Time for the wage talk"),
    "early_warning": N_("Early warning (score fell)"),
    "statutory_escalation": N_("Statutory follow-up missed"),
}
GROUP_WORDS = {
    "caseworker": N_("Sick-leave caseworker (own cases)"),
    "consultant": N_("Company consultant (own cases)"),
    "company_service_team": N_("Company service team (shared inbox)"),
    "sick_leave_team_lead": N_("Sick-leave team lead"),
    "sick_leave_department_head": N_("Sick-leave department head"),
    "company_service_team_lead": N_("Company service team lead"),
    "company_service_department_head": N_("Company service department head"),
}
NO_STATUTORY = N_(
    "Statutory timeliness is not compared here: the law's escalations are counted with the "
    "messages above; the timeliness per team and month is in starter.py report."
)


def kind(lang: str, name: str, number: int | None) -> str:
    words = say(lang, KIND_WORDS.get(name, name))
    if number not in LEVEL_WORDS:
        return words
    return say(lang, "{kind}, level {level}", kind=words, level=level(lang, number))


def group(lang: str, name: str) -> str:
    return say(lang, GROUP_WORDS.get(name, name))


def change(lang: str, current: int, new: int) -> str:
    """A count's change from current to new, with its share when there was one before."""
    delta = new - current
    if delta == 0:
        return say(lang, "same")
    sign = "+" if delta > 0 else "−"
    return f"{sign}{abs(delta)} ({sign}{abs(delta) / current:.0%})" if current else f"+{delta}"


def days_change(lang: str, current: float | None, new: float | None) -> str:
    if current is None or new is None or current == new:
        return say(lang, "same") if current == new else "–"
    sign = "+" if new > current else "−"
    return say(lang, "{change} days", change=f"{sign}{days(abs(new - current))}")

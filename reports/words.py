"""The report's words and headline figures, for a team lead rather than an engineer.
English message ids, translated by reports.language (Danish by default)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from reports.data import ReportData
from reports.language import N_, code, say

# The report's plain English for codes; Danish shows the core's words (reports.language.code).
STAGE_WORDS = {
    "JOB_GOAL_TALK": "Job-goal talk",
    "CV_READINESS": "CV and fitness",
    "HANDOVER": "Waiting for the company service",
    "MATCHING": "Matching with an employer",
    "PLACEMENT": "In a job, with after-care",
    "OPENING": N_("Opening without candidates"),
    "CLOSED": "Closed",
}
DEPARTMENT_WORDS = {"sick_leave": "Sick-leave department", "company_service": "Company service"}
# The heatmap's rows: openings nobody answered are the company service's too, shown apart.
HEATMAP_ROWS = {
    "sick_leave": N_("Sick-leave department: cases"),
    "company_service": N_("Company service: cases"),
    "openings": N_("Company service: openings"),
}
LEVEL_WORDS = {
    1: N_("1: owner reminded"), 2: N_("2: team lead told"), 3: N_("3: department head told")
}  # fmt: skip
OUTCOME_WORDS = {
    "employed": "Employed",
    "education": "Education",
    "flex_job": "Flex job",
    "small_job": "Small job",
    "back_to_sick_leave": "Back on sick leave",
    "moved": "Moved away",
    "other": "Other",
}
OPENING_KIND_WORDS = {
    "recruitment": "recruitment", "internship": "internship", "wage_subsidy": "wage subsidy",
    "small_job": "small job", "flex_job": "flex job",
}  # fmt: skip


def stage(lang: str, name: str) -> str:
    return code(lang, name, STAGE_WORDS)


def department(lang: str, name: str) -> str:
    return code(lang, name, DEPARTMENT_WORDS)


def outcome(lang: str, name: str) -> str:
    return code(lang, name, OUTCOME_WORDS)


def level(lang: str, number: int) -> str:
    return say(lang, LEVEL_WORDS[number]) if number in LEVEL_WORDS else str(number)


def path(lang: str, text: str) -> str:
    steps = (stage(lang, s) for s in text.split(" > "))
    return " → ".join(steps) if text else say(lang, "(closed at once)")


# The age bands as the reporting views write them (after "n: ", which sorts them).
AGE_BANDS = (
    N_("under 4 weeks"), N_("1-3 months"), N_("3-6 months"), N_("6-12 months"), N_("over a year")
)  # fmt: skip


def age_band(lang: str, band: str) -> str:
    return say(lang, band.split(": ", 1)[-1])


def days(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


def gap(lang: str, lead: float | None) -> str:
    """A lead time in words: negative is before the fit-for-work date."""
    if lead is None:
        return say(lang, "no handovers yet")
    if lead == 0:
        return say(lang, "on the fit-for-work day")
    if lead < 0:
        return say(lang, "{days} days before the fit-for-work date", days=days(-lead))
    return say(lang, "{days} days after the fit-for-work date", days=days(lead))


def percent(part: int, whole: int) -> str:
    return "–" if not whole else f"{100 * part / whole:.0f}%"


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """Lower quartile, median, upper quartile (all three the value itself for one)."""
    if len(values) == 1:
        return values[0], values[0], values[0]
    low, mid, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, mid, high


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    note: str = ""


def headlines(data: ReportData) -> list[Headline]:
    lang, funnel = data.lang, dict(data.funnel)
    opened, employed = funnel.get("Case opened", 0), funnel.get("Employed at the end", 0)
    lead = data.lead_days
    early = sum(1 for d in lead if d < 0)
    missed = sum(r["n"] for r in data.escalations)
    by_dept = dict.fromkeys(DEPARTMENT_WORDS, 0)
    for r in data.escalations:
        by_dept["sick_leave" if r["department"] == "sick_leave" else "company_service"] += r["n"]
    open_now = sum(r["cases"] for r in data.open_cases)
    stalled = sum(r["stalled"] for r in data.open_cases)
    median_lead = statistics.median(lead) if lead else None
    return [
        Headline(
            say(lang, "Cases opened"),
            str(opened),
            say(
                lang,
                "{employed} of them employed so far ({share})",
                employed=employed,
                share=percent(employed, opened),
            ),
        ),
        Headline(
            say(lang, "Help started before the citizen was fit"),
            percent(early, len(lead)),
            say(
                lang,
                "{early} of {all} accepted handovers; typically {gap}",
                early=early,
                all=len(lead),
                gap=gap(lang, median_lead),
            ),
        ),
        Headline(
            say(lang, "Missed deadlines"),
            str(missed),
            " · ".join(f"{department(lang, k)} {v}" for k, v in by_dept.items()),
        ),
        Headline(
            say(lang, "Open cases today"),
            str(open_now),
            say(lang, "{stalled} stalled (department head told)", stalled=stalled),
        ),
    ]


TALK, REASSESSMENT = "talk", "reassessment"
# The kinds of the law's follow-up, as the timeliness view (migration 0007) names them.
STATUTORY_KINDS = {TALK: N_("follow-up talk"), REASSESSMENT: N_("reassessment")}


def statutory_kind(lang: str, kind: str) -> str:
    return say(lang, STATUTORY_KINDS[kind]) if kind in STATUTORY_KINDS else kind

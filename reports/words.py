"""The report's words and headline figures, for a team lead rather than an engineer."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from reports.data import ReportData

STAGE_WORDS = {
    "JOB_GOAL_TALK": "Job-goal talk",
    "CV_READINESS": "CV and fitness",
    "HANDOVER": "Waiting for the company service",
    "MATCHING": "Matching with an employer",
    "PLACEMENT": "In a job, with after-care",
    "OPENING": "Opening without candidates",
    "CLOSED": "Closed",
}
DEPARTMENT_WORDS = {"sick_leave": "Sick-leave department", "company_service": "Company service"}
# The heatmap's rows: openings nobody answered are the company service's too, shown apart.
HEATMAP_ROWS = {
    "sick_leave": "Sick-leave department: cases",
    "company_service": "Company service: cases",
    "openings": "Company service: openings",
}
LEVEL_WORDS = {1: "1: owner reminded", 2: "2: team lead told", 3: "3: department head told"}
OUTCOME_WORDS = {
    "employed": "Employed",
    "education": "Education",
    "flex_job": "Flex job",
    "small_job": "Small job",
    "back_to_sick_leave": "Back on sick leave",
    "moved": "Moved away",
    "other": "Other",
}


def stage(name: str) -> str:
    return STAGE_WORDS.get(name, name)


def path(text: str) -> str:
    return " → ".join(stage(s) for s in text.split(" > ")) if text else "(closed at once)"


def age_band(band: str) -> str:
    return band.split(": ", 1)[-1]


def days(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


def gap(lead: float | None) -> str:
    """A lead time in words: negative is before the fit-for-work date."""
    if lead is None:
        return "no handovers yet"
    if lead == 0:
        return "on the fit-for-work day"
    side = "before" if lead < 0 else "after"
    return f"{days(abs(lead))} days {side} the fit-for-work date"


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
    funnel = dict(data.funnel)
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
            "Cases opened",
            str(opened),
            f"{employed} of them employed so far ({percent(employed, opened)})",
        ),
        Headline(
            "Help started before the citizen was fit",
            percent(early, len(lead)),
            f"{early} of {len(lead)} accepted handovers; typically {gap(median_lead)}",
        ),
        Headline(
            "Missed deadlines",
            str(missed),
            " · ".join(f"{DEPARTMENT_WORDS[k]} {v}" for k, v in by_dept.items()),
        ),
        Headline("Open cases today", str(open_now), f"{stalled} stalled (department head told)"),
    ]

"""The report's tables, as plain rows of text: the terminal and the HTML show the same."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from reports.data import STAGES, ReportData
from reports.words import (
    DEPARTMENT_WORDS,
    LEVEL_WORDS,
    OUTCOME_WORDS,
    age_band,
    days,
    path,
    percent,
    quartiles,
    stage,
)


@dataclass(frozen=True)
class Table:
    title: str
    note: str
    headers: tuple[str, ...]
    rows: Sequence[Sequence[str]]


def time_in_stage(data: ReportData) -> Table:
    rows = []
    for name in STAGES:
        values = data.stage_days.get(name, [])
        if values:
            low, mid, high = quartiles(values)
            rows.append((stage(name), str(len(values)), days(mid), f"{days(low)}–{days(high)}"))
    return Table(
        "Time in each stage",
        "Stays that ended in the period. Typical = median; half of all stays lie in the range.",
        ("Stage", "Stays", "Typical days", "Middle half, days"),
        rows,
    )


def lead_time(data: ReportData) -> Table:
    lead = data.lead_days
    early = sum(1 for d in lead if d < 0)
    median = statistics.median(lead) if lead else None
    rows = [
        ("Handovers accepted in the period", str(len(lead))),
        ("Accepted before the citizen was fit", f"{early} ({percent(early, len(lead))})"),
        ("Typical days from fit-for-work date to acceptance", days(median)),
        ("Handed over in the period, not accepted yet", str(data.handovers_waiting)),
    ]
    return Table(
        "Handover lead time",
        "Negative days: the company service started before the citizen was fit (the aim).",
        ("", "Value"),
        rows,
    )


def escalations(data: ReportData) -> Table:
    rows = [
        (
            DEPARTMENT_WORDS.get(r["department"], r["department"]),
            stage(r["stage"]),
            LEVEL_WORDS.get(r["level"], str(r["level"])),
            str(r["escalations"]),
            str(r["cases"]),
        )
        for r in data.escalation_table
    ]
    return Table(
        "Missed deadlines by stage and level",
        "Deadlines that fell due in the period and passed without progress.",
        ("Department", "Stage", "Who was told", "Messages", "Cases"),
        rows,
    )


def funnel(data: ReportData) -> Table:
    total = data.funnel[0][1] if data.funnel else 0
    return Table(
        "From case opened to employed",
        "Cases opened in the period, and how far they have come so far.",
        ("Step", "Citizens", "Share of opened"),
        [(label, str(n), percent(n, total)) for label, n in data.funnel],
    )


def paths(data: ReportData) -> Table:
    rows = [
        (path(r["path"]), OUTCOME_WORDS.get(r["outcome"], r["outcome"]), str(r["cases"]))
        for r in data.paths
    ]
    return Table(
        "Which paths end in work",
        "Cases closed in the period: the stages they went through, and how they ended.",
        ("Path", "Outcome", "Cases"),
        rows,
    )


def open_cases(data: ReportData) -> Table:
    ordered = sorted(data.open_cases, key=lambda r: (STAGES.index(r["stage"]), r["age_band"]))
    columns = ("cases", "stalled", "paused")
    rows = [
        [stage(r["stage"]), age_band(r["age_band"]), *(str(r[c]) for c in columns)] for r in ordered
    ]
    return Table(
        "Open cases today, by stage and age",
        "Age: time since the case was opened. Stalled: the department head has been told.",
        ("Stage", "Age", "Cases", "Stalled", "Paused"),
        rows,
    )


def openings(data: ReportData) -> Table:
    rows = [
        (
            r["kind"].replace("_", " "),
            str(r["openings"]),
            str(r["proposed"]),
            f"{r['filled']} ({percent(r['filled'], r['openings'])})",
            days(r["median_days"]),
        )
        for r in data.openings
    ]
    return Table(
        "Company-service openings",
        "Openings registered in the period. Fill rate = filled of registered.",
        ("Kind", "Openings", "Got a candidate", "Filled", "Typical days to first candidate"),
        rows,
    )


def timeliness(data: ReportData) -> Table:
    rows = [
        (
            r["municipality"],
            r["team"],
            f"{r['month']:%b %Y}",
            r["kind"],
            str(r["due"]),
            f"{r['on_time']} ({percent(r['on_time'], r['due'])})",
            str(r["late"]),
            days(r["median_days_late"]),
            days(r["p90_days_late"]),
        )
        for r in data.timeliness
    ]
    return Table(
        "Timeliness of statutory follow-up",
        "Talks and reassessments the law wanted, by the month of their latest date; late: "
        "days past it, over the late ones (still open: until today).",
        (
            "Municipality",
            "Team",
            "Month",
            "Kind",
            "Due",
            "On time",
            "Late",
            "Median days late",
            "90% within days",
        ),
        rows,
    )


def statutory_overdue(data: ReportData) -> Table:
    rows = [
        (r["case_id"], r["municipality"], r["team"], r["owner"] or "–",
         r["rule"].replace("_", " "), f"{r['latest_on']:%d %b %Y}", str(r["days_overdue"]))
        for r in data.statutory_overdue
    ]  # fmt: skip
    return Table(
        "Open cases overdue on statutory follow-up",
        "Now, the 20 most overdue: a latest date passed, nothing held, the benefit running.",
        ("Case", "Municipality", "Team", "Owner", "Rule", "Latest date", "Days overdue"),
        rows,
    )


def all_tables(data: ReportData) -> list[Table]:
    makers = (
        time_in_stage,
        lead_time,
        escalations,
        funnel,
        paths,
        open_cases,
        openings,
        timeliness,
        statutory_overdue,
    )
    return [make(data) for make in makers]

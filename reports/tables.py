"""The report's tables, as plain rows of text: the terminal and the HTML show the same."""

from __future__ import annotations

import statistics
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.dates import format_date

from reports.data import STAGES, ReportData
from reports.language import N_, code, say
from reports.words import (
    OPENING_KIND_WORDS,
    age_band,
    days,
    department,
    level,
    outcome,
    path,
    percent,
    quartiles,
    stage,
    statutory_kind,
)


@dataclass(frozen=True)
class Table:
    title: str
    note: str
    headers: tuple[str, ...]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Heading:
    """A table's words (headings.toml, English message ids): title, note, column headers."""

    title: str
    note: str
    headers: tuple[str, ...]

    def table(self, lang: str, rows: Iterable[Sequence[str]], **values: object) -> Table:
        """The table of `rows` in `lang`, `values` filled into the note and the headers."""
        headers = tuple(say(lang, h, **values) if h else h for h in self.headers)
        note = say(lang, self.note, **values)
        return Table(say(lang, self.title), note, headers, list(rows))


def _headings() -> dict[str, Heading]:
    with HEADINGS_FILE.open("rb") as f:
        found = tomllib.load(f)
    return {name: Heading(t["title"], t["note"], tuple(t["headers"])) for name, t in found.items()}


HEADINGS_FILE = Path(__file__).with_name("headings.toml")
HEADINGS = _headings()


def time_in_stage(data: ReportData) -> Table:
    rows = []
    for name in STAGES:
        values = data.stage_days.get(name, [])
        if values:
            low, mid, high = quartiles(values)
            cells = (str(len(values)), days(mid), f"{days(low)}–{days(high)}")
            rows.append((stage(data.lang, name), *cells))
    return HEADINGS["time_in_stage"].table(data.lang, rows)


def lead_time(data: ReportData) -> Table:
    lead = data.lead_days
    early = sum(1 for d in lead if d < 0)
    median = statistics.median(lead) if lead else None
    rows = [
        (N_("Handovers accepted in the period"), str(len(lead))),
        (N_("Accepted before the citizen was fit"), f"{early} ({percent(early, len(lead))})"),
        (N_("Typical days from fit-for-work date to acceptance"), days(median)),
        (N_("Handed over in the period, not accepted yet"), str(data.handovers_waiting)),
    ]
    return HEADINGS["lead_time"].table(data.lang, ((say(data.lang, a), b) for a, b in rows))


def escalations(data: ReportData) -> Table:
    return HEADINGS["escalations"].table(
        data.lang,
        (
            (
                department(data.lang, r["department"]),
                stage(data.lang, r["stage"]),
                level(data.lang, r["level"]),
                str(r["escalations"]),
                str(r["cases"]),
            )
            for r in data.escalation_table
        ),
    )


def funnel(data: ReportData) -> Table:
    total = data.funnel[0][1] if data.funnel else 0
    return HEADINGS["funnel"].table(
        data.lang, ((say(data.lang, label), str(n), percent(n, total)) for label, n in data.funnel)
    )


def paths(data: ReportData) -> Table:
    lang = data.lang
    return HEADINGS["paths"].table(
        lang,
        ((path(lang, r["path"]), outcome(lang, r["outcome"]), str(r["cases"])) for r in data.paths),
    )


def open_cases(data: ReportData) -> Table:
    ordered = sorted(data.open_cases, key=lambda r: (STAGES.index(r["stage"]), r["age_band"]))
    columns = ("cases", "stalled", "paused")
    return HEADINGS["open_cases"].table(
        data.lang,
        (
            [
                stage(data.lang, r["stage"]),
                age_band(data.lang, r["age_band"]),
                *(str(r[c]) for c in columns),
            ]
            for r in ordered
        ),
    )


def openings(data: ReportData) -> Table:
    return HEADINGS["openings"].table(
        data.lang,
        (
            (
                code(data.lang, r["kind"], OPENING_KIND_WORDS),
                str(r["openings"]),
                str(r["proposed"]),
                f"{r['filled']} ({percent(r['filled'], r['openings'])})",
                days(r["median_days"]),
            )
            for r in data.openings
        ),
    )


def timeliness(data: ReportData) -> Table:
    lang = data.lang
    rows = [
        (
            r["municipality"],
            r["team"],
            format_date(r["month"], "MMM y", locale=lang),
            statutory_kind(lang, r["kind"]),
            str(r["due"]),
            f"{r['on_time']} ({percent(r['on_time'], r['due'])})",
            str(r["late"]),
            days(r["median_days_late"]),
            days(r["p90_days_late"]),
        )
        for r in data.timeliness
    ]
    return HEADINGS["timeliness"].table(lang, rows)


def statutory_overdue(data: ReportData) -> Table:
    lang = data.lang
    rows = [
        (r["case_id"], r["municipality"], r["team"], r["owner"] or "–",
         r["rule"].replace("_", " "), format_date(r["latest_on"], "dd MMM y", locale=lang),
         str(r["days_overdue"]))
        for r in data.statutory_overdue
    ]  # fmt: skip
    return HEADINGS["statutory_overdue"].table(lang, rows)


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

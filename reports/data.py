"""What a report shows, read from the reporting views (migration 0003) for one period and
optionally one municipality. Read-only: it needs DATABASE_URL, never Temporal.

Which rows a period holds: time in stage, stays that ended in it; lead time, handovers
accepted in it; escalations, deadlines that fell due in it; the funnel and the paths,
cases opened (paths: closed) in it; openings, those registered in it; statutory
timeliness (migration 0007), deadlines whose latest date fell in the period's months. Open
and overdue cases are as of now, whatever the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from babel.dates import format_date

from reports.language import DEFAULT, N_, say

TZ = ZoneInfo("Europe/Copenhagen")
STAGES = ("JOB_GOAL_TALK", "CV_READINESS", "HANDOVER", "MATCHING", "PLACEMENT")
FUNNEL = (
    ("opened", N_("Case opened")),
    ("reached_cv_readiness", N_("Job-goal talk held")),
    ("reached_handover", N_("Handed over to the company service")),
    ("reached_matching", N_("Accepted by the company service")),
    ("reached_placement", N_("Started in a job or placement")),
    ("employed", N_("Employed at the end")),
)


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive
    municipality: str | None = None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), TZ)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), TZ)

    @property
    def label(self) -> str:
        return self.label_in(DEFAULT)

    def label_in(self, lang: str) -> str:
        where = self.municipality or say(lang, "all municipalities")
        first, last = (format_date(d, "dd MMM y", locale=lang) for d in (self.first, self.last))
        return say(lang, "{where}, {first} to {last}", where=where, first=first, last=last)


@dataclass
class ReportData:
    period: Period
    lang: str = DEFAULT
    stage_days: dict[str, list[float]] = field(default_factory=dict)
    lead_days: list[int] = field(default_factory=list)
    handovers_waiting: int = 0
    escalations: list[dict[str, Any]] = field(default_factory=list)  # department, week, n
    escalation_table: list[dict[str, Any]] = field(default_factory=list)
    funnel: list[tuple[str, int]] = field(default_factory=list)
    paths: list[dict[str, Any]] = field(default_factory=list)
    open_cases: list[dict[str, Any]] = field(default_factory=list)
    openings: list[dict[str, Any]] = field(default_factory=list)
    # The law's follow-up (migration 0007): per municipality, team, month and kind; overdue now.
    timeliness: list[dict[str, Any]] = field(default_factory=list)
    statutory_overdue: list[dict[str, Any]] = field(default_factory=list)


# $1 start, $2 end, $3 municipality or NULL (all).
_WHERE = "($3::text IS NULL OR municipality = $3)"
_STAGE_DAYS = f"""
SELECT stage, days::float8 AS days FROM report_time_in_stage
WHERE left_at >= $1 AND left_at < $2 AND {_WHERE}
"""
_LEAD = f"""
SELECT lead_days FROM report_handover_lead_time
WHERE accepted_at >= $1 AND accepted_at < $2 AND lead_days IS NOT NULL AND {_WHERE}
"""
_WAITING = f"""
SELECT count(*) FROM report_handover_lead_time
WHERE accepted_at IS NULL AND first_handover_at >= $1 AND first_handover_at < $2 AND {_WHERE}
"""
_ESCALATION_WEEKS = f"""
SELECT CASE WHEN stage = 'OPENING' THEN 'openings' ELSE department END AS department,
       due_week AS week, count(*)::integer AS n
FROM report_escalation WHERE due_at >= $1 AND due_at < $2 AND {_WHERE}
GROUP BY 1, 2 ORDER BY 2, 1
"""
_ESCALATION_TABLE = f"""
SELECT department, stage, level, count(*)::integer AS escalations,
       count(DISTINCT coalesce(case_id, opening_id))::integer AS cases
FROM report_escalation WHERE due_at >= $1 AND due_at < $2 AND {_WHERE}
GROUP BY department, stage, level ORDER BY department DESC, stage, level
"""
_FUNNEL = f"""
SELECT count(*)::integer AS opened,
       (count(*) FILTER (WHERE reached_cv_readiness))::integer AS reached_cv_readiness,
       (count(*) FILTER (WHERE reached_handover))::integer AS reached_handover,
       (count(*) FILTER (WHERE reached_matching))::integer AS reached_matching,
       (count(*) FILTER (WHERE reached_placement))::integer AS reached_placement,
       (count(*) FILTER (WHERE employed))::integer AS employed
FROM report_case_path WHERE opened_at >= $1 AND opened_at < $2 AND {_WHERE}
"""
_PATHS = f"""
SELECT coalesce(path, '') AS path, outcome, count(*)::integer AS cases
FROM report_case_path WHERE closed_at >= $1 AND closed_at < $2 AND {_WHERE}
GROUP BY 1, 2 ORDER BY cases DESC, path, outcome LIMIT 12
"""
_OPEN = """
SELECT stage, age_band, sum(cases)::integer AS cases, sum(stalled)::integer AS stalled,
       sum(paused)::integer AS paused
FROM report_open_cases_by_stage_age WHERE ($1::text IS NULL OR municipality = $1)
GROUP BY stage, age_band ORDER BY age_band
"""
_OPENINGS = f"""
SELECT kind, count(*)::integer AS openings,
       (count(*) FILTER (WHERE first_proposal_at IS NOT NULL))::integer AS proposed,
       (count(*) FILTER (WHERE filled))::integer AS filled,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY days_to_first_proposal) AS median_days
FROM report_opening WHERE registered_at >= $1 AND registered_at < $2 AND {_WHERE}
GROUP BY kind ORDER BY kind
"""

# Deadlines whose latest date fell in the period's months, counted as of today.
_TIMELINESS = f"""
SELECT municipality, team, month, kind, due, on_time, late,
       median_days_late::float8 AS median_days_late, p90_days_late::float8 AS p90_days_late
FROM report_statutory_timeliness
WHERE month >= date_trunc('month', $1::timestamptz AT TIME ZONE 'Europe/Copenhagen')::date
  AND month < ($2::timestamptz AT TIME ZONE 'Europe/Copenhagen')::date AND {_WHERE}
ORDER BY municipality, team, month, kind
"""
_STATUTORY_OVERDUE = """
SELECT case_id, municipality, team, owner, rule, latest_on, days_overdue
FROM report_statutory_overdue WHERE ($1::text IS NULL OR municipality = $1)
ORDER BY days_overdue DESC, case_id, rule LIMIT 20
"""


async def load(conn: asyncpg.Connection, period: Period, lang: str = DEFAULT) -> ReportData:
    args = (period.start, period.end, period.municipality)
    data = ReportData(period, lang)
    for row in await conn.fetch(_STAGE_DAYS, *args):
        data.stage_days.setdefault(row["stage"], []).append(row["days"])
    data.lead_days = [row["lead_days"] for row in await conn.fetch(_LEAD, *args)]
    data.handovers_waiting = int(await conn.fetchval(_WAITING, *args))
    data.escalations = [dict(r) for r in await conn.fetch(_ESCALATION_WEEKS, *args)]
    data.escalation_table = [dict(r) for r in await conn.fetch(_ESCALATION_TABLE, *args)]
    counts = await conn.fetchrow(_FUNNEL, *args)
    data.funnel = [(label, int(counts[key])) for key, label in FUNNEL]
    data.paths = [dict(r) for r in await conn.fetch(_PATHS, *args)]
    data.open_cases = [dict(r) for r in await conn.fetch(_OPEN, period.municipality)]
    data.openings = [dict(r) for r in await conn.fetch(_OPENINGS, *args)]
    data.timeliness = [dict(r) for r in await conn.fetch(_TIMELINESS, *args)]
    overdue = await conn.fetch(_STATUTORY_OVERDUE, period.municipality)
    data.statutory_overdue = [dict(r) for r in overdue]
    return data

"""Trends for a lead's cases, from the report views (the same the report reads): time in
stage, handover lead time and escalations per week, each as a chart and a table."""

from __future__ import annotations

import asyncpg

from board.charts import Chart, bar_chart
from board.leads import Lead
from board.words import STAGES, Gettext, word

SEEN = "(p.team = ANY($1::text[]) OR p.stage = ANY($2::text[]))"
WEEKS = 12

TIME_IN_STAGE = f"""
SELECT t.stage, count(*)::integer AS visits,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY t.active_days)::numeric, 1)::float
           AS median_days
FROM report_time_in_stage t JOIN case_projection p ON p.case_id = t.case_id
WHERE {SEEN}
GROUP BY t.stage
"""

LEAD_TIME = f"""
SELECT date_trunc('week', h.accepted_on)::date AS week, count(*)::integer AS cases,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY h.lead_days)::numeric, 1)::float
           AS median_days
FROM report_handover_lead_time h JOIN case_projection p ON p.case_id = h.case_id
WHERE h.lead_days IS NOT NULL AND h.accepted_on >= current_date - {WEEKS * 7} AND {SEEN}
GROUP BY 1 ORDER BY 1
"""

ESCALATIONS = f"""
SELECT e.due_week AS week, count(*)::integer AS escalations
FROM report_escalation e JOIN case_projection p ON p.case_id = e.case_id
WHERE NOT e.reminder AND e.due_week >= current_date - {WEEKS * 7} AND {SEEN}
GROUP BY 1 ORDER BY 1
"""


async def trends(conn: asyncpg.Connection, lead: Lead, _: Gettext) -> list[Chart]:
    args = (list(lead.teams), list(lead.stages))
    order = list(STAGES)
    stages = sorted(await conn.fetch(TIME_IN_STAGE, *args), key=lambda r: order.index(r["stage"]))
    lead_time = await conn.fetch(LEAD_TIME, *args)
    escalations = await conn.fetch(ESCALATIONS, *args)
    week = _("week of {day}")
    return [
        bar_chart(
            "time-in-stage",
            _("Time in stage (median, active days)"),
            _("days"),
            [(word(STAGES, r["stage"], _), r["median_days"]) for r in stages],
        ),
        bar_chart(
            "handover-lead-time",
            _("Handover lead time: accepted minus fit-for-work date (median days per week)"),
            _("days"),
            [(week.format(day=r["week"].isoformat()), r["median_days"]) for r in lead_time],
        ),
        bar_chart(
            "escalations",
            _("Escalations per week"),
            _("escalations"),
            [(week.format(day=r["week"].isoformat()), r["escalations"]) for r in escalations],
        ),
    ]

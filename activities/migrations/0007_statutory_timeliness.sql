-- Timeliness of the law's follow-up ("rettidighed"): views over the logged case events of
-- the statutory types, a stable interface like the report views of 0003 (a later migration
-- may add columns at the end of a view, never rename, retype or drop one).
-- Counted as core/statutory/history.py counts (docs/statutory.md): against the law's own
-- dates, as the national figures are, not a municipality's stricter ones: the first talk by
-- the end of week 8 of absence (sick_listed_on + 55 days), the next 4 weeks (28 days) after
-- the last talk held, the reassessment by the end of week 22 (+ 153 days), an early talk 2
-- weeks (14 days) after each request. Statutory follow-up ends with the case's first
-- fit_for_work_declared or case_closed: facts logged after it count for nothing.
-- Only facts dated by as_of (and by the end of the benefit) count. A deadline fell due when
-- it was met, or when its latest date passed while the benefit ran. days_late: from the latest date to the day it was met or, while unmet,
-- to as_of (or the end of the benefit).

CREATE OR REPLACE FUNCTION report_statutory_due_as_of(as_of date)
RETURNS TABLE (
    case_id text, municipality text, team text, rule text, kind text, counted_from date,
    latest_on date, met_on date, on_time boolean, days_late integer, due_month date,
    benefit_ended_on date
)
LANGUAGE sql STABLE AS $$
WITH ended AS (
    SELECT DISTINCT ON (e.case_id) e.case_id, e.seq AS ended_seq,
           coalesce(e.data ->> 'declared_on', e.data ->> 'closed_on')::date AS ended_on
    FROM case_event e
    WHERE e.type IN ('fit_for_work_declared', 'case_closed')
    ORDER BY e.case_id, e.seq
),
cases AS (
    SELECT o.case_id, p.municipality, p.team, (o.data ->> 'sick_listed_on')::date AS sick_on,
           en.ended_seq, en.ended_on, least(as_of, en.ended_on) AS limit_on
    FROM case_event o
    JOIN case_projection p ON p.case_id = o.case_id
    LEFT JOIN ended en ON en.case_id = o.case_id
    WHERE o.type = 'case_opened'
),
facts AS (
    SELECT e.case_id, e.type,
           coalesce(e.data ->> 'held_on', e.data ->> 'requested_on')::date AS on_day
    FROM case_event e
    JOIN cases c ON c.case_id = e.case_id
    WHERE e.type IN ('statutory_talk_held', 'reassessment_held', 'early_talk_requested')
      AND (c.ended_seq IS NULL OR e.seq < c.ended_seq)
      AND coalesce(e.data ->> 'held_on', e.data ->> 'requested_on')::date <= c.limit_on
),
talks AS (
    SELECT DISTINCT f.case_id, f.on_day AS held_on FROM facts f
    WHERE f.type = 'statutory_talk_held'
),
candidates AS (
    SELECT c.case_id, 'first_talk' AS rule, c.sick_on AS counted_from,
           c.sick_on + 55 AS latest_on,
           (SELECT min(t.held_on) FROM talks t WHERE t.case_id = c.case_id) AS met_on
    FROM cases c
    UNION ALL
    SELECT t.case_id, 'followup_talk', t.held_on, t.held_on + 28,
           lead(t.held_on) OVER (PARTITION BY t.case_id ORDER BY t.held_on)
    FROM talks t
    UNION ALL
    SELECT c.case_id, 'reassessment', c.sick_on, c.sick_on + 153,
           (SELECT min(f.on_day) FROM facts f
            WHERE f.case_id = c.case_id AND f.type = 'reassessment_held')
    FROM cases c
    UNION ALL
    SELECT q.case_id, 'early_talk', q.on_day, q.on_day + 14,
           (SELECT min(t.held_on) FROM talks t
            WHERE t.case_id = q.case_id AND t.held_on >= q.on_day)
    FROM (SELECT DISTINCT f.case_id, f.on_day FROM facts f
          WHERE f.type = 'early_talk_requested') q
)
SELECT x.case_id, c.municipality, c.team, x.rule,
       CASE WHEN x.rule = 'reassessment' THEN 'reassessment' ELSE 'talk' END,
       x.counted_from, x.latest_on, x.met_on,
       coalesce(x.met_on <= x.latest_on, false),
       greatest(0, coalesce(x.met_on, c.limit_on) - x.latest_on),
       date_trunc('month', x.latest_on)::date,
       c.ended_on
FROM candidates x
JOIN cases c ON c.case_id = x.case_id
WHERE x.met_on IS NOT NULL OR x.latest_on < c.limit_on
$$;

CREATE OR REPLACE FUNCTION report_statutory_timeliness_as_of(as_of date)
RETURNS TABLE (
    municipality text, team text, month date, kind text, due integer, on_time integer,
    late integer, median_days_late numeric, p90_days_late numeric
)
LANGUAGE sql STABLE AS $$
SELECT d.municipality, d.team, d.due_month, d.kind,
       count(*)::integer,
       (count(*) FILTER (WHERE d.on_time))::integer,
       (count(*) FILTER (WHERE NOT d.on_time))::integer,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY d.days_late)
              FILTER (WHERE NOT d.on_time))::numeric, 2),
       round((percentile_cont(0.9) WITHIN GROUP (ORDER BY d.days_late)
              FILTER (WHERE NOT d.on_time))::numeric, 2)
FROM report_statutory_due_as_of(as_of) d
GROUP BY d.municipality, d.team, d.due_month, d.kind
$$;

-- One row per statutory deadline that fell due by today (in Copenhagen).
CREATE OR REPLACE VIEW report_statutory_due AS
SELECT * FROM report_statutory_due_as_of((now() AT TIME ZONE 'Europe/Copenhagen')::date);

-- Per municipality, team, month (of the latest date) and kind (talk, reassessment).
CREATE OR REPLACE VIEW report_statutory_timeliness AS
SELECT * FROM report_statutory_timeliness_as_of((now() AT TIME ZONE 'Europe/Copenhagen')::date);

-- Open cases overdue now: a statutory deadline passed, not met, the benefit still running.
CREATE OR REPLACE VIEW report_statutory_overdue AS
SELECT d.case_id, d.municipality, d.team, p.owner, d.rule, d.latest_on,
       d.days_late AS days_overdue
FROM report_statutory_due d
JOIN case_projection p ON p.case_id = d.case_id
WHERE d.met_on IS NULL AND d.benefit_ended_on IS NULL AND p.stage <> 'CLOSED';

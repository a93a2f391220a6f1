-- Reports for team leads: views over the event log, the projection and the outbox.
-- They are a stable interface for BI tools (README, "Reports for team leads"): a later
-- migration may add columns at the end of a view, never rename, retype or drop one.
-- Times are business times (the case system's occurred_at); days and weeks are counted in
-- Europe/Copenhagen, where every job centre is.

-- The stages a case entered, in order, with their business times: written by the store
-- activity from the pure core's stage log (CaseState.stages).
ALTER TABLE case_projection ADD COLUMN IF NOT EXISTS stages jsonb NOT NULL DEFAULT '[]'::jsonb;

-- Which department owns the deadline of a stage. HANDOVER is the company service's: the
-- receiver must accept (both departments are told, but the deadline is the receiver's).
CREATE OR REPLACE FUNCTION report_department(stage text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN stage IN ('JOB_GOAL_TALK', 'CV_READINESS') THEN 'sick_leave'
        WHEN stage IN ('HANDOVER', 'MATCHING', 'PLACEMENT', 'OPENING') THEN 'company_service'
    END
$$;

-- Age bands of open cases, in words, with a number to sort them by.
CREATE OR REPLACE FUNCTION report_age_band(age interval) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN age <= interval '28 days' THEN '1: under 4 weeks'
        WHEN age <= interval '91 days' THEN '2: 1-3 months'
        WHEN age <= interval '182 days' THEN '3: 3-6 months'
        WHEN age <= interval '365 days' THEN '4: 6-12 months'
        ELSE '5: over a year'
    END
$$;

CREATE OR REPLACE FUNCTION report_days(span interval) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT round(extract(epoch FROM span) / 86400, 2)
$$;

-- One row per stage a case entered (CLOSED included): step = order in the case, visit =
-- the how-manyth time in this stage (a rejected handover makes a second CV_READINESS).
CREATE OR REPLACE VIEW report_stage_log AS
WITH visits AS (
    SELECT p.case_id, p.municipality, v.ord::integer AS step, v.visit ->> 'stage' AS stage,
           (v.visit ->> 'entered_at')::timestamptz AS entered_at
    FROM case_projection p
    CROSS JOIN LATERAL jsonb_array_elements(p.stages) WITH ORDINALITY AS v (visit, ord)
    UNION ALL
    -- Cases opened before the stage log was kept: only their current stage is known.
    SELECT p.case_id, p.municipality, 1, p.stage, p.stage_entered_at
    FROM case_projection p
    WHERE p.stages = '[]'::jsonb AND p.stage_entered_at IS NOT NULL
)
SELECT case_id, municipality, step, stage, report_department(stage) AS department,
       (row_number() OVER (PARTITION BY case_id, stage ORDER BY step))::integer AS visit,
       entered_at,
       lead(entered_at) OVER by_case AS left_at,
       lead(stage) OVER by_case AS next_stage
FROM visits
WINDOW by_case AS (PARTITION BY case_id ORDER BY step);

-- One row per accepted pause: it ends with case_resumed or when the case enters another
-- stage (entering a stage ends a pause); resumed_at is NULL while it lasts.
CREATE OR REPLACE VIEW report_pause AS
SELECT e.case_id, e.occurred_at AS paused_at, (e.data ->> 'review_on')::date AS review_on,
       (SELECT min(t) FROM (
            SELECT r.occurred_at FROM case_event r
            WHERE r.case_id = e.case_id AND r.type = 'case_resumed' AND r.seq > e.seq
            UNION ALL
            SELECT s.entered_at FROM report_stage_log s
            WHERE s.case_id = e.case_id AND s.entered_at > e.occurred_at
        ) AS ends (t)) AS resumed_at
FROM case_event e
WHERE e.type = 'case_paused';

-- Time in each stage, per visit (CLOSED left out). A visit still going counts until now.
-- days = calendar time in the stage; paused_days = the part of it the case was paused;
-- active_days = days - paused_days.
CREATE OR REPLACE VIEW report_time_in_stage AS
SELECT s.case_id, s.municipality, s.stage, s.department, s.visit, s.entered_at, s.left_at,
       s.next_stage, s.left_at IS NULL AS still_in_stage,
       report_days(coalesce(s.left_at, now()) - s.entered_at) AS days,
       report_days(coalesce(pz.paused, interval '0')) AS paused_days,
       report_days(coalesce(s.left_at, now()) - s.entered_at - coalesce(pz.paused, interval '0'))
           AS active_days
FROM report_stage_log s
LEFT JOIN LATERAL (
    SELECT sum(least(coalesce(x.resumed_at, now()), coalesce(s.left_at, now()))
               - greatest(x.paused_at, s.entered_at)) AS paused
    FROM report_pause x
    WHERE x.case_id = s.case_id
      AND x.paused_at < coalesce(s.left_at, now())
      AND coalesce(x.resumed_at, now()) > s.entered_at
) pz ON true
WHERE s.stage <> 'CLOSED';

-- One row per case that was handed over at least once. lead_days = the day the company
-- service accepted minus the fit-for-work date (declared, else the latest expected):
-- negative means help started before the citizen was fit, which is the aim.
CREATE OR REPLACE VIEW report_handover_lead_time AS
SELECT p.case_id, p.municipality, h.first_handover_at, h.handovers,
       (SELECT count(*) FROM case_event r
        WHERE r.case_id = p.case_id AND r.type = 'handover_rejected')::integer AS rejections,
       a.accepted_at,
       (a.accepted_at AT TIME ZONE 'Europe/Copenhagen')::date AS accepted_on,
       coalesce(p.declared_fit_on, p.expected_fit_for_work_on) AS fit_for_work_on,
       CASE WHEN p.declared_fit_on IS NOT NULL THEN 'declared'
            WHEN p.expected_fit_for_work_on IS NOT NULL THEN 'expected' END AS fit_basis,
       (a.accepted_at AT TIME ZONE 'Europe/Copenhagen')::date
           - coalesce(p.declared_fit_on, p.expected_fit_for_work_on) AS lead_days
FROM case_projection p
JOIN LATERAL (
    SELECT min(s.entered_at) AS first_handover_at, count(*)::integer AS handovers
    FROM report_stage_log s WHERE s.case_id = p.case_id AND s.stage = 'HANDOVER'
) h ON h.handovers > 0
LEFT JOIN LATERAL (
    SELECT min(e.occurred_at) AS accepted_at FROM case_event e
    WHERE e.case_id = p.case_id AND e.type = 'handover_accepted'
) a ON true;

-- One row per escalation message: cases (owner, team lead, department head, and the
-- level-3 reminders) and openings nobody answered by the candidates-by day (stage OPENING).
CREATE OR REPLACE VIEW report_escalation AS
SELECT o.message_key, o.case_id, NULL::text AS opening_id, p.municipality, o.stage,
       report_department(o.stage) AS department, o.level,
       o.message_key ~ '/[0-9]+r[0-9]+$' AS reminder, o.due_at,
       (o.due_at AT TIME ZONE 'Europe/Copenhagen')::date AS due_on,
       date_trunc('week', o.due_at AT TIME ZONE 'Europe/Copenhagen')::date AS due_week,
       date_trunc('month', o.due_at AT TIME ZONE 'Europe/Copenhagen')::date AS due_month
FROM outbox o
JOIN case_projection p ON p.case_id = o.case_id
WHERE o.kind = 'escalation'
UNION ALL
SELECT o.message_key, NULL, o.opening_id, op.municipality, 'OPENING', 'company_service',
       o.level, false, o.due_at,
       (o.due_at AT TIME ZONE 'Europe/Copenhagen')::date,
       date_trunc('week', o.due_at AT TIME ZONE 'Europe/Copenhagen')::date,
       date_trunc('month', o.due_at AT TIME ZONE 'Europe/Copenhagen')::date
FROM outbox o
JOIN opening_projection op ON op.opening_id = o.opening_id
WHERE o.kind = 'opening_escalation';

CREATE OR REPLACE VIEW report_escalations_monthly AS
SELECT municipality, due_month AS month, department, stage, level,
       count(*)::integer AS escalations,
       (count(*) FILTER (WHERE reminder))::integer AS reminders,
       count(DISTINCT coalesce(case_id, opening_id))::integer AS cases_or_openings
FROM report_escalation
GROUP BY municipality, due_month, department, stage, level;

-- One row per case: the path it took (stages in order, CLOSED left out), how far it got,
-- how it ended, and the kind of opening it was placed in.
CREATE OR REPLACE VIEW report_case_path AS
SELECT p.case_id, p.municipality, p.opened_at, p.closed_at, p.stage AS current_stage,
       p.outcome, sl.path, sl.handovers,
       (SELECT count(*) FROM case_event r
        WHERE r.case_id = p.case_id AND r.type = 'handover_rejected')::integer
           AS handover_rejections,
       pk.kind AS placement_kind,
       coalesce(sl.reached_cv_readiness, false) AS reached_cv_readiness,
       coalesce(sl.reached_handover, false) AS reached_handover,
       coalesce(sl.reached_matching, false) AS reached_matching,
       coalesce(sl.reached_placement, false) AS reached_placement,
       coalesce(p.outcome = 'employed', false) AS employed
FROM case_projection p
LEFT JOIN LATERAL (
    SELECT string_agg(s.stage, ' > ' ORDER BY s.step) FILTER (WHERE s.stage <> 'CLOSED') AS path,
           (count(*) FILTER (WHERE s.stage = 'HANDOVER'))::integer AS handovers,
           bool_or(s.stage IN ('CV_READINESS', 'HANDOVER', 'MATCHING', 'PLACEMENT'))
               AS reached_cv_readiness,
           bool_or(s.stage IN ('HANDOVER', 'MATCHING', 'PLACEMENT')) AS reached_handover,
           bool_or(s.stage IN ('MATCHING', 'PLACEMENT')) AS reached_matching,
           bool_or(s.stage = 'PLACEMENT') AS reached_placement
    FROM report_stage_log s WHERE s.case_id = p.case_id
) sl ON true
LEFT JOIN LATERAL (
    SELECT m.data ->> 'kind' AS kind
    FROM case_event ps
    JOIN case_event m ON m.case_id = ps.case_id AND m.type = 'match_proposed'
        AND m.data ->> 'opening_id' = ps.data ->> 'opening_id'
    WHERE ps.case_id = p.case_id AND ps.type = 'placement_started'
    ORDER BY m.seq DESC LIMIT 1
) pk ON true
WHERE p.opened_at IS NOT NULL;

CREATE OR REPLACE VIEW report_outcomes_by_path AS
SELECT municipality,
       date_trunc('month', closed_at AT TIME ZONE 'Europe/Copenhagen')::date AS closed_month,
       coalesce(path, '') AS path, placement_kind, outcome, count(*)::integer AS cases
FROM report_case_path
WHERE outcome IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;

-- Cases open now, with their age (since opened) and time in the current stage.
CREATE OR REPLACE VIEW report_open_cases AS
SELECT case_id, municipality, stage, department, owner, team,
       report_days(now() - stage_entered_at) AS days_in_stage,
       report_days(now() - opened_at) AS days_open,
       report_age_band(now() - opened_at) AS age_band,
       escalation_level, stalled, paused, deadline
FROM case_projection
WHERE stage <> 'CLOSED' AND opened_at IS NOT NULL;

CREATE OR REPLACE VIEW report_open_cases_by_stage_age AS
SELECT municipality, stage, age_band, count(*)::integer AS cases,
       (count(*) FILTER (WHERE stalled))::integer AS stalled,
       (count(*) FILTER (WHERE paused))::integer AS paused
FROM report_open_cases
GROUP BY municipality, stage, age_band;

CREATE INDEX IF NOT EXISTS case_event_proposal
    ON case_event ((data ->> 'opening_id')) WHERE type = 'match_proposed';

-- One row per opening: when it was registered, when a candidate was first proposed, how
-- it ended. filled = a placement, or the company service reported it filled.
CREATE OR REPLACE VIEW report_opening AS
SELECT o.opening_id, o.municipality, o.kind, o.status, o.registered_at, o.candidates_by,
       o.proposals, f.first_proposal_at,
       report_days(f.first_proposal_at - o.registered_at) AS days_to_first_proposal,
       o.status = 'FILLED' AS filled,
       CASE WHEN o.status IN ('FILLED', 'WITHDRAWN') THEN o.closed_at END AS closed_at,
       EXISTS (SELECT 1 FROM outbox x
               WHERE x.opening_id = o.opening_id AND x.kind = 'opening_escalation') AS escalated
FROM opening_projection o
LEFT JOIN LATERAL (
    -- Proposals are case events (the opening hears of them but logs only its own).
    SELECT min(e.occurred_at) AS first_proposal_at FROM case_event e
    WHERE e.type = 'match_proposed' AND e.data ->> 'opening_id' = o.opening_id
) f ON true;

-- fill_rate = filled / registered, per municipality, kind and month of registration.
CREATE OR REPLACE VIEW report_opening_fill_rate AS
SELECT municipality, kind,
       date_trunc('month', registered_at AT TIME ZONE 'Europe/Copenhagen')::date
           AS registered_month,
       count(*)::integer AS openings,
       (count(*) FILTER (WHERE first_proposal_at IS NOT NULL))::integer AS proposed,
       (count(*) FILTER (WHERE filled))::integer AS filled,
       (count(*) FILTER (WHERE status = 'WITHDRAWN'))::integer AS withdrawn,
       (count(*) FILTER (WHERE status IN ('OPEN', 'PROPOSED')))::integer AS still_open,
       round((count(*) FILTER (WHERE filled))::numeric / count(*), 3) AS fill_rate,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY days_to_first_proposal)::numeric, 2)
           AS median_days_to_first_proposal
FROM report_opening
GROUP BY 1, 2, 3;

-- Event log, case projection, outbox and refusals for the case workflow.
-- Every write into these tables is idempotent: see the key named on each table.

-- Append-only log of accepted events. Key: (case_id, event_id); the workflow dedupes
-- first, the key makes retried and replayed activity attempts harmless.
CREATE TABLE IF NOT EXISTS case_event (
    case_id      text        NOT NULL,
    event_id     text        NOT NULL,
    seq          integer     NOT NULL,            -- order the workflow applied it in
    type         text        NOT NULL,
    occurred_at  timestamptz NOT NULL,            -- business time, from the case system
    applied_at   timestamptz NOT NULL,            -- workflow time when applied
    data         jsonb       NOT NULL,
    logged_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, event_id)
);
CREATE INDEX IF NOT EXISTS case_event_occurred ON case_event (occurred_at);

-- Read model of each case: what reporting and matching read. Key: case_id; a write
-- only wins when its version is newer, so an old retried attempt never rolls it back.
CREATE TABLE IF NOT EXISTS case_projection (
    case_id                  text        PRIMARY KEY,
    version                  integer     NOT NULL,
    municipality             text,
    stage                    text        NOT NULL,
    department               text,
    owner                    text,
    team                     text,
    consultant               text,
    deadline                 timestamptz,
    escalation_level         integer     NOT NULL DEFAULT 0,
    stalled                  boolean     NOT NULL DEFAULT false,
    paused                   boolean     NOT NULL DEFAULT false,
    review_on                date,
    outcome                  text,
    job_goals                jsonb       NOT NULL DEFAULT '[]'::jsonb,
    restrictions             jsonb       NOT NULL DEFAULT '[]'::jsonb,
    cv_complete              boolean     NOT NULL DEFAULT false,
    expected_fit_for_work_on date,
    declared_fit_on          date,
    opened_at                timestamptz,
    stage_entered_at         timestamptz,
    closed_at                timestamptz,
    policy_version           text,
    updated_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS case_projection_stage ON case_projection (stage, municipality);
CREATE INDEX IF NOT EXISTS case_projection_deadline ON case_projection (deadline) WHERE stage <> 'CLOSED';

-- Messages for the case system (reminders, escalations, handover notices, wage talks).
-- Key: message_key, e.g. '<case>/escalation/<deadline no>/<level>': written once whatever
-- retries, replays or worker crashes happen.
CREATE TABLE IF NOT EXISTS outbox (
    message_key  text        PRIMARY KEY,
    case_id      text        NOT NULL,
    kind         text        NOT NULL,
    stage        text        NOT NULL,
    level        integer,
    recipients   jsonb       NOT NULL,
    message      text        NOT NULL,
    due_at       timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_undelivered ON outbox (created_at) WHERE delivered_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_case ON outbox (case_id);

-- Events the process refused after they reached the case (schema refusals never get this
-- far: the door refuses them). Key: (case_id, event_id, delivery).
CREATE TABLE IF NOT EXISTS refused_event (
    case_id     text        NOT NULL,
    event_id    text        NOT NULL,
    delivery    text        NOT NULL,
    field       text        NOT NULL,
    reason      text        NOT NULL,
    refused_at  timestamptz NOT NULL,
    PRIMARY KEY (case_id, event_id, delivery)
);

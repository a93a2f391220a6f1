-- Openings from the company service, their event log, match suggestions; outbox rows may
-- now be about an opening instead of a case. Every write is idempotent: see each key.

-- Title similarity for matching (trusted extension: a database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Append-only log of accepted opening events. Key: (opening_id, event_id).
CREATE TABLE IF NOT EXISTS opening_event (
    opening_id   text        NOT NULL,
    event_id     text        NOT NULL,
    seq          integer     NOT NULL,
    type         text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    applied_at   timestamptz NOT NULL,
    data         jsonb       NOT NULL,
    logged_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (opening_id, event_id)
);

-- Read model of each opening: what matching reads. Key: opening_id, newer version wins.
CREATE TABLE IF NOT EXISTS opening_projection (
    opening_id            text        PRIMARY KEY,
    version               integer     NOT NULL,
    status                text        NOT NULL,    -- OPEN, PROPOSED, FILLED, WITHDRAWN
    kind                  text        NOT NULL,
    employer              text        NOT NULL,
    title                 text        NOT NULL,
    disco_code            text        NOT NULL,
    hours_per_week        double precision NOT NULL,
    municipality          text        NOT NULL,
    starts_on             date        NOT NULL,
    candidates_by         date        NOT NULL,
    requirements          jsonb       NOT NULL DEFAULT '[]'::jsonb,
    -- restrictions that rule a citizen out (core.matching.blocking_restrictions)
    blocked_restrictions  text[]      NOT NULL DEFAULT '{}',
    leads_to_paid_job     boolean,
    consultant            text,
    deadline              timestamptz,
    escalation_level      integer     NOT NULL DEFAULT 0,
    proposals             integer     NOT NULL DEFAULT 0,
    placed_case_id        text,
    registered_at         timestamptz,
    closed_at             timestamptz,
    policy_version        text,
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS opening_projection_open
    ON opening_projection (municipality) WHERE status IN ('OPEN', 'PROPOSED');

-- Matching one case against open openings scans only cases in MATCHING.
CREATE INDEX IF NOT EXISTS case_projection_matching
    ON case_projection (case_id) WHERE stage = 'MATCHING' AND NOT paused;

-- Every suggestion made, with its score and reasons. Key: (opening_id, case_id): a pair
-- is suggested once, whichever side (opening registered, case entered MATCHING) found it.
CREATE TABLE IF NOT EXISTS match_suggestion (
    opening_id    text        NOT NULL,
    case_id       text        NOT NULL,
    score         numeric(6, 2) NOT NULL,
    occupation    text        NOT NULL,             -- exact, group, title
    reasons       jsonb       NOT NULL,
    found_by      text        NOT NULL,             -- opening_registered, case_matching
    suggested_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (opening_id, case_id)
);
CREATE INDEX IF NOT EXISTS match_suggestion_case ON match_suggestion (case_id);

-- Outbox rows about an opening (its escalation) carry no case.
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS opening_id text;
ALTER TABLE outbox ALTER COLUMN case_id DROP NOT NULL;
CREATE INDEX IF NOT EXISTS outbox_opening ON outbox (opening_id) WHERE opening_id IS NOT NULL;

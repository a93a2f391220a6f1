-- The team leads' board (board/): its indexes and its access log.

-- The overview: a lead's open cases past their deadline, by team, oldest deadline first.
-- Cases seen through a department's stages use case_projection_stage.
CREATE INDEX IF NOT EXISTS board_case_team_deadline
    ON case_projection (team, deadline) WHERE stage <> 'CLOSED';
-- The live poll: when did anything last change (max of each, read from an index end).
CREATE INDEX IF NOT EXISTS board_case_updated ON case_projection (updated_at);
CREATE INDEX IF NOT EXISTS board_opening_updated ON opening_projection (updated_at);
CREATE INDEX IF NOT EXISTS board_outbox_delivered ON outbox (delivered_at);

-- Every case page view, with who viewed it: kept in the database (not only the log) so
-- a data protection request "who looked at this case" is one query. Append-only.
CREATE TABLE IF NOT EXISTS board_access_log (
    id         bigserial   PRIMARY KEY,
    viewed_at  timestamptz NOT NULL DEFAULT now(),
    viewer     text        NOT NULL,
    case_id    text        NOT NULL,
    allowed    boolean     NOT NULL,
    via        text        NOT NULL             -- oidc or dev
);
CREATE INDEX IF NOT EXISTS board_access_log_case ON board_access_log (case_id, viewed_at);
CREATE INDEX IF NOT EXISTS board_access_log_viewer ON board_access_log (viewer, viewed_at);

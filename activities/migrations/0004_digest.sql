-- The daily digest: one outbox row per team per day, keyed 'digest/<team>/<date>'. A
-- digest is about many cases of all stages, so it has no case and no stage.
ALTER TABLE outbox ALTER COLUMN stage DROP NOT NULL;
CREATE INDEX IF NOT EXISTS outbox_kind_created ON outbox (kind, created_at);

-- Delivering the outbox (service/relay): each row's delivery state, attempts and the
-- receiver's last answer, and the pull feed's order and acknowledgements.
--   state: pending (the relay sends it when next_attempt_at has come), delivered (a 2xx,
--   or acknowledged on the pull feed), failed (a 4xx that retrying cannot cure), dead
--   (dead-lettered after too many attempts or too long), pull (no webhook for it: it waits
--   for the pull feed's acknowledgement), folded (due before the receivers file's
--   fold_due_before: recorded, not sent, listed in the import summary named in
--   folded_into). failed and dead rows are kept for an operator.
-- next_attempt_at doubles as the relay's lease: a claim moves it past the send timeout, so
-- a relay killed mid-send leaves its rows to come back when the lease runs out.
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS state text NOT NULL DEFAULT 'pending';
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS next_attempt_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS last_attempt_at timestamptz;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS last_answer text;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS receiver text;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS acknowledged_at timestamptz;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS acknowledged_by text;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS folded_into text;
-- Routing for rows about no case or opening (an import summary names its municipality).
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS municipality text;
-- The writing transaction's id orders the pull feed: a reader is served only rows of
-- transactions older than every one still open, so a row committed late never appears
-- behind a cursor that already passed it.
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS txid xid8 NOT NULL DEFAULT pg_current_xact_id();

DO $$ BEGIN
    ALTER TABLE outbox ADD CONSTRAINT outbox_state_known
        CHECK (state IN ('pending', 'delivered', 'failed', 'dead', 'pull', 'folded'));
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- The relay's claim: due pending rows, oldest due first.
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';
-- The operator's list and the oldest-undelivered gauge.
CREATE INDEX IF NOT EXISTS outbox_open_state ON outbox (state, created_at) WHERE state <> 'delivered';
-- Folded rows not yet in a summary.
CREATE INDEX IF NOT EXISTS outbox_to_summarise ON outbox (created_at)
    WHERE state = 'folded' AND folded_into IS NULL;
-- The pull feed's stable order.
CREATE INDEX IF NOT EXISTS outbox_feed ON outbox (txid, message_key);

-- Hand-written (drizzle-kit does not know the partitioned spark_events, see 0001).
-- stored_at: when Postgres stored the event (the inserting transaction's now()), the rollups'
-- watermark. received_at is the edge's clock, set from the queue message: an event can sit in the
-- queue, its retries or the dead letters long after it, so a watermark on it would miss events.
-- Rows already stored take the migration's time, which is after every rollup so far (none).
ALTER TABLE "spark_events" ADD COLUMN "stored_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
-- On the parent: created on every partition, present and future.
CREATE INDEX "spark_events_stored_at_idx" ON "spark_events" ("stored_at");
--> statement-breakpoint
-- The rollup counts a function call once, at the first event that finished it: this finds the
-- earlier reports of a call without reading the whole session.
CREATE INDEX "spark_events_tool_call_idx" ON "spark_events" ("project_id", "session_id", ("payload"->>'call_id')) WHERE "kind" = 'tool';

-- Custom SQL migration: spark_events, partitioned by month on occurred_at (UTC months).
-- drizzle-kit cannot express partitioning; the typed pgTable lives in
-- db/schema-partitioned/events.ts and must be kept in sync with this file by hand.
-- There is deliberately NO default partition: an event for a month without a partition must
-- fail loudly (and land in dead_letters) so it can be replayed once the partition exists.
CREATE TABLE "spark_events" (
	"id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"project_id" uuid NOT NULL,
	"session_id" text NOT NULL,
	"source" text NOT NULL,
	"kind" text NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"trace_id" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	-- A unique key on a partitioned table must include the partition key: dedupe on (id, occurred_at).
	CONSTRAINT "spark_events_pkey" PRIMARY KEY ("id", "occurred_at"),
	CONSTRAINT "spark_events_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade,
	CONSTRAINT "spark_events_session_id_len" CHECK (char_length("session_id") <= 256),
	CONSTRAINT "spark_events_source_len" CHECK (char_length("source") <= 256)
) PARTITION BY RANGE ("occurred_at");
--> statement-breakpoint
-- Indexes on the parent are created on every partition, present and future.
CREATE INDEX "spark_events_project_occurred_idx" ON "spark_events" ("project_id", "occurred_at" DESC, "id" DESC);
--> statement-breakpoint
CREATE INDEX "spark_events_project_session_occurred_idx" ON "spark_events" ("project_id", "session_id", "occurred_at" DESC);
--> statement-breakpoint
CREATE INDEX "spark_events_project_type_occurred_idx" ON "spark_events" ("project_id", "type", "occurred_at" DESC);
--> statement-breakpoint
-- Creates monthly partitions spark_events_yYYYYmMM for `months` months starting at the month of
-- `from_month`; returns how many it created. Idempotent and safe to run concurrently (cron).
-- Bounds are UTC midnights whatever the session TimeZone is.
CREATE OR REPLACE FUNCTION "spark_ensure_event_partitions"(from_month date, months int)
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
	first_month date := date_trunc('month', from_month)::date;
	month_start date;
	part_name text;
	created int := 0;
BEGIN
	IF from_month IS NULL OR months IS NULL OR months < 0 OR months > 240 THEN
		RAISE EXCEPTION 'spark_ensure_event_partitions: bad arguments (from_month=%, months=%)', from_month, months;
	END IF;
	-- Serialise concurrent callers so "exists?" and "create" cannot race.
	PERFORM pg_advisory_xact_lock(hashtext('spark_ensure_event_partitions'));
	FOR i IN 0 .. months - 1 LOOP
		month_start := (first_month + make_interval(months => i))::date;
		part_name := format('spark_events_y%sm%s', to_char(month_start, 'YYYY'), to_char(month_start, 'MM'));
		IF NOT EXISTS (
			SELECT 1 FROM pg_inherits inh
			JOIN pg_class c ON c.oid = inh.inhrelid
			WHERE inh.inhparent = 'spark_events'::regclass AND c.relname = part_name
		) THEN
			EXECUTE format(
				'CREATE TABLE %I PARTITION OF spark_events FOR VALUES FROM (%L) TO (%L)',
				part_name,
				month_start::timestamp AT TIME ZONE 'UTC',
				(month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC'
			);
			created := created + 1;
		END IF;
	END LOOP;
	RETURN created;
END;
$$;
--> statement-breakpoint
-- The current and next UTC month; the partitions cron keeps creating months ahead.
SELECT "spark_ensure_event_partitions"((now() AT TIME ZONE 'UTC')::date, 2);

ALTER TABLE "dead_letters" ALTER COLUMN "body" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "dead_letters" ADD COLUMN "body_json" text;--> statement-breakpoint
ALTER TABLE "dead_letters" ADD CONSTRAINT "dead_letters_one_body" CHECK (("dead_letters"."body" is null) <> ("dead_letters"."body_json" is null));--> statement-breakpoint
-- Hand-written (drizzle-kit does not know the partitioned spark_events, see 0001): event ids are
-- unique per project, so another tenant cannot take an id (and ts) first and make yours vanish.
-- A unique key on a partitioned table must include the partition key. Rebuilds the key on
-- every partition.
ALTER TABLE "spark_events" DROP CONSTRAINT "spark_events_pkey";--> statement-breakpoint
ALTER TABLE "spark_events" ADD CONSTRAINT "spark_events_pkey" PRIMARY KEY ("project_id", "id", "occurred_at");

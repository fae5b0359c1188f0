-- Rollups filled by the rollup cron (workers/rollups.ts). The three tables were empty until now,
-- so their keys change in place: errors_daily counts calls and failures per tool, events_daily
-- counts per type and source, usage_daily gains the cost. rollup_watermarks says how far each
-- rollup has read. (Merged by hand from two drizzle-kit runs, so that no rename was guessed;
-- each ADD COLUMN comes before the key that uses it.)
CREATE TABLE "rollup_watermarks" (
	"name" text PRIMARY KEY NOT NULL,
	"stored_before" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
INSERT INTO "rollup_watermarks" ("name", "stored_before") VALUES ('events', '-infinity');--> statement-breakpoint
ALTER TABLE "usage_daily" ADD COLUMN "cost_usd" numeric DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "errors_daily" DROP CONSTRAINT "errors_daily_project_id_day_type_pk";--> statement-breakpoint
ALTER TABLE "errors_daily" DROP COLUMN "type";--> statement-breakpoint
ALTER TABLE "errors_daily" DROP COLUMN "count";--> statement-breakpoint
ALTER TABLE "errors_daily" DROP COLUMN "sample_error";--> statement-breakpoint
ALTER TABLE "errors_daily" ADD COLUMN "tool" text NOT NULL;--> statement-breakpoint
ALTER TABLE "errors_daily" ADD COLUMN "calls" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "errors_daily" ADD COLUMN "failures" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "errors_daily" ADD CONSTRAINT "errors_daily_project_id_day_tool_pk" PRIMARY KEY("project_id","day","tool");--> statement-breakpoint
ALTER TABLE "events_daily" DROP CONSTRAINT "events_daily_project_id_day_type_pk";--> statement-breakpoint
ALTER TABLE "events_daily" ADD COLUMN "source" text NOT NULL;--> statement-breakpoint
ALTER TABLE "events_daily" ADD CONSTRAINT "events_daily_project_id_day_type_source_pk" PRIMARY KEY("project_id","day","type","source");

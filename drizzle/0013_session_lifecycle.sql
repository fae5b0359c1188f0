ALTER TABLE "projects" ADD COLUMN "session_idle_minutes" integer DEFAULT 120 NOT NULL;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "max_active_sessions" integer DEFAULT 10 NOT NULL;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "max_sessions" integer DEFAULT 50 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "expiry_warned_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "sessions_expires_at_idx" ON "sessions" USING btree ("expires_at") WHERE "sessions"."expires_at" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_session_limits_positive" CHECK ("projects"."session_idle_minutes" > 0 AND "projects"."max_active_sessions" > 0 AND "projects"."max_sessions" > 0);
ALTER TABLE "snapshots" DROP CONSTRAINT "snapshots_session_id_sessions_id_fk";
--> statement-breakpoint
ALTER TABLE "snapshots" ALTER COLUMN "session_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE set null ON UPDATE no action;
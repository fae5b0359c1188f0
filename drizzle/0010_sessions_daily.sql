CREATE TABLE "sessions_daily" (
	"project_id" uuid NOT NULL,
	"day" date NOT NULL,
	"session_id" text NOT NULL,
	CONSTRAINT "sessions_daily_project_id_day_session_id_pk" PRIMARY KEY("project_id","day","session_id")
);
--> statement-breakpoint
ALTER TABLE "sessions_daily" ADD CONSTRAINT "sessions_daily_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;
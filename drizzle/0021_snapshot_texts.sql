CREATE TABLE "snapshot_texts" (
	"project_id" uuid NOT NULL,
	"sha256" text NOT NULL,
	"content" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "snapshot_texts_project_id_sha256_pk" PRIMARY KEY("project_id","sha256"),
	CONSTRAINT "snapshot_texts_sha256_hex" CHECK ("snapshot_texts"."sha256" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
ALTER TABLE "snapshot_texts" ADD CONSTRAINT "snapshot_texts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;
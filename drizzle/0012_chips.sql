ALTER TABLE "chips" DROP CONSTRAINT "chips_project_name_key";--> statement-breakpoint
ALTER TABLE "chip_evaluations" ADD COLUMN "params" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "chips" ADD COLUMN "chip_key" text NOT NULL;--> statement-breakpoint
ALTER TABLE "chips" ADD COLUMN "version" text NOT NULL;--> statement-breakpoint
ALTER TABLE "chips" ADD COLUMN "source" text NOT NULL;--> statement-breakpoint
ALTER TABLE "chips" ADD CONSTRAINT "chips_project_key_version_key" UNIQUE("project_id","chip_key","version");
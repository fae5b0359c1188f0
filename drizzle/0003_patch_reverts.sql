ALTER TABLE "patches" ADD COLUMN "revert_call_id" text;--> statement-breakpoint
CREATE INDEX "patches_revert_call_idx" ON "patches" USING btree ("revert_call_id");
DROP INDEX "audit_log_project_created_idx";--> statement-breakpoint
CREATE INDEX "audit_log_project_id_idx" ON "audit_log" USING btree ("project_id","id" DESC NULLS FIRST);
CREATE INDEX "assistant_messages_run_idx" ON "assistant_messages" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "oauth_grants_client_id_idx" ON "oauth_grants" USING btree ("client_id");
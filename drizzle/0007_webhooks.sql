-- No code wrote these tables before this migration (they were placeholders); clearing them lets the
-- new NOT NULL columns and the status enum apply without guessing values for rows that should not exist.
DELETE FROM "webhook_deliveries";--> statement-breakpoint
DELETE FROM "webhook_sources";--> statement-breakpoint
CREATE TYPE "public"."webhook_delivery_status" AS ENUM('received', 'accepted', 'rejected', 'failed');--> statement-breakpoint
CREATE TYPE "public"."webhook_provider" AS ENUM('github', 'gitlab', 'standard');--> statement-breakpoint
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_source_delivery_key";--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ALTER COLUMN "status" SET DATA TYPE "public"."webhook_delivery_status" USING "status"::"public"."webhook_delivery_status";--> statement-breakpoint
ALTER TABLE "webhook_sources" ALTER COLUMN "id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "claimed_id" text;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "delivery_key" text;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "event_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "body_bytes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "body" text;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "redeliveries" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_sources" ADD COLUMN "provider" "webhook_provider" NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_sources" ADD COLUMN "secret_sealed" text NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_sources" ADD COLUMN "previous_secret_sealed" text;--> statement-breakpoint
ALTER TABLE "webhook_sources" ADD COLUMN "previous_secret_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhook_sources" ADD COLUMN "created_by" uuid;--> statement-breakpoint
ALTER TABLE "webhook_sources" ADD COLUMN "rotated_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_source_delivery_key" ON "webhook_deliveries" USING btree ("source_id","delivery_key");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_source_received_idx" ON "webhook_deliveries" USING btree ("source_id","received_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "webhook_deliveries_received_with_body_idx" ON "webhook_deliveries" USING btree ("received_at") WHERE "webhook_deliveries"."body" is not null;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" DROP COLUMN "delivery_id";--> statement-breakpoint
ALTER TABLE "webhook_deliveries" DROP COLUMN "error";--> statement-breakpoint
ALTER TABLE "webhook_sources" DROP COLUMN "kind";--> statement-breakpoint
ALTER TABLE "webhook_sources" DROP COLUMN "secret";--> statement-breakpoint
ALTER TABLE "webhook_sources" DROP COLUMN "disabled_at";--> statement-breakpoint
DROP TYPE "public"."webhook_kind";
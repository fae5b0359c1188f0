// Inbound webhooks: a project's signed senders (sources) and every delivery received from them.
import { sql } from 'drizzle-orm';
import { index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_PROVIDERS } from '../../contracts/enums';
import { projectRef } from './columns';

export const webhookProvider = pgEnum('webhook_provider', WEBHOOK_PROVIDERS);
export const webhookDeliveryStatus = pgEnum('webhook_delivery_status', WEBHOOK_DELIVERY_STATUSES);

export const webhookSources = pgTable(
  'webhook_sources',
  {
    // Made by the edge before the insert: it binds the sealed secret to its row (AES-GCM AAD).
    id: uuid('id').primaryKey(),
    projectId: projectRef(),
    provider: webhookProvider('provider').notNull(),
    name: text('name').notNull(),
    // Verifying an HMAC needs the secret itself, so it is sealed (AES-256-GCM, edge/webhooks/secret-box.ts), never hashed.
    secretSealed: text('secret_sealed').notNull(),
    previousSecretSealed: text('previous_secret_sealed'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
    createdBy: uuid('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    rotatedAt: timestamp('rotated_at', { withTimezone: true }),
  },
  (t) => [index('webhook_sources_project_id_idx').on(t.projectId)],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => webhookSources.id, { onDelete: 'cascade' }),
    projectId: projectRef(),
    // The identity the sender claims (X-GitHub-Delivery, …), shown as received.
    claimedId: text('claimed_id'),
    // The same identity once the signature is verified: a redelivery hits the unique key. Rejected
    // deliveries leave it null, so a forged one can never take the id of a real one.
    deliveryKey: text('delivery_key'),
    eventType: text('event_type'),
    status: webhookDeliveryStatus('status').notNull(),
    reason: text('reason'),
    eventCount: integer('event_count').notNull().default(0),
    bodyBytes: integer('body_bytes').notNull().default(0),
    // Raw body as received (kept for replay; cleared after WEBHOOK_BODY_RETENTION_DAYS). Only
    // verified deliveries keep one: unsigned junk is not stored.
    body: text('body'),
    redeliveries: integer('redeliveries').notNull().default(0),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_source_delivery_key').on(t.sourceId, t.deliveryKey),
    index('webhook_deliveries_project_received_idx').on(t.projectId, t.receivedAt.desc().nullsFirst()),
    // listDeliveries: newest first (drizzle's bare desc() is NULLS LAST, which `order by … desc` cannot use).
    index('webhook_deliveries_source_received_idx').on(t.sourceId, t.receivedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('webhook_deliveries_received_with_body_idx').on(t.receivedAt).where(sql`${t.body} is not null`),
  ],
);

export type WebhookSource = typeof webhookSources.$inferSelect;
export type NewWebhookSource = typeof webhookSources.$inferInsert;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
export type NewWebhookDelivery = typeof webhookDeliveries.$inferInsert;

// Inbound webhooks: configured senders and the deliveries received from them.
import { index, pgEnum, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { WEBHOOK_KINDS } from '../../contracts/enums';
import { projectRef } from './columns';

export const webhookKind = pgEnum('webhook_kind', WEBHOOK_KINDS);

export type WebhookDeliveryStatus = 'accepted' | 'duplicate' | 'rejected' | 'failed';

export const webhookSources = pgTable(
  'webhook_sources',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: projectRef(),
    kind: webhookKind('kind').notNull(),
    name: text('name').notNull(),
    // HMAC secret, kept in clear because verifying a signature needs it.
    // Production should encrypt it at rest (e.g. AES-GCM with a key from a Worker secret).
    secret: text('secret').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
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
    // Sender's delivery id (e.g. X-GitHub-Delivery): a redelivery hits the unique key.
    deliveryId: text('delivery_id').notNull(),
    eventType: text('event_type'),
    status: text('status').$type<WebhookDeliveryStatus>().notNull(),
    error: text('error'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('webhook_deliveries_source_delivery_key').on(t.sourceId, t.deliveryId),
    index('webhook_deliveries_project_received_idx').on(t.projectId, t.receivedAt.desc().nullsFirst()),
  ],
);

export type WebhookSource = typeof webhookSources.$inferSelect;
export type NewWebhookSource = typeof webhookSources.$inferInsert;
export type WebhookKind = (typeof webhookKind.enumValues)[number];
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
export type NewWebhookDelivery = typeof webhookDeliveries.$inferInsert;

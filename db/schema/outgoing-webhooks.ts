// Outgoing webhooks: a project's receivers of digests, each delivery to one of them, and every
// attempt of a delivery (status code or error), so a receiver's failures can be read back.
import { index, integer, pgEnum, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { OUTGOING_DELIVERY_STATUSES } from '../../contracts/enums';
import { digests } from './chips';
import { projectRef } from './columns';

export const outgoingDeliveryStatus = pgEnum('outgoing_delivery_status', OUTGOING_DELIVERY_STATUSES);

export const outgoingWebhooks = pgTable(
  'outgoing_webhooks',
  {
    // Made by the edge before the insert: it binds the sealed secret to its row (AES-GCM AAD).
    id: uuid('id').primaryKey(),
    projectId: projectRef(),
    url: text('url').notNull(),
    // Signing needs the secret itself, so it is sealed (edge/webhooks/secret-box.ts), never hashed.
    secretSealed: text('secret_sealed').notNull(),
    createdBy: uuid('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('outgoing_webhooks_project_id_idx').on(t.projectId)],
);

export const digestDeliveries = pgTable(
  'digest_deliveries',
  {
    // Also the `webhook-id` of every attempt: a receiver can tell a retry from a new message.
    id: uuid('id').primaryKey().defaultRandom(),
    digestId: uuid('digest_id')
      .notNull()
      .references(() => digests.id, { onDelete: 'cascade' }),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => outgoingWebhooks.id, { onDelete: 'cascade' }),
    projectId: projectRef(),
    status: outgoingDeliveryStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    // When the next attempt is due (while pending); a sender claims a delivery by moving it ahead.
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).defaultNow(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    // One delivery of a digest per receiver, however often the digest is remade.
    unique('digest_deliveries_digest_webhook_key').on(t.digestId, t.webhookId),
    index('digest_deliveries_webhook_id_idx').on(t.webhookId),
    index('digest_deliveries_project_id_idx').on(t.projectId),
    index('digest_deliveries_due_idx').on(t.status, t.nextAttemptAt),
  ],
);

export const digestDeliveryAttempts = pgTable(
  'digest_delivery_attempts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => digestDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    // The receiver's answer, or null with `error` when there was none (refused, timed out).
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull().default(0),
  },
  (t) => [unique('digest_delivery_attempts_delivery_attempt_key').on(t.deliveryId, t.attempt)],
);

export type OutgoingWebhook = typeof outgoingWebhooks.$inferSelect;
export type NewOutgoingWebhook = typeof outgoingWebhooks.$inferInsert;
export type DigestDelivery = typeof digestDeliveries.$inferSelect;
export type DigestDeliveryAttempt = typeof digestDeliveryAttempts.$inferSelect;

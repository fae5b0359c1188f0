import { and, desc, eq, isNotNull, lt, sql } from 'drizzle-orm';
import type { WebhookDeliveryStatus } from '../../contracts/enums';
import { WEBHOOK_BODY_RETENTION_DAYS } from '../../contracts/webhooks';
import type { Db } from '../client';
import { webhookDeliveries, webhookSources, type NewWebhookSource, type WebhookDelivery } from '../schema';

export async function insertWebhookSource(db: Db, row: NewWebhookSource & { id: string }) {
  const rows = await db.insert(webhookSources).values(row).returning();
  return rows[0]!;
}

export async function listWebhookSources(db: Db, projectId: string) {
  return db.select().from(webhookSources).where(eq(webhookSources.projectId, projectId)).orderBy(desc(webhookSources.createdAt));
}

export async function findWebhookSource(db: Db, projectId: string, id: string) {
  const rows = await db
    .select()
    .from(webhookSources)
    .where(and(eq(webhookSources.projectId, projectId), eq(webhookSources.id, id)))
    .limit(1);
  return rows[0] ?? null;
}

/** A source by id alone: deliveries name only the source, the project comes from it. */
export async function findWebhookSourceById(db: Db, id: string) {
  const rows = await db.select().from(webhookSources).where(eq(webhookSources.id, id)).limit(1);
  return rows[0] ?? null;
}

/** Deletes a source (its deliveries go with it); whether there was one. */
export async function deleteWebhookSource(db: Db, projectId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(webhookSources)
    .where(and(eq(webhookSources.projectId, projectId), eq(webhookSources.id, id)))
    .returning({ id: webhookSources.id });
  return rows.length > 0;
}

/** Puts a new sealed secret in place; the current one becomes the previous, valid until `previousUntil`. */
export async function rotateWebhookSecret(db: Db, projectId: string, id: string, secretSealed: string, previousUntil: Date, now: Date) {
  const rows = await db
    .update(webhookSources)
    .set({
      previousSecretSealed: sql`${webhookSources.secretSealed}`,
      previousSecretExpiresAt: previousUntil,
      secretSealed,
      rotatedAt: now,
    })
    .where(and(eq(webhookSources.projectId, projectId), eq(webhookSources.id, id)))
    .returning();
  return rows[0] ?? null;
}

interface DeliveryFacts {
  sourceId: string;
  projectId: string;
  claimedId: string | null;
  eventType: string | null;
  bodyBytes: number;
}

/** A delivery refused before its identity could be trusted: recorded without its key or body. */
export async function recordRejectedDelivery(db: Db, d: DeliveryFacts & { reason: string }) {
  const rows = await db
    .insert(webhookDeliveries)
    .values({ ...d, status: 'rejected' })
    .returning();
  return rows[0]!;
}

/**
 * Records a verified delivery under its identity. A new one is `fresh`; a redelivery of one already
 * received gets its counter bumped and the earlier row back, so nothing is stored twice.
 */
export async function claimDelivery(
  db: Db,
  d: DeliveryFacts & { deliveryKey: string; body: string | null; status: WebhookDeliveryStatus; reason?: string | null },
): Promise<{ fresh: boolean; row: WebhookDelivery }> {
  const inserted = await db
    .insert(webhookDeliveries)
    .values(d)
    .onConflictDoNothing({ target: [webhookDeliveries.sourceId, webhookDeliveries.deliveryKey] })
    .returning();
  if (inserted[0]) return { fresh: true, row: inserted[0] };
  const rows = await db
    .update(webhookDeliveries)
    .set({ redeliveries: sql`${webhookDeliveries.redeliveries} + 1` })
    .where(and(eq(webhookDeliveries.sourceId, d.sourceId), eq(webhookDeliveries.deliveryKey, d.deliveryKey)))
    .returning();
  return { fresh: false, row: rows[0]! };
}

export async function finishDelivery(db: Db, id: string, outcome: { status: WebhookDeliveryStatus; reason: string | null; eventCount: number }) {
  await db.update(webhookDeliveries).set(outcome).where(eq(webhookDeliveries.id, id));
}

export async function listDeliveries(db: Db, sourceId: string, limit = 100) {
  return db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.sourceId, sourceId))
    .orderBy(desc(webhookDeliveries.receivedAt), desc(webhookDeliveries.id))
    .limit(limit);
}

export async function findDelivery(db: Db, sourceId: string, id: string) {
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.sourceId, sourceId), eq(webhookDeliveries.id, id)))
    .limit(1);
  return rows[0] ?? null;
}

/** Clears the raw bodies of deliveries older than WEBHOOK_BODY_RETENTION_DAYS; how many were cleared. */
export async function clearExpiredDeliveryBodies(db: Db, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - WEBHOOK_BODY_RETENTION_DAYS * 24 * 60 * 60 * 1000);
  const rows = await db
    .update(webhookDeliveries)
    .set({ body: null })
    .where(and(isNotNull(webhookDeliveries.body), lt(webhookDeliveries.receivedAt, before)))
    .returning({ id: webhookDeliveries.id });
  return rows.length;
}

// Webhook sources of a project: create (secret shown once), rotate (old secret kept 24 h), views.
import type { CreateWebhookBody, WebhookDeliveryView, WebhookView } from '../../contracts/webhooks';
import { WEBHOOK_ROTATION_GRACE_SECONDS } from '../../contracts/webhooks';
import type { Db } from '../../db/client';
import { insertWebhookSource, rotateWebhookSecret } from '../../db/queries/webhooks';
import type { WebhookDelivery, WebhookSource } from '../../db/schema';
import { generateSecret, sealSecret } from './secrets';

export async function createSource(db: Db, key: CryptoKey, projectId: string, body: CreateWebhookBody, createdBy: string | null) {
  const id = crypto.randomUUID();
  const secret = body.secret ?? generateSecret(body.provider);
  const row = await insertWebhookSource(db, {
    id,
    projectId,
    provider: body.provider,
    name: body.name,
    secretSealed: await sealSecret(key, secret, id),
    createdBy,
  });
  return { row, secret };
}

/** A new secret; the current one keeps verifying for WEBHOOK_ROTATION_GRACE_SECONDS. Null when there is no such source. */
export async function rotateSource(db: Db, key: CryptoKey, source: WebhookSource, now = new Date()) {
  const secret = generateSecret(source.provider);
  const row = await rotateWebhookSecret(
    db,
    source.projectId,
    source.id,
    await sealSecret(key, secret, source.id),
    new Date(now.getTime() + WEBHOOK_ROTATION_GRACE_SECONDS * 1000),
    now,
  );
  return row ? { row, secret } : null;
}

/** Where senders POST deliveries for this source. */
export const hookUrl = (origin: string, id: string) => `${origin}/hooks/${id}`;

export function webhookView(row: WebhookSource, origin: string): WebhookView {
  return {
    id: row.id,
    name: row.name,
    provider: row.provider,
    url: hookUrl(origin, row.id),
    created_at: row.createdAt.toISOString(),
    rotated_at: row.rotatedAt?.toISOString() ?? null,
    previous_secret_expires_at: row.previousSecretExpiresAt?.toISOString() ?? null,
  };
}

export function deliveryView(row: WebhookDelivery): WebhookDeliveryView {
  return {
    id: row.id,
    delivery_id: row.claimedId,
    event: row.eventType,
    status: row.status,
    reason: row.reason,
    events: row.eventCount,
    body_bytes: row.bodyBytes,
    body_kept: row.body !== null,
    redeliveries: row.redeliveries,
    received_at: row.receivedAt.toISOString(),
  };
}

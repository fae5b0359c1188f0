// Webhook sources (a project's signed senders) and their deliveries: the API's shapes and limits.
import { z } from 'zod';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_PROVIDERS } from './enums';
import { textProblem } from './text';

const KiB = 1024;

/** Raw body of one delivery (GitHub caps its own at 25 MB, but pushes are far smaller). */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * KiB;
/** After a rotation the old secret still verifies for this long, so senders can be switched over. */
export const WEBHOOK_ROTATION_GRACE_SECONDS = 24 * 60 * 60;
/** Standard Webhooks: a `webhook-timestamp` further than this from now is refused (replay window). */
export const STANDARD_WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
/** Raw bodies of deliveries are kept this long (for replay and debugging), then cleared. */
export const WEBHOOK_BODY_RETENTION_DAYS = 30;
export const MAX_WEBHOOK_NAME_LEN = 128;
export const MIN_WEBHOOK_SECRET_LEN = 16;
export const MAX_WEBHOOK_SECRET_LEN = 256;

export const webhookProvider = z.enum(WEBHOOK_PROVIDERS);
export const webhookDeliveryStatus = z.enum(WEBHOOK_DELIVERY_STATUSES);

/**
 * Standard Webhooks secrets are `whsec_` + base64 of 24 to 64 random bytes; the signing key is
 * the decoded bytes. Returns them, or null when `secret` is not such a secret.
 */
export function standardSecretKey(secret: string): Uint8Array<ArrayBuffer> | null {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  if (!m) return null;
  let raw: string;
  try {
    raw = atob(m[1]!);
  } catch {
    return null;
  }
  if (raw.length < 24 || raw.length > 64) return null;
  return Uint8Array.from(raw, (ch) => ch.charCodeAt(0));
}

export const createWebhookBody = z
  .strictObject({
    // Plain one-line text, like every other name: Postgres refuses NUL (found by tests/fuzz).
    name: z
      .string()
      .superRefine((s, ctx) => {
        const problem = textProblem(s);
        if (problem) ctx.addIssue({ code: 'custom', message: `name ${problem}` });
      })
      .trim()
      .min(1, 'name must not be empty').max(MAX_WEBHOOK_NAME_LEN, `name must be at most ${MAX_WEBHOOK_NAME_LEN} characters`),
    provider: webhookProvider,
    /** Made for you when absent (and then shown once in the answer). */
    secret: z
      .string()
      .min(MIN_WEBHOOK_SECRET_LEN, `secret must be at least ${MIN_WEBHOOK_SECRET_LEN} characters`)
      .max(MAX_WEBHOOK_SECRET_LEN, `secret must be at most ${MAX_WEBHOOK_SECRET_LEN} characters`)
      .regex(/^[\x21-\x7e]+$/, 'secret must be printable ASCII without spaces')
      .optional(),
  })
  .superRefine((b, ctx) => {
    if (b.provider === 'standard' && b.secret !== undefined && !standardSecretKey(b.secret)) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: 'a standard webhook secret must be whsec_ followed by base64 of 24 to 64 bytes' });
    }
  });
export type CreateWebhookBody = z.infer<typeof createWebhookBody>;

export const webhookView = z.object({
  id: z.uuid(),
  name: z.string(),
  provider: webhookProvider,
  /** Where the sender POSTs: `<edge origin>/hooks/<id>`. */
  url: z.string(),
  created_at: z.string(),
  rotated_at: z.string().nullable(),
  /** While set and in the future, the secret before the last rotation still verifies. */
  previous_secret_expires_at: z.string().nullable(),
});
export type WebhookView = z.infer<typeof webhookView>;

/** The answer to create and rotate: the only time the secret is shown. */
export const webhookWithSecret = webhookView.extend({ secret: z.string() });
export type WebhookWithSecret = z.infer<typeof webhookWithSecret>;

export const webhookDeliveryView = z.object({
  id: z.uuid(),
  /** The sender's identity for it (X-GitHub-Delivery, X-Gitlab-Event-UUID, webhook-id), as claimed. */
  delivery_id: z.string().nullable(),
  event: z.string().nullable(),
  status: webhookDeliveryStatus,
  /** Why it was rejected or failed: `bad_signature`, `stale_timestamp`, `invalid_json`, … */
  reason: z.string().nullable(),
  events: z.int(),
  body_bytes: z.int(),
  /** Whether the raw body is still kept (and so the delivery can be replayed). */
  body_kept: z.boolean(),
  redeliveries: z.int(),
  received_at: z.string(),
});
export type WebhookDeliveryView = z.infer<typeof webhookDeliveryView>;

/** What a sender reads back: 202 for a new delivery, 200 for a ping or one already received. */
export const hookAnswer = z.union([
  z.object({ delivery: z.uuid(), events: z.int() }),
  z.object({ duplicate: z.literal(true), delivery: z.uuid() }),
  z.object({ ping: z.literal(true), delivery: z.uuid() }),
]);
export type HookAnswer = z.infer<typeof hookAnswer>;

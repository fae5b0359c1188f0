// Sending digests to a project's outgoing webhooks: Standard Webhooks signatures, one attempt per
// due delivery, each attempt recorded, retried with backoff until a 2xx or the last attempt. Runs
// after a request (waitUntil) and from the frequent cron, never inside a request's answer.
import { backoffDelay } from '../../contracts/backoff';
import { digestWebhookBody } from '../../contracts/digests';
import type { Db } from '../../db/client';
import { claimDueDeliveries, findDigest, recordAttempt, type DueDelivery } from '../../db/queries/digests';
import type { Env } from '../env';
import { openSecret, secretBoxKey } from '../webhooks/secret-box';
import { standardWebhookHeaders } from '../webhooks/sign-standard';
import { digestView } from './digests';
import { outgoingUrlPolicy, outgoingUrlProblem, type OutgoingUrlPolicy } from './outgoing-url';

/** Attempts before a delivery is given up (`failed`). */
export const MAX_DELIVERY_ATTEMPTS = 6;
export const DEFAULT_RETRY_BASE_SECONDS = 30;
const RETRY_MAX_MS = 6 * 3600_000;
const ATTEMPT_TIMEOUT_MS = 10_000;
/** A claimed delivery is not picked up again for this long (longer than one attempt). */
const LEASE_S = 60;
const BATCH = 50;

export interface DeliveryDeps {
  key: CryptoKey;
  policy: OutgoingUrlPolicy;
  retryBaseMs: number;
}

export function retryBaseMs(env: { OUTGOING_WEBHOOK_RETRY_BASE_SECONDS?: string }): number {
  const raw = env.OUTGOING_WEBHOOK_RETRY_BASE_SECONDS;
  const s = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return (Number.isFinite(s) && s >= 0 ? s : DEFAULT_RETRY_BASE_SECONDS) * 1000;
}

/** What sending needs, from the Worker's bindings. */
export async function deliveryDepsOf(env: Env): Promise<DeliveryDeps> {
  return { key: await secretBoxKey(env), policy: outgoingUrlPolicy(env), retryBaseMs: retryBaseMs(env) };
}

/** One attempt for each due delivery (of one digest, or all); how they went. */
export async function deliverDue(db: Db, deps: DeliveryDeps, now = new Date(), digestId?: string): Promise<{ delivered: number; retrying: number; failed: number }> {
  const done = { delivered: 0, retrying: 0, failed: 0 };
  const due = await claimDueDeliveries(db, now, LEASE_S, BATCH, digestId);
  for (const d of due) {
    const outcome = await attempt(db, deps, d);
    done[outcome]++;
  }
  return done;
}

async function attempt(db: Db, deps: DeliveryDeps, d: DueDelivery): Promise<'delivered' | 'retrying' | 'failed'> {
  const n = d.attempts + 1;
  const at = new Date();
  const started = Date.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const problem = outgoingUrlProblem(d.url, deps.policy);
    if (problem) throw new Error(problem);
    const row = await findDigest(db, d.projectId, d.digestId);
    if (!row) throw new Error('the digest is gone');
    const body = JSON.stringify(digestWebhookBody(digestView(row), at));
    const headers = await standardWebhookHeaders(await openSecret(deps.key, d.secretSealed, d.webhookId), d.id, Math.floor(at.getTime() / 1000), body);
    const res = await fetch(d.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Spark-Digests', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    statusCode = res.status;
    await res.body?.cancel().catch(() => {});
    if (res.status < 200 || res.status >= 300) error = res.status >= 300 && res.status < 400 ? 'redirects are not followed' : null;
  } catch (err) {
    error = ((err as Error).name === 'TimeoutError' ? `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s` : (err as Error).message).slice(0, 500);
  }
  const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
  const last = n >= MAX_DELIVERY_ATTEMPTS;
  const status = ok ? 'delivered' : last ? 'failed' : 'pending';
  const nextAttemptAt = status === 'pending' ? new Date(Date.now() + backoffDelay(n - 1, { baseMs: deps.retryBaseMs, maxMs: RETRY_MAX_MS })) : null;
  await recordAttempt(db, d.id, { attempt: n, at, statusCode, error, durationMs: Date.now() - started }, { status, nextAttemptAt });
  return ok ? 'delivered' : last ? 'failed' : 'retrying';
}

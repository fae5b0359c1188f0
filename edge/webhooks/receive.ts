// One delivery, from raw bytes to queued events: verify (over the exact bytes, before any
// parsing), record, dedupe on the sender's identity, parse, normalise, hand to ingest.
import { sha256Hex } from '../../contracts/bytes';
import { sparkEventV1, type SparkEventV1 } from '../../contracts/event';
import { firstIssue } from '../../contracts/errors';
import { DEFAULT_JSON_SHAPE } from '../../contracts/json-shape';
import type { HookAnswer } from '../../contracts/webhooks';
import type { Db } from '../../db/client';
import { claimDelivery, finishDelivery, recordRejectedDelivery } from '../../db/queries/webhooks';
import type { WebhookDelivery, WebhookSource } from '../../db/schema';
import { HttpError } from '../http/errors';
import { parseJsonLimited } from '../http/validate';
import { deliveryEventId } from './event-id';
import { normalizers } from './normalize';
import { activeSecrets } from './secrets';
import { verifiers, type SignedDelivery } from './verify';

export interface ReceiveDeps {
  db: Db;
  /** The key that opens sources' sealed secrets (secret-box.ts). */
  secretKey: CryptoKey;
  /** The ingest path of POST …/events (acceptEvents), with the producer set to the webhook. */
  accept(projectId: string, events: SparkEventV1[]): Promise<void>;
}

export type ReceiveResult = { status: 200 | 202; body: HookAnswer };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const short = (s: string | null, max: number) => (s === null ? null : s.slice(0, max));

export async function receiveDelivery(deps: ReceiveDeps, source: WebhookSource, delivery: SignedDelivery): Promise<ReceiveResult> {
  const verifier = verifiers[source.provider];
  const claims = verifier.claims(delivery.headers);
  const facts = {
    sourceId: source.id,
    projectId: source.projectId,
    claimedId: short(claims.claimedId, 256),
    eventType: short(claims.event, 128),
    bodyBytes: delivery.body.length,
  };
  const refuse = async (status: 400 | 401, code: string, message: string): Promise<never> => {
    await recordRejectedDelivery(deps.db, { ...facts, reason: code });
    throw new HttpError(status, code, message);
  };

  const verified = await verifier.verify(delivery, await activeSecrets(deps.secretKey, source, delivery.now));
  if (!verified.ok) return refuse(401, verified.code, verified.message);

  // Only now, with the sender proven, is the body read as text and parsed.
  let text: string;
  try {
    text = utf8.decode(delivery.body);
  } catch {
    return refuse(400, 'invalid_json', 'the body must be JSON in UTF-8');
  }
  let body: unknown;
  try {
    body = parseJsonLimited(text, DEFAULT_JSON_SHAPE, (m) => new Error(m));
  } catch (err) {
    return refuse(400, 'invalid_json', `the body is not JSON: ${(err as Error).message}`);
  }
  const identity = verified.identity ?? (source.provider === 'gitlab' ? `sha256:${await sha256Hex(delivery.body)}` : null);
  if (!identity) return refuse(400, 'missing_delivery_id', 'X-GitHub-Delivery is required: it is the identity that makes redeliveries safe');

  const { fresh, row } = await claimDelivery(deps.db, {
    ...facts,
    eventType: short(verified.event ?? eventOfBody(body), 128),
    deliveryKey: identity.slice(0, 512),
    body: text,
    status: 'received',
  });
  // One that was received and processed is a duplicate; one whose processing failed (or is under way) runs again.
  if (!fresh && row.status === 'accepted') return { status: 200, body: { duplicate: true, delivery: row.id } };
  if (source.provider === 'github' && verified.event === 'ping') {
    await finishDelivery(deps.db, row.id, { status: 'accepted', reason: null, eventCount: 0 });
    return { status: 200, body: { ping: true, delivery: row.id } };
  }
  const events = await processDelivery(deps, source, row, body);
  return { status: 202, body: { delivery: row.id, events } };
}

/** Runs a stored delivery again (its events keep their ids, so nothing is stored twice). */
export async function replayDelivery(deps: ReceiveDeps, source: WebhookSource, row: WebhookDelivery): Promise<number> {
  if (row.status === 'rejected' || row.deliveryKey === null) throw new HttpError(409, 'not_replayable', 'a rejected delivery was never verified; it cannot be replayed');
  if (row.body === null) throw new HttpError(409, 'body_expired', 'the body of this delivery is no longer kept');
  if (source.provider === 'github' && row.eventType === 'ping') return 0;
  return processDelivery(deps, source, row, JSON.parse(row.body));
}

/** Normalises, validates and queues a verified delivery's events; records the outcome. */
async function processDelivery(deps: ReceiveDeps, source: WebhookSource, row: WebhookDelivery, body: unknown): Promise<number> {
  const drafts = normalizers[source.provider]({ event: row.eventType, body, receivedAt: row.receivedAt.getTime(), sourceName: source.name });
  const valid: SparkEventV1[] = [];
  const problems: string[] = [];
  for (const [index, draft] of drafts.entries()) {
    const parsed = sparkEventV1.safeParse({ v: 1, id: await deliveryEventId(source.id, row.deliveryKey!, index), kind: 'system', ...draft });
    if (parsed.success) valid.push(parsed.data);
    else problems.push(`${draft.type}: ${firstIssue(parsed.error).message}`);
  }
  try {
    await deps.accept(source.projectId, valid);
  } catch (err) {
    await finishDelivery(deps.db, row.id, { status: 'failed', reason: `events not queued: ${(err as Error).message}`.slice(0, 1000), eventCount: 0 });
    throw err;
  }
  const reason = problems.length > 0 ? `events refused: ${problems.join('; ')}`.slice(0, 1000) : null;
  await finishDelivery(deps.db, row.id, { status: 'accepted', reason, eventCount: valid.length });
  return valid.length;
}

/** Standard Webhooks senders name the event in the body (`type`), not in a header. */
function eventOfBody(body: unknown): string | null {
  const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
  return typeof type === 'string' ? type : null;
}

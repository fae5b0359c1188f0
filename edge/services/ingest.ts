import { sparkEventV1, type EventProducer, type EventQueueMessage, type SparkEventV1 } from '../../contracts/event';
import { firstIssue } from '../../contracts/errors';
import { packEvents } from '../../workers/event-packs';
import { PartialSendError, sendInBatches } from '../../workers/send-batches';
import type { Env } from '../env';
import { HttpError } from '../http/errors';
import { ingestLogEnabled, ingestLogStub } from '../ingest-log-api';
import { logError } from '../../workers/safe-log';

export interface Rejection {
  index: number;
  error: { code: string; message: string; path?: string };
}

/** Validates each event on its own: the valid ones go on, the others are named by index and field. */
export function splitEvents(raw: readonly unknown[]): { valid: SparkEventV1[]; rejected: Rejection[] } {
  const valid: SparkEventV1[] = [];
  const rejected: Rejection[] = [];
  raw.forEach((item, index) => {
    const r = sparkEventV1.safeParse(item);
    if (r.success) valid.push(r.data);
    else rejected.push({ index, error: { ...firstIssue(r.error), code: 'invalid_event' } });
  });
  return { valid, rejected };
}

/** Seconds a client should wait before resending after a 503 from ingest. */
const RETRY_AFTER_SECONDS = '5';

/**
 * Makes events durable, or throws 503 (with Retry-After) saying how many were kept. The events go
 * packed, many per queue message. With the ingest log (local stack) that is all or nothing; with
 * the plain queue (production, where a resolved send is durable) a failed send names how many went
 * first, in request order (the `Spark-Events-Accepted` header carries the count). Resending the
 * whole request is always safe: the consumer is idempotent on event id.
 */
export async function acceptEvents(
  env: Pick<Env, 'EVENTS' | 'INGEST_LOG' | 'INGEST_LOG_DO' | 'EVENTS_PER_MESSAGE'>,
  projectId: string,
  events: readonly SparkEventV1[],
  /** Who produced each event, from the caller (never from the body): history is projected from agents' reports only. */
  producerOf: (e: SparkEventV1) => EventProducer,
  receivedAt = Date.now(),
): Promise<void> {
  const messages: EventQueueMessage[] = events.map((event) => ({ projectId, event, receivedAt, producer: producerOf(event) }));
  if (messages.length === 0) return;
  if (ingestLogEnabled(env)) return appendToLog(env, messages);
  const packs = packEvents(messages, { maxEvents: eventsPerMessage(env) });
  try {
    await sendInBatches(env.EVENTS, packs.map((p) => p.body), (_, i) => packs[i]!.bytes);
  } catch (err) {
    const sentPacks = err instanceof PartialSendError ? err.sent : 0;
    const sent = packs.slice(0, sentPacks).reduce((n, p) => n + p.body.events.length, 0);
    logError(`ingest: queue send failed after ${sent} of ${messages.length} events`, err);
    throw unavailable(
      sent === 0
        ? 'the event queue is not accepting events right now; none of them were accepted; resend them later'
        : `the event queue stopped accepting events: the first ${sent} valid events (in request order) were accepted, the other ${messages.length - sent} were not; resending all of them is safe`,
      sent,
    );
  }
}

/** EVENTS_PER_MESSAGE caps events per queue message (1 gives the per-message baseline); by default packs are bounded by bytes only. */
function eventsPerMessage(env: Pick<Env, 'EVENTS_PER_MESSAGE'>): number | undefined {
  const n = Number(env.EVENTS_PER_MESSAGE);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

async function appendToLog(env: Pick<Env, 'INGEST_LOG_DO'>, messages: EventQueueMessage[]) {
  let result;
  try {
    result = await ingestLogStub(env.INGEST_LOG_DO).append(messages);
  } catch (err) {
    logError('ingest: the ingest log could not take events', err);
    throw unavailable('the ingest log is not accepting events right now; none of them were accepted; resend them later', 0);
  }
  if (!result.ok) {
    throw unavailable(`the ingest log is full (${result.pending} events wait for the database); none of these were accepted; resend them later`, 0);
  }
}

/** How many of the request's valid events were kept, also as a header a client can read without parsing the message. */
export const ACCEPTED_HEADER = 'Spark-Events-Accepted';

const unavailable = (message: string, accepted: number) =>
  new HttpError(503, 'unavailable', message, undefined, { 'Retry-After': RETRY_AFTER_SECONDS, [ACCEPTED_HEADER]: String(accepted) });

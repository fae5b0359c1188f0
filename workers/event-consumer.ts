import type { EventQueueMessage } from '../contracts/event';
import type { Db } from '../db/client';
import { insertDeadLetters } from '../db/queries/dead-letters';
import { isDatabaseUnavailable } from './db-errors';
import { retryDelaySeconds } from './backoff';
import { parseMessages, persistEvents } from './persist-events';
import { logError, logWarn } from './safe-log';

export const EVENTS_QUEUE = 'spark-events';

export interface ConsumerOptions {
  retryBaseSeconds: number;
  /** `per-event` skips the batch insert: the baseline `npm run bench` compares against. */
  insertMode?: 'batch' | 'per-event';
}

export interface BatchReport {
  acked: number;
  retried: number;
  invalid: number;
  inserted: number;
  /** Logged messages dropped from the queue while Postgres was away: the host asks the ingest log to send them again later. */
  leftToLog: { projectId: string; id: string }[];
  /** Logged events now persisted (inserted, or kept in dead_letters): the host acks them to the ingest log. */
  persisted: { projectId: string; id: string }[];
}

/**
 * Consumes a batch of `spark-events`. Every message is acked or retried on its own:
 * - the whole batch goes in one insert; duplicates are ignored, so a redelivery is harmless;
 * - when Postgres is unreachable, everything is retried with backoff (then the DLQ);
 * - when Postgres refuses the batch, each message is tried alone so one poison message does not
 *   hold back the others; only the failing ones are retried;
 * - bodies that break the contract go straight to `dead_letters` with the reason.
 */
export async function consumeEventBatch(batch: MessageBatch<unknown>, db: Db, opts: ConsumerOptions): Promise<BatchReport> {
  const report: BatchReport = { acked: 0, retried: 0, invalid: 0, inserted: 0, leftToLog: [], persisted: [] };
  const retry = (m: Message<unknown>) => {
    m.retry({ delaySeconds: retryDelaySeconds(m.attempts, opts.retryBaseSeconds) });
    report.retried++;
  };
  const ack = (m: Message<unknown>) => {
    m.ack();
    report.acked++;
    const key = loggedKey(m.body);
    if (key) report.persisted.push(key);
  };
  // With the ingest log behind a message, an outage must not use up the queue's retries (and end
  // in the DLQ): the log keeps the event and sends it again later.
  const unavailable = (m: Message<unknown>) => {
    const key = loggedKey(m.body);
    if (!key) return retry(m);
    m.ack();
    report.leftToLog.push(key);
  };

  const parsed = parseMessages(batch.messages);
  const valid = parsed.filter((p): p is { message: Message<unknown>; body: EventQueueMessage } => 'body' in p);
  const invalid = parsed.filter((p): p is { message: Message<unknown>; error: string } => 'error' in p);

  if (invalid.length > 0) {
    try {
      await insertDeadLetters(
        db,
        invalid.map(({ message, error }) => ({
          queue: batch.queue,
          messageId: message.id,
          projectId: projectIdOf(message.body),
          body: message.body,
          error,
          attempts: message.attempts,
        })),
      );
      invalid.forEach(({ message }) => ack(message));
      report.invalid = invalid.length;
    } catch (err) {
      logError('could not store invalid messages', err);
      invalid.forEach(({ message }) => retry(message));
    }
  }
  if (valid.length === 0) return report;

  if (opts.insertMode !== 'per-event') {
    const outcome = await insertWholeBatch(db, valid.map((v) => v.body));
    if (outcome.ok) {
      report.inserted += outcome.inserted;
      valid.forEach(({ message }) => ack(message));
      return report;
    }
    if (outcome.unavailable) {
      valid.forEach(({ message }) => unavailable(message));
      return report;
    }
  }
  // One message at a time: isolates a poison message (and is the benchmark's baseline).
  for (const { message, body } of valid) {
    try {
      report.inserted += (await persistEvents(db, [body])).inserted;
      ack(message);
    } catch (err) {
      logWarn(`message ${message.id} failed (attempt ${message.attempts})`, err);
      if (isDatabaseUnavailable(err)) unavailable(message);
      else retry(message);
    }
  }
  return report;
}

type BatchOutcome = { ok: true; inserted: number } | { ok: false; unavailable: boolean };

async function insertWholeBatch(db: Db, bodies: EventQueueMessage[]): Promise<BatchOutcome> {
  try {
    return { ok: true, inserted: (await persistEvents(db, bodies)).inserted };
  } catch (err) {
    const unavailable = isDatabaseUnavailable(err);
    logWarn(unavailable ? `postgres unavailable, retrying ${bodies.length} messages` : 'batch insert refused, isolating messages', err);
    return { ok: false, unavailable };
  }
}

/** The ingest-log key of a message the log keeps (`logged: true`), else null. */
export function loggedKey(body: unknown): { projectId: string; id: string } | null {
  const b = body as { logged?: unknown; projectId?: unknown; event?: { id?: unknown } } | null;
  if (b?.logged !== true || typeof b.projectId !== 'string' || typeof b.event?.id !== 'string') return null;
  return { projectId: b.projectId, id: b.event.id };
}

export function projectIdOf(body: unknown): string | null {
  const id = (body as { projectId?: unknown } | null)?.projectId;
  return typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) ? id : null;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

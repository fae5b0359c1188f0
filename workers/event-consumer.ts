import type { EventQueueMessage } from '../contracts/event';
import type { Db } from '../db/client';
import { insertDeadLetters, type NewDeadLetter } from '../db/queries/dead-letters';
import { isDatabaseUnavailable, sqlState } from './db-errors';
import { retryDelaySeconds } from './backoff';
import { loggedKeys, singleEventBody, unpackMessage } from './event-packs';
import { persistEvents } from './persist-events';
import { logError, logWarn } from './safe-log';

export const EVENTS_QUEUE = 'spark-events';
/** The events queue's max_retries in wrangler.toml. */
export const EVENTS_MAX_RETRIES = 3;

export interface ConsumerOptions {
  retryBaseSeconds: number;
  /**
   * The queue's max_retries: on a message's last delivery the events Postgres still refuses go to
   * `dead_letters` with the reason, and the message is acked, so the rest of its pack is done.
   */
  maxRetries?: number;
  /** `per-event` skips the batch insert: the one-row baseline `npm run bench` compares against. */
  insertMode?: 'batch' | 'per-event';
}

export interface BatchReport {
  acked: number;
  retried: number;
  /** Bodies or packed events that break the contract, kept in dead_letters. */
  invalid: number;
  inserted: number;
  /** Events Postgres refused on their message's last delivery, kept in dead_letters with the reason. */
  deadLettered: number;
  /** Logged events dropped from the queue while Postgres was away: the host asks the ingest log to send them again later. */
  leftToLog: { projectId: string; id: string }[];
  /** Logged events now persisted (inserted, or kept in dead_letters): the host acks them to the ingest log. */
  persisted: { projectId: string; id: string }[];
  /** Events the batch carried, and the time spent waiting on the insert statements (workerd's clock moves across I/O only). */
  events: number;
  insertMs: number;
}

/** One event of a message, with its place in the message (a dead letter is named by it). */
interface Item {
  message: EventQueueMessage;
  index: number;
}

/** A queue message as the consumer works on it. */
interface Work {
  m: Message<unknown>;
  packed: boolean;
  items: Item[];
  /** Contract-breaking events (or the whole body) to keep in dead_letters. */
  invalid: NewDeadLetter[];
  outcome: 'stored' | 'retry' | 'unavailable';
  refused: { item: Item; error: string }[];
}

/**
 * Consumes a batch of `spark-events`, whose messages are packs of events (or, from before
 * packing, one event each). Every message is acked or retried on its own:
 * - the events of the whole batch go in one insert; duplicates are ignored, so a redelivery is harmless;
 * - when Postgres is unreachable, everything is retried with backoff (then the DLQ);
 * - when Postgres refuses the batch, each message is tried alone and a refused pack is split in
 *   halves until the events it refuses are found: the others are stored, the message retried, and
 *   on its last delivery the refused events go to `dead_letters` with Postgres' reason;
 * - bodies, or packed events, that break the contract go straight to `dead_letters` with the reason.
 */
export async function consumeEventBatch(batch: MessageBatch<unknown>, db: Db, opts: ConsumerOptions): Promise<BatchReport> {
  const report: BatchReport = { acked: 0, retried: 0, invalid: 0, inserted: 0, deadLettered: 0, leftToLog: [], persisted: [], events: 0, insertMs: 0 };
  const maxRetries = opts.maxRetries ?? EVENTS_MAX_RETRIES;
  const work = batch.messages.map((m) => unpackWork(batch.queue, m));

  const invalid = work.flatMap((w) => w.invalid);
  if (invalid.length > 0) {
    try {
      await insertDeadLetters(db, invalid);
      report.invalid = invalid.length;
    } catch (err) {
      logError('could not store invalid messages', err);
      for (const w of work) if (w.invalid.length > 0) w.outcome = 'retry';
    }
  }

  const withItems = work.filter((w) => w.items.length > 0);
  report.events = withItems.reduce((n, w) => n + w.items.length, 0);
  const insertStarted = Date.now();
  const wholeBatch = opts.insertMode === 'per-event' ? null : await insertWhole(db, withItems.flatMap((w) => w.items.map((i) => i.message)));
  if (wholeBatch?.ok) report.inserted += wholeBatch.inserted;
  else if (wholeBatch?.unavailable) withItems.forEach((w) => (w.outcome = 'unavailable'));
  else {
    // One message at a time (and one event at a time in per-event mode): isolates what Postgres refuses.
    for (const w of withItems) {
      try {
        const r = opts.insertMode === 'per-event' ? await storeOneByOne(db, w.items) : await storeIsolating(db, w.items);
        report.inserted += r.inserted;
        w.refused = r.refused;
      } catch (err) {
        logWarn(`message ${w.m.id} could not be stored (attempt ${w.m.attempts})`, err);
        w.outcome = 'unavailable';
      }
    }
  }

  report.insertMs = Date.now() - insertStarted;

  // Refused events on the message's last delivery: kept with the reason, and the message is done.
  const lastTries = work.filter((w) => w.outcome === 'stored' && w.refused.length > 0 && w.m.attempts > maxRetries);
  const letters = lastTries.flatMap((w) => w.refused.map(({ item, error }) => refusedLetter(batch.queue, w, item, error)));
  if (letters.length > 0) {
    try {
      await insertDeadLetters(db, letters);
      report.deadLettered += letters.length;
      lastTries.forEach((w) => (w.refused = []));
    } catch (err) {
      logError('could not store refused events in dead_letters', err);
    }
  }

  for (const w of work) {
    if (w.outcome === 'stored' && w.refused.length > 0) {
      logWarn(`message ${w.m.id}: ${w.refused.length} event(s) refused (attempt ${w.m.attempts}), retrying`, w.refused[0]!.error);
      w.outcome = 'retry';
    }
    if (w.outcome === 'stored') {
      w.m.ack();
      report.acked++;
      report.persisted.push(...loggedKeys(w.m.body));
    } else if (w.outcome === 'unavailable' && loggedKeys(w.m.body).length > 0) {
      // The ingest log keeps these events: an outage must not use up the queue's retries (and end
      // in the DLQ), so the message goes and the log sends its events again later.
      w.m.ack();
      report.leftToLog.push(...loggedKeys(w.m.body));
    } else {
      w.m.retry({ delaySeconds: retryDelaySeconds(w.m.attempts, opts.retryBaseSeconds) });
      report.retried++;
    }
  }
  return report;
}

function unpackWork(queue: string, m: Message<unknown>): Work {
  const w: Work = { m, packed: (m.body as { v?: unknown } | null)?.v === 2, items: [], invalid: [], outcome: 'stored', refused: [] };
  const unpacked = unpackMessage(m.body);
  if (!unpacked.ok) {
    w.invalid.push({ queue, messageId: m.id, projectId: projectIdOf(m.body), body: m.body, error: unpacked.error, attempts: m.attempts });
    return w;
  }
  for (const e of unpacked.events) {
    if (e.ok) w.items.push({ message: e.message, index: e.index });
    else
      w.invalid.push({
        queue,
        messageId: `${m.id}#${e.index}`,
        projectId: unpacked.projectId,
        body: singleEventBody(unpacked.projectId, m.body as object, e.raw),
        error: e.error,
        attempts: m.attempts,
      });
  }
  return w;
}

/** A dead letter for one refused event: a pack's event is kept as a one-event message, so replay sends it alone. */
function refusedLetter(queue: string, w: Work, item: Item, error: string): NewDeadLetter {
  const { logged: _logged, ...body } = item.message;
  return {
    queue,
    messageId: w.packed ? `${w.m.id}#${item.index}` : w.m.id,
    projectId: item.message.projectId,
    body,
    error: `refused by Postgres on all ${w.m.attempts} deliveries: ${error}`,
    attempts: w.m.attempts,
  };
}

type WholeOutcome = { ok: true; inserted: number } | { ok: false; unavailable: boolean };

async function insertWhole(db: Db, messages: EventQueueMessage[]): Promise<WholeOutcome> {
  if (messages.length === 0) return { ok: true, inserted: 0 };
  try {
    return { ok: true, inserted: (await persistEvents(db, messages)).inserted };
  } catch (err) {
    const unavailable = isDatabaseUnavailable(err);
    logWarn(unavailable ? `postgres unavailable, retrying ${messages.length} events` : 'batch insert refused, isolating messages', err);
    return { ok: false, unavailable };
  }
}

interface Isolated {
  inserted: number;
  refused: { item: Item; error: string }[];
}

/**
 * Stores the items in one statement or, when Postgres refuses it, splits them in halves until the
 * refused events are alone: one poison event costs about 2·log2(n) statements, not n. An outage
 * (not a refusal) is thrown: the caller retries the message.
 */
export async function storeIsolating(db: Db, items: Item[]): Promise<Isolated> {
  try {
    return { inserted: (await persistEvents(db, items.map((i) => i.message))).inserted, refused: [] };
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw err;
    if (items.length === 1) return { inserted: 0, refused: [{ item: items[0]!, error: refusalText(err) }] };
    const mid = items.length >> 1;
    const a = await storeIsolating(db, items.slice(0, mid));
    const b = await storeIsolating(db, items.slice(mid));
    return { inserted: a.inserted + b.inserted, refused: [...a.refused, ...b.refused] };
  }
}

/** One statement per event: the bench's one-row baseline. */
async function storeOneByOne(db: Db, items: Item[]): Promise<Isolated> {
  const out: Isolated = { inserted: 0, refused: [] };
  for (const item of items) {
    const r = await storeIsolating(db, [item]);
    out.inserted += r.inserted;
    out.refused.push(...r.refused);
  }
  return out;
}

/** Postgres' own words and SQLSTATE, not the wrapper's (drizzle's message repeats the whole query and its parameters). */
function refusalText(err: unknown): string {
  let e = err as { cause?: unknown } | undefined;
  while (e?.cause instanceof Error && e.cause !== e) e = e.cause as { cause?: unknown };
  const state = sqlState(err);
  return `${errorText(e)}${state ? ` (SQLSTATE ${state})` : ''}`.slice(0, 2000);
}

export function projectIdOf(body: unknown): string | null {
  const id = (body as { projectId?: unknown } | null)?.projectId;
  return typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) ? id : null;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

import { eventQueueMessage, type EventQueueMessage } from '../contracts/event';
import type { Db } from '../db/client';
import { firstOfEach, insertEventBatch, upsertFunctionCalls, type StatementWrite } from '../db/queries/events';
import { eventsFor, readCatalog, type CatalogReading, type ProjectedEvent } from './projections/projection';
import { functionCalls, STATEMENT_PROJECTIONS } from './projections/index';
import { logWarn } from './safe-log';
import { withEventPartitions } from '../db/partitions';

/**
 * Writes a batch: one multi-row insert of the events with the projections that must see only
 * new events (scripts, changes, previews, builds, presence), then one upsert of the function
 * calls they describe. Each event is parsed with the catalog once; an event of a Spark type whose
 * payload breaks its schema is stored but projected nowhere.
 */
export async function persistEvents(db: Db, messages: EventQueueMessage[], lanes = INSERT_LANES): Promise<{ inserted: number }> {
  const fresh = firstOfEach(messages);
  const reading = readCatalog(fresh);
  const { events, invalid } = reading;
  if (invalid.length > 0) {
    const first = invalid[0]!;
    logWarn(`${invalid.length} event(s) broke the event catalog and were stored without projecting`, `${first.type} ${first.id}: ${first.error.message}`);
  }
  const lanesDone = await Promise.allSettled(
    byLane(fresh, reading, lanes).map(({ messages: part, events: projected }) =>
      // A month without a partition (an old event imported late) gets one, instead of a dead letter.
      withEventPartitions(
        db,
        () => part.map((m) => new Date(m.event.ts * 1000)),
        () => insertEventBatch(db, part, statementWrites(projected), true),
      ),
    ),
  );
  // Every lane has ended before a failure is passed on: the caller's retry never races a lane still writing.
  let inserted = 0;
  for (const lane of lanesDone) {
    if (lane.status === 'rejected') throw lane.reason;
    inserted += lane.value;
  }
  await upsertFunctionCalls(db, [...functionCalls.rows(eventsFor(functionCalls, events)), ...functionCalls.foreignRows(fresh)]);
  return { inserted };
}

/**
 * Statements a large batch's insert is split into, sent at once on their own connections, so
 * Postgres works on more than one core (measured: +28% rows/s with two on a busy 2-core machine).
 * Each statement is still its own unit: a lane that fails leaves the other's events stored, and
 * the retry finds them as duplicates and projects nothing twice (insertEventBatch).
 */
export const INSERT_LANES = 2;
/** Below this many events one statement is cheaper than two round trips. */
const MIN_EVENTS_PER_LANE = 1_000;

interface Lane {
  messages: EventQueueMessage[];
  events: ProjectedEvent[];
}

/**
 * Splits a batch into lanes. Events of catalog types (all the projections read) stay with their
 * (project, session)'s others, in one statement and in order; any other event is projected
 * nowhere, so it fills whichever lane is shortest. A batch from one busy session (the
 * bench's, a CI flood) still spreads over every lane.
 */
export function byLane(messages: EventQueueMessage[], { events, projected }: Pick<CatalogReading, 'events' | 'projected'>, lanes: number): Lane[] {
  const n = Math.max(1, Math.min(lanes, Math.floor(messages.length / MIN_EVENTS_PER_LANE)));
  if (n === 1) return [{ messages, events: [...events] }];
  const out: Lane[] = Array.from({ length: n }, () => ({ messages: [], events: [] }));
  const laneOf = (projectId: string, sessionId: string) => stringHash(`${projectId}\u0000${sessionId}`) % n;
  const free: EventQueueMessage[] = [];
  for (const m of messages) {
    if (projected.has(m)) out[laneOf(m.projectId, m.event.session_id)]!.messages.push(m);
    else free.push(m);
  }
  for (const e of events) out[laneOf(e.projectId, e.sessionId)]!.events.push(e);
  for (const m of free) out.reduce((a, b) => (b.messages.length < a.messages.length ? b : a)).messages.push(m);
  return out.filter((l) => l.messages.length > 0);
}

/** FNV-1a: a cheap, stable spread of session keys over the lanes. */
function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Each statement projection's CTE for these events; projections with no rows are left out. */
export function statementWrites(events: readonly ProjectedEvent[]): StatementWrite[] {
  return STATEMENT_PROJECTIONS.map((p) => p.project(events)).filter((w) => w !== null);
}

export type ParsedMessage<M> = { message: M; body: EventQueueMessage } | { message: M; error: string };

/** Bodies that do not match the contract can never succeed; they are told apart up front. */
export function parseMessages<M extends { body: unknown }>(messages: readonly M[]): ParsedMessage<M>[] {
  return messages.map((message) => {
    const parsed = eventQueueMessage.safeParse(message.body);
    return parsed.success
      ? { message, body: parsed.data }
      : { message, error: `invalid message: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
  });
}

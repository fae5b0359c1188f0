import { eventQueueMessage, type EventQueueMessage } from '../contracts/event';
import type { Db } from '../db/client';
import { firstOfEach, insertEventBatch, upsertFunctionCalls, type StatementWrite } from '../db/queries/events';
import { eventsFor, readCatalog, type ProjectedEvent } from './projections/projection';
import { functionCalls, STATEMENT_PROJECTIONS } from './projections/index';
import { logWarn } from './safe-log';
import { withEventPartitions } from '../db/partitions';

/**
 * Writes a batch: one multi-row insert of the events with the projections that must see only
 * new events (scripts, changes, previews, builds, presence), then one upsert of the function
 * calls they describe. Each event is parsed with the catalog once; an event of a Spark type whose
 * payload breaks its schema is stored but projected nowhere.
 */
export async function persistEvents(db: Db, messages: EventQueueMessage[]): Promise<{ inserted: number }> {
  const fresh = firstOfEach(messages);
  const { events, invalid } = readCatalog(fresh);
  if (invalid.length > 0) {
    const first = invalid[0]!;
    logWarn(`${invalid.length} event(s) broke the event catalog and were stored without projecting`, `${first.type} ${first.id}: ${first.error.message}`);
  }
  // A month without a partition (an old event imported late) gets one, instead of a dead letter.
  const inserted = await withEventPartitions(db, fresh.map((m) => new Date(m.event.ts * 1000)), () => insertEventBatch(db, fresh, statementWrites(events)));
  await upsertFunctionCalls(db, [...functionCalls.rows(eventsFor(functionCalls, events)), ...functionCalls.foreignRows(fresh)]);
  return { inserted };
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

import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { sparkEvents } from '../schema';

export interface EventLogFilter {
  projectId: string;
  sessionId?: string;
  /** Unix seconds, inclusive. */
  since?: number;
  /** Unix seconds, exclusive. */
  until?: number;
}

/** Where the previous page ended: occurred_at as Postgres wrote it (no precision lost) and the id. */
export interface EventLogKey {
  at: string;
  id: string;
}

/** One page of the event log, oldest first, after `after`: the export walks these without an offset. */
export async function eventLogPage(db: Db, f: EventLogFilter, after: EventLogKey | null, limit: number) {
  const conds = [eq(sparkEvents.projectId, f.projectId)];
  if (f.sessionId !== undefined) conds.push(eq(sparkEvents.sessionId, f.sessionId));
  if (f.since !== undefined) conds.push(gte(sparkEvents.occurredAt, sql`to_timestamp(${f.since})`));
  if (f.until !== undefined) conds.push(lt(sparkEvents.occurredAt, sql`to_timestamp(${f.until})`));
  if (after) conds.push(sql`(${sparkEvents.occurredAt}, ${sparkEvents.id}) > (${after.at}::timestamptz, ${after.id}::uuid)`);
  return db
    .select({
      id: sparkEvents.id,
      at: sql<string>`${sparkEvents.occurredAt}::text`,
      ts: sql<number>`extract(epoch from ${sparkEvents.occurredAt})::float8`.mapWith(Number),
      sessionId: sparkEvents.sessionId,
      source: sparkEvents.source,
      kind: sparkEvents.kind,
      type: sparkEvents.type,
      payload: sparkEvents.payload,
      traceId: sparkEvents.traceId,
    })
    .from(sparkEvents)
    .where(and(...conds))
    .orderBy(asc(sparkEvents.occurredAt), asc(sparkEvents.id))
    .limit(limit);
}

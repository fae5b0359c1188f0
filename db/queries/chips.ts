import { and, asc, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { chipEvaluations, chips, sparkEvents, type NewChip, type NewChipEvaluation } from '../schema';
import type { ReplayEvent } from '../../contracts/chip-eval';

/** Stores a chip version; null when that (chip id, version) is already stored in the project. */
export async function insertChipVersion(db: Db, row: NewChip) {
  const [inserted] = await db.insert(chips).values(row).onConflictDoNothing().returning();
  return inserted ?? null;
}

/** A project's chip versions, newest first. */
export function listChipVersions(db: Db, projectId: string) {
  return db.select().from(chips).where(eq(chips.projectId, projectId)).orderBy(desc(chips.createdAt), desc(chips.id));
}

export async function findChipVersion(db: Db, projectId: string, id: string) {
  const [row] = await db.select().from(chips).where(and(eq(chips.projectId, projectId), eq(chips.id, id)));
  return row ?? null;
}

export async function insertChipEvaluation(db: Db, row: NewChipEvaluation) {
  const [inserted] = await db.insert(chipEvaluations).values(row).returning();
  return inserted!;
}

/** A chip version's evaluations, newest first. */
export function listChipEvaluations(db: Db, projectId: string, chipId: string) {
  return db
    .select()
    .from(chipEvaluations)
    .where(and(eq(chipEvaluations.projectId, projectId), eq(chipEvaluations.chipId, chipId)))
    .orderBy(desc(chipEvaluations.startedAt), desc(chipEvaluations.id));
}

export interface ReplayFilter {
  projectId: string;
  sessionId?: string;
  since?: number;
  until?: number;
}
/** Where the previous page ended: its exact time (text, microseconds) and id. */
interface ReplayCursor {
  at: string;
  id: string;
}

/** One page of events in replay order (time, then id), after `cursor`. */
export async function replayPage(db: Db, f: ReplayFilter, limit: number, cursor: ReplayCursor | null) {
  const conds: SQL[] = [eq(sparkEvents.projectId, f.projectId)];
  if (f.sessionId !== undefined) conds.push(eq(sparkEvents.sessionId, f.sessionId));
  if (f.since !== undefined) conds.push(gte(sparkEvents.occurredAt, sql`to_timestamp(${f.since})`));
  if (f.until !== undefined) conds.push(lt(sparkEvents.occurredAt, sql`to_timestamp(${f.until})`));
  if (cursor) conds.push(sql`(${sparkEvents.occurredAt}, ${sparkEvents.id}) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)`);
  const rows = await db
    .select({
      id: sparkEvents.id,
      ts: sql<number>`extract(epoch from ${sparkEvents.occurredAt})::float8`.mapWith(Number),
      at: sql<string>`to_char(${sparkEvents.occurredAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      type: sparkEvents.type,
      payload: sparkEvents.payload,
    })
    .from(sparkEvents)
    .where(and(...conds))
    .orderBy(asc(sparkEvents.occurredAt), asc(sparkEvents.id))
    .limit(limit);
  const last = rows[rows.length - 1];
  const events: ReplayEvent[] = rows.map(({ id, ts, type, payload }) => ({ id, ts, type, payload }));
  return { events, next: rows.length === limit && last ? { at: last.at, id: last.id } : null };
}

import { and, asc, desc, eq, gt, ilike, inArray, isNull, or, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../client';
import { patches } from '../schema';

/** Changes made BY an undo or rollback (their call put another change back). */
// Qualified by hand: inside a single-table select drizzle prints bare column names, which the
// subquery would resolve to p2's own columns.
const isRevertCall = sql<boolean>`("patches"."call_id" is not null and exists (
  select 1 from "patches" p2 where p2.session_id = "patches"."session_id" and p2.revert_call_id = "patches"."call_id"))`;

/** Whether the history holds a change made by this operation (an index lookup: patches_session_call_idx). */
export async function hasChangeOfCall(db: Db, sessionId: string, callId: string): Promise<boolean> {
  const rows = await db.select({ id: patches.id }).from(patches).where(and(eq(patches.sessionId, sessionId), eq(patches.callId, callId))).limit(1);
  return rows.length > 0;
}

export interface ChangeFilter {
  path?: string;
  since?: number;
  until?: number;
  limit: number;
}

/** The session's change history, newest first, without contents. */
export async function listChanges(db: Db, sessionId: string, f: ChangeFilter) {
  const conds = [eq(patches.sessionId, sessionId)];
  if (f.path) conds.push(ilike(patches.path, `%${f.path.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  if (f.since !== undefined) conds.push(sql`${patches.createdAt} >= to_timestamp(${f.since})`);
  if (f.until !== undefined) conds.push(sql`${patches.createdAt} < to_timestamp(${f.until})`);
  return db
    .select({
      id: patches.id,
      callId: patches.callId,
      path: patches.path,
      op: patches.op,
      beforeSha256: patches.beforeSha256,
      afterSha256: patches.afterSha256,
      hasBefore: sql<boolean>`${patches.beforeContent} is not null`,
      hasAfter: sql<boolean>`${patches.afterContent} is not null`,
      createdAt: patches.createdAt,
      revertedAt: patches.revertedAt,
      isRevert: isRevertCall,
    })
    .from(patches)
    .where(and(...conds))
    .orderBy(desc(patches.createdAt), desc(patches.id))
    .limit(f.limit);
}

export async function getChange(db: Db, sessionId: string, changeId: string) {
  const rows = await db.select().from(patches).where(and(eq(patches.sessionId, sessionId), eq(patches.id, changeId))).limit(1);
  return rows[0] ?? null;
}

/** What "undo" takes back: the newest change that is neither reverted nor itself an undo. */
export async function lastUndoableChange(db: Db, sessionId: string) {
  const rows = await db
    .select()
    .from(patches)
    .where(and(eq(patches.sessionId, sessionId), isNull(patches.revertedAt), sql`not ${isRevertCall}`))
    .orderBy(desc(patches.createdAt), desc(patches.id))
    .limit(1);
  return rows[0] ?? null;
}

/** Live changes made after the given one, oldest first: what a rollback to it takes back. */
export async function changesAfter(db: Db, sessionId: string, point: { id: string; createdAt: Date }) {
  return db
    .select()
    .from(patches)
    .where(
      and(
        eq(patches.sessionId, sessionId),
        isNull(patches.revertedAt),
        sql`not ${isRevertCall}`,
        or(gt(patches.createdAt, point.createdAt), and(eq(patches.createdAt, point.createdAt), gt(patches.id, point.id))),
      ),
    )
    .orderBy(asc(patches.createdAt), asc(patches.id));
}

export async function markReverted(db: Db, changeIds: string[], revertCallId: string) {
  if (changeIds.length === 0) return;
  await db.update(patches).set({ revertedAt: new Date(), revertCallId }).where(inArray(patches.id, changeIds));
}

export async function exportChanges(db: Db, sessionId: string) {
  return db.select().from(patches).where(eq(patches.sessionId, sessionId)).orderBy(asc(patches.createdAt), asc(patches.id));
}

export type ImportedChange = Pick<typeof patches.$inferInsert, 'path' | 'op' | 'beforeContent' | 'afterContent' | 'beforeSha256' | 'afterSha256' | 'callId' | 'createdAt' | 'revertedAt'>;

export async function importChanges(db: Db, projectId: string, sessionId: string, changes: ImportedChange[]) {
  if (changes.length === 0) return 0;
  const rows = await db.insert(patches).values(changes.map((c) => ({ ...c, projectId, sessionId }))).returning({ id: patches.id });
  return rows.length;
}

/** Keeps the newest `keep` changes of every session (the history is a window, not an archive). */
export async function pruneHistory(db: Db, keep = 50): Promise<number> {
  const rows = await db.execute(sql`
    delete from ${patches} where id in (
      select id from (
        select id, row_number() over (partition by session_id order by created_at desc, id desc) as n from ${patches}
      ) ranked where n > ${keep})
    returning 1`);
  return rowsOf(rows).length;
}



import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../client';
import { snapshots, snapshotTexts, type NewSnapshot } from '../schema';

/** A text a snapshot points at, by its sha-256. */
export interface SnapshotText {
  sha256: string;
  content: string;
}

/**
 * Stores a snapshot with the texts its manifest points at, in one statement: both land or
 * neither does. A text the project has already (same sha-256) is kept as it is.
 */
export async function insertSnapshot(db: Db, row: NewSnapshot, texts: readonly SnapshotText[] = []) {
  const unique = [...new Map(texts.map((t) => [t.sha256, t])).values()];
  if (unique.length === 0) {
    const [created] = await db.insert(snapshots).values(row).returning();
    return created!;
  }
  const stored = db.$with('stored_texts').as(
    db
      .insert(snapshotTexts)
      .values(unique.map((t) => ({ projectId: row.projectId, sha256: t.sha256, content: t.content })))
      .onConflictDoNothing()
      .returning({ sha256: snapshotTexts.sha256 }),
  );
  const [created] = await db.with(stored).insert(snapshots).values(row).returning();
  return created!;
}

/** Adds texts to the project's (a legacy snapshot's, found in R2); those it has already are kept. */
export async function storeSnapshotTexts(db: Db, projectId: string, texts: readonly SnapshotText[]): Promise<void> {
  if (texts.length === 0) return;
  await db
    .insert(snapshotTexts)
    .values(texts.map((t) => ({ projectId, sha256: t.sha256, content: t.content })))
    .onConflictDoNothing();
}

/** The project's texts with these sha-256s, by sha-256 (a missing one is simply absent). */
export async function findSnapshotTexts(db: Db, projectId: string, sha256s: readonly string[]): Promise<Map<string, string>> {
  if (sha256s.length === 0) return new Map();
  const rows = await db
    .select({ sha256: snapshotTexts.sha256, content: snapshotTexts.content })
    .from(snapshotTexts)
    .where(and(eq(snapshotTexts.projectId, projectId), inArray(snapshotTexts.sha256, [...new Set(sha256s)])));
  return new Map(rows.map((r) => [r.sha256, r.content]));
}

/** Sha-256s the project's snapshot manifests name (a file's text, a history) that snapshot_texts lacks. */
export async function missingSnapshotTexts(db: Db, projectId: string): Promise<string[]> {
  const result = await db.execute<{ sha: string }>(sql`
    select distinct m.sha from (
      select f->>'sha256' as sha from ${snapshots} s, jsonb_array_elements(s.data->'files') f where s.project_id = ${projectId}
      union all
      select s.data->'history'->>'sha256' from ${snapshots} s where s.project_id = ${projectId}
    ) m
    where m.sha is not null
      and not exists (select 1 from ${snapshotTexts} t where t.project_id = ${projectId} and t.sha256 = m.sha)`);
  return rowsOf<{ sha: string }>(result).map((r) => r.sha);
}

/** The project's snapshots, newest first; with `sessionId`, those taken of that session. */
export async function listSnapshots(db: Db, projectId: string, sessionId?: string) {
  const where = sessionId ? and(eq(snapshots.projectId, projectId), eq(snapshots.sessionId, sessionId)) : eq(snapshots.projectId, projectId);
  return db.select().from(snapshots).where(where).orderBy(desc(snapshots.createdAt), desc(snapshots.id));
}

/** A snapshot of the project (of any of its sessions), or null. */
export async function findSnapshot(db: Db, projectId: string, snapshotId: string) {
  const rows = await db.select().from(snapshots).where(and(eq(snapshots.projectId, projectId), eq(snapshots.id, snapshotId))).limit(1);
  return rows[0] ?? null;
}

import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { snapshots, type NewSnapshot } from '../schema';

export async function insertSnapshot(db: Db, row: NewSnapshot) {
  const [created] = await db.insert(snapshots).values(row).returning();
  return created!;
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

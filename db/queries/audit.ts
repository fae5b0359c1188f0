import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../client';
import { auditLog, type NewAuditLogEntry } from '../schema';

export async function insertAuditEntry(db: Db, entry: NewAuditLogEntry) {
  await db.insert(auditLog).values(entry);
}

/**
 * A project's audit log, newest first; `beforeId` pages back. Ordered by id, the cursor itself:
 * ids are handed out as entries are written, and ordering by created_at instead (a transaction's
 * start) could put an entry on both sides of a page's edge, or on neither.
 */
export async function listAuditEntries(db: Db, projectId: string, limit: number, beforeId?: number) {
  const conds = [eq(auditLog.projectId, projectId)];
  if (beforeId !== undefined) conds.push(lt(auditLog.id, beforeId));
  return db.select().from(auditLog).where(and(...conds)).orderBy(desc(auditLog.id)).limit(limit);
}

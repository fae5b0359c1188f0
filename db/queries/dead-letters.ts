import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { deadLetters } from '../schema';

export interface NewDeadLetter {
  queue: string;
  messageId: string;
  projectId: string | null;
  body: unknown;
  error: string;
  attempts: number;
}

/** Idempotent on message id: a DLQ batch that is redelivered does not store a letter twice. */
export async function insertDeadLetters(db: Db, letters: NewDeadLetter[]) {
  if (letters.length === 0) return;
  await db.insert(deadLetters).values(letters).onConflictDoNothing({ target: [deadLetters.queue, deadLetters.messageId] });
}

export async function listDeadLetters(db: Db, projectId: string, limit = 100) {
  return db
    .select()
    .from(deadLetters)
    .where(eq(deadLetters.projectId, projectId))
    .orderBy(desc(deadLetters.createdAt))
    .limit(limit);
}

/** Letters of a project not yet replayed (optionally only the given ids). */
export async function pendingDeadLetters(db: Db, projectId: string, ids?: string[], limit = 1000) {
  const conds = [eq(deadLetters.projectId, projectId), isNull(deadLetters.replayedAt)];
  if (ids && ids.length > 0) conds.push(inArray(deadLetters.id, ids));
  return db.select().from(deadLetters).where(and(...conds)).orderBy(deadLetters.createdAt).limit(limit);
}

export async function markReplayed(db: Db, ids: string[]) {
  if (ids.length === 0) return;
  await db
    .update(deadLetters)
    .set({ replayedAt: new Date(), replayCount: sql`${deadLetters.replayCount} + 1` })
    .where(inArray(deadLetters.id, ids));
}

import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { toStorableText } from '../../contracts/text';
import type { Db } from '../client';
import { deadLetters, type DeadLetter } from '../schema';

export interface NewDeadLetter {
  queue: string;
  messageId: string;
  projectId: string | null;
  body: unknown;
  error: string;
  attempts: number;
}

/**
 * Idempotent on message id: a DLQ batch that is redelivered does not store a letter twice.
 * A body jsonb cannot hold (NUL or a lone surrogate in a string: the very letters that failed
 * for that reason) is kept as its JSON text instead, so no letter is refused for its content.
 */
export async function insertDeadLetters(db: Db, letters: NewDeadLetter[]) {
  if (letters.length === 0) return;
  await db
    .insert(deadLetters)
    .values(letters.map((l) => ({ ...l, ...storedBody(l.body), error: toStorableText(l.error) })))
    .onConflictDoNothing({ target: [deadLetters.queue, deadLetters.messageId] });
}

// JSON.stringify writes NUL as "\u0000" and a lone surrogate as "\udXXX"; jsonb refuses both
// escapes. (An escaped backslash followed by "u0000" also matches: stored as text, still exact.)
const JSONB_REFUSES = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i;

/** The body as jsonb when Postgres can hold it, else as its JSON text (plain ASCII escapes). */
export function storedBody(body: unknown): { body: unknown; bodyJson: null } | { body: null; bodyJson: string } {
  let json: string;
  try {
    json = JSON.stringify(body) ?? 'null';
  } catch (err) {
    // Not JSON at all (a cycle, a BigInt): keep what can be said about it.
    json = JSON.stringify({ unserialisable: String(err), text: String(body) });
  }
  return JSONB_REFUSES.test(json) ? { body: null, bodyJson: json } : { body: JSON.parse(json) as unknown, bodyJson: null };
}

/** The message body a letter keeps, whichever way it was stored. */
export function letterBody(letter: Pick<DeadLetter, 'body' | 'bodyJson'>): unknown {
  return letter.bodyJson !== null ? JSON.parse(letter.bodyJson) : letter.body;
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

import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { patches } from '../schema';

// A session's scripts, read from its change history: for each path the newest change wins, and
// a path whose newest change deleted it is gone. (The history keeps the newest 50 changes per
// session, so a script written long ago and never touched since drops out of the list.)

const newest = [asc(patches.path), desc(patches.createdAt), desc(patches.id)] as const;

/** The scripts the session has written and not deleted, by path, without their text. */
export async function listSessionScripts(db: Db, sessionId: string) {
  const rows = await db
    .selectDistinctOn([patches.path], {
      path: patches.path,
      sha256: patches.afterSha256,
      bytes: sql<number>`coalesce(octet_length(${patches.afterContent}), 0)::int`,
      exists: sql<boolean>`${patches.afterContent} is not null`,
      changeId: patches.id,
      updatedAt: patches.createdAt,
    })
    .from(patches)
    .where(eq(patches.sessionId, sessionId))
    .orderBy(...newest);
  return rows.filter((r) => r.exists);
}

/** One script's newest text; null when the session never wrote it or its newest change deleted it. */
export async function readSessionScript(db: Db, sessionId: string, path: string) {
  const rows = await db
    .select({ path: patches.path, sha256: patches.afterSha256, content: patches.afterContent, changeId: patches.id, updatedAt: patches.createdAt })
    .from(patches)
    .where(and(eq(patches.sessionId, sessionId), eq(patches.path, path)))
    .orderBy(...newest)
    .limit(1);
  const row = rows[0];
  return row && row.content !== null ? { ...row, content: row.content } : null;
}

/** The scripts the session has written and not deleted, with their newest text, by path. */
export async function sessionScriptTexts(db: Db, sessionId: string) {
  const rows = await db
    .selectDistinctOn([patches.path], { path: patches.path, content: patches.afterContent })
    .from(patches)
    .where(eq(patches.sessionId, sessionId))
    .orderBy(...newest);
  return rows.flatMap((r) => (r.content === null ? [] : [{ path: r.path, content: r.content }]));
}

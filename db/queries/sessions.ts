import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { buildJobs, sessions } from '../schema';

export async function insertSession(db: Db, s: { projectId: string; name: string; createdBy: string | null; expiresAt: Date | null }) {
  const rows = await db
    .insert(sessions)
    .values({ ...s, lastActiveAt: new Date() })
    .returning();
  return rows[0]!;
}

export async function listSessions(db: Db, projectId: string, limit = 200) {
  return db.select().from(sessions).where(eq(sessions.projectId, projectId)).orderBy(desc(sessions.createdAt)).limit(limit);
}

export async function findSession(db: Db, projectId: string, sessionId: string) {
  const rows = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.projectId, projectId), eq(sessions.id, sessionId)))
    .limit(1);
  return rows[0] ?? null;
}

export async function listBuildJobs(db: Db, sessionId: string, limit = 50) {
  return db.select().from(buildJobs).where(eq(buildJobs.sessionId, sessionId)).orderBy(desc(buildJobs.createdAt)).limit(limit);
}

import { and, asc, desc, eq, inArray, isNotNull, isNull, lte, ne, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { buildJobs, projects, sessions, type Session } from '../schema';

/** A project's session quota is full: which limit, its value, and how many sessions count against it. */
export class SessionQuotaError extends Error {
  constructor(
    readonly limit: 'max_active_sessions' | 'max_sessions',
    readonly max: number,
    readonly count: number,
  ) {
    super(`${limit} is ${max} and the project has ${count} ${limit === 'max_active_sessions' ? 'active sessions' : 'sessions'}`);
  }
}

/** The session cannot be woken or extended: it is stopped or expired. */
export class SessionClosedError extends Error {
  constructor(readonly state: Session['state']) {
    super(`the session is ${state}; start a new one`);
  }
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * The project's limits, with its row locked until the transaction ends: quota checks and the
 * insert or wake that follows them are serialized per project, so two racing creations cannot
 * both take the last place.
 */
async function lockedLimits(tx: Tx, projectId: string) {
  const rows = await tx
    .select({ maxActive: projects.maxActiveSessions, maxAll: projects.maxSessions })
    .from(projects)
    .where(eq(projects.id, projectId))
    .for('update');
  const limits = rows[0];
  if (!limits) throw new Error(`project ${projectId} not found`);
  const [counts] = await tx
    .select({
      all: sql<number>`count(*)::int`,
      active: sql<number>`count(*) FILTER (WHERE ${sessions.state} = 'active')::int`,
    })
    .from(sessions)
    .where(and(eq(sessions.projectId, projectId), ne(sessions.state, 'expired')));
  return { ...limits, all: counts!.all, active: counts!.active };
}

/** Starts a session (active), within the project's quotas (expired sessions count against neither). */
export async function insertSession(
  db: Db,
  s: { projectId: string; name: string; createdBy: string | null; expiresAt: Date | null; meta?: Record<string, unknown> },
  now = new Date(),
) {
  return db.transaction(async (tx) => {
    const q = await lockedLimits(tx, s.projectId);
    if (q.all >= q.maxAll) throw new SessionQuotaError('max_sessions', q.maxAll, q.all);
    if (q.active >= q.maxActive) throw new SessionQuotaError('max_active_sessions', q.maxActive, q.active);
    const rows = await tx
      .insert(sessions)
      .values({
        projectId: s.projectId,
        name: s.name,
        createdBy: s.createdBy,
        createdAt: now,
        lastActiveAt: now,
        expiresAt: s.expiresAt,
        ...(s.meta ? { meta: s.meta } : {}),
      })
      .returning();
    return rows[0]!;
  });
}

/**
 * Makes a sleeping session active again (and counts the wake as activity), within the project's
 * active quota. An active session is only touched; a stopped or expired one cannot be woken.
 * Returns the session, or null when it does not exist.
 */
export async function wakeSession(db: Db, projectId: string, sessionId: string, now = new Date()): Promise<Session | null> {
  const found = await findSession(db, projectId, sessionId);
  if (!found) return null;
  if (found.state === 'stopped' || found.state === 'expired') throw new SessionClosedError(found.state);
  if (found.state === 'active') return (await touchSession(db, sessionId, now)) ?? found;
  return db.transaction(async (tx) => {
    const q = await lockedLimits(tx, projectId);
    const rows = await tx
      .select()
      .from(sessions)
      .where(and(eq(sessions.projectId, projectId), eq(sessions.id, sessionId)))
      .for('update');
    const s = rows[0];
    if (!s) return null;
    if (s.state === 'stopped' || s.state === 'expired') throw new SessionClosedError(s.state);
    if (s.state === 'sleeping' && q.active >= q.maxActive) throw new SessionQuotaError('max_active_sessions', q.maxActive, q.active);
    const woken = await tx.update(sessions).set({ state: 'active', lastActiveAt: now }).where(eq(sessions.id, sessionId)).returning();
    return woken[0]!;
  });
}

/**
 * Puts a session to sleep now, as the idle cron would (a person asked). A sleeping one stays
 * asleep; a stopped or expired one cannot sleep. Returns the session, or null when there is none.
 */
export async function sleepSession(db: Db, projectId: string, sessionId: string): Promise<Session | null> {
  const slept = await db
    .update(sessions)
    .set({ state: 'sleeping' })
    .where(and(eq(sessions.projectId, projectId), eq(sessions.id, sessionId), eq(sessions.state, 'active')))
    .returning();
  if (slept[0]) return slept[0];
  const found = await findSession(db, projectId, sessionId);
  if (found && (found.state === 'stopped' || found.state === 'expired')) throw new SessionClosedError(found.state);
  return found;
}

/** Activity is written at most once a minute per session. */
export const TOUCH_EVERY_MS = 60_000;

/**
 * Records activity on an active session: `last_active_at` moves to `now` unless it moved less than
 * `everyMs` ago (so a busy room writes at most once a minute). Returns the row when it was written.
 */
export async function touchSession(db: Db, sessionId: string, now = new Date(), everyMs = TOUCH_EVERY_MS): Promise<Session | null> {
  const rows = await db
    .update(sessions)
    .set({ lastActiveAt: now })
    .where(and(eq(sessions.id, sessionId), eq(sessions.state, 'active'), lte(sessions.lastActiveAt, new Date(now.getTime() - everyMs))))
    .returning();
  return rows[0] ?? null;
}

/**
 * Moves the TTL on: the session now ends `ttlSeconds` after the later of now and its current end.
 * A new end more than a day away re-arms the `session.expiring` warning.
 */
export async function extendSession(db: Db, projectId: string, sessionId: string, ttlSeconds: number, now = new Date()): Promise<Session | null> {
  const found = await findSession(db, projectId, sessionId);
  if (!found) return null;
  if (found.state === 'stopped' || found.state === 'expired') throw new SessionClosedError(found.state);
  const from = Math.max(now.getTime(), found.expiresAt?.getTime() ?? 0);
  const expiresAt = new Date(from + ttlSeconds * 1000);
  const rearm = expiresAt.getTime() - now.getTime() > EXPIRY_WARNING_MS;
  const rows = await db
    .update(sessions)
    .set({ expiresAt, ...(rearm ? { expiryWarnedAt: null } : {}) })
    .where(and(eq(sessions.id, sessionId), ne(sessions.state, 'expired')))
    .returning();
  return rows[0] ?? null;
}

/** The `session.expiring` warning goes out this long before the TTL ends. */
export const EXPIRY_WARNING_MS = 24 * 3600_000;

/** Sessions, newest first. */
export async function listSessions(db: Db, projectId: string, limit = 200) {
  return db.select().from(sessions).where(eq(sessions.projectId, projectId)).orderBy(desc(sessions.createdAt)).limit(limit);
}

/** Sessions whose TTL ends within `withinMs` of `now` (and that are not expired yet), soonest first. */
export async function listExpiringSessions(db: Db, projectId: string, withinMs: number, now = new Date(), limit = 200) {
  return db
    .select()
    .from(sessions)
    .where(
      and(
        eq(sessions.projectId, projectId),
        ne(sessions.state, 'expired'),
        isNotNull(sessions.expiresAt),
        lte(sessions.expiresAt, new Date(now.getTime() + withinMs)),
      ),
    )
    .orderBy(asc(sessions.expiresAt))
    .limit(limit);
}

export async function findSession(db: Db, projectId: string, sessionId: string) {
  const rows = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.projectId, projectId), eq(sessions.id, sessionId)))
    .limit(1);
  return rows[0] ?? null;
}

// ── the lifecycle cron's queries ─────────────────────────────────────────────────────────────

/** Active sessions idle longer than their project's `session_idle_minutes` go to sleep; returns them. */
export async function sleepIdleSessions(db: Db, now: Date) {
  return db
    .update(sessions)
    .set({ state: 'sleeping' })
    .where(
      and(
        eq(sessions.state, 'active'),
        sql`${sessions.lastActiveAt} < ${now.toISOString()}::timestamptz - make_interval(mins => (SELECT ${projects.sessionIdleMinutes} FROM ${projects} WHERE ${projects.id} = ${sessions.projectId}))`,
      ),
    )
    .returning({ id: sessions.id, projectId: sessions.projectId });
}

/** Sessions whose TTL ends within a day and that have not been warned yet. */
export async function sessionsToWarn(db: Db, now: Date) {
  return db
    .select({ id: sessions.id, projectId: sessions.projectId, expiresAt: sessions.expiresAt })
    .from(sessions)
    .where(
      and(
        ne(sessions.state, 'expired'),
        isNull(sessions.expiryWarnedAt),
        isNotNull(sessions.expiresAt),
        lte(sessions.expiresAt, new Date(now.getTime() + EXPIRY_WARNING_MS)),
      ),
    );
}

export async function markExpiryWarned(db: Db, sessionId: string, now: Date) {
  await db.update(sessions).set({ expiryWarnedAt: now }).where(eq(sessions.id, sessionId));
}

/** Sessions past their TTL become `expired`, only once their warning went out; returns them. */
export async function expireSessions(db: Db, now: Date) {
  return db
    .update(sessions)
    .set({ state: 'expired' })
    .where(and(ne(sessions.state, 'expired'), isNotNull(sessions.expiryWarnedAt), lte(sessions.expiresAt, now)))
    .returning({ id: sessions.id, projectId: sessions.projectId });
}

/**
 * Expired sessions are deleted (their rows go with them) `graceMs` after the later of their TTL's
 * end and their warning: a warning sent late still leaves the whole grace period.
 */
export async function deleteExpiredSessions(db: Db, now: Date, graceMs: number) {
  return db
    .delete(sessions)
    .where(
      and(
        eq(sessions.state, 'expired'),
        isNotNull(sessions.expiryWarnedAt),
        sql`greatest(${sessions.expiresAt}, ${sessions.expiryWarnedAt}) < ${new Date(now.getTime() - graceMs).toISOString()}::timestamptz`,
      ),
    )
    .returning({ id: sessions.id, projectId: sessions.projectId });
}

export async function sessionsByIds(db: Db, ids: string[]) {
  return ids.length === 0 ? [] : db.select().from(sessions).where(inArray(sessions.id, ids));
}

export async function listBuildJobs(db: Db, sessionId: string, limit = 50) {
  return db.select().from(buildJobs).where(eq(buildJobs.sessionId, sessionId)).orderBy(desc(buildJobs.createdAt)).limit(limit);
}

// The session lifecycle against real Postgres, on a fake clock: every function takes `now`.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { SparkEventV1 } from '../../contracts/event';
import {
  extendSession,
  findSession,
  insertSession,
  listExpiringSessions,
  SessionClosedError,
  SessionQuotaError,
  touchSession,
  wakeSession,
} from '../../db/queries/sessions';
import { projects, sessions } from '../../db/schema';
import { EXPIRED_GRACE_MS, runLifecycle, type LetGoReason } from '../../workers/lifecycle';
import { seedProject, useTestDatabase } from './helpers';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = new Date('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

describe('session lifecycle', () => {
  const h = useTestDatabase('spark_lifecycle', 2);

  /** The cron's reach, recorded: events sent and rooms told to let go. */
  function recorder(opts: { failEmit?: boolean } = {}) {
    const events: { projectId: string; event: SparkEventV1 }[] = [];
    const letGo: { sessionId: string; reason: LetGoReason }[] = [];
    return {
      /** Only this project's: the cron runs over every project in the database. */
      eventsOf: (projectId: string) => events.filter((e) => e.projectId === projectId),
      events,
      letGo,
      deps: {
        emit: async (projectId: string, event: SparkEventV1) => {
          if (opts.failEmit) throw new Error('queue down');
          events.push({ projectId, event });
        },
        letGo: async (sessionId: string, reason: LetGoReason) => void letGo.push({ sessionId, reason }),
      },
    };
  }

  async function project(limits: Partial<typeof projects.$inferInsert> = {}) {
    const { project, user } = await seedProject(h.db, 'life');
    if (Object.keys(limits).length > 0) await h.db.update(projects).set(limits).where(eq(projects.id, project.id));
    return { projectId: project.id, userId: user.id };
  }
  const start = (projectId: string, now = T0, expiresAt: Date | null = null) => insertSession(h.db, { projectId, name: 's', createdBy: null, expiresAt }, now);
  const stateOf = async (projectId: string, id: string) => (await findSession(h.db, projectId, id))?.state;

  it('sleeps a session idle longer than its project allows, and only then', async () => {
    const { projectId } = await project({ sessionIdleMinutes: 30 });
    const s = await start(projectId);
    const rec = recorder();
    await runLifecycle(h.db, at(30 * MIN), rec.deps);
    expect(await stateOf(projectId, s.id)).toBe('active');
    // Activity at 20 min moves the idle clock: 49 min is 29 idle minutes.
    expect(await touchSession(h.db, s.id, at(20 * MIN))).not.toBeNull();
    await runLifecycle(h.db, at(49 * MIN), rec.deps);
    expect(await stateOf(projectId, s.id)).toBe('active');
    await runLifecycle(h.db, at(51 * MIN), rec.deps);
    expect(await stateOf(projectId, s.id)).toBe('sleeping');
    expect(rec.letGo).toContainEqual({ sessionId: s.id, reason: 'sleeping' });
  });

  it('uses the default of 120 idle minutes', async () => {
    const { projectId } = await project();
    const s = await start(projectId);
    await runLifecycle(h.db, at(119 * MIN), recorder().deps);
    expect(await stateOf(projectId, s.id)).toBe('active');
    await runLifecycle(h.db, at(121 * MIN), recorder().deps);
    expect(await stateOf(projectId, s.id)).toBe('sleeping');
  });

  it('writes activity at most once a minute, and never on a sleeping session', async () => {
    const { projectId } = await project({ sessionIdleMinutes: 5 });
    const s = await start(projectId);
    expect(await touchSession(h.db, s.id, at(30_000))).toBeNull();
    expect((await touchSession(h.db, s.id, at(MIN)))?.lastActiveAt).toEqual(at(MIN));
    expect(await touchSession(h.db, s.id, at(MIN + 59_000))).toBeNull();
    await runLifecycle(h.db, at(10 * MIN), recorder().deps);
    expect(await touchSession(h.db, s.id, at(11 * MIN))).toBeNull();
    expect(await stateOf(projectId, s.id)).toBe('sleeping');
  });

  it('wakes a sleeping session, which then sleeps again only after a fresh idle period', async () => {
    const { projectId } = await project({ sessionIdleMinutes: 10 });
    const s = await start(projectId);
    await runLifecycle(h.db, at(11 * MIN), recorder().deps);
    expect(await stateOf(projectId, s.id)).toBe('sleeping');
    const woken = await wakeSession(h.db, projectId, s.id, at(12 * MIN));
    expect(woken).toMatchObject({ state: 'active', lastActiveAt: at(12 * MIN) });
    await runLifecycle(h.db, at(21 * MIN), recorder().deps);
    expect(await stateOf(projectId, s.id)).toBe('active');
    await runLifecycle(h.db, at(23 * MIN), recorder().deps);
    expect(await stateOf(projectId, s.id)).toBe('sleeping');
  });

  it('warns a day before the TTL, expires only after the warning, deletes after the grace period', async () => {
    const { projectId } = await project({ sessionIdleMinutes: 100_000 });
    const s = await start(projectId, T0, at(3 * DAY));
    const rec = recorder();
    await runLifecycle(h.db, at(2 * DAY - MIN), rec.deps);
    expect(rec.eventsOf(projectId)).toHaveLength(0);
    expect((await listExpiringSessions(h.db, projectId, DAY, at(2 * DAY - MIN))).map((r) => r.id)).toEqual([]);
    expect((await listExpiringSessions(h.db, projectId, DAY, at(2 * DAY))).map((r) => r.id)).toEqual([s.id]);

    await runLifecycle(h.db, at(2 * DAY + MIN), rec.deps);
    expect(rec.eventsOf(projectId)).toHaveLength(1);
    expect(rec.eventsOf(projectId)[0]).toMatchObject({ projectId, event: { type: 'session.expiring', session_id: s.id, payload: { expires_at: at(3 * DAY).toISOString(), seconds_left: DAY / 1000 - 60 } } });
    // Once only.
    await runLifecycle(h.db, at(2 * DAY + 10 * MIN), rec.deps);
    expect(rec.eventsOf(projectId)).toHaveLength(1);

    await runLifecycle(h.db, at(3 * DAY - MIN), rec.deps);
    expect(await stateOf(projectId, s.id)).toBe('active');
    await runLifecycle(h.db, at(3 * DAY), rec.deps);
    expect(await stateOf(projectId, s.id)).toBe('expired');
    expect(rec.letGo).toContainEqual({ sessionId: s.id, reason: 'expired' });
    await expect(wakeSession(h.db, projectId, s.id, at(3 * DAY + MIN))).rejects.toBeInstanceOf(SessionClosedError);

    await runLifecycle(h.db, at(3 * DAY + EXPIRED_GRACE_MS), rec.deps);
    expect(await findSession(h.db, projectId, s.id)).not.toBeNull();
    await runLifecycle(h.db, at(3 * DAY + EXPIRED_GRACE_MS + MIN), rec.deps);
    expect(await findSession(h.db, projectId, s.id)).toBeNull();
  });

  it('never expires a session whose warning could not be sent, and expires it a run after the warning', async () => {
    const { projectId } = await project({ sessionIdleMinutes: 100_000 });
    const s = await start(projectId, T0, at(HOUR));
    // The cron was away past the TTL and the queue is down: no warning, so no expiry.
    const down = recorder({ failEmit: true });
    const r1 = await runLifecycle(h.db, at(2 * HOUR), down.deps);
    expect(r1.failures).toBeGreaterThanOrEqual(1);
    await runLifecycle(h.db, at(400 * DAY), down.deps);
    expect(await findSession(h.db, projectId, s.id)).toMatchObject({ state: 'sleeping', expiryWarnedAt: null });

    const up = recorder();
    await runLifecycle(h.db, at(400 * DAY + MIN), up.deps);
    expect(up.events.filter((e) => e.projectId === projectId).map((e) => e.event.payload)).toEqual([{ expires_at: at(HOUR).toISOString(), seconds_left: 0 }]);
    expect(await stateOf(projectId, s.id)).toBe('sleeping');
    await runLifecycle(h.db, at(400 * DAY + 6 * MIN), up.deps);
    expect(await stateOf(projectId, s.id)).toBe('expired');
    // The grace period runs from the late warning, not from the long-past TTL.
    await runLifecycle(h.db, at(400 * DAY + MIN + EXPIRED_GRACE_MS), up.deps);
    expect(await stateOf(projectId, s.id)).toBe('expired');
    await runLifecycle(h.db, at(400 * DAY + 2 * MIN + EXPIRED_GRACE_MS), up.deps);
    expect(await findSession(h.db, projectId, s.id)).toBeNull();
  });

  it('extends the TTL from its current end and warns again for the new end', async () => {
    const { projectId } = await project({ sessionIdleMinutes: 100_000 });
    const s = await start(projectId, T0, at(10 * HOUR));
    const rec = recorder();
    await runLifecycle(h.db, at(MIN), rec.deps);
    expect(rec.eventsOf(projectId)).toHaveLength(1);
    const extended = await extendSession(h.db, projectId, s.id, 2 * 86400, at(2 * HOUR));
    expect(extended).toMatchObject({ expiresAt: at(2 * DAY + 10 * HOUR), expiryWarnedAt: null });
    await runLifecycle(h.db, at(11 * HOUR), rec.deps);
    expect(await stateOf(projectId, s.id)).toBe('active');
    expect(rec.eventsOf(projectId)).toHaveLength(1);
    await runLifecycle(h.db, at(DAY + 10 * HOUR), rec.deps);
    expect(rec.eventsOf(projectId)).toHaveLength(2);
  });

  it('refuses a session past max_sessions, naming the limit and the count; expired ones do not count', async () => {
    const { projectId } = await project({ maxSessions: 3, maxActiveSessions: 10, sessionIdleMinutes: 100_000 });
    const made = [await start(projectId), await start(projectId), await start(projectId, T0, at(HOUR))];
    const err = await start(projectId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionQuotaError);
    expect(err).toMatchObject({ limit: 'max_sessions', max: 3, count: 3 });
    expect((err as Error).message).toBe('max_sessions is 3 and the project has 3 sessions');
    // The third one expires (warned, then past its TTL): a place is free again.
    await runLifecycle(h.db, at(MIN), recorder().deps);
    await runLifecycle(h.db, at(2 * HOUR), recorder().deps);
    expect(await stateOf(projectId, made[2]!.id)).toBe('expired');
    await expect(start(projectId, at(2 * HOUR))).resolves.toMatchObject({ state: 'active' });
  });

  it('holds max_active_sessions on creation and on waking, at its edge', async () => {
    const { projectId } = await project({ maxActiveSessions: 2, maxSessions: 50, sessionIdleMinutes: 10 });
    const a = await start(projectId);
    await start(projectId);
    await expect(start(projectId)).rejects.toMatchObject({ limit: 'max_active_sessions', max: 2, count: 2 });
    // Both sleep; two can be active again, the third place is refused.
    await runLifecycle(h.db, at(11 * MIN), recorder().deps);
    const c = await start(projectId, at(12 * MIN));
    const d = await start(projectId, at(12 * MIN));
    await expect(wakeSession(h.db, projectId, a.id, at(13 * MIN))).rejects.toMatchObject({ limit: 'max_active_sessions', max: 2, count: 2 });
    expect(await stateOf(projectId, a.id)).toBe('sleeping');
    // One sleeps: now `a` wakes.
    await h.db.update(sessions).set({ state: 'sleeping' }).where(eq(sessions.id, d.id));
    await expect(wakeSession(h.db, projectId, a.id, at(14 * MIN))).resolves.toMatchObject({ state: 'active' });
    expect(await stateOf(projectId, c.id)).toBe('active');
  });

  it('lets only one of two racing creations take the last place', async () => {
    const { projectId } = await project({ maxActiveSessions: 1 });
    const results = await Promise.allSettled([start(projectId), start(projectId)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.any(SessionQuotaError)]);
  });
});

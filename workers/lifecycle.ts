// The session lifecycle's cron job: idle sessions sleep, sessions near their TTL are warned, past
// it they expire, and expired ones are deleted after a grace period. Everything takes `now`, so
// tests drive it on a fake clock.
import { eventOf } from '../contracts/event-catalog';
import type { SparkEventV1 } from '../contracts/event';
import type { Db } from '../db/client';
import { deleteExpiredSessions, expireSessions, markExpiryWarned, sessionsToWarn, sleepIdleSessions } from '../db/queries/sessions';

/** Expired sessions are kept this long after their TTL ended, then deleted. */
export const EXPIRED_GRACE_MS = 7 * 86400_000;

/** Close codes of the sockets a room lets go: the session went to sleep (open it to wake it), or expired. */
export const CLOSE_SESSION_SLEEPING = 4408;
export const CLOSE_SESSION_EXPIRED = 4410;

/** Why the room lets its sockets go. */
export type LetGoReason = 'sleeping' | 'expired';

export interface LifecycleDeps {
  /** Sends one event for the project (the Worker: through the event queue). */
  emit(projectId: string, event: SparkEventV1): Promise<void>;
  /** Tells the session's room to drop its agent work and close its sockets. */
  letGo(sessionId: string, reason: LetGoReason): Promise<void>;
  graceMs?: number;
}

export interface LifecycleReport {
  slept: number;
  expired: number;
  deleted: number;
  warned: number;
  /** Rooms or events that could not be reached; the next run tries the warnings again. */
  failures: number;
}

export async function runLifecycle(db: Db, now: Date, deps: LifecycleDeps): Promise<LifecycleReport> {
  const report: LifecycleReport = { slept: 0, expired: 0, deleted: 0, warned: 0, failures: 0 };
  const letGo = async (ids: { id: string }[], reason: LetGoReason) => {
    const results = await Promise.allSettled(ids.map((s) => deps.letGo(s.id, reason)));
    report.failures += results.filter((r) => r.status === 'rejected').length;
  };

  const slept = await sleepIdleSessions(db, now);
  report.slept = slept.length;
  await letGo(slept, 'sleeping');

  // Expiry before warnings: a session warned in this run expires in a later one at the earliest.
  const expired = await expireSessions(db, now);
  report.expired = expired.length;
  await letGo(expired, 'expired');

  report.deleted = (await deleteExpiredSessions(db, now, deps.graceMs ?? EXPIRED_GRACE_MS)).length;

  for (const s of await sessionsToWarn(db, now)) {
    const expiresAt = s.expiresAt!;
    const event = eventOf(
      'session.expiring',
      { expires_at: expiresAt.toISOString(), seconds_left: Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)) },
      { id: crypto.randomUUID(), source: 'spark-edge', ts: now.getTime() / 1000, session_id: s.id },
    );
    try {
      await deps.emit(s.projectId, event);
      // Marked only once sent: a warning that failed is sent again, and expiry waits for it.
      await markExpiryWarned(db, s.id, now);
      report.warned++;
    } catch {
      report.failures++;
    }
  }
  return report;
}

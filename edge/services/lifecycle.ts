// The session lifecycle as the API speaks it: waking (with its quota) and its errors as HTTP answers.
import type { Db } from '../../db/client';
import { findSession, SessionClosedError, SessionQuotaError, sleepSession, wakeSession } from '../../db/queries/sessions';
import { HttpError, notFound } from '../http/errors';

/** The lifecycle's refusals as 409s: `quota_exceeded` (naming the limit and the count) or `session_closed`. */
export function lifecycleHttpError(err: unknown): unknown {
  if (err instanceof SessionQuotaError) return new HttpError(409, 'quota_exceeded', err.message);
  if (err instanceof SessionClosedError) return new HttpError(409, 'session_closed', err.message);
  return err;
}

/** Wakes a sleeping session (or records activity on an active one); 404 when there is none. */
export async function wakeOrRefuse(db: Db, projectId: string, sessionId: string, now = new Date()) {
  try {
    const row = await wakeSession(db, projectId, sessionId, now);
    if (!row) throw notFound('session');
    return row;
  } catch (err) {
    throw lifecycleHttpError(err);
  }
}

/**
 * Opening a session (GET) wakes it when it sleeps; a read never fails on the quota, so past
 * `max_active_sessions` the session is shown still sleeping (waking it says why).
 */
export async function openSession(db: Db, projectId: string, sessionId: string, now = new Date()) {
  const row = await findSession(db, projectId, sessionId);
  if (!row) throw notFound('session');
  if (row.state !== 'active' && row.state !== 'sleeping') return row;
  try {
    return (await wakeSession(db, projectId, sessionId, now)) ?? row;
  } catch (err) {
    if (err instanceof SessionQuotaError || err instanceof SessionClosedError) return (await findSession(db, projectId, sessionId)) ?? row;
    throw err;
  }
}

/**
 * Puts a session to sleep and has its room let go of its sockets and waiting work, as the idle
 * cron does. Asking again is harmless (the room lets go again), so a room that could not be
 * reached is a 503 to retry.
 */
export async function sleepOrRefuse(db: Db, letGo: (sessionId: string) => Promise<unknown>, projectId: string, sessionId: string) {
  let row;
  try {
    row = await sleepSession(db, projectId, sessionId);
  } catch (err) {
    throw lifecycleHttpError(err);
  }
  if (!row) throw notFound('session');
  try {
    await letGo(sessionId);
  } catch {
    throw new HttpError(503, 'unavailable', 'the session is asleep, but its room could not be told to let its connections go; ask again', undefined, { 'Retry-After': '5' });
  }
  return row;
}

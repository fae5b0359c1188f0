import type { Db } from '../../db/client';
import { listSessions } from '../../db/queries/sessions';
import type { Env } from '../env';
import { roomStub } from '../session-room';

const MAX_SESSIONS = 10_000;
const PARALLEL = 20;

/**
 * Tells every session room of the project that a token is revoked: the rooms close its sockets at
 * once and refuse it from then on. Awaited, so the revocation is in force when the caller answers.
 */
export async function closeTokenSockets(env: Env, db: Db, projectId: string, tokenId: string): Promise<number> {
  const sessions = await listSessions(db, projectId, MAX_SESSIONS);
  let closed = 0;
  for (let i = 0; i < sessions.length; i += PARALLEL) {
    const batch = sessions.slice(i, i + PARALLEL).map((s) => roomStub(env.SESSION_ROOM, s.id).revokeToken(tokenId));
    for (const r of await Promise.allSettled(batch)) if (r.status === 'fulfilled') closed += r.value;
  }
  return closed;
}

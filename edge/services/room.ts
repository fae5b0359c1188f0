import type { Context } from 'hono';
import type { UnityOperation } from '../../contracts/unity-ops';
import type { Db } from '../../db/client';
import { findSession } from '../../db/queries/sessions';
import type { Env } from '../env';
import { HttpError, notFound } from '../http/errors';
import { roomStub } from '../session-room';
import type { AppEnv } from '../types';
import type { Caller } from './caller';
import { isUuid, requireProject, type Need } from './access';
import { wakeOrRefuse } from './lifecycle';

/** The session's room, after checking the caller may `need` it and the session exists. */
export async function sessionRoom(c: Context<AppEnv>, need: Need, opts: OpenOptions = {}) {
  const { projectId, sessionId } = c.req.param() as { projectId: string; sessionId: string };
  return openRoom({ db: c.var.db, env: c.env, caller: c.var.caller }, projectId, sessionId, need, opts);
}

/** What opening a room needs, without HTTP: the same checks for the API and the MCP tools. */
export interface RoomDeps {
  db: Db;
  env: Env;
  caller: Caller;
}

export type OpenedRoom = Awaited<ReturnType<typeof openRoom>>;

export interface OpenOptions {
  /** Opening it (a browser's socket) wakes a sleeping session. */
  wake?: boolean;
}

export async function openRoom({ db, env, caller }: RoomDeps, projectId: string, sessionId: string, need: Need, opts: OpenOptions = {}) {
  await requireProject(db, caller, projectId, need);
  let session = isUuid(sessionId) ? await findSession(db, projectId, sessionId) : null;
  if (!session) throw notFound('session');
  if (opts.wake && (session.state === 'active' || session.state === 'sleeping')) session = await wakeOrRefuse(db, projectId, sessionId);
  const stub = roomStub(env.SESSION_ROOM, sessionId);

  /** Queues an operation for the session's agent; returns its call id. */
  async function queue(op: UnityOperation): Promise<string> {
    if (session!.state === 'stopped' || session!.state === 'expired') throw new HttpError(409, 'session_closed', `the session is ${session!.state}; start a new one`);
    // An op is activity, and one sent to a sleeping session wakes it rather than failing.
    await wakeOrRefuse(db, projectId, sessionId);
    const callId = crypto.randomUUID();
    await stub.queueOp({ projectId, sessionId, callId, op, ttlMs: Number(env.OP_TTL_SECONDS ?? 900) * 1000 });
    return callId;
  }
  return { projectId, sessionId, session, stub, queue };
}

import { Hono } from 'hono';
import { unityOperation } from '../../contracts/unity-ops';
import { firstIssue } from '../../contracts/errors';
import { markAgentSeen } from '../../db/queries/agents';
import { findSession } from '../../db/queries/sessions';
import { defer } from '../http/middleware';
import { HttpError, notFound } from '../http/errors';
import { readJsonLimited } from '../http/validate';
import { isUuid, requireProject } from '../services/access';
import type { Caller } from '../services/caller';
import { frameKey, roomStub } from '../session-room';
import type { AppEnv } from '../types';
import type { Context } from 'hono';

const S = '/:projectId/sessions/:sessionId';
const OP_BODY_LIMIT = 1024 * 1024;

/** The session's room, after checking the caller may `need` it and the session exists. */
async function room(c: Context<AppEnv>, need: 'read' | 'write' | 'agent') {
  const { projectId, sessionId } = c.req.param() as { projectId: string; sessionId: string };
  await requireProject(c.var.db, c.var.caller, projectId, need);
  const session = isUuid(sessionId) ? await findSession(c.var.db, projectId, sessionId) : null;
  if (!session) throw notFound('session');
  return { projectId, sessionId, session, stub: roomStub(c.env.SESSION_ROOM, sessionId) };
}

export const liveRoutes = new Hono<AppEnv>()
  .post(`${S}/ops`, async (c) => {
    const { projectId, sessionId, session, stub } = await room(c, 'write');
    const parsed = unityOperation.safeParse(await readJsonLimited(c.req.raw, OP_BODY_LIMIT));
    if (!parsed.success) {
      const issue = firstIssue(parsed.error);
      throw new HttpError(400, 'invalid_op', issue.message, issue.path);
    }
    if (session.state === 'stopped' || session.state === 'expired') throw new HttpError(409, 'session_closed', `the session is ${session.state}; start a new one`);
    const callId = crypto.randomUUID();
    const ttlMs = Number(c.env.OP_TTL_SECONDS ?? 900) * 1000;
    const view = await stub.queueOp({ projectId, sessionId, callId, op: parsed.data, ttlMs });
    return c.json({ callId, state: view.state }, 202);
  })
  .get(`${S}/ops`, async (c) => {
    const { stub } = await room(c, 'read');
    const [ops, agent] = await Promise.all([stub.listOps(), stub.agentState()]);
    return c.json({ items: [...ops].reverse(), agent });
  })
  .get(`${S}/ops/:callId`, async (c) => {
    const { stub } = await room(c, 'read');
    const view = await stub.getOp(c.req.param('callId'));
    if (!view) throw notFound('operation');
    return c.json(view);
  })
  .get(`${S}/frames/:callId`, async (c) => {
    const { projectId, sessionId } = await room(c, 'read');
    const callId = c.req.param('callId');
    if (!isUuid(callId)) throw notFound('frame');
    const etag = `"${callId}"`;
    // A frame never changes once stored: cache it for good, privately (it needs auth).
    const cacheHeaders = { 'cache-control': 'private, max-age=31536000, immutable', etag };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, cacheHeaders);
    const object = await c.env.ARTIFACTS.get(frameKey(projectId, sessionId, callId));
    if (!object) throw notFound('frame');
    return c.body(object.body, 200, { ...cacheHeaders, 'content-type': object.httpMetadata?.contentType ?? 'application/octet-stream' });
  })
  .get(`${S}/connect`, async (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') throw new HttpError(426, 'upgrade_required', 'connect with a WebSocket');
    const role = c.req.query('role') === 'agent' ? 'agent' : 'browser';
    const caller: Caller = c.var.caller;
    if (role === 'agent' && !(caller.kind === 'token' && caller.scope === 'agent')) throw new HttpError(403, 'forbidden', 'only an agent token can connect as the agent');
    const { projectId, sessionId, stub } = await room(c, role === 'agent' ? 'agent' : 'read');
    if (caller.kind === 'token' && role === 'agent') defer(c, markAgentSeen(c.var.db, caller.tokenId, 'online'));
    const headers = new Headers(c.req.raw.headers);
    headers.set('x-spark-role', role);
    headers.set('x-spark-project', projectId);
    headers.set('x-spark-session', sessionId);
    return stub.fetch(new Request(c.req.raw.url, { headers }));
  });

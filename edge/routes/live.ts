import { Hono } from 'hono';
import { unityOperation } from '../../contracts/unity-ops';
import { firstIssue } from '../../contracts/errors';
import { HttpError, notFound } from '../http/errors';
import { sessionRoom } from '../services/room';
import { readJsonLimited } from '../http/validate';
import { isUuid } from '../services/access';
import type { Caller } from '../services/caller';
import { frameKey } from '../session-room';
import type { AppEnv } from '../types';

export const S = '/:projectId/sessions/:sessionId';
const OP_BODY_LIMIT = 1024 * 1024;

export const liveRoutes = new Hono<AppEnv>()
  .post(`${S}/ops`, async (c) => {
    const { queue } = await sessionRoom(c, 'write');
    const parsed = unityOperation.safeParse(await readJsonLimited(c.req.raw, OP_BODY_LIMIT));
    if (!parsed.success) {
      const issue = firstIssue(parsed.error);
      throw new HttpError(400, 'invalid_op', issue.message, issue.path);
    }
    return c.json({ callId: await queue(parsed.data) }, 202);
  })
  .get(`${S}/ops`, async (c) => {
    const { stub } = await sessionRoom(c, 'read');
    const [ops, agent] = await Promise.all([stub.listOps(), stub.agentState()]);
    return c.json({ items: [...ops].reverse(), agent });
  })
  .get(`${S}/ops/:callId`, async (c) => {
    const { stub } = await sessionRoom(c, 'read');
    const view = await stub.getOp(c.req.param('callId'));
    if (!view) throw notFound('operation');
    return c.json(view);
  })
  .get(`${S}/frames/:callId`, async (c) => {
    const { projectId, sessionId } = await sessionRoom(c, 'read');
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
    const { projectId, sessionId, stub } = await sessionRoom(c, role === 'agent' ? 'agent' : 'read');
    const headers = new Headers(c.req.raw.headers);
    headers.set('x-spark-role', role);
    headers.set('x-spark-project', projectId);
    headers.set('x-spark-session', sessionId);
    if (caller.kind === 'token') headers.set('x-spark-token-id', caller.tokenId);
    return stub.fetch(new Request(c.req.raw.url, { headers }));
  });

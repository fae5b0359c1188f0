import { Hono } from 'hono';
import { unityOperation } from '../../contracts/unity-ops';
import { firstIssue } from '../../contracts/errors';
import { HttpError, notFound, unauthorized } from '../http/errors';
import { sessionRoom } from '../services/room';
import { jsonBodyOf } from '../http/validate';
import { issueSocketTicket, readSocketTicket } from '../auth/access-token';
import { defer, enforceRateLimit, jwtSecret } from '../http/middleware';
import { isUuid, requireUser } from '../services/access';
import { bearerToken, callerKey, resolveCaller, userCaller, type Caller } from '../services/caller';
import { frameKey } from '../session-room';
import type { AppEnv } from '../types';

export const S = '/:projectId/sessions/:sessionId';
const OP_BODY_LIMIT = 1024 * 1024;

export const liveRoutes = new Hono<AppEnv>()
  .post(`${S}/ops`, async (c) => {
    const { queue } = await sessionRoom(c, 'write');
    const parsed = unityOperation.safeParse(await jsonBodyOf(c, OP_BODY_LIMIT));
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
  // A one-time, 30-second ticket for a browser's WebSocket: browsers cannot send headers on one.
  .post(`${S}/socket-tickets`, async (c) => {
    const user = requireUser(c.var.caller);
    const { projectId, sessionId } = await sessionRoom(c, 'read');
    const { ticket, claims } = await issueSocketTicket({ sub: user.userId, email: user.email, projectId, sessionId }, jwtSecret(c.env));
    return c.json({ ticket, expires_at: new Date(claims.exp * 1000).toISOString() }, 201);
  });

/**
 * The session's WebSocket. Mounted before the bearer-token middleware because a browser cannot
 * send a header here: it presents a one-time ticket (`?ticket=`); the agent and other programs
 * send `Authorization: Bearer`. No credential ever travels in the URL.
 */
export const connectRoutes = new Hono<AppEnv>().get(`${S}/connect`, async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') throw new HttpError(426, 'upgrade_required', 'connect with a WebSocket');
  const role = c.req.query('role') === 'agent' ? 'agent' : 'browser';
  const ticketParam = c.req.query('ticket');
  const ticket = ticketParam ? await readSocketTicket(ticketParam, jwtSecret(c.env)) : null;
  if (ticketParam && (!ticket || ticket.projectId !== c.req.param('projectId') || ticket.sessionId !== c.req.param('sessionId'))) {
    throw unauthorized('the socket ticket is invalid, expired or for another session');
  }
  const caller: Caller = ticket
    ? await userCaller(c.var.db, ticket.sub, ticket.email)
    : await resolveCaller(c.var.db, bearerToken(c.req.header('authorization')), jwtSecret(c.env), (p) => defer(c, p));
  c.set('caller', caller);
  await enforceRateLimit(c.env.API_RATE_LIMIT, callerKey(caller), 'too many requests for this token; slow down');
  if (role === 'agent' && !(caller.kind === 'token' && caller.scope === 'agent')) throw new HttpError(403, 'forbidden', 'only an agent token can connect as the agent');
  const { projectId, sessionId, stub } = await sessionRoom(c, role === 'agent' ? 'agent' : 'read');
  const headers = new Headers(c.req.raw.headers);
  headers.delete('authorization');
  // Only the Worker speaks x-spark-* to the room: a client's own are dropped.
  for (const name of [...headers.keys()]) if (name.startsWith('x-spark-')) headers.delete(name);
  headers.set('x-spark-role', role);
  headers.set('x-spark-project', projectId);
  headers.set('x-spark-session', sessionId);
  if (caller.kind === 'token') headers.set('x-spark-token-id', caller.tokenId);
  if (ticket) {
    headers.set('x-spark-ticket', ticket.jti);
    headers.set('x-spark-ticket-exp', String(ticket.exp));
  }
  // The room sees the path only: the query (the ticket) stays out of anything it might log.
  const url = new URL(c.req.raw.url);
  url.search = '';
  return stub.fetch(new Request(url, { headers }));
});

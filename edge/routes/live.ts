import { createRoute, z } from '@hono/zod-openapi';
import { opQueued, opsList, socketTicketView } from '../../contracts/api';
import { unityOperation } from '../../contracts/unity-ops';
import { opView } from '../../contracts/ws';
import { HttpError, notFound, unauthorized } from '../http/errors';
import { sessionRoom } from '../services/room';
import { issueSocketTicket, readSocketTicket } from '../auth/access-token';
import { defer, enforceRateLimit, jwtSecret } from '../http/middleware';
import { BEARER_OR_TICKET, createRouter, errorResponse, errorResponses, failWith, jsonBody, jsonContent, SESSION_PATH as S, sessionParams, type AppRouteHandler } from '../http/router';
import { isUuid, requireUser } from '../services/access';
import { bearerToken, callerKey, resolveCaller, userCaller, type Caller } from '../services/caller';
import { frameKey } from '../session-room';

const callParams = sessionParams.extend({ callId: z.string() });

export const queueOp = createRoute({
  method: 'post',
  path: `${S}/ops`,
  summary: 'Queue a Unity operation for the agent',
  request: { params: sessionParams, body: jsonBody(unityOperation) },
  responses: {
    202: jsonContent(opQueued, 'Queued; its progress arrives over the socket'),
    ...errorResponses,
    409: errorResponse('The session is stopped or expired (`session_closed`), or waking it would pass `max_active_sessions` (`quota_exceeded`)'),
  },
});

export const listOps = createRoute({
  method: 'get',
  path: `${S}/ops`,
  summary: 'Recent operations, newest first, and the agent state',
  request: { params: sessionParams },
  responses: { 200: jsonContent(opsList, 'Operations and the agent'), ...errorResponses },
});

export const getOp = createRoute({
  method: 'get',
  path: `${S}/ops/{callId}`,
  summary: 'One operation',
  request: { params: callParams },
  responses: { 200: jsonContent(opView, 'The operation'), ...errorResponses },
});

const image = { schema: z.string().meta({ format: 'binary' }) };
export const getFrame = createRoute({
  method: 'get',
  path: `${S}/frames/{callId}`,
  summary: 'A preview frame (immutable; Authorization header)',
  request: { params: callParams },
  responses: {
    200: { description: 'The image', content: { 'image/png': image, 'image/jpeg': image } },
    304: { description: 'Unchanged (If-None-Match)' },
    ...errorResponses,
  },
});

export const createSocketTicket = createRoute({
  method: 'post',
  path: `${S}/socket-tickets`,
  summary: "A one-time, 30-second ticket for a browser's WebSocket",
  request: { params: sessionParams },
  responses: { 201: jsonContent(socketTicketView, 'The ticket'), ...errorResponses },
});

export const connectSession = createRoute({
  method: 'get',
  path: `${S}/connect`,
  summary: 'WebSocket to the session room (Authorization header, or ?ticket= from socket-tickets)',
  ...BEARER_OR_TICKET,
  request: {
    params: sessionParams,
    query: z.object({
      role: z.string().optional().describe('`agent` (an agent token) or `browser` (anything else)'),
      ticket: z.string().optional().describe('A one-time ticket from socket-tickets'),
    }),
  },
  responses: {
    101: { description: 'Switching Protocols: the socket is open' },
    426: errorResponse('Not a WebSocket upgrade'),
    ...errorResponses,
  },
});

const queue: AppRouteHandler<typeof queueOp> = async (c) => {
  const room = await sessionRoom(c, 'write');
  return c.json({ callId: await room.queue(c.req.valid('json')) }, 202);
};

const ops: AppRouteHandler<typeof listOps> = async (c) => {
  const { stub } = await sessionRoom(c, 'read');
  const [items, agent] = await Promise.all([stub.listOps(), stub.agentState()]);
  return c.json({ items: [...items].reverse(), agent }, 200);
};

const op: AppRouteHandler<typeof getOp> = async (c) => {
  const { stub } = await sessionRoom(c, 'read');
  const view = await stub.getOp(c.req.valid('param').callId);
  if (!view) throw notFound('operation');
  return c.json(view, 200);
};

const frame: AppRouteHandler<typeof getFrame> = async (c) => {
  const { projectId, sessionId } = await sessionRoom(c, 'read');
  const { callId } = c.req.valid('param');
  if (!isUuid(callId)) throw notFound('frame');
  const etag = `"${callId}"`;
  // A frame never changes once stored: cache it for good, privately (it needs auth).
  const cacheHeaders = { 'cache-control': 'private, max-age=31536000, immutable', etag };
  if (c.req.header('if-none-match') === etag) return c.body(null, 304, cacheHeaders);
  const object = await c.env.ARTIFACTS.get(frameKey(projectId, sessionId, callId));
  if (!object) throw notFound('frame');
  return c.body(object.body, 200, { ...cacheHeaders, 'content-type': object.httpMetadata?.contentType ?? 'application/octet-stream' });
};

// A one-time, 30-second ticket for a browser's WebSocket: browsers cannot send headers on one.
const socketTicket: AppRouteHandler<typeof createSocketTicket> = async (c) => {
  const user = requireUser(c.var.caller);
  const { projectId, sessionId } = await sessionRoom(c, 'read');
  const { ticket, claims } = await issueSocketTicket({ sub: user.userId, email: user.email, projectId, sessionId }, jwtSecret(c.env));
  return c.json({ ticket, expires_at: new Date(claims.exp * 1000).toISOString() }, 201);
};

export const liveRoutes = createRouter()
  // A bad operation keeps its code (`invalid_op`); access and the session are checked first.
  .openapi(queueOp, queue, failWith('invalid_op', (c) => sessionRoom(c, 'write')))
  .openapi(listOps, ops)
  .openapi(getOp, op)
  .openapi(getFrame, frame)
  .openapi(createSocketTicket, socketTicket);

const connect: AppRouteHandler<typeof connectSession> = async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') throw new HttpError(426, 'upgrade_required', 'connect with a WebSocket');
  const query = c.req.valid('query');
  const role = query.role === 'agent' ? 'agent' : 'browser';
  const ticketParam = query.ticket;
  const ticket = ticketParam ? await readSocketTicket(ticketParam, jwtSecret(c.env)) : null;
  if (ticketParam && (!ticket || ticket.projectId !== c.req.valid('param').projectId || ticket.sessionId !== c.req.valid('param').sessionId)) {
    throw unauthorized('the socket ticket is invalid, expired or for another session');
  }
  const { projectId: pathProject } = c.req.valid('param');
  const caller: Caller = ticket
    ? await userCaller(c.var.db, ticket.sub, ticket.email, pathProject)
    : await resolveCaller(c.var.db, bearerToken(c.req.header('authorization')), jwtSecret(c.env), (p) => defer(c, p), pathProject);
  c.set('caller', caller);
  await enforceRateLimit(c.env.API_RATE_LIMIT, callerKey(caller), 'too many requests for this token; slow down');
  if (role === 'agent' && !(caller.kind === 'token' && caller.scope === 'agent')) throw new HttpError(403, 'forbidden', 'only an agent token can connect as the agent');
  // A browser opening the session wakes it; the agent reconnecting does not (it would never sleep).
  const { projectId, sessionId, stub } = await sessionRoom(c, role === 'agent' ? 'agent' : 'read', { wake: role === 'browser' });
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
};

/**
 * The session's WebSocket. Mounted before the bearer-token middleware because a browser cannot
 * send a header here: it presents a one-time ticket (`?ticket=`); the agent and other programs
 * send `Authorization: Bearer`. No credential ever travels in the URL.
 */
export const connectRoutes = createRouter().openapi(connectSession, connect);

import { createRoute } from '@hono/zod-openapi';
import { createSessionBody, extendSessionBody, listOf, listSessionsQuery, sessionView as sessionViewSchema } from '../../contracts/api';
import { extendSession, insertSession, listExpiringSessions, listSessions } from '../../db/queries/sessions';
import { notFound } from '../http/errors';
import { createRouter, errorResponse, errorResponses, jsonBody, jsonContent, projectParams, SESSION_PATH, sessionParams, type AppRouteHandler } from '../http/router';
import { isUuid, requireProject } from '../services/access';
import { lifecycleHttpError, openSession, sleepOrRefuse, wakeOrRefuse } from '../services/lifecycle';
import { roomStub } from '../session-room';
import { sessionView } from '../views';

const quotaExceeded = errorResponse('Past a quota (`quota_exceeded`: the message names the limit and the count)');

export const createSession = createRoute({
  method: 'post',
  path: '/{projectId}/sessions',
  summary: 'Start a session',
  request: { params: projectParams, body: jsonBody(createSessionBody) },
  responses: { 201: jsonContent(sessionViewSchema, 'The new session'), ...errorResponses, 409: quotaExceeded },
});

export const listProjectSessions = createRoute({
  method: 'get',
  path: '/{projectId}/sessions',
  summary: 'Sessions, newest first (with expiring_within: those whose TTL ends that soon, soonest first)',
  request: { params: projectParams, query: listSessionsQuery },
  responses: { 200: jsonContent(listOf(sessionViewSchema), 'Sessions'), ...errorResponses },
});

export const getSession = createRoute({
  method: 'get',
  path: SESSION_PATH,
  summary: 'One session (opening a sleeping session wakes it)',
  request: { params: sessionParams },
  responses: { 200: jsonContent(sessionViewSchema, 'The session'), ...errorResponses, 409: quotaExceeded },
});

export const wakeSessionRoute = createRoute({
  method: 'post',
  path: `${SESSION_PATH}/wake`,
  summary: 'Wake a sleeping session',
  request: { params: sessionParams },
  responses: {
    200: jsonContent(sessionViewSchema, 'The session, active'),
    ...errorResponses,
    409: errorResponse('The session is stopped or expired (`session_closed`), or `max_active_sessions` is reached (`quota_exceeded`)'),
  },
});

export const sleepSessionRoute = createRoute({
  method: 'post',
  path: `${SESSION_PATH}/sleep`,
  summary: 'Put a session to sleep now, as the idle timeout would: its sockets and waiting ops are let go',
  request: { params: sessionParams },
  responses: {
    200: jsonContent(sessionViewSchema, 'The session, sleeping'),
    ...errorResponses,
    409: errorResponse('The session is stopped or expired (`session_closed`)'),
  },
});

export const extendSessionRoute = createRoute({
  method: 'post',
  path: `${SESSION_PATH}/extend`,
  summary: 'Extend the TTL: the session ends `ttl` after the later of now and its current end',
  request: { params: sessionParams, body: jsonBody(extendSessionBody) },
  responses: {
    200: jsonContent(sessionViewSchema, 'The session with its new end'),
    ...errorResponses,
    409: errorResponse('The session is stopped or expired (`session_closed`)'),
  },
});

const create: AppRouteHandler<typeof createSession> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'write');
  const { name, ttl, ttl_seconds } = c.req.valid('json');
  const ttlSeconds = ttl ?? ttl_seconds;
  const now = new Date();
  try {
    const row = await insertSession(
      c.var.db,
      {
        projectId,
        name,
        createdBy: c.var.caller.kind === 'user' ? c.var.caller.userId : null,
        expiresAt: ttlSeconds ? new Date(now.getTime() + ttlSeconds * 1000) : null,
      },
      now,
    );
    return c.json(sessionView(row), 201);
  } catch (err) {
    throw lifecycleHttpError(err);
  }
};

const list: AppRouteHandler<typeof listProjectSessions> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'read');
  const { expiring_within } = c.req.valid('query');
  const rows =
    expiring_within === undefined ? await listSessions(c.var.db, projectId) : await listExpiringSessions(c.var.db, projectId, expiring_within * 1000);
  return c.json({ items: rows.map(sessionView) }, 200);
};

/** The session, after checking access; 404 for an id that is not a session of this project. */
async function sessionIdOf(c: Parameters<AppRouteHandler<typeof getSession>>[0], need: 'read' | 'write') {
  const { projectId, sessionId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, need);
  if (!isUuid(sessionId)) throw notFound('session');
  return { projectId, sessionId };
}

const get: AppRouteHandler<typeof getSession> = async (c) => {
  const { projectId, sessionId } = await sessionIdOf(c, 'read');
  return c.json(sessionView(await openSession(c.var.db, projectId, sessionId)), 200);
};

const wake: AppRouteHandler<typeof wakeSessionRoute> = async (c) => {
  const { projectId, sessionId } = await sessionIdOf(c, 'write');
  return c.json(sessionView(await wakeOrRefuse(c.var.db, projectId, sessionId)), 200);
};

const sleep: AppRouteHandler<typeof sleepSessionRoute> = async (c) => {
  const { projectId, sessionId } = await sessionIdOf(c, 'write');
  const letGo = (id: string) => roomStub(c.env.SESSION_ROOM, id).letGo('sleeping');
  return c.json(sessionView(await sleepOrRefuse(c.var.db, letGo, projectId, sessionId)), 200);
};

const extend: AppRouteHandler<typeof extendSessionRoute> = async (c) => {
  const { projectId, sessionId } = await sessionIdOf(c, 'write');
  try {
    const row = await extendSession(c.var.db, projectId, sessionId, c.req.valid('json').ttl);
    if (!row) throw notFound('session');
    return c.json(sessionView(row), 200);
  } catch (err) {
    throw lifecycleHttpError(err);
  }
};

export const sessionRoutes = createRouter()
  .openapi(createSession, create)
  .openapi(listProjectSessions, list)
  .openapi(getSession, get)
  .openapi(wakeSessionRoute, wake)
  .openapi(sleepSessionRoute, sleep)
  .openapi(extendSessionRoute, extend);

import { createRoute } from '@hono/zod-openapi';
import { createSessionBody, extendSessionBody, listOf, listSessionsQuery, sessionView as sessionViewSchema } from '../../contracts/api';
import { extendSession, insertSession, listExpiringSessions, listSessions } from '../../db/queries/sessions';
import { createdSessionView } from '../../contracts/snapshots';
import { importChanges } from '../../db/queries/history';
import { notFound } from '../http/errors';
import { createRouter, errorResponse, errorResponses, jsonBody, jsonContent, projectParams, SESSION_PATH, sessionParams, type AppRouteHandler } from '../http/router';
import { isUuid, requireProject } from '../services/access';
import { lifecycleHttpError, openSession, sleepOrRefuse, wakeOrRefuse } from '../services/lifecycle';
import { importedChange } from '../services/history';
import { servedPresets } from '../services/presets';
import { openRoom } from '../services/room';
import { planRestore, queueSteps, sessionSource } from '../services/snapshots';
import { roomStub } from '../session-room';
import { sessionView } from '../views';

const quotaExceeded = errorResponse('Past a quota (`quota_exceeded`: the message names the limit and the count)');

export const createSession = createRoute({
  method: 'post',
  path: '/{projectId}/sessions',
  summary: 'Start a session; with from_snapshot or template, the agent then writes that snapshot\'s or preset\'s scripts into it',
  request: { params: projectParams, body: jsonBody(createSessionBody) },
  responses: {
    201: jsonContent(createdSessionView, 'The new session (and the writes queued into it)'),
    ...errorResponses,
    409: errorResponse('Past a quota (`quota_exceeded`: the message names the limit and the count), or a snapshot text is missing (`snapshot_incomplete`)'),
    422: errorResponse('A file of the snapshot or template cannot be sent as an operation (`invalid_op`): no session was made'),
  },
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
  const body = c.req.valid('json');
  // The source (snapshot or template) is read and every write checked before the session is made.
  const source = await sessionSource({ db: c.var.db, legacyBucket: c.env.ARTIFACTS, presets: () => servedPresets(c.env) }, projectId, body);
  const steps = source ? planRestore([], source.files) : [];
  const ttlSeconds = body.ttl ?? body.ttl_seconds ?? source?.snapshot?.settings.ttl_seconds ?? undefined;
  const now = new Date();
  let row;
  try {
    row = await insertSession(
      c.var.db,
      {
        projectId,
        name: body.name,
        createdBy: c.var.caller.kind === 'user' ? c.var.caller.userId : null,
        expiresAt: ttlSeconds ? new Date(now.getTime() + ttlSeconds * 1000) : null,
        ...(source?.snapshot ? { meta: source.snapshot.settings.meta } : {}),
      },
      now,
    );
  } catch (err) {
    throw lifecycleHttpError(err);
  }
  if (!source) return c.json(sessionView(row), 201);
  // A session from a snapshot starts with the snapshot's history, then the agent writes its files.
  if (source.snapshot) await importChanges(c.var.db, projectId, row.id, source.snapshot.history.changes.map(importedChange));
  const room = await openRoom({ db: c.var.db, env: c.env, caller: c.var.caller }, projectId, row.id, 'write');
  const restore = await queueSteps(room, steps, { snapshotId: source.snapshot?.id, template: source.template });
  return c.json({ ...sessionView(row), restore }, 201);
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

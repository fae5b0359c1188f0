import { createRoute } from '@hono/zod-openapi';
import { createSessionBody, listOf, sessionView as sessionViewSchema } from '../../contracts/api';
import { findSession, insertSession, listSessions } from '../../db/queries/sessions';
import { notFound } from '../http/errors';
import { createRouter, errorResponses, jsonBody, jsonContent, projectParams, sessionParams, type AppRouteHandler } from '../http/router';
import { isUuid, requireProject } from '../services/access';
import { sessionView } from '../views';

export const createSession = createRoute({
  method: 'post',
  path: '/{projectId}/sessions',
  summary: 'Start a session',
  request: { params: projectParams, body: jsonBody(createSessionBody) },
  responses: { 201: jsonContent(sessionViewSchema, 'The new session'), ...errorResponses },
});

export const listProjectSessions = createRoute({
  method: 'get',
  path: '/{projectId}/sessions',
  summary: 'Sessions, newest first',
  request: { params: projectParams },
  responses: { 200: jsonContent(listOf(sessionViewSchema), 'Sessions'), ...errorResponses },
});

export const getSession = createRoute({
  method: 'get',
  path: '/{projectId}/sessions/{sessionId}',
  summary: 'One session',
  request: { params: sessionParams },
  responses: { 200: jsonContent(sessionViewSchema, 'The session'), ...errorResponses },
});

const create: AppRouteHandler<typeof createSession> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'write');
  const { name, ttl_seconds } = c.req.valid('json');
  const row = await insertSession(c.var.db, {
    projectId,
    name,
    createdBy: c.var.caller.kind === 'user' ? c.var.caller.userId : null,
    expiresAt: ttl_seconds ? new Date(Date.now() + ttl_seconds * 1000) : null,
  });
  return c.json(sessionView(row), 201);
};

const list: AppRouteHandler<typeof listProjectSessions> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'read');
  return c.json({ items: (await listSessions(c.var.db, projectId)).map(sessionView) }, 200);
};

const get: AppRouteHandler<typeof getSession> = async (c) => {
  const { projectId, sessionId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'read');
  const row = isUuid(sessionId) ? await findSession(c.var.db, projectId, sessionId) : null;
  if (!row) throw notFound('session');
  return c.json(sessionView(row), 200);
};

export const sessionRoutes = createRouter().openapi(createSession, create).openapi(listProjectSessions, list).openapi(getSession, get);

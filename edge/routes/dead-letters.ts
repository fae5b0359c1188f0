import { createRoute } from '@hono/zod-openapi';
import { deadLetterList, replayBody, replayResponse } from '../../contracts/api';
import { listDeadLetters } from '../../db/queries/dead-letters';
import { replayDeadLetters } from '../../workers/replay';
import { createRouter, errorResponses, jsonBody, jsonContent, projectParams, type AppRouteHandler } from '../http/router';
import { requireProject } from '../services/access';
import { deadLetterView } from '../views';

export const listProjectDeadLetters = createRoute({
  method: 'get',
  path: '/{projectId}/dead-letters',
  summary: 'Events that could not be stored (owner)',
  request: { params: projectParams },
  responses: { 200: jsonContent(deadLetterList, 'Dead letters, newest first'), ...errorResponses },
});

export const replayProjectDeadLetters = createRoute({
  method: 'post',
  path: '/{projectId}/dead-letters/replay',
  summary: 'Re-enqueue dead letters (owner): the given ids, or all pending',
  request: { params: projectParams, body: jsonBody(replayBody) },
  responses: { 202: jsonContent(replayResponse, 'How many were re-enqueued'), ...errorResponses },
});

const list: AppRouteHandler<typeof listProjectDeadLetters> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'admin');
  return c.json({ items: (await listDeadLetters(c.var.db, projectId)).map(deadLetterView) }, 200);
};

const replay: AppRouteHandler<typeof replayProjectDeadLetters> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'admin');
  const replayed = await replayDeadLetters(c.var.db, c.env.EVENTS, projectId, c.req.valid('json').ids);
  return c.json({ replayed }, 202);
};

export const deadLetterRoutes = createRouter().openapi(listProjectDeadLetters, list).openapi(replayProjectDeadLetters, replay);

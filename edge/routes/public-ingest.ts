import { createRoute } from '@hono/zod-openapi';
import { apiError } from '../../contracts/errors';
import { publicIngestAnswer, publicSparkEvent } from '../../contracts/public-event';
import { forbidden } from '../http/errors';
import { createRouter, errorResponses, jsonBody, jsonContent, type AppRouteHandler } from '../http/router';
import { requireProject } from '../services/access';
import { acceptEvents } from '../services/ingest';
import { producersOf } from '../services/provenance';
import { completePublicEvent } from '../services/public-events';

// What a public Spark adapter posts to a daemon: one event, `Authorization: Bearer <ingest token>`
// (the token names the project), `id` and `type` optional.
export const postPublicEvent = createRoute({
  method: 'post',
  path: '/ingest',
  summary: 'One event in the public Spark event format (id and type derived when absent)',
  request: { body: jsonBody(publicSparkEvent) },
  responses: { 202: jsonContent(publicIngestAnswer, 'Queued (a resend is stored once)'), ...errorResponses, 403: jsonContent(apiError, 'Not a project token with the ingest scope') },
});

const ingest: AppRouteHandler<typeof postPublicEvent> = async (c) => {
  const caller = c.var.caller;
  if (caller.kind !== 'token') throw forbidden('POST /ingest takes a project API token (scope ingest), which names the project');
  await requireProject(c.var.db, caller, caller.projectId, 'ingest');
  const event = await completePublicEvent(c.req.valid('json'));
  await acceptEvents(c.env, caller.projectId, [event], await producersOf(c.env, caller, caller.projectId, [event]));
  return c.json({ accepted: 1 as const, id: event.id, type: event.type }, 202);
};

export const publicIngestRoutes = createRouter().openapi(postPublicEvent, ingest);

import { createRoute, z } from '@hono/zod-openapi';
import { eventsPage, eventsQuery, ingestBody, ingestResponse } from '../../contracts/api';
import { publicSparkEvent } from '../../contracts/public-event';
import { MAX_INGEST_EVENTS } from '../../contracts/limits';
import { createRouter, errorResponses, failWith, jsonBody, jsonContent, projectParams, type AppRouteHandler } from '../http/router';
import { requireProject } from '../services/access';
import { readEventsPage } from '../services/events-page';
import { acceptEvents } from '../services/ingest';
import { producersOf } from '../services/provenance';
import { splitPublicEvents } from '../services/public-events';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../types';

/**
 * The envelope as checked; each event is documented as SparkEventV1 (id and type optional: the
 * public Spark event format) but checked on its own.
 */
const { $schema: _, ...eventSchema } = z.toJSONSchema(publicSparkEvent, { io: 'input', unrepresentable: 'any' });
const ingestRequest = ingestBody.extend({ events: ingestBody.shape.events.meta({ items: eventSchema }) });

/** Ingest rights before the body is looked at: a caller who may not ingest learns nothing from it. */
const mayIngest: MiddlewareHandler<AppEnv> = async (c, next) => {
  await requireProject(c.var.db, c.var.caller, c.req.param('projectId') ?? '', 'ingest');
  await next();
};

export const ingestEvents = createRoute({
  method: 'post',
  path: '/{projectId}/events',
  summary: `Ingest up to ${MAX_INGEST_EVENTS} SparkEventV1 events (≤ 1 MiB; without id/type they are derived, so a resend is stored once); invalid ones are rejected by index`,
  middleware: [mayIngest] as const,
  request: { params: projectParams, body: jsonBody(ingestRequest) },
  responses: { 202: jsonContent(ingestResponse, 'How many were accepted, and why the others were not'), ...errorResponses },
});

export const listProjectEvents = createRoute({
  method: 'get',
  path: '/{projectId}/events',
  summary: 'Events, newest first, keyset-paginated',
  request: { params: projectParams, query: eventsQuery },
  responses: { 200: jsonContent(eventsPage, 'A page of events'), ...errorResponses },
});

const ingest: AppRouteHandler<typeof ingestEvents> = async (c) => {
  const { projectId } = c.req.valid('param');
  const { valid, rejected } = await splitPublicEvents(c.req.valid('json').events);
  await acceptEvents(c.env, projectId, valid, await producersOf(c.env, c.var.caller, projectId, valid));
  return c.json({ accepted: valid.length, rejected }, 202);
};

const list: AppRouteHandler<typeof listProjectEvents> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'read');
  return c.json(await readEventsPage(c.var.readDb, projectId, c.req.valid('query')), 200);
};

// A bad envelope keeps its code (`invalid_body`), as before the route declared its schema.
export const eventRoutes = createRouter().openapi(ingestEvents, ingest, failWith('invalid_body')).openapi(listProjectEvents, list);

import { createRoute, z } from '@hono/zod-openapi';
import { eventExportQuery, eventImportReport, NDJSON_MEDIA_TYPE } from '../../contracts/event-log';
import { exportEventLog } from '../event-log/export';
import { importEventLog } from '../event-log/import';
import { HttpError } from '../http/errors';
import { defaultOpenDb } from '../http/middleware';
import { createRouter, errorResponses, jsonContent, type AppRouteHandler } from '../http/router';
import { requireProject } from '../services/access';
import { audit } from '../services/audit';

const projectParams = z.object({ projectId: z.string() });

export const exportEvents = createRoute({
  method: 'get',
  path: '/{projectId}/events/export',
  summary: 'The event log as NDJSON (one SparkEventV1 per line), oldest first, streamed',
  request: { params: projectParams, query: eventExportQuery },
  responses: { 200: { content: { [NDJSON_MEDIA_TYPE]: { schema: z.string() } }, description: 'NDJSON' }, ...errorResponses },
});

export const importEvents = createRoute({
  method: 'post',
  path: '/{projectId}/events/import',
  summary: 'Import NDJSON events of any age (≤ 100 MiB, streamed); a repeated import stores nothing twice',
  request: { params: projectParams, body: { content: { [NDJSON_MEDIA_TYPE]: { schema: z.string() } }, required: true } },
  responses: { 200: jsonContent(eventImportReport, 'Counts, and the rejected lines by number'), ...errorResponses },
});

const exporter: AppRouteHandler<typeof exportEvents> = async (c) => {
  const { projectId } = c.req.valid('param');
  await requireProject(c.var.db, c.var.caller, projectId, 'read');
  const q = c.req.valid('query');
  await audit(c, projectId, 'events.exported', null, { session_id: q.session_id ?? null, since: q.since ?? null, until: q.until ?? null });
  // The stream outlives this request's database client, so it gets (and closes) its own.
  const stream = exportEventLog(defaultOpenDb(c.env), { projectId, sessionId: q.session_id, since: q.since, until: q.until });
  const res = c.body(stream, 200, { 'content-type': NDJSON_MEDIA_TYPE, 'content-disposition': `attachment; filename="spark-events-${projectId}.ndjson"` });
  // @hono/zod-openapi types only JSON and text answers; this one is the declared NDJSON stream.
  return res as never;
};

const importer: AppRouteHandler<typeof importEvents> = async (c) => {
  const { projectId } = c.req.valid('param');
  // Members, owners and ingest tokens (the CLI's) may add events; viewers and read tokens may not.
  await requireProject(c.var.db, c.var.caller, projectId, 'ingest');
  if (!c.req.raw.body) throw new HttpError(400, 'invalid_body', 'the body must be NDJSON: one SparkEventV1 per line');
  const report = await importEventLog(c.var.db, projectId, c.req.raw.body);
  await audit(c, projectId, 'events.imported', null, { lines: report.lines, imported: report.imported, duplicates: report.duplicates, rejected: report.rejected });
  return c.json(report, 200);
};

export const eventLogRoutes = createRouter().openapi(exportEvents, exporter).openapi(importEvents, importer);

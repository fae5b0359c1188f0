import { createRoute, z } from '@hono/zod-openapi';
import { buildList, changeDetail as changeDetailSchema, changeExport, changeList, changesQuery, importResponse, rollbackBody, rollbackResponse, undoResponse } from '../../contracts/api';
import { listBuildJobs } from '../../db/queries/sessions';
import { exportChanges, getChange, importChanges, listChanges } from '../../db/queries/history';
import { notFound } from '../http/errors';
import { createRouter, errorResponse, errorResponses, jsonBody, jsonContent, SESSION_PATH as S, sessionParams, type AppRouteHandler } from '../http/router';
import { isUuid } from '../services/access';
import { importedChange, rollbackTo, undoLastChange } from '../services/history';
import { sessionRoom } from '../services/room';
import { buildView, changeDetail, changeExportEntry, changeView } from '../views';

export const listSessionChanges = createRoute({
  method: 'get',
  path: `${S}/changes`,
  summary: "The session's change history, newest first",
  request: { params: sessionParams, query: changesQuery },
  responses: { 200: jsonContent(changeList, 'Changes'), ...errorResponses },
});

export const listSessionBuilds = createRoute({
  method: 'get',
  path: `${S}/builds`,
  summary: "The session's build jobs, newest first",
  request: { params: sessionParams },
  responses: { 200: jsonContent(buildList, 'Build jobs'), ...errorResponses },
});

export const exportSessionChanges = createRoute({
  method: 'get',
  path: `${S}/changes/export`,
  summary: "The session's whole history with its texts, as a file to import elsewhere",
  request: { params: sessionParams },
  responses: { 200: jsonContent(changeExport, 'The export (Content-Disposition: attachment)'), ...errorResponses },
});

export const importSessionChanges = createRoute({
  method: 'post',
  path: `${S}/changes/import`,
  summary: 'Import an exported history into this session (≤ 8 MiB)',
  request: { params: sessionParams, body: jsonBody(changeExport) },
  responses: { 201: jsonContent(importResponse, 'How many changes were imported'), ...errorResponses },
});

export const getSessionChange = createRoute({
  method: 'get',
  path: `${S}/changes/{changeId}`,
  summary: 'One change with its texts',
  request: { params: sessionParams.extend({ changeId: z.string() }) },
  responses: { 200: jsonContent(changeDetailSchema, 'The change'), ...errorResponses },
});

const closedOrNothing = errorResponse('Nothing to undo (`nothing_to_undo`), or the session is closed (`session_closed`)');

export const undoSessionChange = createRoute({
  method: 'post',
  path: `${S}/changes/undo`,
  summary: 'Undo the newest change: queue the operation that restores its path',
  request: { params: sessionParams },
  responses: { 202: jsonContent(undoResponse, 'The restoring operation'), ...errorResponses, 409: closedOrNothing },
});

export const rollbackSession = createRoute({
  method: 'post',
  path: `${S}/changes/rollback`,
  summary: 'Restore every path to how it was at a change: one operation per path, all or none',
  request: { params: sessionParams, body: jsonBody(rollbackBody) },
  responses: { 202: jsonContent(rollbackResponse, 'The restoring operations'), ...errorResponses, 409: closedOrNothing },
});

const changes: AppRouteHandler<typeof listSessionChanges> = async (c) => {
  const { sessionId } = await sessionRoom(c, 'read');
  return c.json({ items: (await listChanges(c.var.db, sessionId, c.req.valid('query'))).map(changeView) }, 200);
};

const builds: AppRouteHandler<typeof listSessionBuilds> = async (c) => {
  const { sessionId } = await sessionRoom(c, 'read');
  return c.json({ items: (await listBuildJobs(c.var.db, sessionId)).map(buildView) }, 200);
};

const exportAll: AppRouteHandler<typeof exportSessionChanges> = async (c) => {
  const { sessionId } = await sessionRoom(c, 'read');
  const rows = await exportChanges(c.var.readDb, sessionId);
  c.header('content-disposition', `attachment; filename="spark-history-${sessionId}.json"`);
  return c.json({ version: 1 as const, session_id: sessionId, exported_at: new Date().toISOString(), changes: rows.map(changeExportEntry) }, 200);
};

// The whole import is bounded, and every change is checked as the operation Undo would make of it.
const importAll: AppRouteHandler<typeof importSessionChanges> = async (c) => {
  const { projectId, sessionId } = await sessionRoom(c, 'write');
  const imported = await importChanges(c.var.db, projectId, sessionId, c.req.valid('json').changes.map(importedChange));
  return c.json({ imported }, 201);
};

const change: AppRouteHandler<typeof getSessionChange> = async (c) => {
  const { sessionId } = await sessionRoom(c, 'read');
  const { changeId } = c.req.valid('param');
  const row = isUuid(changeId) ? await getChange(c.var.db, sessionId, changeId) : null;
  if (!row) throw notFound('change');
  return c.json(changeDetail(row), 200);
};

const undo: AppRouteHandler<typeof undoSessionChange> = async (c) => {
  const room = await sessionRoom(c, 'write');
  return c.json(await undoLastChange(c.var.db, room), 202);
};

const rollback: AppRouteHandler<typeof rollbackSession> = async (c) => {
  const room = await sessionRoom(c, 'write');
  return c.json(await rollbackTo(c.var.db, room, c.req.valid('json').to), 202);
};

/** The session's change history (kept in Postgres), undo, rollback, export and import. */
export const historyRoutes = createRouter()
  .openapi(listSessionChanges, changes)
  .openapi(listSessionBuilds, builds)
  .openapi(exportSessionChanges, exportAll)
  .openapi(importSessionChanges, importAll)
  .openapi(getSessionChange, change)
  .openapi(undoSessionChange, undo)
  .openapi(rollbackSession, rollback);

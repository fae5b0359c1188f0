import { createRoute } from '@hono/zod-openapi';
import { scriptContent as scriptContentSchema, scriptContentQuery, scriptList } from '../../contracts/scripts-api';
import { listSessionScripts, readSessionScript } from '../../db/queries/scripts';
import { HttpError } from '../http/errors';
import { createRouter, errorResponses, jsonContent, SESSION_PATH as S, sessionParams, type AppRouteHandler } from '../http/router';
import { sessionRoom } from '../services/room';
import { scriptContent, scriptListItem } from '../views';

export const listScripts = createRoute({
  method: 'get',
  path: `${S}/scripts`,
  summary: "The session's scripts (from its change history), by path",
  request: { params: sessionParams },
  responses: { 200: jsonContent(scriptList, 'Scripts'), ...errorResponses },
});

export const readScript = createRoute({
  method: 'get',
  path: `${S}/scripts/content`,
  summary: "One script's newest text",
  request: { params: sessionParams, query: scriptContentQuery },
  responses: { 200: jsonContent(scriptContentSchema, 'The script and its text'), ...errorResponses },
});

const list: AppRouteHandler<typeof listScripts> = async (c) => {
  const { sessionId } = await sessionRoom(c, 'read');
  return c.json({ items: (await listSessionScripts(c.var.db, sessionId)).map(scriptListItem) }, 200);
};

const read: AppRouteHandler<typeof readScript> = async (c) => {
  const { sessionId } = await sessionRoom(c, 'read');
  const { path } = c.req.valid('query');
  const row = await readSessionScript(c.var.db, sessionId, path);
  if (!row) throw new HttpError(404, 'not_found', `this session has no script at ${path}`, 'path');
  return c.json(scriptContent(row), 200);
};

/** The session's scripts for the editor: the list, and one script's newest text. */
export const scriptRoutes = createRouter().openapi(listScripts, list).openapi(readScript, read);

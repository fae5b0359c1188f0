import { Hono } from 'hono';
import { utf8ByteLength } from '../../contracts/bytes';
import { scriptContentQuery, type ScriptContent, type ScriptListItem } from '../../contracts/scripts-api';
import { listSessionScripts, readSessionScript } from '../../db/queries/scripts';
import { HttpError } from '../http/errors';
import { validate } from '../http/validate';
import { sessionRoom } from '../services/room';
import type { AppEnv } from '../types';
import { S } from './live';

/** The session's scripts for the editor: the list, and one script's newest text. */
export const scriptRoutes = new Hono<AppEnv>()
  .get(`${S}/scripts`, async (c) => {
    const { sessionId } = await sessionRoom(c, 'read');
    const rows = await listSessionScripts(c.var.db, sessionId);
    const items: ScriptListItem[] = rows.map((r) => ({ path: r.path, sha256: r.sha256, bytes: r.bytes, change_id: r.changeId, updated_at: r.updatedAt.toISOString() }));
    return c.json({ items });
  })
  .get(`${S}/scripts/content`, validate('query', scriptContentQuery), async (c) => {
    const { sessionId } = await sessionRoom(c, 'read');
    const { path } = c.req.valid('query');
    const row = await readSessionScript(c.var.db, sessionId, path);
    if (!row) throw new HttpError(404, 'not_found', `this session has no script at ${path}`, 'path');
    const body: ScriptContent = {
      path: row.path,
      sha256: row.sha256,
      bytes: utf8ByteLength(row.content),
      change_id: row.changeId,
      updated_at: row.updatedAt.toISOString(),
      content: row.content,
    };
    return c.json(body);
  });

import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import { errorBody } from '../http/errors';
import { buildOpenApiDocument } from '../openapi';
import type { AppEnv } from '../types';
import { logWarn } from '../../workers/safe-log';

let openApiDoc: ReturnType<typeof buildOpenApiDocument> | undefined;

export const healthRoutes = new Hono<AppEnv>()
  .get('/health', (c) => c.json({ status: 'ok' as const }))
  .get('/api/openapi.json', (c) => c.json((openApiDoc ??= buildOpenApiDocument())));

/** Readiness needs the database, so it is mounted behind the per-request client. */
export const readyRoutes = new Hono<AppEnv>().get('/ready', async (c) => {
  try {
    await c.var.db.execute(sql`select 1`);
    return c.json({ status: 'ready' as const });
  } catch (err) {
    logWarn('not ready', err);
    return c.json(errorBody('unavailable', 'database unreachable'), 503);
  }
});

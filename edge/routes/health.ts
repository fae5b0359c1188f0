import { createRoute } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { healthView, notReadyView, readyView } from '../../contracts/api';
import { errorBody } from '../http/errors';
import { createRouter, jsonContent, PUBLIC, type AppRouteHandler } from '../http/router';
import { ingestLogEnabled, ingestLogStub, type IngestLogStats } from '../ingest-log-api';
import { logWarn } from '../../workers/safe-log';

export const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Liveness: the Worker answers',
  ...PUBLIC,
  responses: { 200: jsonContent(healthView, 'Alive') },
});

export const readyRoute = createRoute({
  method: 'get',
  path: '/ready',
  summary: 'Readiness: the database answers (503 with the reason otherwise); with the ingest log on, how many accepted events wait',
  ...PUBLIC,
  responses: {
    200: jsonContent(readyView, 'Ready'),
    503: jsonContent(notReadyView, 'Not ready: the reason (`Retry-After` says when to look again)'),
  },
});

/** Liveness: the Worker answers. It touches nothing else, so a database outage never fails it. */
export const healthRoutes = createRouter().openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));

/** How long readiness waits for `select 1` before calling the database unreachable. */
const READY_DB_TIMEOUT_MS = 3_000;

/**
 * Readiness: 503 naming the reason while the database is away. With the ingest log on, it also
 * says how many accepted events wait to be persisted (and wakes the log after a restart).
 */
const ready: AppRouteHandler<typeof readyRoute> = async (c) => {
  const ingestLog = ingestLogEnabled(c.env) ? await logStats(c.env.INGEST_LOG_DO) : undefined;
  const reason = await databaseProblem(() => c.var.db.execute(sql`select 1`));
  if (reason) {
    c.header('Retry-After', '5');
    return c.json({ ...errorBody('not_ready', `the database is unreachable (${reason})`), ...(ingestLog ? { ingest_log: ingestLog } : {}) }, 503);
  }
  return c.json({ status: 'ready' as const, ...(ingestLog ? { ingest_log: ingestLog } : {}) }, 200);
};

export const readyRoutes = createRouter().openapi(readyRoute, ready);

async function logStats(ns: Parameters<typeof ingestLogStub>[0]): Promise<IngestLogStats | { error: string }> {
  try {
    return await ingestLogStub(ns).stats();
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** Null when the probe succeeds in time; otherwise a short reason (an error code, never an address). */
async function databaseProblem(probe: () => Promise<unknown>): Promise<string | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${READY_DB_TIMEOUT_MS} ms`), READY_DB_TIMEOUT_MS);
  });
  try {
    return await Promise.race([probe().then(() => null), timeout]);
  } catch (err) {
    logWarn('not ready', err);
    return failureReason(err);
  } finally {
    clearTimeout(timer);
  }
}

/** The innermost error code or message, without addresses (readiness is public). */
function failureReason(err: unknown): string {
  let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  let reason = 'connection failed';
  for (let depth = 0; e && depth < 5; depth++, e = e.cause as typeof e) {
    if (typeof e.code === 'string' && e.code) reason = e.code;
    else if (typeof e.message === 'string' && e.message && !e.message.startsWith('Failed query')) reason = e.message;
  }
  return reason.replace(/\b[\w.-]+:\d{2,5}\b/g, '<address>').slice(0, 200);
}

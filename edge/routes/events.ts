import { Hono } from 'hono';
import { eventsQuery, ingestBody } from '../../contracts/api';
import { firstIssue } from '../../contracts/errors';
import { MAX_INGEST_BYTES } from '../../contracts/limits';
import { listEvents } from '../../db/queries/events';
import { HttpError } from '../http/errors';
import { jsonBodyOf, validate } from '../http/validate';
import { requireProject } from '../services/access';
import { decodeCursor, encodeCursor } from '../services/cursor';
import { acceptEvents, splitEvents } from '../services/ingest';
import { producersOf } from '../services/provenance';
import type { AppEnv } from '../types';

export const eventRoutes = new Hono<AppEnv>()
  .post('/:projectId/events', async (c) => {
    const projectId = c.req.param('projectId');
    await requireProject(c.var.db, c.var.caller, projectId, 'ingest');
    const body = ingestBody.safeParse(await jsonBodyOf(c, MAX_INGEST_BYTES));
    if (!body.success) {
      const issue = firstIssue(body.error);
      throw new HttpError(400, 'invalid_body', issue.message, issue.path);
    }
    const { valid, rejected } = splitEvents(body.data.events);
    await acceptEvents(c.env, projectId, valid, await producersOf(c.env, c.var.caller, projectId, valid));
    return c.json({ accepted: valid.length, rejected }, 202);
  })
  .get('/:projectId/events', validate('query', eventsQuery), async (c) => {
    const projectId = c.req.param('projectId');
    await requireProject(c.var.db, c.var.caller, projectId, 'read');
    const q = c.req.valid('query');
    const page = await listEvents(c.var.db, {
      projectId,
      sessionId: q.session_id,
      type: q.type,
      since: q.since,
      until: q.until,
      limit: q.limit,
      cursor: q.cursor === undefined ? undefined : decodeCursor(q.cursor),
    });
    return c.json({
      items: page.items.map((e) => ({
        v: 1 as const,
        id: e.id,
        type: e.type,
        source: e.source,
        kind: e.kind,
        ts: e.ts,
        session_id: e.sessionId,
        payload: e.payload as Record<string, unknown>,
        ...(e.traceId ? { trace_id: e.traceId } : {}),
        project_id: e.projectId,
        received_at: e.receivedAt.toISOString(),
      })),
      next_cursor: page.next ? encodeCursor(page.next) : null,
    });
  });

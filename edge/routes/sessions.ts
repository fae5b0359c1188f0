import { Hono } from 'hono';
import { createSessionBody } from '../../contracts/api';
import { findSession, insertSession, listSessions } from '../../db/queries/sessions';
import { notFound } from '../http/errors';
import { validate } from '../http/validate';
import { isUuid, requireProject } from '../services/access';
import type { AppEnv } from '../types';
import { sessionView } from '../views';

export const sessionRoutes = new Hono<AppEnv>()
  .post('/:projectId/sessions', validate('json', createSessionBody), async (c) => {
    const projectId = c.req.param('projectId');
    await requireProject(c.var.db, c.var.caller, projectId, 'write');
    const { name, ttl_seconds } = c.req.valid('json');
    const row = await insertSession(c.var.db, {
      projectId,
      name,
      createdBy: c.var.caller.kind === 'user' ? c.var.caller.userId : null,
      expiresAt: ttl_seconds ? new Date(Date.now() + ttl_seconds * 1000) : null,
    });
    return c.json(sessionView(row), 201);
  })
  .get('/:projectId/sessions', async (c) => {
    const projectId = c.req.param('projectId');
    await requireProject(c.var.db, c.var.caller, projectId, 'read');
    return c.json({ items: (await listSessions(c.var.db, projectId)).map(sessionView) });
  })
  .get('/:projectId/sessions/:sessionId', async (c) => {
    const { projectId, sessionId } = c.req.param();
    await requireProject(c.var.db, c.var.caller, projectId, 'read');
    const row = isUuid(sessionId) ? await findSession(c.var.db, projectId, sessionId) : null;
    if (!row) throw notFound('session');
    return c.json(sessionView(row));
  });

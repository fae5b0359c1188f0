import { Hono } from 'hono';
import { replayBody } from '../../contracts/api';
import { listDeadLetters } from '../../db/queries/dead-letters';
import { replayDeadLetters } from '../../workers/replay';
import { validate } from '../http/validate';
import { requireProject } from '../services/access';
import type { AppEnv } from '../types';

export const deadLetterRoutes = new Hono<AppEnv>()
  .get('/:projectId/dead-letters', async (c) => {
    const projectId = c.req.param('projectId');
    await requireProject(c.var.db, c.var.caller, projectId, 'admin');
    const rows = await listDeadLetters(c.var.db, projectId);
    return c.json({
      items: rows.map((d) => ({
        id: d.id,
        queue: d.queue,
        error: d.error,
        attempts: d.attempts,
        created_at: d.createdAt.toISOString(),
        replayed_at: d.replayedAt ? d.replayedAt.toISOString() : null,
        replay_count: d.replayCount,
      })),
    });
  })
  .post('/:projectId/dead-letters/replay', validate('json', replayBody), async (c) => {
    const projectId = c.req.param('projectId');
    await requireProject(c.var.db, c.var.caller, projectId, 'admin');
    const replayed = await replayDeadLetters(c.var.db, c.env.EVENTS, projectId, c.req.valid('json').ids);
    return c.json({ replayed }, 202);
  });

import { Hono } from 'hono';
import { changeExport, changesQuery, rollbackBody } from '../../contracts/api';
import { listBuildJobs } from '../../db/queries/sessions';
import { exportChanges, getChange, importChanges, listChanges } from '../../db/queries/history';
import { notFound } from '../http/errors';
import { validate } from '../http/validate';
import { isUuid } from '../services/access';
import { rollbackTo, undoLastChange } from '../services/history';
import { sessionRoom } from '../services/room';
import type { AppEnv } from '../types';
import { S } from './live';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The session's change history (kept in Postgres), undo, rollback, export and import. */
export const historyRoutes = new Hono<AppEnv>()
  .get(`${S}/changes`, validate('query', changesQuery), async (c) => {
    const { sessionId } = await sessionRoom(c, 'read');
    const rows = await listChanges(c.var.db, sessionId, c.req.valid('query'));
    return c.json({
      items: rows.map((r) => ({
        id: r.id,
        call_id: r.callId,
        path: r.path,
        op: r.op,
        before_sha256: r.beforeSha256,
        after_sha256: r.afterSha256,
        has_before: r.hasBefore,
        has_after: r.hasAfter,
        created_at: r.createdAt.toISOString(),
        reverted_at: iso(r.revertedAt),
        is_revert: r.isRevert,
      })),
    });
  })
  .get(`${S}/builds`, async (c) => {
    const { sessionId } = await sessionRoom(c, 'read');
    const rows = await listBuildJobs(c.var.db, sessionId);
    return c.json({
      items: rows.map((b) => ({
        id: b.id,
        call_id: b.callId,
        target: b.target,
        status: b.status,
        progress: b.progress,
        artifact: b.artifactR2Key,
        artifact_bytes: b.artifactBytes,
        error: b.error,
        created_at: b.createdAt.toISOString(),
        started_at: iso(b.startedAt),
        completed_at: iso(b.completedAt),
      })),
    });
  })
  .get(`${S}/changes/export`, async (c) => {
    const { sessionId } = await sessionRoom(c, 'read');
    const rows = await exportChanges(c.var.db, sessionId);
    c.header('content-disposition', `attachment; filename="spark-history-${sessionId}.json"`);
    return c.json({
      version: 1 as const,
      session_id: sessionId,
      exported_at: new Date().toISOString(),
      changes: rows.map((r) => ({
        path: r.path,
        op: r.op,
        call_id: r.callId,
        before_content: r.beforeContent,
        after_content: r.afterContent,
        before_sha256: r.beforeSha256,
        after_sha256: r.afterSha256,
        created_at: r.createdAt.toISOString(),
        reverted_at: iso(r.revertedAt),
      })),
    });
  })
  // The whole import is bounded, and every change is checked as the operation Undo would make of it.
  .post(`${S}/changes/import`, validate('json', changeExport), async (c) => {
    const { projectId, sessionId } = await sessionRoom(c, 'write');
    const imported = await importChanges(
      c.var.db,
      projectId,
      sessionId,
      c.req.valid('json').changes.map((ch) => ({
        path: ch.path,
        op: ch.op,
        callId: ch.call_id,
        beforeContent: ch.before_content,
        afterContent: ch.after_content,
        beforeSha256: ch.before_sha256,
        afterSha256: ch.after_sha256,
        createdAt: new Date(ch.created_at),
        revertedAt: ch.reverted_at ? new Date(ch.reverted_at) : null,
      })),
    );
    return c.json({ imported }, 201);
  })
  .get(`${S}/changes/:changeId`, async (c) => {
    const { sessionId } = await sessionRoom(c, 'read');
    const id = c.req.param('changeId');
    const row = isUuid(id) ? await getChange(c.var.db, sessionId, id) : null;
    if (!row) throw notFound('change');
    return c.json({
      id: row.id,
      call_id: row.callId,
      path: row.path,
      op: row.op,
      before_content: row.beforeContent,
      after_content: row.afterContent,
      before_sha256: row.beforeSha256,
      after_sha256: row.afterSha256,
      created_at: row.createdAt.toISOString(),
      reverted_at: iso(row.revertedAt),
    });
  })
  .post(`${S}/changes/undo`, async (c) => {
    const room = await sessionRoom(c, 'write');
    return c.json(await undoLastChange(c.var.db, room), 202);
  })
  .post(`${S}/changes/rollback`, validate('json', rollbackBody), async (c) => {
    const room = await sessionRoom(c, 'write');
    return c.json(await rollbackTo(c.var.db, room, c.req.valid('json').to), 202);
  });

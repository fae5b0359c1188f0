import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, eventually, makeEvent, userWithProject } from '../support/api';
import type { SparkWorker } from '../support/spark-worker';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';

// Issue 10 item 4, the batch side: POST /api/projects/:id/events takes public-format events
// (no id, no type) too; ids are derived so a resent batch is stored once; bad ones are named by index.
describe('public-format events in the batch endpoint', () => {
  let stack: WorkerWithDb;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    stack = await startWorkerWithDb('public_batch');
    ({ worker, sql } = stack);
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('stores a batch posted twice once per event, each read back with an id and a type; invalid ones are rejected by index', async () => {
    const u = await userWithProject(worker.url, 'batch');
    const token = await u.api.post(`/api/projects/${u.projectId}/tokens`, { name: 'adapter', scope: 'ingest' });
    expect(token.status).toBe(201);
    const adapter = apiClient(worker.url, token.body.token);
    const session = `sess-${randomUUID().slice(0, 8)}`;
    const ts = Date.now() / 1000;
    const full = makeEvent({ type: 'tests.full_event', session_id: session, ts: ts + 4 });
    const batch = [
      { v: 1, source: 'claude-code', kind: 'message', ts, session_id: session, payload: { role: 'user', text: 'add a jump' }, trace_id: 'tr-1' },
      { v: 1, source: 'claude-code', kind: 'tool', ts: ts + 1, session_id: session, payload: { name: 'Edit' }, trace_id: 'tr-1' },
      { v: 1, source: 'cursor', kind: 'chatter', ts: ts + 2, session_id: session, payload: {} },
      { v: 1, source: 'cursor', kind: 'command', ts: ts + 3, session_id: session, payload: { command: 'npm test' } },
      { v: 1, id: 'not-a-uuid', source: 'cursor', kind: 'command', ts: ts + 3, session_id: session, payload: {} },
      full,
    ];
    for (let round = 0; round < 2; round++) {
      const res = await adapter.post(`/api/projects/${u.projectId}/events`, { events: batch });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body.accepted).toBe(4);
      expect(res.body.rejected.map((r: { index: number; error: { code: string; path?: string } }) => [r.index, r.error.code, r.error.path])).toEqual([
        [2, 'invalid_event', 'kind'],
        [4, 'invalid_event', 'id'],
      ]);
    }

    // A marker posted after both rounds: once it is stored, both rounds were consumed too.
    const marker = makeEvent({ type: 'tests.marker', session_id: `${session}-marker` });
    expect((await adapter.post(`/api/projects/${u.projectId}/events`, { events: [marker] })).status).toBe(202);
    await eventually(async () => (await sql`select 1 from spark_events where id = ${marker.id}`).length === 1);

    const stored = await sql`select id, type, source from spark_events where project_id = ${u.projectId} and session_id = ${session} order by occurred_at`;
    expect(stored.map((r) => [r.source, r.type])).toEqual([
      ['claude-code', 'claude_code.message'],
      ['claude-code', 'claude_code.tool'],
      ['cursor', 'cursor.command'],
      ['tests', full.type],
    ]);
    expect(stored[3]!.id).toBe(full.id);
    expect(new Set(stored.map((r) => r.id)).size).toBe(4);

    const read = await u.api.get(`/api/projects/${u.projectId}/events?session_id=${session}`);
    expect(read.status).toBe(200);
    expect(read.body.items).toHaveLength(4);
    for (const e of read.body.items) {
      expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(e.type).toMatch(/^[a-z][a-z0-9_]*\.[a-z0-9_.]+$/);
    }
    // The same event through POST /ingest gets the same id: one derivation for both doors.
    const single = await adapter.post('/ingest', batch[3]);
    expect(single.status).toBe(202);
    expect(stored.map((r) => r.id)).toContain(single.body.id);
  });
});

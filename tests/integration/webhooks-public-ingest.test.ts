import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, eventually, userWithProject } from '../support/api';
import type { SparkWorker } from '../support/spark-worker';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';

// Issue 10 item 4: public Spark adapters POST one event at a time, without id or type, to
// POST /ingest with an ingest token. Resends must be stored once.
describe('the public Spark event format at POST /ingest', () => {
  let stack: WorkerWithDb;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    stack = await startWorkerWithDb('public_ingest');
    ({ worker, sql } = stack);
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('stores each event once when an adapter sends them one at a time, twice; each reads back with an id and a type', async () => {
    const u = await userWithProject(worker.url, 'adapter');
    const token = await u.api.post(`/api/projects/${u.projectId}/tokens`, { name: 'claude-code adapter', scope: 'ingest' });
    expect(token.status).toBe(201);
    const adapter = apiClient(worker.url, token.body.token);
    const session = `sess-${randomUUID().slice(0, 8)}`;
    const ts = Date.now() / 1000;
    const events = [
      { v: 1, source: 'claude-code', kind: 'message', ts, session_id: session, payload: { role: 'user', text: 'add a jump' }, trace_id: 'tr-1' },
      { v: 1, source: 'claude-code', kind: 'tool', ts: ts + 1, session_id: session, payload: { name: 'Edit', path: 'Assets/Player.cs' }, trace_id: 'tr-1' },
      { v: 1, source: 'cursor', kind: 'command', ts: ts + 2, session_id: session, payload: { command: 'npm test' } },
      { v: 1, source: 'cursor', kind: 'command', ts: ts + 3, session_id: session, payload: { command: 'npm test' } },
    ];
    const answers: { id: string; type: string }[] = [];
    for (let round = 0; round < 2; round++) {
      for (const [i, e] of events.entries()) {
        const res = await adapter.post('/ingest', e);
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        if (round === 0) answers.push(res.body);
        else expect(res.body).toEqual(answers[i]);
      }
    }
    expect(answers.map((a) => a.type)).toEqual(['claude_code.message', 'claude_code.tool', 'cursor.command', 'cursor.command']);
    expect(new Set(answers.map((a) => a.id)).size).toBe(4);

    // A marker sent after both rounds: once it is stored, every resend before it was consumed too.
    const marker = await adapter.post('/ingest', { v: 1, source: 'marker', kind: 'system', ts: ts + 9, session_id: session, payload: {} });
    expect(marker.status).toBe(202);
    await eventually(async () => (await sql`select 1 from spark_events where id = ${marker.body.id}`).length === 1);
    const stored = await sql`select id, type from spark_events where project_id = ${u.projectId} and session_id = ${session} and source <> 'marker' order by occurred_at`;
    expect(stored.map((r) => ({ id: r.id, type: r.type }))).toEqual(answers.map((a) => ({ id: a.id, type: a.type })));

    const read = await u.api.get(`/api/projects/${u.projectId}/events?session_id=${session}`);
    expect(read.status).toBe(200);
    for (const e of read.body.items) {
      expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(e.type).toMatch(/\./);
    }
  });

  it('refuses a person\'s token, a missing token, and a bad event with the field named', async () => {
    const u = await userWithProject(worker.url, 'adapter2');
    const e = { v: 1, source: 'x', kind: 'message', ts: Date.now() / 1000, session_id: 's', payload: {} };
    expect((await apiClient(worker.url).post('/ingest', e)).status).toBe(401);
    expect((await u.api.post('/ingest', e)).status).toBe(403);
    const token = await u.api.post(`/api/projects/${u.projectId}/tokens`, { name: 'a', scope: 'ingest' });
    const bad = await apiClient(worker.url, token.body.token).post('/ingest', { ...e, kind: 'chatter' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.path).toBe('kind');
  });
});

import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, eventually, makeEvent, userWithProject } from '../support/api';
import type { SparkWorker } from '../support/spark-worker';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';

// HTTP ingest → local Queue → consumer in workerd → real Postgres, exactly once.
describe('event pipeline', () => {
  let stack: WorkerWithDb;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    stack = await startWorkerWithDb('pipeline');
    ({ worker, sql } = stack);
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  const countRows = async (projectId: string) => (await sql`select count(*)::int as n from spark_events where project_id = ${projectId}`)[0]!.n as number;

  /**
   * Sends one more event (in a session of its own) and waits until it is stored: the local queue
   * hands batches to the consumer in order, so whatever was enqueued before it has been consumed.
   */
  async function sentinelStored(p: { projectId: string; api: ReturnType<typeof apiClient> }) {
    const sentinel = makeEvent({ session_id: 'sentinel' });
    expect((await p.api.post(`/api/projects/${p.projectId}/events`, { events: [sentinel] })).status).toBe(202);
    await eventually(async () => (await sql`select 1 from spark_events where id = ${sentinel.id}`).length === 1, 30_000);
  }

  it('stores 2,000 events with 300 resends as exactly 1,700 rows, and no one else can read them', async () => {
    const alice = await userWithProject(worker.url, 'alice');
    const session = await alice.api.post(`/api/projects/${alice.projectId}/sessions`, { name: 'level 1' });
    expect(session.status).toBe(201);
    const sessionId: string = session.body.id;

    const t0 = Date.now() / 1000 - 10;
    const unique = Array.from({ length: 1700 }, (_, i) => makeEvent({ session_id: sessionId, ts: t0 + i / 1000, payload: { i } }));
    // 100 resends inside the very batch that first carries them, 200 in later batches.
    const batches: (typeof unique)[] = [];
    for (let b = 0; b < 5; b++) batches.push(unique.slice(b * 340, (b + 1) * 340));
    batches[0]!.push(...batches[0]!.slice(0, 50));
    batches[1]!.push(...batches[1]!.slice(100, 150));
    batches[2]!.push(...unique.slice(0, 100));
    batches[3]!.push(...unique.slice(300, 400));
    const total = batches.reduce((n, b) => n + b.length, 0);
    expect(total).toBe(2000);

    for (const events of batches) {
      const res = await alice.api.post(`/api/projects/${alice.projectId}/events`, { events });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ accepted: events.length, rejected: [] });
    }
    // Settled: a sentinel sent after every batch has been stored, and still one row per id.
    await sentinelStored(alice);
    expect(await countRows(alice.projectId)).toBe(1701);
    const dupes = await sql`select id from spark_events group by id having count(*) > 1`;
    expect(dupes).toHaveLength(0);

    // Alice reads them back newest first, page by page.
    const first = await alice.api.get(`/api/projects/${alice.projectId}/events?session_id=${sessionId}&limit=500`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(500);
    expect(first.body.items[0].payload).toEqual({ i: 1699 });
    const tss = first.body.items.map((e: { ts: number }) => e.ts);
    expect([...tss].sort((a, b) => b - a)).toEqual(tss);
    let seen = first.body.items.length;
    let cursor = first.body.next_cursor;
    const ids = new Set(first.body.items.map((e: { id: string }) => e.id));
    while (cursor) {
      const page = await alice.api.get(`/api/projects/${alice.projectId}/events?session_id=${sessionId}&limit=500&cursor=${cursor}`);
      expect(page.status).toBe(200);
      page.body.items.forEach((e: { id: string }) => ids.add(e.id));
      seen += page.body.items.length;
      cursor = page.body.next_cursor;
    }
    expect(seen).toBe(1700);
    expect(ids.size).toBe(1700);

    // A second user sees none of it: not the project, not its events, not its sessions.
    const bob = await userWithProject(worker.url, 'bob');
    for (const path of [
      `/api/projects/${alice.projectId}`,
      `/api/projects/${alice.projectId}/events`,
      `/api/projects/${alice.projectId}/sessions`,
      `/api/projects/${alice.projectId}/sessions/${sessionId}`,
    ]) {
      const res = await bob.api.get(path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    const bobWrites = await bob.api.post(`/api/projects/${alice.projectId}/events`, { events: [makeEvent()] });
    expect(bobWrites.status).toBe(404);
    const bobOwn = await bob.api.get(`/api/projects/${bob.projectId}/events`);
    expect(bobOwn.body.items).toEqual([]);
    expect((await bob.api.get('/api/projects')).body.items.map((p: { id: string }) => p.id)).toEqual([bob.projectId]);
  });

  it('rejects 20 malformed events by index and field and stores the rest', async () => {
    const carol = await userWithProject(worker.url, 'carol');
    const good = Array.from({ length: 80 }, () => makeEvent());
    const breakers: [string, (e: Record<string, unknown>) => void][] = [
      ['v', (e) => (e.v = 2)],
      ['id', (e) => (e.id = 'not-a-uuid')],
      ['kind', (e) => (e.kind = 'banana')],
      ['ts', (e) => (e.ts = 'yesterday')],
      ['source', (e) => (e.source = 'x'.repeat(257))],
      ['session_id', (e) => delete e.session_id],
      ['payload', (e) => (e.payload = { blob: 'x'.repeat(65_536) })],
      ['type', (e) => (e.type = 'No Spaces Allowed')],
      ['trace_id', (e) => (e.trace_id = '')],
      ['payload', (e) => (e.payload = 'not an object')],
    ];
    const bad = Array.from({ length: 20 }, (_, i) => {
      const e = makeEvent() as unknown as Record<string, unknown>;
      breakers[i % breakers.length]![1](e);
      return e;
    });
    // Interleave: bad events sit at indexes 0, 5, 10, …
    const events: unknown[] = [];
    const badIndexes: number[] = [];
    let g = 0;
    for (let i = 0; i < 100; i++) {
      if (i % 5 === 0) {
        badIndexes.push(i);
        events.push(bad[i / 5]);
      } else events.push(good[g++]);
    }
    const res = await carol.api.post(`/api/projects/${carol.projectId}/events`, { events });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(80);
    expect(res.body.rejected.map((r: { index: number }) => r.index)).toEqual(badIndexes);
    res.body.rejected.forEach((r: { index: number; error: { path: string; message: string } }, k: number) => {
      const field = breakers[k % breakers.length]![0];
      expect(r.error.path, `event ${r.index}`).toMatch(new RegExp(`^${field}`));
      expect(r.error.message.length).toBeGreaterThan(0);
    });
    await eventually(async () => (await countRows(carol.projectId)) === 80);
    const stored = await sql`select id from spark_events where project_id = ${carol.projectId}`;
    expect(new Set(stored.map((r) => r.id))).toEqual(new Set(good.map((e) => e.id)));
  });

  it('refuses bad envelopes whole with a 4xx naming the problem, storing nothing', async () => {
    const dave = await userWithProject(worker.url, 'dave');
    const path = `/api/projects/${dave.projectId}/events`;
    const tooMany = await dave.api.post(path, { events: Array.from({ length: 501 }, () => makeEvent()) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.path).toBe('events');
    const empty = await dave.api.post(path, { events: [] });
    expect(empty.status).toBe(400);
    const noArray = await dave.api.post(path, { event: makeEvent() });
    expect(noArray.status).toBe(400);
    expect(noArray.body.error.path).toBe('events');
    const big = await dave.api.post(path, { events: Array.from({ length: 20 }, () => makeEvent({ payload: { blob: 'x'.repeat(60_000) } })) });
    expect(big.status).toBe(413);
    const notJson = await fetch(`${worker.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${dave.token}`, 'content-type': 'application/json' }, body: '{"events": [' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as any).error.code).toBe('invalid_body');
    // Nothing refused reached the queue: a valid event sent after all of them is the only row.
    await sentinelStored(dave);
    expect(await countRows(dave.projectId)).toBe(1);
  });

  it('accepts an ingest token, refuses it for reads, and upserts function calls from tool events', async () => {
    const erin = await userWithProject(worker.url, 'erin');
    const created = await erin.api.post(`/api/projects/${erin.projectId}/tokens`, { name: 'ci', scope: 'ingest' });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^spk_/);
    const machine = apiClient(worker.url, created.body.token);
    const callId = randomUUID();
    const t0 = Date.now() / 1000 - 5;
    const started = makeEvent({ kind: 'tool', session_id: 's-fc', ts: t0, type: 'tool.call', payload: { call_id: callId, name: 'create_script', status: 'started', args: { path: 'Assets/A.cs' } } });
    const done = makeEvent({ kind: 'tool', session_id: 's-fc', ts: t0 + 1.5, type: 'tool.call', payload: { call_id: callId, name: 'create_script', status: 'succeeded', latency_ms: 1500, result: { ok: true } } });
    // The completion arrives first; the older "started" must not overwrite its status.
    expect((await machine.post(`/api/projects/${erin.projectId}/events`, { events: [done] })).status).toBe(202);
    await eventually(async () => (await sql`select 1 from function_calls where call_id = ${callId}`).length === 1);
    expect((await machine.post(`/api/projects/${erin.projectId}/events`, { events: [started] })).status).toBe(202);
    await eventually(async () => (await countRows(erin.projectId)) === 2);
    // The consumer writes the events, then (a second statement) the function calls they describe:
    // wait for the "started" event's args to be merged in before reading the call.
    await eventually(async () => (await sql`select args from function_calls where call_id = ${callId}`)[0]?.args != null);
    const [fc] = await sql`select * from function_calls where call_id = ${callId}`;
    expect(fc).toBeDefined();
    expect(fc).toMatchObject({ status: 'succeeded', latency_ms: 1500, args: { path: 'Assets/A.cs' }, result: { ok: true }, project_id: erin.projectId });

    const read = await machine.get(`/api/projects/${erin.projectId}/events`);
    expect(read.status).toBe(403);
    const other = await userWithProject(worker.url, 'frank');
    expect((await machine.post(`/api/projects/${other.projectId}/events`, { events: [makeEvent()] })).status).toBe(404);

    // Revoked tokens stop working at once; last use was recorded.
    const tokens = await erin.api.get(`/api/projects/${erin.projectId}/tokens`);
    expect(tokens.body.items[0].last_used_at).not.toBeNull();
    expect(JSON.stringify(tokens.body)).not.toContain(created.body.token);
    expect((await erin.api.delete(`/api/projects/${erin.projectId}/tokens/${created.body.id}`)).status).toBe(204);
    const after = await machine.post(`/api/projects/${erin.projectId}/events`, { events: [makeEvent()] });
    expect(after.status).toBe(401);
  });
});

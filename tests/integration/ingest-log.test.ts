import { refuseEventsMarked } from '../support/poison';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, eventually, makeEvent, userWithProject } from '../support/api';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { startTcpProxy } from '../support/tcp-proxy';
import { createTestDatabase } from '../support/test-db';

// The local stack's ingest log (INGEST_LOG=on): a 202 means the events are on disk in Durable
// Object storage; they reach Postgres exactly once across a database outage and a restart of the
// Worker, and the edge keeps answering meanwhile.
describe('ingest log', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let worker: SparkWorker;
  let sql: postgres.Sql;
  let persistDir: string;
  let databaseUrl: string;
  const start = () =>
    startSparkWorker({ databaseUrl, direct: true, persistTo: persistDir, vars: { INGEST_LOG: 'on', QUEUE_RETRY_BASE_SECONDS: '1' } });

  beforeAll(async () => {
    db = await createTestDatabase('ingest_log');
    const target = new URL(db.url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(db.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    databaseUrl = viaProxy.toString();
    persistDir = mkdtempSync(join(tmpdir(), 'spark-ingest-log-'));
    worker = await start();
    sql = postgres(db.url, { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await worker?.dispose();
    await proxy?.close();
    await db?.drop();
    rmSync(persistDir, { recursive: true, force: true });
  });

  const storedCounts = async (projectId: string) =>
    (await sql`select count(*)::int as n, count(distinct id)::int as ids from spark_events where project_id = ${projectId}`)[0] as { n: number; ids: number };
  const logStats = async () => (await (await worker.fetch('/ready')).json()) as { ingest_log?: { pending: number; inFlight: number } };
  async function ingestToken(u: Awaited<ReturnType<typeof userWithProject>>) {
    const created = await u.api.post(`/api/projects/${u.projectId}/tokens`, { name: 'ci', scope: 'ingest' });
    expect(created.status).toBe(201);
    return apiClient(worker.url, created.body.token);
  }
  const batchOf10 = () => ({ events: Array.from({ length: 10 }, (_, i) => makeEvent({ payload: { i } })) });

  it('stores every accepted event once and empties the log', async () => {
    const u = await userWithProject(worker.url, 'log');
    const machine = await ingestToken(u);
    for (let r = 0; r < 20; r++) expect((await machine.post(`/api/projects/${u.projectId}/events`, batchOf10())).status).toBe(202);
    await eventually(async () => (await storedCounts(u.projectId)).n === 200, 20_000);
    await eventually(async () => (await logStats()).ingest_log?.pending === 0, 20_000);
    expect(await storedCounts(u.projectId)).toEqual({ n: 200, ids: 200 });
  });

  it('keeps accepting through a database outage; health answers, reads and readiness say 503 why; all stored once after', async () => {
    const u = await userWithProject(worker.url, 'outage');
    const machine = await ingestToken(u);
    // Verified once while the database is up: the token cache carries it through the outage.
    expect((await machine.post(`/api/projects/${u.projectId}/events`, batchOf10())).status).toBe(202);
    proxy.down();
    let accepted = 10;
    for (let r = 0; r < 15; r++) {
      const res = await machine.post(`/api/projects/${u.projectId}/events`, batchOf10());
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      accepted += res.body.accepted;
      expect((await worker.fetch('/health')).status).toBe(200);
    }
    const ready = await worker.fetch('/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('5');
    const readyBody = (await ready.json()) as { error: { code: string; message: string }; ingest_log: { pending: number } };
    expect(readyBody.error.code).toBe('not_ready');
    expect(readyBody.error.message).toMatch(/database is unreachable \(.+\)/);
    expect(readyBody.ingest_log.pending).toBeGreaterThan(0);
    const read = await u.api.get(`/api/projects/${u.projectId}/events`);
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).toBeTruthy();
    expect(read.body.error.code).toBe('unavailable');
    // The consumer met the outage and left the events to the log rather than burning retries.
    await eventually(async () => proxy.refused >= 2, 20_000);
    proxy.up();
    await eventually(async () => (await storedCounts(u.projectId)).n === accepted, 30_000, 250);
    await eventually(async () => (await logStats()).ingest_log?.pending === 0, 20_000);
    expect(await storedCounts(u.projectId)).toEqual({ n: accepted, ids: accepted });
    expect(await sql`select count(*)::int as n from dead_letters`).toEqual([{ n: 0 }]);
  });

  it('sends again, after a restart of the Worker, what was accepted but not yet stored', async () => {
    const u = await userWithProject(worker.url, 'restart');
    const machine = await ingestToken(u);
    expect((await machine.post(`/api/projects/${u.projectId}/events`, batchOf10())).status).toBe(202);
    await eventually(async () => (await storedCounts(u.projectId)).n === 10, 20_000);
    proxy.down();
    for (let r = 0; r < 5; r++) expect((await machine.post(`/api/projects/${u.projectId}/events`, batchOf10())).status).toBe(202);
    // The in-memory queue and everything on it go away with the Worker; the log is on disk.
    await worker.dispose();
    proxy.up();
    worker = await start();
    expect((await logStats()).ingest_log?.pending).toBe(50); // /ready also wakes the log
    await eventually(async () => (await storedCounts(u.projectId)).n === 60, 30_000, 250);
    await eventually(async () => (await logStats()).ingest_log?.pending === 0, 20_000);
    expect(await storedCounts(u.projectId)).toEqual({ n: 60, ids: 60 });
  });

  it('lets a poison event go once it is kept in dead_letters, once', async () => {
    const u = await userWithProject(worker.url, 'poison');
    // Postgres refuses it on every attempt, so it ends in the DLQ.
    await refuseEventsMarked(sql, 'poison_log');
    const poison = makeEvent({ payload: { poison_log: true } });
    expect((await u.api.post(`/api/projects/${u.projectId}/events`, { events: [poison, makeEvent()] })).body).toEqual({ accepted: 2, rejected: [] });
    await eventually(async () => (await sql`select count(*)::int as n from dead_letters where project_id = ${u.projectId}`)[0]!.n === 1, 40_000, 250);
    await eventually(async () => (await logStats()).ingest_log?.pending === 0, 20_000);
    expect(await storedCounts(u.projectId)).toEqual({ n: 1, ids: 1 });
    expect(await sql`select count(*)::int as n from dead_letters where project_id = ${u.projectId}`).toEqual([{ n: 1 }]);
    const [letter] = await sql`select body from dead_letters where project_id = ${u.projectId}`;
    expect(letter!.body.event.id).toBe(poison.id);
  });

  it('refuses with 503 and Retry-After when the log is full, keeping none of that request, and nothing else is lost', async () => {
    const fullDir = mkdtempSync(join(tmpdir(), 'spark-ingest-log-full-'));
    const small = await startSparkWorker({ databaseUrl, direct: true, persistTo: fullDir, vars: { INGEST_LOG: 'on', INGEST_LOG_MAX_PENDING: '30', INGEST_LOG_RESEND_SECONDS: '2' } });
    try {
      const u = await userWithProject(small.url, 'full');
      const created = await u.api.post(`/api/projects/${u.projectId}/tokens`, { name: 'ci', scope: 'ingest' });
      const machine = apiClient(small.url, created.body.token);
      // Stored first (it also puts the token in the cache), so that what fills the log is exactly
      // the three batches posted while the database is away, whenever the consumer runs.
      expect((await machine.post(`/api/projects/${u.projectId}/events`, batchOf10())).status).toBe(202);
      await eventually(async () => (await storedCounts(u.projectId)).n === 10, 20_000, 100);
      await eventually(async () => ((await (await small.fetch('/ready')).json()) as { ingest_log?: { pending: number } }).ingest_log?.pending === 0, 20_000, 100);
      proxy.down();
      for (let r = 0; r < 3; r++) expect((await machine.post(`/api/projects/${u.projectId}/events`, batchOf10())).status).toBe(202);
      const refusedBatch = batchOf10();
      const full = await machine.post(`/api/projects/${u.projectId}/events`, refusedBatch);
      expect(full.status).toBe(503);
      expect(full.headers.get('retry-after')).toBe('5');
      expect(full.body.error).toEqual({ code: 'unavailable', message: expect.stringMatching(/ingest log is full .* none of these were accepted/) });
      proxy.up();
      await eventually(async () => (await storedCounts(u.projectId)).n === 40, 30_000, 250);
      const refusedIds = refusedBatch.events.map((e) => e.id);
      expect(await sql`select count(*)::int as n from spark_events where id = any(${refusedIds}::uuid[])`).toEqual([{ n: 0 }]);
      // Room again once stored: the same request now goes through.
      await eventually(async () => (await machine.post(`/api/projects/${u.projectId}/events`, refusedBatch)).status === 202, 20_000, 250);
      await eventually(async () => (await storedCounts(u.projectId)).n === 50, 20_000, 250);
    } finally {
      await small.dispose();
      rmSync(fullDir, { recursive: true, force: true });
    }
  });
});

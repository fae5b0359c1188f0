import { refuseEventsMarked } from '../support/poison';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, makeEvent, userWithProject } from '../support/api';
import type { SparkWorker } from '../support/spark-worker';
import { startTcpProxy } from '../support/tcp-proxy';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';

// Postgres going away and poison messages: retries with backoff, the DLQ, dead_letters, replay.
describe('event pipeline under failure', () => {
  let stack: WorkerWithDb;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    stack = await startWorkerWithDb('failures', {
      // The Worker reaches Postgres only through the proxy (directly: the local Hyperdrive
      // emulation hides a dropped origin behind a 30 s connect timeout); the test reads it directly.
      async workerDatabaseUrl(url) {
        const target = new URL(url);
        proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
        const viaProxy = new URL(url);
        viaProxy.host = `127.0.0.1:${proxy.port}`;
        return viaProxy.toString();
      },
      vars: { QUEUE_RETRY_BASE_SECONDS: '1' },
      direct: true,
    });
    ({ worker, sql } = stack);
  });
  afterAll(async () => {
    await stack?.dispose();
    await proxy?.close();
  });

  const countRows = async (projectId: string) => (await sql`select count(*)::int as n from spark_events where project_id = ${projectId}`)[0]!.n as number;

  it('retries while Postgres is unreachable and stores every event once it is back', async () => {
    const u = await userWithProject(worker.url, 'outage');
    const events = Array.from({ length: 50 }, (_, i) => makeEvent({ payload: { i } }));
    const res = await u.api.post(`/api/projects/${u.projectId}/events`, { events });
    expect(res.status).toBe(202);
    // The consumer waits up to 1 s to fill a batch; cut the database before it writes.
    proxy.down();
    const refusedBefore = proxy.refused;
    // The consumer keeps trying (first attempt, then backed-off retries)…
    await eventually(async () => proxy.refused - refusedBefore >= 2, 20_000);
    // …while the API says plainly that it cannot read.
    const during = await u.api.get(`/api/projects/${u.projectId}/events`);
    expect(during.status).toBe(503);
    expect(during.body.error.code).toBe('unavailable');
    proxy.up();
    await eventually(async () => (await countRows(u.projectId)) === 50, 30_000);
    expect(await sql`select count(*)::int as n from dead_letters`).toEqual([{ n: 0 }]);
  });

  it('sends a message that keeps failing to dead_letters, and replays it once the cause is fixed', async () => {
    const u = await userWithProject(worker.url, 'poison');
    // Refused by Postgres on every attempt.
    const refusal = await refuseEventsMarked(sql, 'poison_far');
    const far = Date.UTC(2031, 5, 15) / 1000;
    const poison = makeEvent({ ts: far, payload: { poison_far: true } });
    const fine = Array.from({ length: 5 }, () => makeEvent());
    const res = await u.api.post(`/api/projects/${u.projectId}/events`, { events: [poison, ...fine] });
    expect(res.body).toEqual({ accepted: 6, rejected: [] });
    // The good ones in the same batch are not held back by it.
    await eventually(async () => (await countRows(u.projectId)) === 5, 20_000);
    // 1 + 3 retries with 1 s, 2 s, 4 s backoff, then the DLQ consumer stores it.
    const letters = await eventually(async () => {
      const rows = await u.api.get(`/api/projects/${u.projectId}/dead-letters`);
      return rows.body.items?.length === 1 ? rows.body.items : null;
    }, 40_000, 250);
    expect(letters[0]).toMatchObject({ queue: 'spark-events', replayed_at: null, replay_count: 0 });
    const [stored] = await sql`select body from dead_letters where id = ${letters[0].id}`;
    expect(stored!.body.event.id).toBe(poison.id);

    // A stranger can neither see nor replay it.
    const stranger = await userWithProject(worker.url, 'stranger');
    expect((await stranger.api.get(`/api/projects/${u.projectId}/dead-letters`)).status).toBe(404);
    expect((await stranger.api.post(`/api/projects/${u.projectId}/dead-letters/replay`, {})).status).toBe(404);

    // The operator removes the cause and replays (the event's month gets its partition on demand).
    await refusal.fix();
    const replay = await u.api.post(`/api/projects/${u.projectId}/dead-letters/replay`, {});
    expect(replay).toMatchObject({ status: 202, body: { replayed: 1 } });
    await eventually(async () => (await countRows(u.projectId)) === 6, 20_000);
    const [row] = await sql`select extract(epoch from occurred_at)::float8 as ts from spark_events where id = ${poison.id}`;
    expect(row!.ts).toBeCloseTo(far, 3);
    const after = await u.api.get(`/api/projects/${u.projectId}/dead-letters`);
    expect(after.body.items[0].replayed_at).not.toBeNull();
    expect(after.body.items[0].replay_count).toBe(1);
    // Replaying again finds nothing pending.
    expect((await u.api.post(`/api/projects/${u.projectId}/dead-letters/replay`, {})).body).toEqual({ replayed: 0 });
  });
});

import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, makeEvent, userWithProject } from '../support/api';
import type { SparkWorker } from '../support/spark-worker';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';

// Issue 15 item 3: an event id is unique per project, so another tenant cannot take yours.
describe('event ids are unique per project', () => {
  let stack: WorkerWithDb;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    stack = await startWorkerWithDb('tenancy');
    ({ worker, sql } = stack);
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('stores both events when two projects send the same id and ts', async () => {
    const a = await userWithProject(worker.url, 'victim');
    const b = await userWithProject(worker.url, 'squatter');
    const victims = makeEvent({ payload: { owner: 'a' }, type: 'test.collision' });
    // B learns (or guesses) A's next id and ts and sends it first…
    const first = await b.api.post(`/api/projects/${b.projectId}/events`, { events: [{ ...victims, payload: { owner: 'b' } }] });
    expect(first.body).toEqual({ accepted: 1, rejected: [] });
    await eventually(async () => (await sql`select 1 from spark_events where project_id = ${b.projectId}`).length === 1);
    // …then A sends its own: it must be stored, with A's payload.
    const second = await a.api.post(`/api/projects/${a.projectId}/events`, { events: [victims] });
    expect(second.body).toEqual({ accepted: 1, rejected: [] });
    await eventually(async () => (await sql`select 1 from spark_events where project_id = ${a.projectId}`).length === 1, 15_000);
    const rows = await sql`select project_id, payload from spark_events where id = ${victims.id} order by payload->>'owner'`;
    expect(rows).toEqual([
      { project_id: a.projectId, payload: { owner: 'a' } },
      { project_id: b.projectId, payload: { owner: 'b' } },
    ]);
    // Each project reads only its own.
    const mine = await a.api.get(`/api/projects/${a.projectId}/events?type=test.collision`);
    expect(mine.body.items.map((e: { payload: unknown }) => e.payload)).toEqual([{ owner: 'a' }]);
  });

  it('still dedupes a resend within one project', async () => {
    const a = await userWithProject(worker.url, 'resender');
    const e = makeEvent({ type: 'test.resend', payload: { n: 1 } });
    await a.api.post(`/api/projects/${a.projectId}/events`, { events: [e] });
    await a.api.post(`/api/projects/${a.projectId}/events`, { events: [{ ...e, payload: { n: 2 } }, makeEvent({ type: 'test.resend', payload: { n: 3 } })] });
    await eventually(async () => (await sql`select 1 from spark_events where project_id = ${a.projectId}`).length === 2);
    const rows = await sql`select payload from spark_events where project_id = ${a.projectId} order by payload->>'n'`;
    expect(rows.map((r) => r.payload)).toEqual([{ n: 1 }, { n: 3 }]);
  });

  it('has a primary key that leads with the project', async () => {
    const [pk] = await sql`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'spark_events_pkey' and conrelid = 'spark_events'::regclass`;
    expect(pk!.def).toBe('PRIMARY KEY (project_id, id, occurred_at)');
  });
});

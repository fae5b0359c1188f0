import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, makeEvent, userWithProject } from '../support/api';
import type { SparkWorker } from '../support/spark-worker';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';

// Issue 15 item 2: text Postgres cannot hold (NUL, lone surrogates) is refused at the edge, and
// whatever still reaches the queues is kept in dead_letters: never lost, never taking others along.
describe('text Postgres refuses', () => {
  let stack: WorkerWithDb;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    stack = await startWorkerWithDb('textsafety', { vars: { QUEUE_RETRY_BASE_SECONDS: '0' } });
    ({ worker, sql } = stack);
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  const eventsOf = async (projectId: string) => (await sql`select id from spark_events where project_id = ${projectId}`).map((r) => r.id as string);
  /** The raw JSON the test sends: JSON.stringify writes a lone surrogate as the escape "\udc00". */
  const post = (token: string, projectId: string, events: unknown[]) =>
    fetch(`${worker.url}/api/projects/${projectId}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  it('rejects NUL and lone surrogates at the edge, naming the field, and stores the valid event beside them', async () => {
    const u = await userWithProject(worker.url, 'nul');
    const fine = makeEvent({ type: 'test.fine', payload: { ok: true } });
    const nul = makeEvent({ type: 'test.nul', payload: { note: 'a\u0000b' } });
    const surrogate = makeEvent({ type: 'test.surrogate', payload: { nested: { list: ['ok', 'x\udc00y'] } } });
    const nulKey = makeEvent({ type: 'test.key', payload: { ['k\u0000']: 1 } });
    const nulSession = makeEvent({ type: 'test.session', session_id: 's\u0000' });
    const highAlone = makeEvent({ type: 'test.source', source: 'src\ud800' });
    const res = await post(u.token, u.projectId, [nul, fine, surrogate, nulKey, nulSession, highAlone]);
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected).toEqual([
      { index: 0, error: expect.objectContaining({ code: 'invalid_event', path: 'payload.note' }) },
      { index: 2, error: expect.objectContaining({ code: 'invalid_event', path: 'payload.nested.list.1' }) },
      { index: 3, error: expect.objectContaining({ code: 'invalid_event', path: 'payload' }) },
      { index: 4, error: expect.objectContaining({ code: 'invalid_event', path: 'session_id' }) },
      { index: 5, error: expect.objectContaining({ code: 'invalid_event', path: 'source' }) },
    ]);
    expect(res.body.rejected[0].error.message).toMatch(/NUL/);
    expect(res.body.rejected[1].error.message).toMatch(/surrogate/);
    await eventually(async () => (await eventsOf(u.projectId)).length === 1);
    expect(await eventsOf(u.projectId)).toEqual([fine.id]);
    // A well-formed pair (an emoji) is fine.
    const emoji = makeEvent({ type: 'test.emoji', payload: { note: 'ok \ud83d\ude00' } });
    expect((await post(u.token, u.projectId, [emoji])).body).toEqual({ accepted: 1, rejected: [] });
    await eventually(async () => (await eventsOf(u.projectId)).length === 2);
  });

  it('keeps a queued body Postgres refuses in dead_letters, replayable, without losing its neighbour', async () => {
    const u = await userWithProject(worker.url, 'queued');
    // Bodies already on the queue (sent before the edge refused such text).
    const events = await worker.mf.getQueueProducer<unknown>('EVENTS');
    const poison = { projectId: u.projectId, receivedAt: Date.now(), event: makeEvent({ type: 'test.poison', payload: { note: 'a\u0000b' } }) };
    const fine = { projectId: u.projectId, receivedAt: Date.now(), event: makeEvent({ type: 'test.fine' }) };
    await events.sendBatch([{ body: poison }, { body: fine }]);
    await eventually(async () => (await eventsOf(u.projectId)).length === 1, 20_000);
    const letters = await eventually(async () => {
      const r = await u.api.get(`/api/projects/${u.projectId}/dead-letters`);
      return r.body.items?.length === 1 ? r.body.items : null;
    }, 20_000);
    expect(letters[0].error).toMatch(/event\.payload\.note.*NUL/);
    // Stored as its JSON text, exactly: the NUL survives.
    const [row] = await sql`select body, body_json from dead_letters where id = ${letters[0].id}`;
    expect(row!.body).toBeNull();
    expect(JSON.parse(row!.body_json)).toEqual(poison);
    expect(JSON.parse(row!.body_json).event.payload.note).toBe('a\u0000b');
  });

  it('stores every letter of a DLQ batch, even one Postgres refuses as jsonb', async () => {
    const u = await userWithProject(worker.url, 'dlq');
    const dlq = await worker.mf.getQueueProducer<unknown>('EVENTS_DLQ');
    const poison = { projectId: u.projectId, receivedAt: Date.now(), event: makeEvent({ type: 'test.poison', payload: { note: 'x\u0000' } }) };
    const fine = { projectId: u.projectId, receivedAt: Date.now(), event: makeEvent({ type: 'test.fine' }) };
    const other = { projectId: u.projectId, receivedAt: Date.now(), event: makeEvent({ type: 'test.other' }) };
    await dlq.sendBatch([{ body: poison }, { body: fine }, { body: other }]);
    await eventually(async () => Number((await sql`select count(*)::int as n from dead_letters where project_id = ${u.projectId}`)[0]!.n) === 3, 20_000);
    const rows = await sql`select body, body_json from dead_letters where project_id = ${u.projectId}`;
    const bodies = rows.map((r) => (r.body ?? JSON.parse(r.body_json)) as { event: { type: string; payload: unknown } });
    expect(bodies.map((b) => b.event.type).sort()).toEqual(['test.fine', 'test.other', 'test.poison']);
    expect(bodies.find((b) => b.event.type === 'test.poison')!.event.payload).toEqual({ note: 'x\u0000' });
    // The good ones are replayable and land; the bad one comes back as a dead letter, not as a loss.
    const replay = await u.api.post(`/api/projects/${u.projectId}/dead-letters/replay`, {});
    expect(replay.body).toEqual({ replayed: 3 });
    await eventually(async () => (await eventsOf(u.projectId)).length === 2, 20_000);
    expect((await eventsOf(u.projectId)).sort()).toEqual([fine.event.id, other.event.id].sort());
    await eventually(async () => Number((await sql`select count(*)::int as n from dead_letters where project_id = ${u.projectId} and replayed_at is null`)[0]!.n) === 1, 20_000);
  });

  it('keeps a letter whose project is gone, and stores its neighbours', async () => {
    const u = await userWithProject(worker.url, 'orphan');
    const dlq = await worker.mf.getQueueProducer<unknown>('EVENTS_DLQ');
    const orphan = { projectId: crypto.randomUUID(), receivedAt: Date.now(), event: makeEvent({ type: 'test.orphan' }) };
    const fine = { projectId: u.projectId, receivedAt: Date.now(), event: makeEvent({ type: 'test.fine' }) };
    await dlq.sendBatch([{ body: orphan }, { body: fine }]);
    await eventually(async () => (await sql`select 1 from dead_letters where project_id = ${u.projectId}`).length === 1, 20_000);
    const [kept] = await eventually(async () => {
      const rows = await sql`select project_id, body, error from dead_letters where body->'event'->>'id' = ${orphan.event.id}`;
      return rows.length === 1 ? rows : null;
    }, 20_000);
    expect(kept!.project_id).toBeNull();
    expect(kept!.body).toEqual(orphan);
    expect(kept!.error).toMatch(/kept without its project/);
  });

  it('keeps a lone surrogate exact through a replay and back into dead_letters', async () => {
    const u = await userWithProject(worker.url, 'lone');
    // (Node cannot hand workerd a lone surrogate on a queue: the letter starts in the table, as
    // the DLQ consumer stores it, and travels Worker-side only.)
    const body = { projectId: u.projectId, receivedAt: Date.now(), event: makeEvent({ type: 'test.lone', payload: { note: 'x\ud800y' } }) };
    const bodyJson = JSON.stringify(body);
    expect(bodyJson).toContain('\\ud800');
    await sql`insert into dead_letters (queue, message_id, project_id, body_json, error, attempts)
              values ('spark-events', ${crypto.randomUUID()}, ${u.projectId}, ${bodyJson}, 'seeded', 4)`;
    expect((await u.api.post(`/api/projects/${u.projectId}/dead-letters/replay`, {})).body).toEqual({ replayed: 1 });
    const [again] = await eventually(async () => {
      const rows = await sql`select body, body_json, error from dead_letters where project_id = ${u.projectId} and replayed_at is null`;
      return rows.length === 1 ? rows : null;
    }, 20_000);
    expect(again!.error).toMatch(/event\.payload\.note.*surrogate/);
    expect(again!.body).toBeNull();
    expect(JSON.parse(again!.body_json).event.payload.note).toBe('x\ud800y');
  });
});

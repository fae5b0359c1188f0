import { refuseEventsMarked } from '../support/poison';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventQueueBody } from '../../contracts/event';
import { packEvents } from '../../workers/event-packs';
import { eventually, makeEvent, userWithProject } from '../support/api';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase } from '../support/test-db';

// Events packed many per Queue message, in workerd with real Postgres: a poison event stays alone
// in dead_letters, a pack delivered again stores nothing twice, and a queue that refuses sends
// gets a 503 saying how much of the request was kept.
describe('events packed per queue message', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    db = await createTestDatabase('packing');
    worker = await startSparkWorker({ databaseUrl: db.url, vars: { QUEUE_RETRY_BASE_SECONDS: '1' } });
    sql = postgres(db.url, { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await worker?.dispose();
    await db?.drop();
  });

  const countRows = async (projectId: string) => (await sql`select count(*)::int as n from spark_events where project_id = ${projectId}`)[0]!.n as number;

  it('stores the good events of a pack once and dead-letters the poison one alone, with its reason', async () => {
    const u = await userWithProject(worker.url, 'poison-pack');
    // Postgres refuses it on every delivery.
    const refusal = await refuseEventsMarked(sql, 'poison_pack');
    const poison = makeEvent({ payload: { poison_pack: true } });
    const before = Array.from({ length: 40 }, (_, i) => makeEvent({ payload: { i } }));
    const after = Array.from({ length: 60 }, (_, i) => makeEvent({ payload: { i: 40 + i } }));
    const events = [...before, poison, ...after];
    expect(packEvents(events.map((event) => ({ projectId: u.projectId, event, receivedAt: 0 })))).toHaveLength(1);

    const res = await u.api.post(`/api/projects/${u.projectId}/events`, { events });
    expect(res.status).toBe(202);
    // The 100 good ones are stored at the first delivery, not held back by the poison.
    await eventually(async () => (await countRows(u.projectId)) === 100, 20_000);
    // The pack is delivered again (1 + 3 retries, backoff 1, 2, 4 s); on the last delivery the
    // consumer keeps the refused event in dead_letters and acks the pack.
    const letters = await eventually(async () => {
      const rows = await sql`select message_id, body, error, attempts from dead_letters where project_id = ${u.projectId}`;
      return rows.length > 0 ? rows : null;
    }, 40_000, 250);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.body.event.id).toBe(poison.id);
    expect(letters[0]!.body.projectId).toBe(u.projectId);
    expect(letters[0]!.error).toMatch(new RegExp(`refused by Postgres on all 4 deliveries: .*${refusal.constraint}`));
    expect(letters[0]!.attempts).toBe(4);
    expect(letters[0]!.message_id).toMatch(/#40$/);

    // Four deliveries, yet one row per good event and none for the poison.
    const rows = await sql`select id from spark_events where project_id = ${u.projectId}`;
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set([...before, ...after].map((e) => e.id)));
    expect(rows).toHaveLength(100);

    // The pack was acked, not also sent to the DLQ: a sentinel pack sent after it is stored and the letter stays alone.
    const sentinel = makeEvent();
    expect((await u.api.post(`/api/projects/${u.projectId}/events`, { events: [sentinel] })).status).toBe(202);
    await eventually(async () => (await countRows(u.projectId)) === 101, 20_000);
    expect(await sql`select count(*)::int as n from dead_letters where project_id = ${u.projectId}`).toEqual([{ n: 1 }]);

    // Replayed once the cause is gone, it is stored like any other event.
    await refusal.fix();
    expect(await u.api.post(`/api/projects/${u.projectId}/dead-letters/replay`, {})).toMatchObject({ status: 202, body: { replayed: 1 } });
    await eventually(async () => (await countRows(u.projectId)) === 102, 20_000);
  });

  it('inserts nothing twice when the same pack arrives again, and still reads one-event messages', async () => {
    const u = await userWithProject(worker.url, 'redelivery');
    const queue = await worker.mf.getQueueProducer<EventQueueBody>('EVENTS');
    const receivedAt = Date.now();
    const events = Array.from({ length: 300 }, (_, i) => makeEvent({ payload: { i } }));
    const [pack] = packEvents(events.map((event) => ({ projectId: u.projectId, event, receivedAt, producer: { kind: 'user' as const } })));
    expect(pack!.body.events).toHaveLength(300);
    // The same pack three times (what a redelivery or the ingest log's resend puts on the queue).
    await queue.send(pack!.body, { contentType: 'json' });
    await queue.sendBatch([pack!.body, pack!.body].map((body) => ({ body, contentType: 'json' as const })));
    // A message from before packing, in flight during a deploy.
    const old = makeEvent({ payload: { old: true } });
    await queue.send({ projectId: u.projectId, event: old, receivedAt }, { contentType: 'json' });
    await eventually(async () => (await countRows(u.projectId)) === 301, 20_000);
    // Settled: one more pack sent after all of them is stored, and the count has not moved.
    const sentinel = makeEvent();
    expect((await u.api.post(`/api/projects/${u.projectId}/events`, { events: [sentinel] })).status).toBe(202);
    await eventually(async () => (await sql`select 1 from spark_events where id = ${sentinel.id}`).length === 1, 20_000);
    expect(await countRows(u.projectId)).toBe(302);
    expect(await sql`select id from spark_events where project_id = ${u.projectId} group by id having count(*) > 1`).toHaveLength(0);
    expect(await sql`select count(*)::int as n from dead_letters where project_id = ${u.projectId}`).toEqual([{ n: 0 }]);
  });
});

describe('a queue that stops taking events', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    db = await createTestDatabase('overload');
    // The local queue takes two messages, then refuses every send (as a full queue does).
    worker = await startSparkWorker({ databaseUrl: db.url, eventsQueueAccepts: 2 });
    sql = postgres(db.url, { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await worker?.dispose();
    await db?.drop();
  });

  it('answers 503 with Retry-After and the count it kept, which are the first events of the request and are stored', async () => {
    const u = await userWithProject(worker.url, 'overload');
    // ~2 KB events: five packs, sent two per sendBatch; the second sendBatch is refused.
    const events = Array.from({ length: 250 }, (_, i) => makeEvent({ payload: { i, blob: 'x'.repeat(2_000) } }));
    const res = await fetch(`${worker.url}/api/projects/${u.projectId}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const kept = Number(res.headers.get('spark-events-accepted'));
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unavailable');
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(250);
    expect(body.error.message).toContain(`the first ${kept} valid events (in request order) were accepted, the other ${250 - kept} were not`);
    // Exactly the kept ones arrive: the first `kept` of the request, nothing of the rest.
    const first = new Set(events.slice(0, kept).map((e) => e.id));
    await eventually(async () => (await sql`select count(*)::int as n from spark_events`)[0]!.n === kept, 20_000);
    const stored = await sql`select id from spark_events where project_id = ${u.projectId}`;
    expect(stored.every((r) => first.has(r.id))).toBe(true);

    // Still full: a new request is refused whole, and says so.
    const again = await u.api.post(`/api/projects/${u.projectId}/events`, { events: [makeEvent()] });
    expect(again.status).toBe(503);
    expect(again.body.error.message).toMatch(/none of them were accepted/);
  });
});

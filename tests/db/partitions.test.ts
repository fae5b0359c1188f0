import { sql as dsql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureEventPartitions } from '../../db/partitions';
import { sparkEvents } from '../../db/schema';
import { seedProject, useTestDatabase, utcMonth } from './helpers';

describe('spark_events partitions', () => {
  const h = useTestDatabase('spark_partitions', 2);
  let projectId: string;

  beforeAll(async () => {
    projectId = (await seedProject(h.db)).project.id;
  });

  const partitionNames = async () =>
    (
      await h.sql!`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
                   where i.inhparent = 'spark_events'::regclass order by 1`
    ).map((r) => r.relname as string);

  it('the SQL function adds months idempotently and returns counts', async () => {
    const now = new Date();
    const m0 = utcMonth(now, 0);
    // Current and next exist already: asking for four months creates two.
    const first = await h.sql!`select spark_ensure_event_partitions(${m0.start.toISOString().slice(0, 10)}::date, 4) as n`;
    expect(first[0]!.n).toBe(2);
    const again = await h.sql!`select spark_ensure_event_partitions(${m0.start.toISOString().slice(0, 10)}::date, 4) as n`;
    expect(again[0]!.n).toBe(0);
    const names = await partitionNames();
    for (let i = 0; i < 4; i++) expect(names).toContain(utcMonth(now, i).tag);
  });

  it('a mid-month date means its whole month, bounds are UTC midnights in any session time zone', async () => {
    const bound = await h.sql!.begin(async (tx) => {
      await tx`set local time zone 'America/New_York'`;
      const [created] = await tx`select spark_ensure_event_partitions('2030-12-17'::date, 2) as n`;
      expect(created!.n).toBe(2);
      await tx`set local time zone 'UTC'`;
      const [b] = await tx`select pg_get_expr(c.relpartbound, c.oid) as bound from pg_class c where relname = 'spark_events_y2030m12'`;
      return b!.bound as string;
    });
    expect(bound).toBe("FOR VALUES FROM ('2030-12-01 00:00:00+00') TO ('2031-01-01 00:00:00+00')");
    expect(await partitionNames()).toEqual(expect.arrayContaining(['spark_events_y2030m12', 'spark_events_y2031m01']));
  });

  it('ensureEventPartitions (TS) wraps the function', async () => {
    expect(await ensureEventPartitions(h.db, new Date(Date.UTC(2032, 5, 30, 23, 59)), 3)).toBe(3);
    expect(await ensureEventPartitions(h.db, new Date(Date.UTC(2032, 5, 1)), 3)).toBe(0);
    expect(await ensureEventPartitions(h.db, new Date(Date.UTC(2032, 5, 1)), 0)).toBe(0);
    expect(await partitionNames()).toEqual(
      expect.arrayContaining(['spark_events_y2032m06', 'spark_events_y2032m07', 'spark_events_y2032m08']),
    );
    await expect(ensureEventPartitions(h.db, new Date(), -1)).rejects.toThrow(/months/);
  });

  it('an event for a month without a partition fails loudly', async () => {
    const insert = h.db.insert(sparkEvents).values({
      id: crypto.randomUUID(),
      occurredAt: new Date(Date.UTC(2001, 0, 15)),
      projectId,
      sessionId: 's1',
      source: 'test',
      kind: 'system',
      type: 'test.event',
      payload: {},
    });
    await expect(insert).rejects.toMatchObject({ cause: expect.objectContaining({ code: '23514' }) });
  });

  it('ON CONFLICT (project_id, id, occurred_at) DO NOTHING dedupes', async () => {
    const row = {
      id: crypto.randomUUID(),
      occurredAt: new Date(),
      projectId,
      sessionId: 'session-dedupe',
      source: 'test',
      kind: 'tool' as const,
      type: 'unity.script_generated',
      payload: { n: 1 },
      traceId: 't-1',
    };
    const first = await h.db.insert(sparkEvents).values(row).onConflictDoNothing({ target: [sparkEvents.projectId, sparkEvents.id, sparkEvents.occurredAt] }).returning({ id: sparkEvents.id });
    const second = await h.db.insert(sparkEvents).values({ ...row, payload: { n: 2 } }).onConflictDoNothing({ target: [sparkEvents.projectId, sparkEvents.id, sparkEvents.occurredAt] }).returning({ id: sparkEvents.id });
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(0);
    // Raw SQL form, as a bulk consumer would write it. The raw client is drizzle's: timestamps
    // go in as ISO strings (drizzle made its timestamptz serializer a pass-through).
    await h.sql!`insert into spark_events (id, occurred_at, project_id, session_id, source, kind, type, payload)
                 values (${row.id}, ${row.occurredAt.toISOString()}, ${projectId}, 'x', 'test', 'tool', 't', '{}')
                 on conflict (project_id, id, occurred_at) do nothing`;
    const stored = await h.db.select().from(sparkEvents).where(dsql`${sparkEvents.id} = ${row.id}`);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.payload).toEqual({ n: 1 });
    expect(stored[0]!.receivedAt).toBeInstanceOf(Date);
  });

  it('bulk insert with unnest arrays works on the shared client (text[] then cast)', async () => {
    // drizzle turns the timestamptz[]/jsonb serializers of its client into pass-throughs, so send
    // those columns as text[] and cast in SQL; uuid[]/text[] arrays need fetch_types (kept on).
    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    const at = [new Date().toISOString(), new Date(Date.now() - 1000).toISOString()];
    const payloads = [JSON.stringify({ n: 1 }), JSON.stringify({ n: 2, s: "it's" })];
    const insert = () => h.sql!`
      insert into spark_events (id, occurred_at, project_id, session_id, source, kind, type, payload)
      select id, occurred_at::timestamptz, ${projectId}, 'bulk', 'test', 'system', 'bulk.test', payload::jsonb
      from unnest(${ids}::uuid[], ${at}::text[], ${payloads}::text[]) as t(id, occurred_at, payload)
      on conflict (project_id, id, occurred_at) do nothing`;
    expect((await insert()).count).toBe(2);
    expect((await insert()).count).toBe(0);
    const rows = await h.db.select().from(sparkEvents).where(dsql`${sparkEvents.sessionId} = 'bulk'`);
    expect(rows.map((r) => r.payload)).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2, s: "it's" }]));
  });

  it('session_id is limited to 256 characters', async () => {
    const insert = h.db.insert(sparkEvents).values({
      id: crypto.randomUUID(), occurredAt: new Date(), projectId, sessionId: 'x'.repeat(257),
      source: 'test', kind: 'system', type: 't', payload: {},
    });
    await expect(insert).rejects.toMatchObject({ cause: expect.objectContaining({ code: '23514' }) });
  });
});

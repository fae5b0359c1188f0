// Rollups against real Postgres: incremental runs at random moments equal a GROUP BY over the raw
// events, whatever the lateness, the re-sends, crashed runs and backfills in between.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventQueueMessage, SparkEventV1 } from '../../contracts/event';
import { createDb } from '../../db/client';
import { dropExpiredEventPartitions, ensureEventPartitions } from '../../db/partitions';
import { backfillRollups, rollUpEvents, rollupWatermark } from '../../db/queries/rollups';
import { persistEvents } from '../../workers/persist-events';
import { seedProject, useTestDatabase, utcMonth } from './helpers';

const DAY_S = 86_400;

/** What the property test sends: an event description, turned into a SparkEventV1 per project. */
const eventArb = fc.record({
  kind: fc.constantFrom('usage', 'tool', 'other'),
  daysLate: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 420 })),
  secondOfDay: fc.integer({ min: 0, max: DAY_S - 1 }),
  source: fc.constantFrom('agent', 'edge', 'ci'),
  session: fc.constantFrom('s1', 's2'),
  callId: fc.constantFrom('c1', 'c2', 'c3'),
  tool: fc.constantFrom('generate_script', 'run_build'),
  status: fc.constantFrom('started', 'succeeded', 'failed', 'timeout'),
  model: fc.constantFrom('m-small', 'm-large'),
  provider: fc.constantFrom('openai', 'anthropic'),
  tokensIn: fc.integer({ min: 0, max: 100_000 }),
  tokensOut: fc.integer({ min: 0, max: 100_000 }),
  microUsd: fc.integer({ min: 0, max: 5_000_000 }),
  otherType: fc.constantFrom('unity.completed', 'preview.frame', 'build.progress'),
  // When the edge accepted it, seconds before the send: up to 3 days of queueing (hours and days
  // apart, so backfills cut through them), or a little after it (the edge's clock ahead: waits clamp to 0).
  receivedAgoS: fc.oneof(fc.integer({ min: 0, max: 3 * DAY_S }), fc.integer({ min: -120, max: 0 })),
});
type EventSpec = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

const actionArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ do: fc.constant('send' as const), events: fc.array(eventArb, { minLength: 1, maxLength: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('resend' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('rollup' as const) }) },
  { weight: 1, arbitrary: fc.record({ do: fc.constant('crashedRollup' as const) }) },
  { weight: 1, arbitrary: fc.record({ do: fc.constant('backfill' as const), daysBack: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 })), span: fc.integer({ min: 0, max: 10 }) }) },
);

function toEvent(spec: EventSpec, now: number): SparkEventV1 {
  const day = Math.floor(now / 1000 / DAY_S) - spec.daysLate;
  const ts = Math.min(day * DAY_S + spec.secondOfDay + 0.25, now / 1000);
  const base = { v: 1 as const, id: crypto.randomUUID(), source: spec.source, ts, session_id: spec.session };
  if (spec.kind === 'usage') {
    return {
      ...base, type: 'usage.llm', kind: 'system',
      payload: { provider: spec.provider, model: spec.model, input_tokens: spec.tokensIn, output_tokens: spec.tokensOut, cost_usd: spec.microUsd / 1e6 },
    };
  }
  if (spec.kind === 'tool') {
    return {
      ...base, type: 'tool.call', kind: 'tool',
      payload: { call_id: spec.callId, name: spec.tool, status: spec.status, ...(spec.status === 'failed' ? { error: 'boom' } : {}) },
    };
  }
  return { ...base, type: spec.otherType, kind: 'system', payload: { n: 1 } };
}

describe('daily rollups', () => {
  const h = useTestDatabase('spark_rollups', 3);

  /** The three tables of one project, as sorted text rows. */
  const rollups = async (projectId: string) => ({
    usage: (await h.sql!`select day::text, provider, model, requests::text, input_tokens::text, output_tokens::text, cost_usd::text
      from usage_daily where project_id = ${projectId} and requests > 0 order by 1, 2, 3`).map((r) => ({ ...r })),
    calls: (await h.sql!`select day::text, tool, calls::text, failures::text
      from errors_daily where project_id = ${projectId} and calls > 0 order by 1, 2`).map((r) => ({ ...r })),
    events: (await h.sql!`select day::text, type, source, count::text
      from events_daily where project_id = ${projectId} and count > 0 order by 1, 2, 3`).map((r) => ({ ...r })),
    sessions: (await h.sql!`select day::text, session_id from sessions_daily where project_id = ${projectId} order by 1, 2`).map((r) => ({ ...r })),
    queue: (await h.sql!`select hour::text, events::text, wait_ms_sum::text, wait_ms_max::text
      from queue_hourly where project_id = ${projectId} and events > 0 order by 1`).map((r) => ({ ...r })),
  });

  /** The same, computed in one GROUP BY over every raw event (written independently of the rollup SQL). */
  const groupBy = async (projectId: string) => ({
    usage: (await h.sql!`
      select (occurred_at at time zone 'UTC')::date::text as day, payload->>'provider' as provider, payload->>'model' as model,
        count(*)::text as requests, sum((payload->>'input_tokens')::bigint)::text as input_tokens,
        sum((payload->>'output_tokens')::bigint)::text as output_tokens, sum((payload->>'cost_usd')::numeric)::text as cost_usd
      from spark_events where project_id = ${projectId} and type like 'usage.%' group by 1, 2, 3 order by 1, 2, 3`).map((r) => ({ ...r })),
    calls: (await h.sql!`
      with finished as (
        select *, row_number() over (partition by session_id, payload->>'call_id' order by stored_at, id) as nth
        from spark_events where project_id = ${projectId} and kind = 'tool' and payload->>'status' in ('succeeded', 'failed', 'timeout')
      )
      select (occurred_at at time zone 'UTC')::date::text as day, payload->>'name' as tool, count(*)::text as calls,
        count(*) filter (where payload->>'status' <> 'succeeded')::text as failures
      from finished where nth = 1 group by 1, 2 order by 1, 2`).map((r) => ({ ...r })),
    events: (await h.sql!`
      select (occurred_at at time zone 'UTC')::date::text as day, type, source, count(*)::text as count
      from spark_events where project_id = ${projectId} group by 1, 2, 3 order by 1, 2, 3`).map((r) => ({ ...r })),
    sessions: (await h.sql!`
      select distinct (occurred_at at time zone 'UTC')::date::text as day, session_id
      from spark_events where project_id = ${projectId} order by 1, 2`).map((r) => ({ ...r })),
    queue: (await h.sql!`
      with waits as (
        select date_trunc('hour', received_at at time zone 'UTC') at time zone 'UTC' as hour,
          case when stored_at > received_at then (extract(epoch from stored_at) - extract(epoch from received_at)) * 1000 else 0 end as wait_ms
        from spark_events where project_id = ${projectId}
      )
      select hour::text, count(*)::text as events, sum(wait_ms)::text as wait_ms_sum, max(wait_ms)::text as wait_ms_max
      from waits group by 1 order by 1`).map((r) => ({ ...r })),
  });

  /** Runs until every stored event is under the watermark (the horizon only ever moves forward). */
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      await rollUpEvents(h.db, { marginMs: 0 });
      const [left] = await h.sql!`select count(*)::int as n from spark_events where stored_at >= (select stored_before from rollup_watermarks where name = 'events')`;
      if (left!.n === 0) return;
    }
    throw new Error('the rollup watermark never caught up with the stored events');
  };

  it('random lateness, re-sends, crashed runs and backfills: the tables equal a GROUP BY over the raw events', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 14 }), async (actions) => {
        const { project } = await seedProject(h.db, 'prop');
        const now = Date.now();
        const sent: EventQueueMessage[][] = [];
        for (const action of actions) {
          if (action.do === 'send') {
            const batch = action.events.map((spec) => ({ projectId: project.id, event: toEvent(spec, now), receivedAt: now - spec.receivedAgoS * 1000 }));
            sent.push(batch);
            await persistEvents(h.db, batch);
          } else if (action.do === 'resend' && sent.length > 0) {
            await persistEvents(h.db, sent[action.pick % sent.length]!);
          } else if (action.do === 'rollup') {
            await rollUpEvents(h.db, { marginMs: 0 });
          } else if (action.do === 'crashedRollup') {
            // The run's statement completes, then its transaction dies: nothing of it may remain.
            await expect(
              h.db.transaction(async (tx) => {
                await rollUpEvents(tx, { marginMs: 0 });
                throw new Error('crash');
              }),
            ).rejects.toThrow('crash');
          } else if (action.do === 'backfill') {
            const to = new Date(now - action.daysBack * DAY_S * 1000);
            const from = new Date(to.getTime() - action.span * DAY_S * 1000);
            await ensureEventPartitions(h.db, from, 3);
            await backfillRollups(h.db, { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) });
          }
        }
        await settle();
        const distinct = new Set(sent.flat().map((m) => m.event.id)).size;
        const got = await rollups(project.id);
        expect(got).toEqual(await groupBy(project.id));
        expect(got.events.reduce((n, r) => n + Number(r.count), 0)).toBe(distinct);
        expect(got.queue.reduce((n, r) => n + Number(r.events), 0)).toBe(distinct);
      }),
      { numRuns: 12 },
    );
  }, 60_000);

  it('an insert still open when the rollup runs is counted after it commits, exactly once', async () => {
    const { project } = await seedProject(h.db, 'open');
    await settle();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const insertedP = new Promise<void>((r) => (inserted = r));
    // Another connection: its transaction starts (stored_at = its now()) before the rollup and commits after it.
    const writer = createDb({ url: h.url, max: 1 });
    try {
      const tx = writer.sql!.begin(async (sql) => {
        await sql`insert into spark_events (id, occurred_at, project_id, session_id, source, kind, type, payload)
                  values (${crypto.randomUUID()}, now(), ${project.id}, 's', 'agent', 'system', 'unity.completed', '{}')`;
        inserted();
        await gate;
      });
      await insertedP;
      const run = await rollUpEvents(h.db, { marginMs: 0 });
      const [open] = await h.sql!`select ${run.to}::timestamptz <= xact_start as before_it from pg_stat_activity
                                  where datname = current_database() and state = 'idle in transaction'`;
      expect(open!.before_it).toBe(true);
      expect((await rollups(project.id)).events).toEqual([]);
      release();
      await tx;
      await settle();
      expect((await rollups(project.id)).events.map((r) => r.count)).toEqual(['1']);
      await settle();
      expect((await rollups(project.id)).events.map((r) => r.count)).toEqual(['1']);
    } finally {
      release();
      await writer.close();
    }
  });

  it('an old event gets its month made on demand; retention drops a month only once it is rolled up', async () => {
    const { project } = await seedProject(h.db, 'old');
    await settle();
    const now = new Date();
    const old = utcMonth(now, -15);
    const oldEvent = (n: number): EventQueueMessage => ({
      projectId: project.id,
      receivedAt: Date.now(),
      event: { v: 1, id: crypto.randomUUID(), type: 'unity.completed', source: 'import', kind: 'system', ts: old.start.getTime() / 1000 + 3600 * n, session_id: 's', payload: {} },
    });
    // The consumer's path: no partition for that month yet, so it is made, and the event stored.
    expect((await persistEvents(h.db, [oldEvent(1), oldEvent(2)])).inserted).toBe(2);

    const notYet = await dropExpiredEventPartitions(h.db, now, 13);
    expect(notYet.dropped).not.toContain(old.tag);
    expect(notYet.kept).toContainEqual({ partition: old.tag, reason: 'events not rolled up yet' });

    await settle();
    const day = old.start.toISOString().slice(0, 10);
    const counted = (await rollups(project.id)).events.filter((r) => r.day === day);
    expect(counted).toEqual([{ day, type: 'unity.completed', source: 'import', count: '2' }]);
    const done = await dropExpiredEventPartitions(h.db, now, 13);
    expect(done.dropped).toContain(old.tag);
    // The rollups outlive the raw events (the queue's too: both were received now).
    expect((await rollups(project.id)).events.filter((r) => r.day === day)).toEqual(counted);
    const queued = async () => (await rollups(project.id)).queue.reduce((n, r) => n + Number(r.events), 0);
    expect(await queued()).toBe(2);
    // A backfill cannot wipe days whose raw events are gone.
    await expect(backfillRollups(h.db, { from: day, to: day })).rejects.toThrow(/no events are kept for/);

    // Imported once more later: the month comes back, the event is stored and counted on top.
    expect((await persistEvents(h.db, [oldEvent(3)])).inserted).toBe(1);
    await settle();
    expect((await rollups(project.id)).events.filter((r) => r.day === day).map((r) => r.count)).toEqual(['3']);
    expect(await queued()).toBe(3);
    expect(await rollupWatermark(h.db)).not.toBeNull();
  });
});

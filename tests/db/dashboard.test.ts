// The in-flight series is computed in one pass (a running sum of starts and ends); it must equal
// the plain definition at every point: started before it, and not finished before it. The queue
// depth, from the hourly rollup, against numbers worked out by hand.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ensureEventPartitions } from '../../db/partitions';
import { dashboard } from '../../db/queries/dashboard';
import { rollUpEvents } from '../../db/queries/rollups';
import { seedProject, useTestDatabase } from './helpers';

const HOUR = 3_600_000;

// One database for both: each test works in projects of its own.
const h = useTestDatabase('spark_dashboard', 2);

describe('dashboard: ops in flight', () => {
  const call = fc.record({
    // Hours from the range's start (negative: before it), and how long (null: never finished;
    // negative: an end reported before the start, as clocks of two machines allow; zero: ended as it began).
    startH: fc.integer({ min: -48, max: 24 * 4 }),
    startMin: fc.integer({ min: 0, max: 59 }),
    lengthMin: fc.option(fc.oneof(fc.constant(0), fc.integer({ min: -30, max: 60 * 30 })), { nil: null }),
  });

  it('equals started-before and not-finished-before at every point, hourly and daily', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(call, { maxLength: 25 }), fc.constantFrom(1, 2, 4), fc.integer({ min: 0, max: 3 * 24 }), async (calls, days, nowH) => {
        const { project } = await seedProject(h.db, 'flight');
        const from = '2030-03-01';
        const start = Date.parse(`${from}T00:00:00Z`);
        const to = new Date(start + (days - 1) * 24 * HOUR).toISOString().slice(0, 10);
        const now = new Date(start + nowH * HOUR + 17 * 60_000);
        for (const [i, c] of calls.entries()) {
          const s = new Date(start + c.startH * HOUR + c.startMin * 60_000);
          const e = c.lengthMin === null ? null : new Date(s.getTime() + c.lengthMin * 60_000);
          await h.sql!`insert into function_calls (project_id, session_id, call_id, name, status, started_at, completed_at)
            values (${project.id}, 's', ${`c${i}`}, 'tool', ${e ? 'succeeded' : 'started'}, ${s.toISOString()}, ${e?.toISOString() ?? null})`;
        }
        const view = await dashboard(h.db, project.id, { from, to }, now);
        expect(view.in_flight.points.length).toBeGreaterThan(0);
        for (const p of view.in_flight.points) {
          const at = Date.parse(p.at);
          const expected = calls.filter((c) => {
            const s = start + c.startH * HOUR + c.startMin * 60_000;
            const e = c.lengthMin === null ? null : s + c.lengthMin * 60_000;
            return s < at && (e === null || e >= at);
          }).length;
          expect(p.ops, `at ${p.at}`).toBe(expected);
        }
        expect(Date.parse(view.in_flight.points.at(-1)!.at)).toBeLessThanOrEqual(Math.min(now.getTime(), Date.parse(`${to}T00:00:00Z`) + 24 * HOUR));
      }),
      { numRuns: 25 },
    );
  }, 60_000);
});

describe('dashboard: queue depth', () => {
  it('per hour and per day, and over the range: events accepted, average waiting over the time passed, longest wait', async () => {
    const { project } = await seedProject(h.db, 'queue');
    const { project: other } = await seedProject(h.db, 'queue-other');
    await ensureEventPartitions(h.db, new Date('2026-02-01T00:00:00Z'), 2);
    // [project, received_at, stored_at]: stored_at is set here (it defaults to now()).
    const events: [string, string, string][] = [
      [project.id, '2026-03-01T00:10:00Z', '2026-03-01T00:10:02Z'], // 2 s, hour 00
      [project.id, '2026-03-01T00:59:59Z', '2026-03-01T01:00:05Z'], // 6 s, counted in hour 00 (received then)
      [project.id, '2026-03-01T01:30:00Z', '2026-03-01T01:29:59Z'], // stored "before" received (skew): 0
      [project.id, '2026-03-01T02:00:00Z', '2026-03-01T02:00:00.250Z'], // 250 ms, hour 02
      [project.id, '2026-03-01T02:10:00Z', '2026-03-01T02:13:00Z'], // 3 min, hour 02
      [project.id, '2026-02-28T23:59:59Z', '2026-03-01T00:00:04Z'], // 5 s, the day before
      [other.id, '2026-03-01T00:20:00Z', '2026-03-01T00:40:00Z'], // another project's 20 min
    ];
    for (const [projectId, received, stored] of events) {
      await h.sql!`insert into spark_events (id, occurred_at, project_id, session_id, source, kind, type, payload, received_at, stored_at)
        values (${crypto.randomUUID()}, ${received}::timestamptz - interval '1 second', ${projectId}, 's', 'agent', 'system', 'unity.completed', '{}',
          ${received}, ${stored})`;
    }
    expect((await rollUpEvents(h.db, { marginMs: 0 })).events).toBe(events.length);
    const now = new Date('2026-03-01T02:30:00Z');

    const hourly = await dashboard(h.db, project.id, { from: '2026-03-01', to: '2026-03-01' }, now);
    expect(hourly.queue_depth.bucket).toBe('hour');
    // Hours 00, 01 and 02 have begun; 02 has run 30 minutes.
    expect(hourly.queue_depth.points.map((p) => ({ ...p, avg_waiting: round(p.avg_waiting) }))).toEqual([
      { at: '2026-03-01T00:00:00Z', events: 2, avg_waiting: round((2000 + 6000) / HOUR), max_wait_ms: 6000 },
      { at: '2026-03-01T01:00:00Z', events: 1, avg_waiting: 0, max_wait_ms: 0 },
      { at: '2026-03-01T02:00:00Z', events: 2, avg_waiting: round((250 + 180_000) / (HOUR / 2)), max_wait_ms: 180_000 },
    ]);
    const hourlyTotal = hourly.queue_depth.total;
    expect({ ...hourlyTotal, avg_waiting: round(hourlyTotal.avg_waiting) }).toEqual({
      events: 5, avg_waiting: round((2000 + 6000 + 0 + 250 + 180_000) / (2.5 * HOUR)), max_wait_ms: 180_000,
    });

    const daily = await dashboard(h.db, project.id, { from: '2026-02-28', to: '2026-03-02' }, now);
    expect(daily.queue_depth.bucket).toBe('day');
    // 03-01 has run 2.5 hours; 03-02 has not begun.
    expect(daily.queue_depth.points.map((p) => ({ ...p, avg_waiting: round(p.avg_waiting) }))).toEqual([
      { at: '2026-02-28T00:00:00Z', events: 1, avg_waiting: round(5000 / (24 * HOUR)), max_wait_ms: 5000 },
      { at: '2026-03-01T00:00:00Z', events: 5, avg_waiting: round((2000 + 6000 + 0 + 250 + 180_000) / (2.5 * HOUR)), max_wait_ms: 180_000 },
    ]);
    const dailyTotal = daily.queue_depth.total;
    expect({ ...dailyTotal, avg_waiting: round(dailyTotal.avg_waiting) }).toEqual({
      events: 6, avg_waiting: round((5000 + 2000 + 6000 + 0 + 250 + 180_000) / (26.5 * HOUR)), max_wait_ms: 180_000,
    });
  });
});

/** Twelve significant digits: Postgres and JS divide the same numbers, one in numeric, one in float. */
const round = (n: number) => Number(n.toPrecision(12));

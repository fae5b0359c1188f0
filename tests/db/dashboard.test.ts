// The in-flight series is computed in one pass (a running sum of starts and ends); it must equal
// the plain definition at every point: started before it, and not finished before it.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../../db/client';
import { dashboard } from '../../db/queries/dashboard';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { seedProject } from './helpers';

const HOUR = 3_600_000;

describe('dashboard: ops in flight', () => {
  let tdb: TestDatabase;
  let h: DbHandle;

  beforeAll(async () => {
    tdb = await createTestDatabase('spark_dashboard_q');
    h = createDb({ url: tdb.url, max: 2 });
  });
  afterAll(async () => {
    await h?.close();
    await tdb?.drop();
  });

  const call = fc.record({
    // Hours from the range's start (negative: before it), and how long (null: never finished;
    // negative: an end reported before the start, as clocks of two machines allow).
    startH: fc.integer({ min: -48, max: 24 * 4 }),
    startMin: fc.integer({ min: 0, max: 59 }),
    lengthMin: fc.option(fc.integer({ min: -30, max: 60 * 30 }), { nil: null }),
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

import postgres from 'postgres';
import { makeEvent, userWithProject } from '../support/api';
import { startSparkWorker } from '../support/spark-worker';
import { createTestDatabase } from '../support/test-db';

export interface IngestFigures {
  mode: 'batch' | 'per-event';
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

/**
 * Events/s from HTTP ingest to rows in Postgres: POST batches of 500 to the Worker in workerd,
 * local Queue, consumer, Postgres; the clock stops when the last row is there.
 */
export async function benchIngest(mode: 'batch' | 'per-event', events: number): Promise<IngestFigures> {
  const db = await createTestDatabase(`bench_${mode.replace('-', '_')}`);
  const worker = await startSparkWorker({ databaseUrl: db.url, vars: { EVENTS_INSERT_MODE: mode } });
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    const u = await userWithProject(worker.url, 'bench');
    const t0s = Date.now() / 1000;
    const batches = Array.from({ length: Math.ceil(events / 500) }, (_, b) =>
      Array.from({ length: Math.min(500, events - b * 500) }, (_, i) => makeEvent({ ts: t0s + (b * 500 + i) / 1e6, payload: { b, i, note: 'bench' } })),
    );
    const started = performance.now();
    // Four requests in flight: a realistic handful of producers, well under local Queues' limits.
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < batches.length) {
          const res = await u.api.post(`/api/projects/${u.projectId}/events`, { events: batches[next++] });
          if (res.status !== 202) throw new Error(`ingest answered ${res.status}`);
        }
      }),
    );
    for (;;) {
      const [{ n }] = (await sql`select count(*)::int as n from spark_events where project_id = ${u.projectId}`) as unknown as [{ n: number }];
      if (n >= events) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const seconds = (performance.now() - started) / 1000;
    return { mode, events, seconds, eventsPerSecond: events / seconds };
  } finally {
    await sql.end();
    await worker.dispose();
    await db.drop();
  }
}

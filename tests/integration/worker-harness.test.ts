// The harness itself: disposing the Worker while its database connections are open must not leave
// unhandled socket errors behind (vitest fails the whole run on one), however the timing falls.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSparkWorker } from '../support/spark-worker';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('harness');
});
afterAll(async () => {
  await db?.drop();
});

it('disposes a Worker mid-request through the Hyperdrive proxy without unhandled socket errors', async () => {
  for (let round = 0; round < 4; round++) {
    const worker = await startSparkWorker({ databaseUrl: db.url });
    const inflight = Array.from({ length: 10 }, () => worker.fetch('/ready').then((r) => r.status, () => 'dropped' as const));
    // Dispose at different points of the requests' life: before, during and after their queries.
    await new Promise((r) => setTimeout(r, 30 + round * 40));
    await worker.dispose();
    const outcomes = await Promise.all(inflight);
    expect(outcomes.every((o) => o === 200 || o === 503 || o === 'dropped')).toBe(true);
  }
  // Whatever the proxy still held is reset now that the database goes away.
  await db.drop();
  db = await createTestDatabase('harness');
});

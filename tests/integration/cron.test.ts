import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase } from '../support/test-db';
import { CRON_DAILY, PARTITION_MONTHS_AHEAD } from '../../workers/cron';

describe('cron in workerd', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let worker: SparkWorker;
  let sql: postgres.Sql;
  beforeAll(async () => {
    db = await createTestDatabase('cron');
    worker = await startSparkWorker({ databaseUrl: db.url });
    sql = postgres(db.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await worker?.dispose();
    await db?.drop();
  });

  const partitions = async () =>
    (await sql`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent where p.relname = 'spark_events' order by 1`).map((r) => r.relname as string);

  it('the daily trigger keeps event partitions months ahead, idempotently', async () => {
    const before = await partitions();
    expect(before).toHaveLength(2); // the migration's current and next month
    const w = await worker.mf.getWorker();
    await w.scheduled({ cron: CRON_DAILY, scheduledTime: new Date() });
    const after = await partitions();
    expect(after).toHaveLength(PARTITION_MONTHS_AHEAD + 1);
    const now = new Date();
    const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + PARTITION_MONTHS_AHEAD, 1));
    expect(after.at(-1)).toBe(`spark_events_y${last.getUTCFullYear()}m${String(last.getUTCMonth() + 1).padStart(2, '0')}`);
    await w.scheduled({ cron: CRON_DAILY, scheduledTime: new Date() });
    expect(await partitions()).toEqual(after);
  });
});

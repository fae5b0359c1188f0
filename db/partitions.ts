// Monthly partitions of spark_events, created ahead of time by the partitions cron.
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { rowsOf } from './client';

/**
 * Ensures partitions exist for `months` UTC months starting with the month of `from`.
 * Idempotent; returns how many partitions it created (0 when all existed).
 */
export async function ensureEventPartitions(
  // Any drizzle pg instance (with or without the schema), so migration tooling can use it too.
  db: PgDatabase<PgQueryResultHKT, any>,
  from: Date,
  months: number,
): Promise<number> {
  if (!Number.isInteger(months) || months < 0) throw new Error(`months must be a non-negative integer, got ${months}`);
  const fromMonth = from.toISOString().slice(0, 7) + '-01'; // UTC month, 'YYYY-MM-01'
  const result = await db.execute(
    sql`select spark_ensure_event_partitions(${fromMonth}::date, ${months}::int) as created`,
  );
  const created = rowsOf<{ created: number | string }>(result)[0]?.created;
  return Number(created ?? 0);
}

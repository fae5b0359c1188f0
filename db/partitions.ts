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

/** How many months of raw events are kept when EVENT_RETENTION_MONTHS is not set. */
export const DEFAULT_EVENT_RETENTION_MONTHS = 13;

/** Postgres's refusal of a row whose month has no partition (SQLSTATE 23514 with this text). */
export function isMissingPartition(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (code === '23514' && typeof message === 'string' && message.includes('no partition of relation')) return true;
  }
  return false;
}

/**
 * Runs an insert of events that happened at `occurredAt` (asked only when needed: a batch's
 * 50,000 dates are garbage on every insert that finds its partitions); when a month has no
 * partition (an old event imported late, or a month retention dropped), makes those months'
 * partitions and runs it once more. An old event is stored, never dead-lettered for its age.
 */
export async function withEventPartitions<T>(
  db: PgDatabase<PgQueryResultHKT, any>,
  occurredAt: () => readonly Date[],
  insert: () => Promise<T>,
): Promise<T> {
  try {
    return await insert();
  } catch (err) {
    if (!isMissingPartition(err)) throw err;
    const months = new Set(occurredAt().map((d) => d.toISOString().slice(0, 7)));
    for (const month of months) await ensureEventPartitions(db, new Date(`${month}-01T00:00:00Z`), 1);
    return insert();
  }
}

export interface RetentionReport {
  dropped: string[];
  /** Partitions past retention that were kept, and why (not yet rolled up, or busy). */
  kept: { partition: string; reason: string }[];
}

/**
 * Drops the monthly partitions that ended more than `months` months before the start of `now`'s
 * month, each only once every event in it is counted in the rollups (stored before the rollup
 * watermark). The partition is locked first, so no insert can slip in between the check and the drop;
 * a partition in use past `lock_timeout` is left for the next run.
 */
export async function dropExpiredEventPartitions(
  db: PgDatabase<PgQueryResultHKT, any>,
  now: Date,
  months = DEFAULT_EVENT_RETENTION_MONTHS,
): Promise<RetentionReport> {
  if (!Number.isInteger(months) || months < 1) throw new Error(`retention months must be a positive integer, got ${months}`);
  const cutoff = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, 1));
  const cutoffTag = `spark_events_y${cutoff.getUTCFullYear()}m${String(cutoff.getUTCMonth() + 1).padStart(2, '0')}`;
  const candidates = rowsOf<{ name: string }>(
    await db.execute(sql`
      select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'spark_events'::regclass and c.relname ~ '^spark_events_y[0-9]{4}m[0-9]{2}$'
        and c.relname < ${cutoffTag} order by 1`),
  ).map((r) => r.name);
  const report: RetentionReport = { dropped: [], kept: [] };
  for (const name of candidates) {
    const table = sql.identifier(name);
    try {
      const outcome = await db.transaction(async (tx) => {
        await tx.execute(sql`set local lock_timeout = '5s'`);
        await tx.execute(sql`lock table ${table} in access exclusive mode`);
        const left = rowsOf<{ left: boolean }>(
          await tx.execute(sql`
            select exists (
              select 1 from ${table} e
              where e.stored_at >= coalesce((select stored_before from rollup_watermarks where name = 'events'), '-infinity')
            ) as left`),
        )[0]?.left;
        if (left) return 'events not rolled up yet';
        await tx.execute(sql`drop table ${table}`);
        return null;
      });
      if (outcome) report.kept.push({ partition: name, reason: outcome });
      else report.dropped.push(name);
    } catch (err) {
      report.kept.push({ partition: name, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  return report;
}

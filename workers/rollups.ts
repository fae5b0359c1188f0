// The rollup jobs the cron runs: count new events into the daily tables and queue_hourly, then
// (daily) drop raw event months past retention once they are counted. Logic in
// db/queries/rollups.ts and db/partitions.ts.
import type { Db } from '../db/client';
import { DEFAULT_EVENT_RETENTION_MONTHS, dropExpiredEventPartitions, type RetentionReport } from '../db/partitions';
import { rollUpEvents, type RollupRun } from '../db/queries/rollups';

/** EVENT_RETENTION_MONTHS from the environment: a positive whole number, else the default (13). */
export function retentionMonths(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_EVENT_RETENTION_MONTHS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`EVENT_RETENTION_MONTHS must be a positive whole number, got "${value}"`);
  return n;
}

/** Every 5 minutes: count the events stored since the last run. */
export function runRollups(db: Db): Promise<RollupRun> {
  return rollUpEvents(db);
}

/** Daily: roll up first, so the months past retention are counted, then drop them. */
export async function runRetention(db: Db, now: Date, months: number): Promise<{ rollup: RollupRun; retention: RetentionReport }> {
  const rollup = await rollUpEvents(db);
  return { rollup, retention: await dropExpiredEventPartitions(db, now, months) };
}

// `npm run rollup:backfill -- --from YYYY-MM-DD --to YYYY-MM-DD`: recomputes the daily rollups of
// those UTC days (inclusive), and queue_hourly's hours in them, from the raw events in DATABASE_URL.
// Safe while the cron runs.
import { parseArgs } from 'node:util';
import { createDb } from '../db/client';
import { backfillRollups } from '../db/queries/rollups';

const usage = 'usage: npm run rollup:backfill -- --from YYYY-MM-DD --to YYYY-MM-DD';
let values: { from?: string; to?: string; help?: boolean };
try {
  ({ values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
} catch (err) {
  console.error(`${err instanceof Error ? err.message : String(err)}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const isDay = (s: string | undefined): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
if (!isDay(values.from) || !isDay(values.to)) {
  console.error(`--from and --to must both be days (YYYY-MM-DD)\n${usage}`);
  process.exit(2);
}
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/spark)');
  process.exit(2);
}
const { db, close } = createDb({ url, max: 1 });
try {
  const { days, events } = await backfillRollups(db, { from: values.from, to: values.to });
  console.log(`rolled up ${days} day(s), ${values.from} to ${values.to}: ${events} event(s)`);
} catch (err) {
  console.error(`backfill failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await close();
}

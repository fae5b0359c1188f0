// `npm run bench`: figures, each beside a baseline measured in the same run.
import setup from '../support/global-setup';
import { benchIngest } from './ingest';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

await setup();
console.log(`\nHTTP ingest → Queue → consumer → Postgres, ${fmt(EVENTS)} events (batches of 500 over 4 connections)`);
const baseline = await benchIngest('per-event', EVENTS);
console.log(`  baseline, one INSERT per event : ${fmt(baseline.eventsPerSecond).padStart(7)} events/s  (${baseline.seconds.toFixed(2)} s)`);
const batched = await benchIngest('batch', EVENTS);
console.log(`  one multi-row INSERT per batch : ${fmt(batched.eventsPerSecond).padStart(7)} events/s  (${batched.seconds.toFixed(2)} s)`);
console.log(`  ratio batched / baseline       : ${(batched.eventsPerSecond / baseline.eventsPerSecond).toFixed(2)}×`);
process.exit(0);

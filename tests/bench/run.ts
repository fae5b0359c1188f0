// `npm run bench`: figures, each beside a baseline measured in the same run.
import setup from '../support/global-setup';
import { benchIngest } from './ingest';
import { benchNatsPublish } from './nats-publish';
import { benchRollup } from './rollup';
import { benchRoundTrip } from './round-trip';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

await setup();
console.log(`\nHTTP ingest → Queue → consumer → Postgres, ${fmt(EVENTS)} events (batches of 500 over 4 connections)`);
const baseline = await benchIngest('per-event', EVENTS);
console.log(`  baseline, one INSERT per event : ${fmt(baseline.eventsPerSecond).padStart(7)} events/s  (${baseline.seconds.toFixed(2)} s)`);
const batched = await benchIngest('batch', EVENTS);
console.log(`  one multi-row INSERT per batch : ${fmt(batched.eventsPerSecond).padStart(7)} events/s  (${batched.seconds.toFixed(2)} s)`);
console.log(`  ratio batched / baseline       : ${(batched.eventsPerSecond / baseline.eventsPerSecond).toFixed(2)}×`);

const OPS = Number(process.env.BENCH_OPS ?? 100);
const rt = await benchRoundTrip(OPS);
console.log(`\nOne operation, browser → edge → SessionRoom → agent → Unity MCP (test server) → browser, ${OPS} in a row`);
console.log(`  round trip                     : p50 ${rt.totalP50.toFixed(1)} ms, p95 ${rt.totalP95.toFixed(1)} ms`);
console.log(`  inside the MCP server          : p50 ${rt.mcpP50.toFixed(1)} ms`);
console.log(`  Spark's overhead (trip − MCP)  : p50 ${rt.overheadP50.toFixed(1)} ms, p95 ${rt.overheadP95.toFixed(1)} ms`);

const NATS_EVENTS = Number(process.env.BENCH_NATS_EVENTS ?? 20_000);
const pub = await benchNatsPublish(NATS_EVENTS);
console.log(`\nPublishing ${fmt(NATS_EVENTS)} events to NATS (flushed every 500)`);
console.log(`  raw nats client                : ${fmt(pub.rawPerSecond).padStart(7)} events/s`);
console.log(`  agent's bridge                 : ${fmt(pub.bridgePerSecond).padStart(7)} events/s  (dropped ${pub.dropped})`);
console.log(`  ratio bridge / raw             : ${(pub.bridgePerSecond / pub.rawPerSecond).toFixed(2)}×`);
const ROLLUP_EVENTS = Number(process.env.BENCH_ROLLUP_EVENTS ?? 1_000_000);
const roll = await benchRollup(ROLLUP_EVENTS);
console.log(`\nDaily rollups of ${fmt(ROLLUP_EVENTS)} stored events (30 days, one incremental run), then the dashboard over them`);
console.log(`  rollup                         : ${roll.seconds.toFixed(2)} s, ${fmt(roll.rowsPerSecond).padStart(7)} events/s (${fmt(roll.counted)} counted)`);
console.log(`  dashboard query, 30 days       : p50 ${roll.dashboardP50.toFixed(1)} ms, p95 ${roll.dashboardP95.toFixed(1)} ms`);
process.exit(0);

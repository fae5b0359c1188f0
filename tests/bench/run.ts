// `npm run bench`: figures, each beside a baseline measured in the same run.
import setup from '../support/global-setup';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { benchIngest, type IngestFigures } from './ingest';
import { benchMcpRoundTrip } from './mcp-round-trip';
import { benchNatsPublish } from './nats-publish';
import { benchRollup } from './rollup';
import { benchReads, shippedSizes } from './reads';
import { benchRoundTrip } from './round-trip';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(0)}%`;

// Fewer events for the slower modes: each runs long enough to reach its steady rate, and the bench stays short.
const PACKED_EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const PER_MESSAGE_EVENTS = Number(process.env.BENCH_PER_MESSAGE_EVENTS ?? 40_000);
const ONE_ROW_EVENTS = Number(process.env.BENCH_ONE_ROW_EVENTS ?? 2_000);
const PRODUCERS = Number(process.env.BENCH_PRODUCERS ?? 8);
/** Runs of the packed and the one-event-per-message ingest, each reported by its median. */
const INGEST_RUNS = Math.max(1, Number(process.env.BENCH_INGEST_RUNS ?? 3));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
/** The run whose rate is the median (the lower middle of an even count). */
const medianRun = (runs: IngestFigures[]) => [...runs].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond)[Math.floor((runs.length - 1) / 2)]!;

await setup();
// BENCH_ONLY=<section> runs one section (ingest, round-trip, nats, rollup, reads): a short run while tuning it.
const only = process.env.BENCH_ONLY;
const ingestLines: string[] = [];
const profileLines: string[] = [];
if (!only || only === 'ingest') {
  console.log(`\nHTTP ingest → Queue → consumer → Postgres, ${PRODUCERS} producers posting batches of 500`);
  // This machine's rate moves with its neighbours by a quarter from one run to the next: packed and
  // one event per message run in turns, and each figure is the median run's. The profiler slows
  // the isolate, so the profiled run comes after, apart.
  const packedRuns: IngestFigures[] = [];
  const perMessageRuns: IngestFigures[] = [];
  for (let i = 0; i < INGEST_RUNS; i++) {
    packedRuns.push(await benchIngest('packed', PACKED_EVENTS, { producers: PRODUCERS, copy: true }));
    perMessageRuns.push(await benchIngest('per-message', PER_MESSAGE_EVENTS, { producers: PRODUCERS }));
  }
  const oneRow = await benchIngest('one-row', ONE_ROW_EVENTS, { producers: PRODUCERS });
  const profiled = process.env.BENCH_PROFILE !== 'off' ? await benchIngest('packed', PACKED_EVENTS, { producers: PRODUCERS, profile: true }) : null;
  const packed = medianRun(packedRuns);
  const perMessage = medianRun(perMessageRuns);
  const copy = median(packedRuns.map((r) => r.copyPerSecond!));
  const runsOf = (runs: IngestFigures[]) => (runs.length > 1 ? `, median of ${runs.length} runs: ${runs.map((r) => fmt(r.eventsPerSecond)).join(', ')}` : '');
  const line = (label: string, f: IngestFigures, runs: IngestFigures[] = [f]) =>
    `  ${label.padEnd(42)}: ${fmt(f.eventsPerSecond).padStart(7)} events/s  (${fmt(f.events)} events in ${f.seconds.toFixed(2)} s${runsOf(runs)}${f.refusals ? `, ${f.refusals} sends refused with 503 and resumed` : ''})`;
  ingestLines.push(
    line('packed, one INSERT per consumer batch', packed, packedRuns),
    line('one event per message, one INSERT per batch', perMessage, perMessageRuns),
    line('one event per message, one INSERT per event', oneRow),
    `  ${'COPY of the same rows, same Postgres'.padEnd(42)}: ${fmt(copy).padStart(7)} rows/s${packedRuns.length > 1 ? `  (median of ${packedRuns.length}, one after each packed run)` : ''}`,
    `  packed / COPY                             : ${pct(packed.eventsPerSecond, copy)}   (goal ≥ 25%)`,
    `  packed / one-row                          : ${x(packed.eventsPerSecond, oneRow.eventsPerSecond)}   (goal ≥ 20×)`,
    `  packed / one event per message            : ${x(packed.eventsPerSecond, perMessage.eventsPerSecond)}   (goal ≥ 5×; packed goal ≥ 30,000 events/s)`,
  );
  console.log(ingestLines.join('\n'));
  const stageLines = [
    '  consumer batches (each reports its events and the time it waited on its insert statements):',
    ...[packed, perMessage, oneRow].map(
      (f) =>
        `    ${f.mode.padEnd(12)} ${fmt(f.consumer.batches).padStart(5)} batches, ${fmt(f.consumer.eventsPerBatch).padStart(6)} events each, inserts ${f.consumer.insertSeconds.toFixed(2)} s of the run's ${f.seconds.toFixed(2)} s (${pct(f.consumer.insertSeconds, f.seconds)})`,
    ),
    '  the median packed run in time (seconds from the first POST):',
    `    every batch accepted (202) at ${packed.postedSeconds.toFixed(2)} s; the first insert began at ${packed.consumer.firstInsertS.toFixed(2)} s, the last ended at ${packed.consumer.lastInsertS.toFixed(2)} s`,
    `    the consumer from its second batch on: ${packed.consumer.steadyPerSecond === null ? 'too few batches to tell' : `${fmt(packed.consumer.steadyPerSecond)} events/s`}`,
    '    (the local queue hands the consumer one batch of at most 100 messages at a time, whatever is',
    '    there when it asks (max_batch_timeout = 0): Miniflare runs no consumer concurrency)',
    ...(packed.cpu
      ? [
          `  CPU of each process in the median packed run (${packed.seconds.toFixed(2)} s of wall time, ${os.cpus().length} cores):`,
          `    workerd (edge, local queue and consumer on its one JS thread) : ${packed.cpu.workerd.toFixed(2)} s  (${pct(packed.cpu.workerd, packed.seconds)} of one core)`,
          `    Postgres (every backend, the two insert lanes' included)       : ${packed.cpu.postgres.toFixed(2)} s  (${pct(packed.cpu.postgres, packed.seconds)} of one core)`,
          `    the bench's producers and the session pool (node)               : ${packed.cpu.bench.toFixed(2)} s  (${pct(packed.cpu.bench, packed.seconds)} of one core)`,
        ]
      : []),
  ];
  const profile = profiled?.profile;
  profileLines.push(...(profile
    ? [
        ...stageLines,
        `  where the Worker's time went: CPU profile of the workerd isolate (edge and consumer share it) in one more packed run`,
        `  (${fmt(profiled.eventsPerSecond)} events/s under the profiler, not in the median), ${fmt(profile.cpuMs)} ms at work in ${fmt(profile.wallMs)} ms of wall time (${pct(profile.cpuMs, profile.wallMs)} of one core):`,
        ...profile.stages.map((s) => `    ${s.stage.padEnd(66)} ${fmt(s.ms).padStart(6)} ms  ${pct(s.ms, profile.cpuMs).padStart(4)}`),
        '  functions with the most self time:',
        ...profile.top.map((t) => `    ${t.fn.padEnd(66)} ${fmt(t.ms).padStart(6)} ms`),
      ]
    : stageLines));
  console.log(profileLines.join('\n'));
}

const rtLines: string[] = [];
if (!only || only === 'round-trip') {
  const OPS = Number(process.env.BENCH_OPS ?? 100);
  const rt = await benchRoundTrip(OPS);
  rtLines.push(
    `One operation, browser → edge → SessionRoom → agent → Unity MCP (test server) → browser, ${OPS} in a row`,
    `  round trip                     : p50 ${rt.totalP50.toFixed(1)} ms, p95 ${rt.totalP95.toFixed(1)} ms`,
    `  inside the MCP server          : p50 ${rt.mcpP50.toFixed(1)} ms`,
    `  Spark's overhead (trip − MCP)  : p50 ${rt.overheadP50.toFixed(1)} ms, p95 ${rt.overheadP95.toFixed(1)} ms`,
  );
  const mrt = await benchMcpRoundTrip(OPS);
  rtLines.push(
    '',
    `The same preview (64×64) from the browser and from an MCP client (render_preview over /mcp), ${OPS} each, alternately`,
    `  browser (POST /ops → WebSocket) : p50 ${mrt.browserP50.toFixed(1)} ms, p95 ${mrt.browserP95.toFixed(1)} ms`,
    `  MCP tool call (with the image)  : p50 ${mrt.mcpP50.toFixed(1)} ms, p95 ${mrt.mcpP95.toFixed(1)} ms`,
    `write_script over /mcp, answered once the change is in the history (agent outbox → queue → consumer), ${OPS} in a row`,
    `  MCP tool call                   : p50 ${mrt.writeP50.toFixed(1)} ms, p95 ${mrt.writeP95.toFixed(1)} ms`,
  );
  console.log(`\n${rtLines.join('\n')}`);
}

const natsLines: string[] = [];
if (!only || only === 'nats') {
  const NATS_EVENTS = Number(process.env.BENCH_NATS_EVENTS ?? 20_000);
  const pub = await benchNatsPublish(NATS_EVENTS);
  natsLines.push(
    `Publishing ${fmt(NATS_EVENTS)} events to NATS (flushed every 500)`,
    `  raw nats client                : ${fmt(pub.rawPerSecond).padStart(7)} events/s`,
    `  agent's bridge                 : ${fmt(pub.bridgePerSecond).padStart(7)} events/s  (dropped ${pub.dropped})`,
    `  ratio bridge / raw             : ${(pub.bridgePerSecond / pub.rawPerSecond).toFixed(2)}×`,
  );
  console.log(`\n${natsLines.join('\n')}`);
}

const rollupLines: string[] = [];
if (!only || only === 'rollup') {
  const ROLLUP_EVENTS = Number(process.env.BENCH_ROLLUP_EVENTS ?? 1_000_000);
  const roll = await benchRollup(ROLLUP_EVENTS);
  rollupLines.push(
    `Daily rollups of ${fmt(ROLLUP_EVENTS)} stored events (30 days, one incremental run), then the dashboard over them`,
    `  rollup                         : ${roll.seconds.toFixed(2)} s, ${fmt(roll.rowsPerSecond).padStart(7)} events/s (${fmt(roll.counted)} counted)`,
    `  dashboard query, 30 days       : p50 ${roll.dashboardP50.toFixed(1)} ms, p95 ${roll.dashboardP95.toFixed(1)} ms`,
  );
  console.log(`\n${rollupLines.join('\n')}`);
}

const readLines: string[] = [];
if (!only || only === 'reads') {
  const READ_EVENTS = Number(process.env.BENCH_READ_EVENTS ?? 1_000_000);
  const reads = await benchReads(READ_EVENTS, Number(process.env.BENCH_READ_RUNS ?? 200));
  const size = shippedSizes();
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  readLines.push(
    `GET /api/projects/:id/events through the Worker in workerd (connected as npm start connects: through its session pool, in a process of its own), timed from a client process of its own, over ${fmt(reads.events)} events loaded by COPY (${reads.loadSeconds.toFixed(1)} s), goal p99 < 20 ms`,
    ...reads.figures.map(
      (f) => `  ${f.name.padEnd(52)}: p50 ${f.p50.toFixed(1).padStart(6)} ms, p99 ${f.p99.toFixed(1).padStart(6)} ms  (${f.runs} runs, ${f.items} items)${f.name.startsWith('baseline') || f.p99 < 20 ? '' : '  MISSES THE GOAL'}`,
    ),
    '  Postgres alone (EXPLAIN ANALYZE of the newest 101, as listEvents asks):',
    ...reads.plans.map((p) => `    ${p.name.padEnd(40)}: ${p.ms.toFixed(2)} ms — ${p.plan.split('\n').map((l) => l.trim()).filter((l) => /Scan|Sort|Append/.test(l)).slice(0, 2).join('; ')}`),
    '',
    'Shipped sizes',
    `  Worker bundle (dist/worker, ${size.worker.files} .js) : ${kb(size.worker.raw)}, ${kb(size.worker.gzip)} gzipped`,
    `  web UI JS (web/dist, ${size.web.files} .js)          : ${kb(size.web.raw)}, ${kb(size.web.gzip)} gzipped`,
  );
  console.log(`\n${readLines.join('\n')}`);
  if (process.env.BENCH_PLANS) for (const p of reads.plans) console.log(`\n${p.name}\n${p.plan}`);
}

// The figures of this run, for the README and the lead's notes.
mkdirSync('bench', { recursive: true });
// A section this run skipped (BENCH_ONLY) keeps what the last run that measured it wrote.
const previous = existsSync('bench/latest.md') ? readFileSync('bench/latest.md', 'utf8') : '';
const section = (title: string, lines: string[]) => {
  if (lines.length) return [`## ${title}`, '```', ...lines, '```', ''];
  const kept = new RegExp(`## ${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n([\\s\\S]*?)(?=\n## |$)`).exec(previous)?.[1];
  return [`## ${title}`, ...(kept ? [kept.trimEnd(), ''] : ['```', `not run (BENCH_ONLY=${only})`, '```', ''])];
};
writeFileSync(
  'bench/latest.md',
  [
    `# npm run bench, ${new Date().toISOString()}${only ? ` (BENCH_ONLY=${only}: the other sections are from earlier runs)` : ''}`,
    '',
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end, Node ${process.version}.`,
    '',
    ...section('Ingest', [...ingestLines, ...profileLines]),
    ...section('One operation round trip', rtLines),
    ...section('NATS publish', natsLines),
    ...section('Rollups and the dashboard', rollupLines),
    ...section('Reads at scale and shipped sizes', readLines),
  ].join('\n'),
);
console.log('\nwritten to bench/latest.md');
process.exit(0);

import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import type { SparkEventV1 } from '../../contracts/event';
import { startSessionPool } from '../../scripts/pg-session-pool';
import { makeEvent, userWithProject } from '../support/api';
import { startSparkWorker } from '../support/spark-worker';
import { createTestDatabase } from '../support/test-db';
import { cpuBetween, readCpu, type CpuReading } from './process-cpu';
import { startWorkerProfile, type StageTimes } from './worker-profile';

/**
 * - `packed`: many events per Queue message, one INSERT per consumer batch (what Spark does);
 * - `per-message`: one event per Queue message, one INSERT per consumer batch (Spark before packing);
 * - `one-row`: one event per message and one INSERT per event (the naive baseline).
 */
export type IngestMode = 'packed' | 'per-message' | 'one-row';

const VARS: Record<IngestMode, Record<string, string>> = {
  packed: {},
  'per-message': { EVENTS_PER_MESSAGE: '1' },
  'one-row': { EVENTS_PER_MESSAGE: '1', EVENTS_INSERT_MODE: 'per-event' },
};

export interface IngestFigures {
  mode: IngestMode;
  events: number;
  producers: number;
  seconds: number;
  eventsPerSecond: number;
  /** 503s the producers got (the queue refused a send) and resent the rest after. */
  refusals: number;
  /** Events/s the same Postgres takes the same rows at by COPY, measured right after (packed run only). */
  copyPerSecond?: number;
  profile?: StageTimes;
  /** What the consumer reported per batch: how many, events in each, and the time it waited on its insert statements. */
  consumer: {
    batches: number;
    eventsPerBatch: number;
    insertSeconds: number;
    /** Seconds into the run when the first insert began, and when the last one ended (as the consumer's report reached the bench). */
    firstInsertS: number;
    lastInsertS: number;
    /** Events/s from the start of the second batch to the end of the last: the consumer once the queue is full. */
    steadyPerSecond: number | null;
  };
  /** Seconds into the run when the producers had every batch accepted. */
  postedSeconds: number;
  /** CPU seconds each process spent in the run (null where /proc is not there). */
  cpu: CpuReading | null;
}

const BATCH = 500;

/**
 * Events/s from HTTP ingest to rows in Postgres: `producers` clients POST batches of 500 to the
 * Worker in workerd; local Queue; consumer; Postgres. The clock stops when the last row is there.
 * A producer told 503 resends what the answer says was not kept (after 100 ms, not the 5 s
 * Retry-After: a bench measures the pipeline, not the back-off).
 */
export async function benchIngest(mode: IngestMode, events: number, opts: { producers?: number; copy?: boolean; profile?: boolean } = {}): Promise<IngestFigures> {
  const producers = opts.producers ?? 8;
  const db = await createTestDatabase(`bench_${mode.replace('-', '_')}`);
  const inspectorPort = opts.profile ? 9300 + Math.floor(Math.random() * 500) : undefined;
  const batches: { events: number; inserted: number; insertMs: number; batchMs: number; endS: number }[] = [];
  // The consumer reports each batch after its statement committed: the bench learns that every row
  // is there from those reports, instead of counting a growing table every few ms on the same cores.
  let reportedInserted = 0;
  let allReported: () => void = () => {};
  const reportedAll = new Promise<void>((resolve) => (allReported = resolve));
  let started = performance.now();
  const pool = await startSessionPool(db.url);
  const worker = await startSparkWorker({
    // Connected as `npm start` connects (DATABASE_URL through its session pool, DB_DIRECT=on), not
    // through the emulated Hyperdrive binding, whose local proxy is slower than the Postgres behind it.
    databaseUrl: pool.url,
    direct: true,
    vars: { ...VARS[mode], EVENTS_LOG_BATCHES: 'on', DB_DIRECT: 'on' },
    inspectorPort,
    onLog: ({ message }) => {
      const m = /^spark-events: (\{.*\})$/.exec(message.trim());
      if (!m) return;
      const report = JSON.parse(m[1]!) as { events: number; inserted: number; insertMs: number; batchMs: number };
      batches.push({ ...report, endS: (performance.now() - started) / 1000 });
      reportedInserted += report.inserted;
      if (reportedInserted >= events) allReported();
    },
  });
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    const u = await userWithProject(worker.url, 'bench');
    // Producers post with an ingest token, as CI, webhooks and the AI-tool adapters do.
    const minted = await u.api.post(`/api/projects/${u.projectId}/tokens`, { name: 'bench', scope: 'ingest' });
    if (minted.status !== 201) throw new Error(`ingest token: ${minted.status} ${JSON.stringify(minted.body)}`);
    const ingestToken = minted.body.token as string;
    const t0s = Date.now() / 1000;
    // What the producers send and the COPY writes is made before the clock starts, as text: the
    // load generator shares the machine's two cores with what it measures, so it only sends
    // during the run (and its heap holds no event objects for the collector to walk).
    let all: SparkEventV1[] | null = Array.from({ length: events }, (_, i) => makeEvent({ type: 'bench.tick', ts: t0s + i / 1e6, payload: { i, note: 'bench' } }));
    const bodies = Array.from({ length: Math.ceil(events / BATCH) }, (_, b) => JSON.stringify({ events: all!.slice(b * BATCH, (b + 1) * BATCH) }));
    const copyChunks = opts.copy ? copyText(u.projectId, all) : null;
    all = null;
    const profiler = inspectorPort ? await startWorkerProfile(inspectorPort) : null;
    let refusals = 0;
    started = performance.now();
    const cpuAtStart = readCpu();
    let next = 0;
    await Promise.all(
      Array.from({ length: producers }, async () => {
        while (next < bodies.length) {
          let body = bodies[next++]!;
          for (;;) {
            const res = await fetch(`${worker.url}/api/projects/${u.projectId}/events`, {
              method: 'POST',
              headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
              body,
            });
            await res.arrayBuffer();
            if (res.status === 202) break;
            if (res.status !== 503) throw new Error(`ingest answered ${res.status}`);
            refusals++;
            const rest = (JSON.parse(body) as { events: SparkEventV1[] }).events.slice(Number(res.headers.get('spark-events-accepted') ?? 0));
            body = JSON.stringify({ events: rest });
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }),
    );
    const postedSeconds = (performance.now() - started) / 1000;
    const stored = async () =>
      ((await sql`select count(*)::int as n from spark_events where project_id = ${u.projectId}`) as unknown as [{ n: number }])[0].n;
    // The reports say when; the table confirms it. Should a report go missing, the table's count ends the wait.
    let seconds = 0;
    for (let reported = false; ; ) {
      const waited = Promise.race([reportedAll.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 1_000))]);
      reported = (await waited) || reported;
      const atReport = (performance.now() - started) / 1000;
      if ((await stored()) >= events) {
        seconds = reported ? Math.max(...batches.map((b) => b.endS)) : atReport;
        break;
      }
    }
    const cpu = cpuBetween(cpuAtStart, readCpu());
    const profile = await profiler?.stop();
    const copyPerSecond = copyChunks ? await copyRate(sql, copyChunks, events) : undefined;
    const consumed = batches.filter((b) => b.events > 0);
    if (process.env.BENCH_TRACE) for (const b of consumed) console.log(`    ${mode} batch: ${b.events} events, ended ${b.endS.toFixed(2)} s, batch ${b.batchMs} ms, inserts ${b.insertMs} ms`);
    const consumer = {
      batches: consumed.length,
      eventsPerBatch: consumed.reduce((n, b) => n + b.events, 0) / Math.max(1, consumed.length),
      insertSeconds: consumed.reduce((n, b) => n + b.insertMs, 0) / 1000,
      firstInsertS: consumed.length > 0 ? Math.min(...consumed.map((b) => b.endS - b.insertMs / 1000)) : 0,
      lastInsertS: consumed.length > 0 ? Math.max(...consumed.map((b) => b.endS)) : 0,
      steadyPerSecond: steadyRate(consumed),
    };
    return { mode, events, producers, seconds, eventsPerSecond: events / seconds, refusals, copyPerSecond, profile, consumer, postedSeconds, cpu };
  } finally {
    await sql.end();
    await worker.dispose();
    await pool.close();
    await db.drop();
  }
}

/** The consumer's rate after its first batch (which waits for the queue to fill): null with fewer than three batches. */
function steadyRate(batches: { events: number; batchMs: number; endS: number }[]): number | null {
  if (batches.length < 3) return null;
  const rest = batches.slice(1);
  const seconds = rest[rest.length - 1]!.endS - (rest[0]!.endS - rest[0]!.batchMs / 1000);
  return rest.reduce((n, b) => n + b.events, 0) / seconds;
}

/** The same rows with new ids (same project, same table) as COPY text, 1,000 rows a chunk. */
function copyText(projectId: string, events: SparkEventV1[]): string[] {
  const receivedAt = new Date().toISOString();
  const text = (s: string) => s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  const lines = events.map((e) =>
    [randomUUID(), new Date(e.ts * 1000).toISOString(), projectId, e.session_id, e.source, e.kind, e.type, JSON.stringify(e.payload), '\\N', receivedAt].map((v) => (v === '\\N' ? v : text(v))).join('\t'),
  );
  const chunks: string[] = [];
  for (let i = 0; i < lines.length; i += 1000) chunks.push(lines.slice(i, i + 1000).join('\n') + '\n');
  return chunks;
}

/** Rows/s at which this Postgres takes those rows by COPY FROM STDIN: what it takes at most. */
async function copyRate(sql: postgres.Sql, chunks: string[], rows: number): Promise<number> {
  const started = performance.now();
  const stream = await sql`copy spark_events (id, occurred_at, project_id, session_id, source, kind, type, payload, trace_id, received_at) from stdin`.writable();
  await new Promise<void>((ok, fail) => {
    stream.on('error', fail);
    stream.on('finish', ok);
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
  return rows / ((performance.now() - started) / 1000);
}

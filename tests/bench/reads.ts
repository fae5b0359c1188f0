// Reads at scale: N events loaded by COPY into a fresh database, then the event list route
// (GET /api/projects/:projectId/events) through the real Worker in workerd, with each filter
// and with cursor paging deep into the set. Also the shipped sizes (Worker bundle, web JS) gzipped.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import postgres from 'postgres';
import { userWithProject } from '../support/api';
import { startSparkWorker } from '../support/spark-worker';
import { createTestDatabase } from '../support/test-db';
import { startReadClient } from './read-client';
import { startSessionPoolProcess } from './session-pool-process';

export interface ReadFigure {
  name: string;
  runs: number;
  p50: number;
  p99: number;
  /** Items the measured request returned (a filter that matched nothing would be a false figure). */
  items: number;
}

export interface ReadsFigures {
  events: number;
  loadSeconds: number;
  figures: ReadFigure[];
  /** The query plans of the filtered queries, as Postgres ran them (EXPLAIN ANALYZE). */
  plans: { name: string; ms: number; plan: string }[];
}

const TYPES = ['unity.completed', 'tool.call', 'usage.llm', 'unity.script_generated', 'agent.status'] as const;
const SESSIONS = 2_000;
const SPAN_S = 30 * 86_400;

const quantile = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.ceil(xs.length * q) - 1)]!;

/** Rows of COPY text format, generated as they stream: the load costs the loader's time, not memory. */
function copyRows(events: number, projectId: string, from: number): Readable {
  let i = 0;
  return new Readable({
    read() {
      const lines: string[] = [];
      for (const end = Math.min(events, i + 5_000); i < end; i++) {
        const g = i + 1;
        // Spread evenly over 30 days, a session every 2,000th event, types weighted like a busy project.
        const at = new Date(from * 1000 + Math.floor((g * SPAN_S * 1000) / events)).toISOString();
        const type = g % 10 === 0 ? TYPES[2] : g % 10 <= 3 ? TYPES[1] : g % 97 === 0 ? TYPES[3] : g % 89 === 0 ? TYPES[4] : TYPES[0];
        const kind = type === 'tool.call' ? 'tool' : 'system';
        lines.push(`${randomUUID()}\t${at}\t${projectId}\ts${g % SESSIONS}\tagent\t${kind}\t${type}\t{"n":${g}}\t${at}\n`);
      }
      this.push(lines.length ? lines.join('') : null);
    },
  });
}

function gzipped(path: string): number {
  return gzipSync(readFileSync(path), { level: 9 }).length;
}

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => f.endsWith(ext) && statSync(f).isFile());
}

/** Bytes shipped, raw and gzipped: the Worker bundle (dist/worker) and the web UI's JS (web/dist). */
export function shippedSizes() {
  const sum = (files: string[]) => ({ raw: files.reduce((n, f) => n + statSync(f).size, 0), gzip: files.reduce((n, f) => n + gzipped(f), 0), files: files.length });
  return { worker: sum(filesUnder('dist/worker', '.js')), web: sum(filesUnder('web/dist', '.js')) };
}

export async function benchReads(events: number, runs = 50, deepPage = 200): Promise<ReadsFigures> {
  const db = await createTestDatabase('bench_reads');
  // Connected as `npm start` connects (DATABASE_URL through its session pool, DB_DIRECT=on);
  // straight to Postgres and through the emulated Hyperdrive binding are timed below as baselines.
  const pool = await startSessionPoolProcess(db.url);
  const worker = await startSparkWorker({ databaseUrl: pool.url, direct: true, vars: { DB_DIRECT: 'on' }, rateLimit: { limit: 1_000_000, period: 60 } });
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  // Timed requests go from a process of their own (read-client.ts): not through this heap's pauses.
  const client = startReadClient();
  try {
    const { projectId, token } = await userWithProject(worker.url, 'reads');
    const now = Math.floor(Date.now() / 1000);
    const from = now - SPAN_S;
    await sql`select spark_ensure_event_partitions(${new Date(from * 1000).toISOString().slice(0, 10)}::date, 3)`;
    const t0 = performance.now();
    const copy = await sql`copy spark_events (id, occurred_at, project_id, session_id, source, kind, type, payload, received_at) from stdin`.writable();
    await pipeline(copyRows(events, projectId, from), copy);
    const loadSeconds = (performance.now() - t0) / 1000;
    await sql`vacuum analyze spark_events`;
    const n = (await sql<{ n: number }[]>`select count(*)::int as n from spark_events`)[0]?.n;
    if (n !== events) throw new Error(`COPY stored ${n} of ${events} events`);

    type Target = Pick<typeof worker, 'fetch' | 'url'>;
    const getPath = async (path: string, target: Target = worker) => {
      const res = await target.fetch(path, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { items: unknown[]; next_cursor: string | null };
    };
    const get = (query: string) => getPath(`/api/projects/${projectId}/events${query}`);
    const time = async (name: string, query: string, path = `/api/projects/${projectId}/events${query}`, target: Target = worker): Promise<ReadFigure> => {
      // Warm first: the connection, the plan, the pages.
      const { ms, body } = await client.time({ base: target.url, path, token, runs, warm: 3 });
      ms.sort((a, b) => a - b);
      const items = Array.isArray((body as { items?: unknown[] }).items) ? (body as { items: unknown[] }).items.length : 1;
      if (items === 0) throw new Error(`${name} returned no events: the figure would measure nothing`);
      return { name, runs, p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), items };
    };

    const day = (d: number) => new Date((from + d * 86_400) * 1000).toISOString();
    const filters: [string, string][] = [
      ['newest 100, no filter', '?limit=100'],
      ['type (10% of events)', `?type=usage.llm&limit=100`],
      ['type (1% of events)', `?type=unity.script_generated&limit=100`],
      ['session_id (500 events)', `?session_id=s1234&limit=100`],
      ['since/until (one day, mid-range)', `?since=${day(14)}&until=${day(15)}&limit=100`],
      ['type + since/until', `?type=tool.call&since=${day(14)}&until=${day(15)}&limit=100`],
      ['session_id + since/until', `?session_id=s1234&since=${day(10)}&until=${day(20)}&limit=100`],
    ];
    // Baselines in the same run: the Worker with no database (/health), and one signed-in read of
    // one row (GET /api/projects/:id: auth, the membership check, one query).
    const figures: ReadFigure[] = [await time('baseline: GET /health', '', '/health'), await time('baseline: GET /api/projects/:id', '', `/api/projects/${projectId}`)];
    for (const [name, q] of filters) figures.push(await time(name, q));

    // Walk the cursor to page `deepPage` (each page timed), then time that page again and again.
    let cursor: string | null = null;
    const walk: number[] = [];
    for (let p = 1; p < deepPage; p++) {
      const path = `/api/projects/${projectId}/events?limit=100${cursor ? `&cursor=${cursor}` : ''}`;
      const { ms, body } = await client.time({ base: worker.url, path, token, runs: 1, warm: 0 });
      walk.push(ms[0]!);
      cursor = (body as { next_cursor: string | null }).next_cursor;
      if (!cursor) throw new Error(`the cursor ended at page ${p}`);
    }
    walk.sort((a, b) => a - b);
    figures.push({ name: `pages 1–${deepPage - 1} by cursor, 100 each`, runs: walk.length, p50: quantile(walk, 0.5), p99: quantile(walk, 0.99), items: 100 });
    figures.push(await time(`page ${deepPage} by cursor`, `?limit=100&cursor=${cursor}`));
    // The same page through a filter: the cursor past 100 pages of tool calls.
    let typeCursor: string | null = null;
    for (let p = 1; p < deepPage; p++) {
      const page: { next_cursor: string | null } = await get(`?type=tool.call&limit=100${typeCursor ? `&cursor=${typeCursor}` : ''}`);
      typeCursor = page.next_cursor;
    }
    figures.push(await time(`page ${deepPage} of type=tool.call by cursor`, `?type=tool.call&limit=100&cursor=${typeCursor}`));

    // The same reads with a new Postgres backend for each request (npm start with SPARK_DB_POOL=off).
    const straight = await startSparkWorker({ databaseUrl: db.url, direct: true, vars: { DB_DIRECT: 'on' }, rateLimit: { limit: 1_000_000, period: 60 } });
    try {
      figures.push(await time('baseline: no pool, GET /api/projects/:id', '', `/api/projects/${projectId}`, straight));
      figures.push(await time('baseline: no pool, newest 100', '?limit=100', undefined, straight));
    } finally {
      await straight.dispose();
    }

    // The same reads through wrangler's emulated Hyperdrive binding, which proxies each new
    // connection through a local socket (production Hyperdrive keeps pooled connections instead).
    const viaHyperdrive = await startSparkWorker({ databaseUrl: db.url, rateLimit: { limit: 1_000_000, period: 60 } });
    try {
      figures.push(await time('baseline: emulated Hyperdrive, GET /api/projects/:id', '', `/api/projects/${projectId}`, viaHyperdrive));
      figures.push(await time('baseline: emulated Hyperdrive, newest 100', '?limit=100', undefined, viaHyperdrive));
    } finally {
      await viaHyperdrive.dispose();
    }

    // The plans Postgres chose for the filtered queries, as listEvents writes them.
    const plans: ReadsFigures['plans'] = [];
    const explain = async (name: string, where: string) => {
      const rows = await sql.unsafe(
        `explain (analyze, buffers, costs off) select * from spark_events where project_id = '${projectId}' ${where} order by occurred_at desc, id desc limit 101`,
      );
      const plan = rows.map((r) => r['QUERY PLAN'] as string);
      const ms = Number(/Execution Time: ([\d.]+)/.exec(plan.join('\n'))?.[1] ?? NaN);
      plans.push({ name, ms, plan: plan.join('\n') });
    };
    await explain('type (1%)', `and type = 'unity.script_generated'`);
    await explain('session_id', `and session_id = 's1234'`);
    await explain('since/until', `and occurred_at >= '${day(14)}' and occurred_at < '${day(15)}'`);
    return { events, loadSeconds, figures, plans };
  } finally {
    await client.close();
    await sql.end();
    await worker.dispose();
    await pool.close();
    await db.drop();
  }
}

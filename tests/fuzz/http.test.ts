import fc from 'fast-check';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiClient, userWithProject } from '../support/api';

import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { brokenJsonText, encodeAny, hostileString } from './hostile';
import { bodyText, validish, type JsonSchema } from './schema-arbitrary';
import { call, diff, judge, pool, tableCounts, type Answer } from './support';
import { createDb, type DbHandle } from '../../db/client';
import { createApp } from '../../edge/app';
import type { Env } from '../../edge/env';
import { startScriptedLlm } from '../support/scripted-llm';
import { startSparkWorker, TEST_JWT_SECRET, type SparkWorker } from '../support/spark-worker';

// The app's modules import the Durable Object base class; the in-process app runs none itself.
vi.mock('cloudflare:workers', () => ({ DurableObject: class {} }));

// Issue 13 §4: every route the OpenAPI document lists, fuzzed through the real Worker in workerd
// with a real Postgres: path params, query strings and JSON bodies, valid-ish and hostile.
// Never a 5xx, every 4xx in the documented error form, and a route that refused every input
// wrote nothing (every table's row count the same before and after).

const TOTAL = Number(process.env.FUZZ_INPUTS ?? 100_000);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 8);
const WORKERD_PER_ROUTE = Number(process.env.FUZZ_WORKERD_PER_ROUTE ?? 100);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

type Param = { name: string; in: 'path' | 'query' | 'header' | 'cookie'; schema?: JsonSchema };
type Operation = { parameters?: Param[]; requestBody?: { content: Record<string, { schema?: JsonSchema }> } };
type Input = { path: string; body?: string; contentType?: string };

describe('fuzz: every HTTP route', () => {
  let db: TestDatabase;
  let worker: SparkWorker;
  let sql: postgres.Sql;
  let real: Record<string, string>;
  let token: string;
  let pooled: DbHandle;
  let llm: Awaited<ReturnType<typeof startScriptedLlm>>;

  beforeAll(async () => {
    db = await createTestDatabase('fuzz_http');
    const unlimited = { limit: 10_000_000, period: 60 as const };
    // The assistant's routes take their input only with a model configured (else 503 for every
    // input): a scripted one that answers each turn in a word.
    llm = await startScriptedLlm(() => ({ text: 'ok', usage: { prompt_tokens: 1, completion_tokens: 1 } }));
    worker = await startSparkWorker({
      databaseUrl: db.url,
      rateLimit: unlimited,
      authRateLimit: unlimited,
      vars: { LLM_BASE_URL: llm.url, LLM_MODEL: 'fuzz-model', LLM_API_KEY: 'fuzz-key' },
    });
    sql = postgres(db.url, { max: 2, onnotice: () => {} });
    pooled = createDb({ url: db.url, max: 8 });
    const u = await userWithProject(worker.url, 'fuzz');
    token = u.token;
    const session = await u.api.post(`/api/projects/${u.projectId}/sessions`, { name: 'main' });
    real = { projectId: u.projectId, sessionId: session.body.id };
  });
  afterAll(async () => {
    await sql?.end();
    await pooled?.close();
    await worker?.dispose();
    await llm?.close();
    await db?.drop();
  });

  /** Counts stop moving (the queue consumer may still be storing what an earlier route accepted). */
  async function settledCounts() {
    let last = await tableCounts(sql);
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const now = await tableCounts(sql);
      if (diff(last, now).length === 0) return now;
      last = now;
    }
    return last;
  }

  function inputs(method: string, template: string, op: Operation): fc.Arbitrary<Input> {
    const params = op.parameters ?? [];
    const pathParams = params.filter((p) => p.in === 'path');
    const queryParams = params.filter((p) => p.in === 'query');
    const lastParam = pathParams[pathParams.length - 1]?.name;
    // A DELETE never gets a real id for what it deletes: the project and its tokens must survive the run.
    const pathValue = (name: string) =>
      method === 'delete' && name === lastParam
        ? fc.oneof(hostileString, fc.uuid())
        : fc.oneof({ weight: 4, arbitrary: fc.constant(real[name] ?? crypto.randomUUID()) }, { weight: 1, arbitrary: hostileString }, { weight: 1, arbitrary: fc.uuid() });
    const path = fc.tuple(...pathParams.map((p) => pathValue(p.name))).map((values) =>
      pathParams.reduce((acc, p, i) => acc.replace(`{${p.name}}`, encodeAny(String(values[i]))), template),
    );
    const queryValue = (p: Param) =>
      fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 2, arbitrary: validish(p.schema).map((v) => String(v)) },
        { weight: 1, arbitrary: hostileString },
      );
    const query = fc
      .tuple(fc.tuple(...queryParams.map(queryValue)), fc.option(fc.tuple(fc.constantFrom(...queryParams.map((p) => p.name), 'extra', '__proto__'), hostileString), { nil: undefined }))
      .map(([values, extra]) => {
        const parts = queryParams.flatMap((p, i) => (values[i] === undefined ? [] : [`${p.name}=${encodeAny(values[i]!)}`]));
        if (extra) parts.push(`${extra[0]}=${encodeAny(extra[1])}`);
        return parts.length ? `?${parts.join('&')}` : '';
      });
    const content = op.requestBody?.content ?? {};
    const jsonSchema = content['application/json']?.schema;
    const ndjson = 'application/x-ndjson' in content;
    const body: fc.Arbitrary<{ body?: string; contentType?: string }> = ndjson
      ? fc.array(fc.oneof(bodyText(undefined).map((b) => b.text), brokenJsonText), { maxLength: 6 }).map((lines) => ({ body: lines.join('\n'), contentType: 'application/x-ndjson' }))
      : method === 'get' || method === 'delete'
        ? fc.constant({})
        : fc.tuple(
            fc.oneof({ weight: 8, arbitrary: bodyText(jsonSchema).map((b) => b.text) }, { weight: 2, arbitrary: brokenJsonText }),
            fc.oneof(
              { weight: 16, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON') },
              { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', undefined) },
            ),
          ).map(([text, contentType]) => ({ body: text, contentType }));
    return fc.tuple(path, query, body).map(([p, q, b]) => ({ path: p + q, ...b }));
  }

  type Send = (method: string, input: Input, headers: Record<string, string>) => Promise<Answer>;

  /** Every route × `perRoute` inputs through `send`; prints a row per route; returns the count sent. */
  async function fuzzRoutes(where: string, send: Send, perRoute: number, seedOffset: number) {
    const doc = (await apiClient(worker.url).get('/api/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op })));
    console.log(`fuzz (${where}) seed ${SEED}: ${routes.length} routes × ${perRoute} inputs, ${CONCURRENCY} at a time`);
    let sent = 0;
    const started = Date.now();
    let before = await settledCounts();
    for (const [r, { method, path, op }] of routes.entries()) {
      const routeStart = Date.now();
      const samples = fc.sample(inputs(method, path, op), { numRuns: perRoute, seed: SEED + seedOffset + r });
      const statuses = new Map<number, number>();
      let routeFailures = 0;
      await pool(samples, CONCURRENCY, async (input) => {
        const headers: Record<string, string> = { authorization: `Bearer ${token}` };
        if (input.contentType) headers['content-type'] = input.contentType;
        let answer: Answer;
        try {
          answer = await send(method.toUpperCase(), input, headers);
        } catch (err) {
          answer = { status: 599, text: `no answer: ${(err as Error).message}`, contentType: null };
        }
        sent++;
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const oauth = path === '/oauth/authorize' ? 'page' : path.startsWith('/oauth/') ? 'api' : undefined;
        const problem = judge(answer, { jsonRpc: path.startsWith('/mcp'), oauth });
        if (problem && ++routeFailures <= 3) failures.push(`[${where}] ${method.toUpperCase()} ${input.path.slice(0, 200)} ${JSON.stringify(input.body?.slice(0, 300))} → ${problem}`);
      });
      const accepted = [...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
      // Only an accepted input can start work that lands later (the queue consumer storing events).
      const after = accepted ? await settledCounts() : await tableCounts(sql);
      const changed = diff(before, after);
      // Nothing half-written: a route that refused every input changed no table.
      if (accepted === 0 && changed.length) failures.push(`[${where}] ${method.toUpperCase()} ${path}: refused everything yet wrote ${changed.join('; ')}`);
      before = after;
      const histogram = [...statuses].sort(([a], [b]) => a - b).map(([s, c]) => `${s}×${c}`).join(' ');
      const row = `${where.padEnd(10)} ${method.toUpperCase().padEnd(6)} ${path.padEnd(86)} ${String(samples.length).padStart(6)} ${String(Date.now() - routeStart).padStart(6)} ms  ${histogram}${routeFailures ? `  FAILED ${routeFailures}` : ''}`;
      // Printed as it goes: a run of minutes shows where it is.
      console.log(row);
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`${where}: ${sent} requests in ${seconds.toFixed(0)} s (${(sent / seconds).toFixed(0)}/s)`);
    return { sent, routes: routes.length };
  }

  const failures: string[] = [];

  it(`answers ${TOTAL} generated requests with no 5xx and only documented errors`, async () => {
    // Every route in workerd first (bindings, Hyperdrive and all); the bulk then goes through the
    // same app built in-process, on the same database and the same Worker's bindings (Miniflare's
    // getBindings), with one pooled client instead of a connection per request: ~10× the rate.
    const inWorkerd = await fuzzRoutes('workerd', (method, input, headers) =>
      call(worker.url + input.path, { method, headers, body: input.body }), WORKERD_PER_ROUTE, 0);
    const app = createApp({ openDb: () => ({ db: pooled.db, sql: pooled.sql, close: async () => {} }) });
    const env = { ...(await worker.mf.getBindings()), JWT_SECRET: TEST_JWT_SECRET, HYPERDRIVE: undefined, DATABASE_URL: db.url } as unknown as Env;
    const rest = Math.max(0, TOTAL - inWorkerd.sent);
    const inProcess = await fuzzRoutes('in-process', async (method, input, headers) => {
      const res = await app.request(input.path, { method, headers, body: input.body }, env);
      return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type'), allow: res.headers.get('allow') };
    }, Math.ceil(rest / inWorkerd.routes), 1000);
    const sent = inWorkerd.sent + inProcess.sent;
    console.log(`fuzz total: ${sent} generated requests (${inWorkerd.sent} in workerd, ${inProcess.sent} in-process), ${failures.length ? `${failures.length} failures` : 'no failures'}`);
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(TOTAL);
  });
});

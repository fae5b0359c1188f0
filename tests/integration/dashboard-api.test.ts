// The dashboard and metrics routes, through the Worker in workerd with real Postgres: a scripted
// session's numbers, worked out by hand, come back in every panel and in the Prometheus text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../../db/client';
import { rollUpEvents } from '../../db/queries/rollups';
import { apiClient, userWithProject } from '../support/api';
import { expectedPanels, scriptSession } from '../support/dashboard-script';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

describe('dashboard API', () => {
  let tdb: TestDatabase;
  let h: DbHandle;
  let worker: SparkWorker;
  let api: ReturnType<typeof apiClient>;
  let projectId: string;
  let token: string;
  let sessions: { a: string; b: string };

  /** GET as `token` (none: anonymous), with the body as JSON when it is JSON, and as text. */
  const get = async (path: string, token?: string) => {
    const res = await fetch(worker.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null };
  };

  beforeAll(async () => {
    tdb = await createTestDatabase('spark_dashboard');
    h = createDb({ url: tdb.url, max: 2 });
    worker = await startSparkWorker({ databaseUrl: tdb.url });
    const owner = await userWithProject(worker.url, 'dash');
    api = owner.api;
    token = owner.token;
    projectId = owner.projectId;
    const a = await api.post(`/api/projects/${projectId}/sessions`, { name: 'Level 1' });
    const b = await api.post(`/api/projects/${projectId}/sessions`, { name: 'Boss fight' });
    sessions = { a: a.body.id, b: b.body.id };
    expect(await scriptSession(h.db, projectId, sessions)).toBe(21);
    await rollUpEvents(h.db, { marginMs: 0 });
  });
  afterAll(async () => {
    await h?.close();
    await worker?.dispose();
    await tdb?.drop();
  });

  it('answers every panel with the numbers of the scripted session', async () => {
    const res = await get(`/api/projects/${projectId}/dashboard`, token);
    expect(res.status).toBe(200);
    const d = res.json;
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect(d.range.to).toBe(today);
    expect(d.preview.days).toHaveLength(7);
    const e = expectedPanels;

    expect(d.preview).toMatchObject({ completed: e.preview.completed, failed: e.preview.failed, success_rate: e.preview.success_rate });
    expect(d.preview.days.find((x: { day: string }) => x.day === today)).toEqual({ day: today, ...e.preview.today });
    expect(d.preview.days.find((x: { day: string }) => x.day === yesterday)).toEqual({ day: yesterday, ...e.preview.yesterday });
    expect(d.latency).toEqual(e.latency);
    expect(d.errors).toEqual(e.errors);
    expect(d.in_flight.bucket).toBe('day');
    expect(d.in_flight.points.at(-1).ops).toBe(e.inFlightNow);
    expect(d.slowest_sessions).toEqual([
      { session_id: sessions.a, name: 'Level 1', calls: 4, p95_ms: 5000, max_ms: 5000 },
      { session_id: sessions.b, name: 'Boss fight', calls: 2, p95_ms: 200, max_ms: 200 },
    ]);
    expect(d.function_calls).toEqual(e.functionCalls);
    expect(d.usage.models.map((m: { cost_usd: number }) => ({ ...m, cost_usd: Math.round(m.cost_usd * 1e6) / 1e6 }))).toEqual(e.usage.models);
    expect({ ...d.usage.total, cost_usd: Math.round(d.usage.total.cost_usd * 1e6) / 1e6 }).toEqual(e.usage.total);
    expect(d.sessions.active_now).toBe(e.sessions.activeNow);
    expect(d.sessions.days.find((x: { day: string }) => x.day === today).sessions).toBe(e.sessions.today);
    expect(d.sessions.days.find((x: { day: string }) => x.day === yesterday).sessions).toBe(e.sessions.yesterday);
    expect(d.builds).toEqual(e.builds);
    // Every event was received today: today's bucket holds them all, averaged over the day so far.
    const todayMs = Date.parse(d.generated_at) - Date.parse(`${today}T00:00:00Z`);
    const rangeMs = Date.parse(d.generated_at) - Date.parse(`${d.range.from}T00:00:00Z`);
    expect(d.queue_depth.bucket).toBe('day');
    expect(d.queue_depth.points).toHaveLength(7);
    const queueToday = d.queue_depth.points.at(-1);
    expect(queueToday).toMatchObject({ at: `${today}T00:00:00Z`, events: e.queue.events, max_wait_ms: e.queue.maxWaitMs });
    expect(queueToday.avg_waiting).toBeCloseTo(e.queue.waitMsSum / todayMs, 12);
    expect(d.queue_depth.total).toMatchObject({ events: e.queue.events, max_wait_ms: e.queue.maxWaitMs });
    expect(d.queue_depth.total.avg_waiting).toBeCloseTo(e.queue.waitMsSum / rangeMs, 12);
    expect(Date.parse(d.rolled_up_to)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('a range without data gives zeros, not errors; one day gives hourly in-flight points', async () => {
    const empty = await get(`/api/projects/${projectId}/dashboard?from=2020-01-01&to=2020-01-31`, token);
    expect(empty.status).toBe(200);
    expect(empty.json.preview).toMatchObject({ completed: 0, failed: 0, success_rate: null });
    expect(empty.json.preview.days).toHaveLength(31);
    expect(empty.json.latency).toEqual([]);
    expect(empty.json.function_calls.success_rate).toBeNull();
    const today = new Date().toISOString().slice(0, 10);
    const day = await get(`/api/projects/${projectId}/dashboard?from=${today}&to=${today}`, token);
    expect(day.json.in_flight.bucket).toBe('hour');
    expect(day.json.in_flight.points.length).toBe(new Date().getUTCHours() + 1);
    expect(day.json.queue_depth.bucket).toBe('hour');
    expect(day.json.queue_depth.points.length).toBe(day.json.in_flight.points.length);
    expect(day.json.queue_depth.points.reduce((n: number, p: { events: number }) => n + p.events, 0)).toBe(expectedPanels.queue.events);
  });

  it('both routes are in the OpenAPI document, with the range parameters', async () => {
    const doc = (await get('/api/openapi.json')).json;
    const dash = doc.paths['/api/projects/{projectId}/dashboard'].get;
    expect(dash.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort()).toEqual(['path:projectId', 'query:from', 'query:to']);
    expect(dash.responses['200'].content['application/json'].schema).toBeTruthy();
    expect(doc.paths['/api/projects/{projectId}/metrics'].get.responses['200'].content).toHaveProperty(['text/plain; version=0.0.4; charset=utf-8']);
  });

  it('bad ranges are a 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['from=2026-13-01', 'from'],
      ['from=yesterday', 'from'],
      ['from=2026-02-30', 'from'],
      ['from=2026-05-02&to=2026-05-01', 'from'],
      ['from=2020-01-01&to=2026-01-01', 'to'],
    ];
    for (const [query, path] of cases) {
      const res = await get(`/api/projects/${projectId}/dashboard?${query}`, token);
      expect(res.status, query).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'invalid_query', path });
    }
  });

  it('serves the same numbers as Prometheus text to a read token, not to an ingest token or a stranger', async () => {
    const read = (await api.post(`/api/projects/${projectId}/tokens`, { name: 'prometheus', scope: 'read' })).body.token;
    const ingest = (await api.post(`/api/projects/${projectId}/tokens`, { name: 'ci', scope: 'ingest' })).body.token;
    const res = await get(`/api/projects/${projectId}/metrics`, read);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = res.text.split('\n');
    for (const line of [
      'spark_previews{outcome="completed"} 3',
      'spark_preview_success_ratio 0.75',
      'spark_tool_latency_p95_milliseconds{tool="render_preview"} 5000',
      'spark_tool_failures{tool="run_build"} 1',
      'spark_tool_error_ratio{tool="render_preview"} 0.5',
      'spark_ops_in_flight 1',
      `spark_queue_events ${expectedPanels.queue.events}`,
      `spark_queue_wait_max_milliseconds ${expectedPanels.queue.maxWaitMs}`,
      `spark_session_latency_p95_milliseconds{session_id="${sessions.a}"} 5000`,
      'spark_function_calls{status="timeout"} 1',
      'spark_llm_tokens{provider="anthropic",model="claude-x",direction="output"} 400',
      'spark_llm_requests{provider="openai",model="gpt-y"} 1',
      'spark_active_sessions 2',
      'spark_build_jobs{status="failed"} 1',
      '# TYPE spark_build_jobs gauge',
    ]) {
      expect(lines, line).toContain(line);
    }
    const waiting = lines.find((l) => l.startsWith('spark_queue_events_waiting '));
    expect(Number(waiting?.split(' ')[1])).toBeGreaterThan(0);
    // Every sample line is `name{labels} value`, every family has HELP and TYPE.
    for (const line of lines.filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-z_0-9]+(\{[^}]*\})? -?[0-9.e+-]+$/);
    expect((await get(`/api/projects/${projectId}/metrics`, ingest)).status).toBe(403);
    expect((await get(`/api/projects/${projectId}/metrics`)).status).toBe(401);
    expect((await get(`/api/projects/${crypto.randomUUID()}/metrics`, read)).status).toBe(404);
  });
});

// The Grafana dashboard: its JSON is built from grafana/queries/*.sql, and every query, with the
// Grafana macros expanded as the Postgres data source does, runs on a real database and gives the
// numbers the dashboard API gives for the same scripted session.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../../db/client';
import { dashboard } from '../../db/queries/dashboard';
import { rollUpEvents } from '../../db/queries/rollups';
import type { DashboardView } from '../../contracts/dashboard';
import { PANELS, dashboardJson, dashboardPath, sqlOf } from '../../grafana/build-dashboard';
import { seedProject } from '../db/helpers';
import { expectedPanels, scriptSession } from '../support/dashboard-script';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

describe('Grafana dashboard', () => {
  let tdb: TestDatabase;
  let h: DbHandle;
  let projectId: string;
  let sessions: { a: string; b: string };
  let api: DashboardView;
  const now = new Date();
  const fromDay = new Date(now.getTime() - 6 * 86_400_000).toISOString().slice(0, 10);
  const from = `${fromDay}T00:00:00Z`;

  /** Grafana's "now" (the range's end) of the last query run. */
  let drawnAt = '';
  /** A panel's SQL with the macros expanded the way Grafana's Postgres data source does. */
  const run = async (name: string) => {
    // Grafana's "now", when the panel is drawn.
    const to = (drawnAt = new Date(Date.now() + 1000).toISOString().replace(/\.\d+Z$/, 'Z'));
    const text = sqlOf(name)
      .replaceAll('$project', projectId)
      .replace(/\$__timeFilter\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g, (_m, col: string) => `${col} BETWEEN '${from}' AND '${to}'`)
      .replaceAll('$__timeFrom()', `'${from}'`)
      .replaceAll('$__timeTo()', `'${to}'`);
    expect(text).not.toMatch(/\$__|\$project/);
    return (await h.sql!.unsafe(text)).map((r) => ({ ...r }));
  };

  beforeAll(async () => {
    tdb = await createTestDatabase('spark_grafana');
    h = createDb({ url: tdb.url, max: 2 });
    projectId = (await seedProject(h.db, 'grafana')).project.id;
    const rows = await h.sql!`insert into sessions (project_id, name) values (${projectId}, 'Level 1'), (${projectId}, 'Boss fight') returning id`;
    sessions = { a: rows[0]!.id, b: rows[1]!.id };
    await scriptSession(h.db, projectId, sessions, now.getTime() - 1000);
    await rollUpEvents(h.db, { marginMs: 0 });
    api = await dashboard(h.db, projectId, { from: fromDay, to: now.toISOString().slice(0, 10) });
  });
  afterAll(async () => {
    await h?.close();
    await tdb?.drop();
  });

  it('grafana/spark-dashboard.json is built from the queries (npx tsx grafana/build-dashboard.ts)', () => {
    expect(readFileSync(dashboardPath, 'utf8')).toBe(dashboardJson());
    const json = JSON.parse(dashboardJson());
    expect(json.panels).toHaveLength(PANELS.length);
    for (const p of json.panels) expect(p.targets[0].rawSql.length).toBeGreaterThan(0);
  });

  it('every query gives what the API gives', async () => {
    expect((await run('preview_success'))[0]!['success rate']).toBe(expectedPanels.preview.success_rate);
    expect((await run('tool_latency_p95')).map((r) => ({ tool: r.tool, calls: Number(r.calls), p95_ms: Number(r['p95 ms']) }))).toEqual(api.latency);
    expect(
      (await run('tool_errors')).map((r) => ({ tool: r.tool, calls: Number(r.calls), failures: Number(r.failures), error_rate: r['error rate'] })),
    ).toEqual(api.errors);
    expect((await run('ops_in_flight')).at(-1)!['ops in flight']).toBe(String(api.in_flight.points.at(-1)!.ops));
    expect(
      (await run('slowest_sessions')).map((r) => ({ session_id: r.session_id, name: r.name, calls: Number(r.calls), p95_ms: Number(r['p95 ms']), max_ms: Number(r['max ms']) })),
    ).toEqual(api.slowest_sessions);
    const calls = Object.fromEntries((await run('function_calls')).map((r) => [r.status, Number(r.calls)]));
    expect(calls).toEqual({ succeeded: api.function_calls.succeeded, failed: api.function_calls.failed, timeout: api.function_calls.timeout, started: api.function_calls.started });
    expect(
      (await run('usage_by_model')).map((r) => ({
        provider: r.provider, model: r.model, requests: Number(r.requests), input_tokens: Number(r['input tokens']),
        output_tokens: Number(r['output tokens']), cost_usd: r['cost (USD)'],
      })),
    ).toEqual(api.usage.models);
    expect((await run('usage_by_day')).map((r) => Number(r['input tokens']))).toEqual(api.usage.days.filter((d) => d.input_tokens > 0).map((d) => d.input_tokens));
    expect(Number((await run('active_sessions'))[0]!['active sessions'])).toBe(api.sessions.active_now);
    expect((await run('sessions_by_day')).map((r) => Number(r.sessions))).toEqual(api.sessions.days.filter((d) => d.sessions > 0).map((d) => d.sessions));
    expect((await run('build_jobs')).map((r) => ({ status: r.status, jobs: Number(r.jobs) }))).toEqual(api.builds);
    expect((await run('projects')).map((r) => r.__value)).toContain(projectId);
    // Queue depth: each hour's average times the part of it that had passed is its total wait,
    // and those add up to the script's 23.1 s; the longest wait is the API's.
    const queue = await run('queue_depth');
    const waitedMs = queue.reduce((n, r) => {
      const hour = Date.parse(String(r.time));
      return n + Number(r['events waiting'] ?? 0) * (Math.min(hour + 3_600_000, Date.parse(drawnAt)) - hour);
    }, 0);
    expect(waitedMs).toBeCloseTo(expectedPanels.queue.waitMsSum, 6);
    expect(Number((await run('queue_wait'))[0]!['longest wait ms'])).toBe(api.queue_depth.total.max_wait_ms);
    // And the API's own numbers are the hand-worked ones.
    expect(api.errors).toEqual(expectedPanels.errors);
    expect(api.builds).toEqual(expectedPanels.builds);
    expect(api.queue_depth.total).toMatchObject({ events: expectedPanels.queue.events, max_wait_ms: expectedPanels.queue.maxWaitMs });
  });
});

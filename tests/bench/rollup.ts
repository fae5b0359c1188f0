// Rollup of N stored events (a month of a busy project: 10% usage, 30% tool calls, the rest
// other events), in one incremental run; then the dashboard query's p95 over that data.
import { performance } from 'node:perf_hooks';
import { createDb } from '../../db/client';
import { dashboard } from '../../db/queries/dashboard';
import { rollUpEvents } from '../../db/queries/rollups';
import { seedProject } from '../db/helpers';
import { createTestDatabase } from '../support/test-db';

export async function benchRollup(events: number, dashboardRuns = 20) {
  const tdb = await createTestDatabase('bench_rollup');
  const h = createDb({ url: tdb.url, max: 2 });
  try {
    const projectId = (await seedProject(h.db, 'bench')).project.id;
    const today = new Date();
    const from = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 29));
    await h.sql!`select spark_ensure_event_partitions(${from.toISOString().slice(0, 10)}::date, 2)`;
    // Generated in Postgres: the figure is the rollup's, not the loader's.
    await h.sql!`
      insert into spark_events (id, occurred_at, project_id, session_id, source, kind, type, payload)
      select gen_random_uuid(), ${from.toISOString()}::timestamptz + (g % 2592000) * interval '1 second',
        ${projectId}, 's' || (g % 1000), case when g % 3 = 0 then 'edge' else 'agent' end,
        case when g % 10 between 1 and 3 then 'tool' else 'system' end,
        case when g % 10 = 0 then 'usage.llm' when g % 10 between 1 and 3 then 'tool.call' else 'unity.completed' end,
        case when g % 10 = 0 then jsonb_build_object('provider', 'anthropic', 'model', 'm' || (g % 3), 'input_tokens', g % 5000, 'output_tokens', g % 700, 'cost_usd', (g % 1000) / 100000.0)
             when g % 10 between 1 and 3 then jsonb_build_object('call_id', 'c' || (g / 10), 'name', 'tool' || (g % 7),
               'status', case when g % 10 = 1 then 'started' when g % 17 = 0 then 'failed' else 'succeeded' end, 'latency_ms', g % 3000)
             else '{}'::jsonb end
      from generate_series(1, ${events}) g`;
    await h.sql!`analyze spark_events`;
    const t0 = performance.now();
    const run = await rollUpEvents(h.db, { marginMs: 0 });
    const seconds = (performance.now() - t0) / 1000;
    await h.sql!`
      insert into function_calls (project_id, session_id, call_id, name, status, latency_ms, started_at, completed_at)
      select ${projectId}, 's' || (g % 1000), 'c' || g, 'tool' || (g % 7), case when g % 17 = 0 then 'failed' else 'succeeded' end,
        g % 3000, ${from.toISOString()}::timestamptz + (g % 2592000) * interval '1 second',
        ${from.toISOString()}::timestamptz + (g % 2592000) * interval '1 second' + (g % 3000) * interval '1 millisecond'
      from generate_series(1, ${Math.round(events * 0.1)}) g`;
    await h.sql!`analyze function_calls`;
    const range = { from: from.toISOString().slice(0, 10), to: today.toISOString().slice(0, 10) };
    const times: number[] = [];
    for (let i = 0; i < dashboardRuns; i++) {
      const s = performance.now();
      await dashboard(h.db, projectId, range);
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    const p95 = times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)]!;
    return { counted: run.events, seconds, rowsPerSecond: run.events / seconds, dashboardP50: times[Math.floor(times.length / 2)]!, dashboardP95: p95 };
  } finally {
    await h.close();
    await tdb.drop();
  }
}

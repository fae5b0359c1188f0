// Writes grafana/spark-dashboard.json from the SQL in grafana/queries/, so each panel's query is
// kept once, as a .sql file a person can read and run. `npx tsx grafana/build-dashboard.ts`;
// tests/integration/grafana.test.ts checks the JSON is current and runs every query.
import { readFileSync, writeFileSync } from 'node:fs';

const DS = { type: 'grafana-postgresql-datasource', uid: '${DS_SPARK}' };

interface PanelSpec {
  title: string;
  query: string;
  type: 'stat' | 'table' | 'timeseries' | 'barchart' | 'piechart';
  format: 'table' | 'time_series';
  w: number;
  h: number;
  unit?: string;
  description?: string;
}

/** The panels, in reading order; each `query` names a file in grafana/queries/. */
export const PANELS: PanelSpec[] = [
  { title: 'Preview success rate', query: 'preview_success', type: 'stat', format: 'table', w: 6, h: 5, unit: 'percentunit' },
  { title: 'Active sessions', query: 'active_sessions', type: 'stat', format: 'table', w: 6, h: 5 },
  { title: 'Function calls', query: 'function_calls', type: 'piechart', format: 'table', w: 12, h: 5 },
  { title: 'p95 latency per tool', query: 'tool_latency_p95', type: 'barchart', format: 'table', w: 12, h: 8, unit: 'ms' },
  { title: 'Error rate per tool', query: 'tool_errors', type: 'table', format: 'table', w: 12, h: 8 },
  { title: 'Ops in flight', query: 'ops_in_flight', type: 'timeseries', format: 'time_series', w: 12, h: 8,
    description: 'Operations started and not yet finished.' },
  { title: 'Queue depth', query: 'queue_depth', type: 'timeseries', format: 'time_series', w: 12, h: 8,
    description: 'Events the edge accepted and Postgres has not stored yet, on average per hour (total wait / time passed).' },
  { title: 'Longest queue wait', query: 'queue_wait', type: 'stat', format: 'table', w: 12, h: 8, unit: 'ms',
    description: 'The longest any event waited from accepted by the edge to stored.' },
  { title: 'Slowest sessions', query: 'slowest_sessions', type: 'table', format: 'table', w: 12, h: 8 },
  { title: 'Tokens and cost per day', query: 'usage_by_day', type: 'timeseries', format: 'time_series', w: 12, h: 8 },
  { title: 'Tokens and cost per model', query: 'usage_by_model', type: 'table', format: 'table', w: 12, h: 8 },
  { title: 'Sessions per day', query: 'sessions_by_day', type: 'timeseries', format: 'time_series', w: 12, h: 8 },
  { title: 'Build jobs by status', query: 'build_jobs', type: 'barchart', format: 'table', w: 12, h: 8 },
];

export const sqlOf = (name: string) => readFileSync(new URL(`./queries/${name}.sql`, import.meta.url), 'utf8').trimEnd();

export function buildDashboard() {
  let x = 0;
  let y = 0;
  let rowH = 0;
  const panels = PANELS.map((p, i) => {
    if (x + p.w > 24) {
      x = 0;
      y += rowH;
      rowH = 0;
    }
    const gridPos = { x, y, w: p.w, h: p.h };
    x += p.w;
    rowH = Math.max(rowH, p.h);
    return {
      id: i + 1,
      title: p.title,
      type: p.type,
      datasource: DS,
      gridPos,
      ...(p.description ? { description: p.description } : {}),
      fieldConfig: { defaults: p.unit ? { unit: p.unit } : {}, overrides: [] },
      options: {},
      targets: [{ refId: 'A', datasource: DS, editorMode: 'code', format: p.format, rawQuery: true, rawSql: sqlOf(p.query) }],
    };
  });
  return {
    __inputs: [{ name: 'DS_SPARK', label: 'Spark Postgres', type: 'datasource', pluginId: 'grafana-postgresql-datasource', pluginName: 'PostgreSQL' }],
    title: 'Spark — Unity work',
    uid: 'spark-unity-work',
    tags: ['spark'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-7d', to: 'now' },
    refresh: '5m',
    templating: {
      list: [{ name: 'project', label: 'Project', type: 'query', datasource: DS, query: sqlOf('projects'), refresh: 1, includeAll: false, multi: false }],
    },
    panels,
  };
}

export const dashboardPath = new URL('./spark-dashboard.json', import.meta.url);
export const dashboardJson = () => JSON.stringify(buildDashboard(), null, 2) + '\n';

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  writeFileSync(dashboardPath, dashboardJson());
  console.log(`wrote ${dashboardPath.pathname}`);
}

// The dashboard as Prometheus text exposition (version 0.0.4), for GET …/metrics. Every value is
// a gauge over the requested range of days (default: the last 7), so a scrape shows what the
// dashboard shows; per-project scrape targets tell projects apart.
import type { DashboardView } from '../../contracts/dashboard';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;
interface Family {
  name: string;
  help: string;
  samples: { labels?: Labels; value: number | null }[];
}

/** Label values escape backslash, double quote and newline; nothing else. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function number(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function renderFamilies(families: Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    const samples = f.samples.filter((s): s is { labels?: Labels; value: number } => s.value !== null);
    if (samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} gauge`);
    for (const s of samples) {
      const labels = Object.entries(s.labels ?? {});
      const set = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      lines.push(`${f.name}${set} ${number(s.value)}`);
    }
  }
  return lines.join('\n') + '\n';
}

export function dashboardMetrics(d: DashboardView): string {
  const range = `${d.range.from}..${d.range.to}`;
  const lastInFlight = d.in_flight.points.at(-1);
  const lag = d.rolled_up_to ? (Date.parse(d.generated_at) - Date.parse(d.rolled_up_to)) / 1000 : null;
  return renderFamilies([
    { name: 'spark_previews', help: `Previews by outcome, ${range} (UTC days)`, samples: [
      { labels: { outcome: 'completed' }, value: d.preview.completed },
      { labels: { outcome: 'failed' }, value: d.preview.failed },
    ] },
    { name: 'spark_preview_success_ratio', help: `Completed previews / finished previews, ${range}`, samples: [{ value: d.preview.success_rate }] },
    { name: 'spark_tool_latency_p95_milliseconds', help: `95th percentile latency of finished calls per tool, ${range}`,
      samples: d.latency.map((l) => ({ labels: { tool: l.tool }, value: l.p95_ms })) },
    { name: 'spark_tool_calls', help: `Finished calls per tool, ${range}`, samples: d.errors.map((e) => ({ labels: { tool: e.tool }, value: e.calls })) },
    { name: 'spark_tool_failures', help: `Failed or timed-out calls per tool, ${range}`, samples: d.errors.map((e) => ({ labels: { tool: e.tool }, value: e.failures })) },
    { name: 'spark_tool_error_ratio', help: `Failures / finished calls per tool, ${range}`, samples: d.errors.map((e) => ({ labels: { tool: e.tool }, value: e.error_rate })) },
    { name: 'spark_ops_in_flight', help: 'Operations started and not finished', samples: [{ value: lastInFlight?.ops ?? null }] },
    { name: 'spark_queue_events', help: `Events the edge accepted into the event queue, ${range}`, samples: [{ value: d.queue_depth.total.events }] },
    { name: 'spark_queue_events_waiting', help: `Events accepted and not yet stored, on average over ${range} so far (total wait / time passed)`,
      samples: [{ value: d.queue_depth.total.avg_waiting }] },
    { name: 'spark_queue_wait_max_milliseconds', help: `Longest wait of an event from accepted to stored, ${range}`,
      samples: [{ value: d.queue_depth.total.max_wait_ms }] },
    { name: 'spark_session_latency_p95_milliseconds', help: `95th percentile call latency of the 10 slowest sessions, ${range}`,
      samples: d.slowest_sessions.map((s) => ({ labels: { session_id: s.session_id }, value: s.p95_ms })) },
    { name: 'spark_function_calls', help: `Function calls by status, ${range}`, samples: (['succeeded', 'failed', 'timeout', 'started'] as const).map((status) => ({
      labels: { status }, value: d.function_calls[status] })) },
    { name: 'spark_function_call_success_ratio', help: `Succeeded / finished function calls, ${range}`, samples: [{ value: d.function_calls.success_rate }] },
    { name: 'spark_llm_requests', help: `usage.* events per model, ${range}`,
      samples: d.usage.models.map((m) => ({ labels: { provider: m.provider, model: m.model }, value: m.requests })) },
    { name: 'spark_llm_tokens', help: `Tokens per model and direction, ${range}`, samples: d.usage.models.flatMap((m) => [
      { labels: { provider: m.provider, model: m.model, direction: 'input' }, value: m.input_tokens },
      { labels: { provider: m.provider, model: m.model, direction: 'output' }, value: m.output_tokens },
    ]) },
    { name: 'spark_llm_cost_usd', help: `Cost per model in US dollars, ${range}`,
      samples: d.usage.models.map((m) => ({ labels: { provider: m.provider, model: m.model }, value: m.cost_usd })) },
    { name: 'spark_active_sessions', help: 'Spark sessions in state active now', samples: [{ value: d.sessions.active_now }] },
    { name: 'spark_build_jobs', help: `Build jobs created by status, ${range}`, samples: d.builds.map((b) => ({ labels: { status: b.status }, value: b.jobs })) },
    { name: 'spark_rollup_lag_seconds', help: 'Seconds since the rollup watermark: events stored since are not in the rollup-backed gauges yet',
      samples: [{ value: lag }] },
  ]);
}

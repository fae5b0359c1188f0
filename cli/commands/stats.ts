// `spark stats`: the project's dashboard (GET …/dashboard) as text, or as the API's JSON.
import { dashboardQuery, type DashboardView } from '../../contracts/dashboard';
import type { CommandGroup } from '../command';
import { UsageError } from '../errors';
import { formatCount, formatRate, relativeTime, table } from '../output';

function render(projectName: string, d: DashboardView): string {
  const fc = d.function_calls;
  const u = d.usage.total;
  const lines = [
    `${projectName}: ${d.range.from} … ${d.range.to} (rollups up to ${d.rolled_up_to ? relativeTime(d.rolled_up_to) : 'never'})`,
    '',
    `sessions        ${formatCount(d.sessions.active_now)} active now`,
    `previews        ${formatCount(d.preview.completed)} completed, ${formatCount(d.preview.failed)} failed (success ${formatRate(d.preview.success_rate)})`,
    `function calls  ${formatCount(fc.succeeded)} succeeded, ${formatCount(fc.failed)} failed, ${formatCount(fc.timeout)} timed out, ${formatCount(fc.started)} running (success ${formatRate(fc.success_rate)})`,
    `tokens          ${formatCount(u.input_tokens)} in, ${formatCount(u.output_tokens)} out, $${u.cost_usd.toFixed(4)} over ${formatCount(u.requests)} requests`,
    `builds          ${d.builds.length ? d.builds.map((b) => `${formatCount(b.jobs)} ${b.status}`).join(', ') : 'none'}`,
  ];
  // Latency comes from the calls themselves, failures from the rollups: one row per tool of either.
  const tools = new Map<string, { calls: number; failures?: number; error_rate?: number | null; p95_ms?: number }>();
  for (const l of d.latency) tools.set(l.tool, { calls: l.calls, p95_ms: l.p95_ms });
  for (const e of d.errors) tools.set(e.tool, { ...tools.get(e.tool), calls: e.calls, failures: e.failures, error_rate: e.error_rate });
  if (tools.size) {
    const rows = [...tools].map(([tool, t]) => [tool, formatCount(t.calls), t.failures === undefined ? '-' : formatCount(t.failures), t.error_rate === undefined ? '-' : formatRate(t.error_rate), t.p95_ms === undefined ? '-' : String(t.p95_ms)]);
    lines.push('', table(['TOOL', 'CALLS', 'FAILURES', 'ERROR RATE', 'P95 MS'], rows));
  }
  if (d.usage.models.length) {
    lines.push('', table(['MODEL', 'REQUESTS', 'TOKENS IN', 'TOKENS OUT', 'COST USD'], d.usage.models.map((m) => [`${m.provider}/${m.model}`, formatCount(m.requests), formatCount(m.input_tokens), formatCount(m.output_tokens), m.cost_usd.toFixed(4)])));
  }
  if (d.slowest_sessions.length) {
    lines.push('', 'slowest sessions:', table(['SESSION', 'NAME', 'CALLS', 'P95 MS', 'MAX MS'], d.slowest_sessions.map((s) => [s.session_id, s.name ?? '-', formatCount(s.calls), String(s.p95_ms), String(s.max_ms)])));
  }
  return lines.join('\n');
}

export const stats: CommandGroup = {
  name: 'stats',
  summary: "the project's dashboard numbers: sessions, previews, calls, tokens, builds",
  command: {
    summary: 'The dashboard over a range of UTC days (default: the last 7, today included).',
    options: {
      from: { type: 'string', value: 'YYYY-MM-DD', help: 'first day (UTC)' },
      to: { type: 'string', value: 'YYYY-MM-DD', help: 'last day (UTC)' },
    },
    async run(ctx, _args, o) {
      const query = { from: o.from as string | undefined, to: o.to as string | undefined };
      const ok = dashboardQuery.safeParse(query);
      if (!ok.success) {
        const issue = ok.error.issues[0]!;
        const field = String(issue.path[0] ?? 'from');
        throw new UsageError(`--${field} ${query[field as 'from' | 'to'] ?? ''}: ${issue.message}`);
      }
      const project = await ctx.project();
      const view = await (await ctx.api()).json<DashboardView>('GET', `/api/projects/${project.id}/dashboard`, { query });
      ctx.out.result(view, () => render(project.name, view));
    },
  },
};

/** @jsxImportSource hono/jsx/dom */
// The project dashboard: GET …/dashboard drawn as small SVG and CSS charts. Every chart also says
// its numbers in text (what the browser test reads, and what a screen reader says); no chart
// library: uPlot alone would take the bundle past its 60 KB budget, and draws on a canvas.
import { useState } from 'hono/jsx/dom';
import type { DashboardView } from '../../../contracts/dashboard';
import { projectsApi, unwrap } from '../lib/api';
import { formatMs, formatPercent } from '../lib/format';
import { useResource, useTitle } from '../lib/hooks';
import { EmptyState, InlineError, ProjectCrumbs, Spinner } from '../components/ui';

const RANGES = [
  { days: 1, label: 'Today' },
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
] as const;

const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);
const count = (n: number) => n.toLocaleString('en-US');
const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: n < 1 ? 4 : 2 })}`;
const rate = (r: number | null) => (r === null ? '—' : formatPercent(r));
// An average number of events waiting: mostly well under one.
const waiting = (n: number) => (n === 0 ? '0' : n < 0.01 ? '<0.01' : n.toLocaleString('en-US', { maximumFractionDigits: 2 }));

export function DashboardPage(props: { projectId: string }) {
  const [days, setDays] = useState<number>(7);
  const project = useResource(() => unwrap(projectsApi[':projectId'].$get({ param: { projectId: props.projectId } })), [props.projectId]);
  useTitle(project.data ? `Dashboard · ${project.data.name}` : 'Dashboard');
  const query = { from: dayOf(Date.now() - (days - 1) * 86_400_000), to: dayOf(Date.now()) };
  const view = useResource(
    () => unwrap(projectsApi[':projectId'].dashboard.$get({ param: { projectId: props.projectId }, query })) as Promise<DashboardView>,
    [props.projectId, days],
  );
  const d = view.data;
  return (
    <main id="main" class="page page-wide">
      <ProjectCrumbs projectId={props.projectId} projectName={project.data?.name} page="Dashboard" />
      <div class="page-head">
        <h1>Dashboard</h1>
        <div class="seg" role="group" aria-label="Range">
          {RANGES.map((r) => (
            <button type="button" class={`btn btn-small ${r.days === days ? 'btn-primary' : 'btn-ghost'}`} aria-pressed={r.days === days} onClick={() => setDays(r.days)} data-testid={`range-${r.days}`}>
              {r.label}
            </button>
          ))}
        </div>
        {d ? (
          <p class="muted small" data-testid="dashboard-range">
            {d.range.from} to {d.range.to} (UTC){d.rolled_up_to ? ` · counts up to ${new Date(d.rolled_up_to).toLocaleTimeString()}` : ''}
          </p>
        ) : null}
      </div>
      <InlineError message={view.error} />
      {!d ? (
        <Spinner label="Loading the dashboard" />
      ) : (
        <div class="dash-grid" data-testid="dashboard">
          <Panel title="Preview success" id="preview">
            <Big value={rate(d.preview.success_rate)} note={`${count(d.preview.completed)} of ${count(d.preview.completed + d.preview.failed)} previews`} />
            <Columns
              label="Previews per day"
              items={d.preview.days.map((x) => ({ label: x.day.slice(5), parts: [x.completed, x.failed] }))}
              legend={['completed', 'failed']}
            />
          </Panel>
          <Panel title="Function calls" id="calls">
            <Big value={rate(d.function_calls.success_rate)} note="succeeded of finished" />
            <Bars
              items={(['succeeded', 'failed', 'timeout', 'started'] as const).map((s) => ({ label: s === 'started' ? 'running' : s, value: d.function_calls[s], text: count(d.function_calls[s]), tone: s === 'succeeded' ? 'ok' : s === 'started' ? 'info' : 'err' }))}
            />
          </Panel>
          <Panel title="p95 latency per tool" id="latency">
            <Bars items={d.latency.map((l) => ({ label: l.tool, value: l.p95_ms, text: formatMs(l.p95_ms), note: `${count(l.calls)} ${l.calls === 1 ? 'call' : 'calls'}` }))} empty="No finished calls." />
          </Panel>
          <Panel title="Error rate per tool" id="errors">
            <Bars
              items={d.errors.map((e) => ({ label: e.tool, value: e.error_rate ?? 0, max: 1, text: rate(e.error_rate), note: `${count(e.failures)} of ${count(e.calls)}`, tone: 'err' }))}
              empty="No finished calls."
            />
          </Panel>
          <Panel title="Ops in flight" id="in-flight" note="Operations started and not finished yet, per hour or day.">
            <Big value={count(d.in_flight.points.at(-1)?.ops ?? 0)} note="now" />
            <Line label="Ops in flight over time" points={d.in_flight.points.map((p) => p.ops)} />
          </Panel>
          <Panel
            title="Queue depth"
            id="queue"
            note="Events Spark has received but not yet saved: how many wait on average, per hour or day, and the longest any one waited."
          >
            <Big value={d.queue_depth.total.events > 0 ? formatMs(d.queue_depth.total.max_wait_ms) : '—'} note="longest wait" />
            <p class="muted small" data-testid="queue-summary">
              {waiting(d.queue_depth.total.avg_waiting)} waiting on average · {count(d.queue_depth.total.events)} {d.queue_depth.total.events === 1 ? 'event' : 'events'}
            </p>
            <Line label="Events waiting on average over time" points={d.queue_depth.points.map((p) => Number(p.avg_waiting.toPrecision(3)))} />
          </Panel>
          <Panel title="Slowest sessions" id="slowest">
            {d.slowest_sessions.length === 0 ? (
              <EmptyState>No finished calls.</EmptyState>
            ) : (
              <div class="table-scroll">
                <table class="dash-table">
                  <thead>
                    <tr>
                      <th scope="col">Session</th>
                      <th scope="col">Calls</th>
                      <th scope="col">p95</th>
                      <th scope="col">Max</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.slowest_sessions.map((s) => (
                      <tr data-testid="slow-session">
                        <td class="ellipsis">{s.name ?? s.session_id}</td>
                        <td>{count(s.calls)}</td>
                        <td>{formatMs(s.p95_ms)}</td>
                        <td>{formatMs(s.max_ms)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Panel>
          <Panel title="Tokens and cost" id="usage">
            <Big value={usd(d.usage.total.cost_usd)} note={`${count(d.usage.total.input_tokens)} in · ${count(d.usage.total.output_tokens)} out · ${count(d.usage.total.requests)} requests`} />
            <Columns
              label="Tokens per day"
              items={d.usage.days.map((x) => ({ label: x.day.slice(5), parts: [x.input_tokens, x.output_tokens] }))}
              legend={['input', 'output']}
              tones={['accent', 'info']}
            />
            <Bars items={d.usage.models.map((m) => ({ label: m.model, value: m.cost_usd, text: usd(m.cost_usd), note: `${count(m.input_tokens)} in · ${count(m.output_tokens)} out` }))} empty="No model usage." />
          </Panel>
          <Panel title="Active sessions" id="sessions">
            <Big value={count(d.sessions.active_now)} note="active now" />
            <Columns label="Sessions with events per day" items={d.sessions.days.map((x) => ({ label: x.day.slice(5), parts: [x.sessions] }))} legend={['sessions']} />
          </Panel>
          <Panel title="Build jobs" id="builds">
            <Bars items={d.builds.map((b) => ({ label: b.status, value: b.jobs, text: count(b.jobs), tone: b.status === 'completed' ? 'ok' : b.status === 'failed' || b.status === 'timeout' ? 'err' : 'info' }))} empty="No builds." />
          </Panel>
        </div>
      )}
    </main>
  );
}

function Panel(props: { title: string; id: string; note?: string; children?: unknown }) {
  return (
    <section class="card dash-panel" data-testid={`panel-${props.id}`} aria-labelledby={`panel-${props.id}-title`}>
      <h2 id={`panel-${props.id}-title`}>{props.title}</h2>
      {props.note ? <p class="muted small">{props.note}</p> : null}
      {props.children as never}
    </section>
  );
}

function Big(props: { value: string; note: string }) {
  return (
    <p class="dash-big">
      <strong data-testid="big">{props.value}</strong> <span class="muted small" data-testid="big-note">{props.note}</span>
    </p>
  );
}

type Tone = 'ok' | 'err' | 'info';
interface BarItem {
  label: string;
  value: number;
  text: string;
  note?: string;
  max?: number;
  tone?: Tone;
}

/** Horizontal bars, one per row: label, bar, value. */
function Bars(props: { items: BarItem[]; empty?: string }) {
  if (props.items.length === 0) return <EmptyState>{props.empty ?? 'Nothing yet.'}</EmptyState>;
  const top = Math.max(...props.items.map((i) => i.max ?? i.value), 0) || 1;
  return (
    <ul class="dash-bars">
      {props.items.map((i) => (
        <li data-testid="bar" data-label={i.label}>
          <span class="dash-bar-label ellipsis">{i.label}</span>
          <span class={`dash-bar dash-${i.tone ?? 'accent'}`} aria-hidden="true">
            <span style={{ width: `${Math.max(0, Math.min(1, i.value / (i.max ?? top))) * 100}%` }} />
          </span>
          <span class="dash-bar-value">
            <span data-testid="bar-value">{i.text}</span>
            {i.note ? <span class="muted small" data-testid="bar-note"> {i.note}</span> : null}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Stacked columns per day, in an SVG that stretches to the card's width. */
function Columns(props: { label: string; items: { label: string; parts: number[] }[]; legend: string[]; tones?: ('accent' | 'err' | 'info')[] }) {
  const tone = (k: number) => props.tones?.[k] ?? (k === 0 ? 'accent' : 'err');
  const top = Math.max(...props.items.map((i) => i.parts.reduce((a, b) => a + b, 0)), 0) || 1;
  const w = 100 / Math.max(1, props.items.length);
  const summary = props.items.map((i) => `${i.label}: ${i.parts.map((p, k) => `${p} ${props.legend[k]}`).join(', ')}`).join('; ');
  return (
    <figure class="dash-cols">
      <svg viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label={`${props.label}. ${summary}`}>
        {props.items.map((item, i) => {
          let y = 40;
          return item.parts.map((p, k) => {
            const h = (p / top) * 38;
            y -= h;
            return <rect class={`dash-fill-${tone(k)}`} x={i * w + w * 0.15} y={y} width={w * 0.7} height={h} />;
          });
        })}
      </svg>
      <figcaption class="muted small">
        {props.items.length ? `${props.items[0]!.label} – ${props.items.at(-1)!.label}` : ''}
        {props.legend.map((l, k) => (
          <span class="dash-legend">
            <i class={`dash-key dash-fill-${tone(k)}`} /> {l}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** A line over a series of points (in flight, queue depth). */
function Line(props: { label: string; points: number[] }) {
  const top = Math.max(...props.points, 1);
  const n = props.points.length;
  const xy = props.points.map((p, i) => `${n > 1 ? (i / (n - 1)) * 100 : 50},${38 - (p / top) * 36}`).join(' ');
  return (
    <figure class="dash-cols">
      <svg viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label={`${props.label}: ${props.points.join(', ')}`}>
        <polyline class="dash-line" points={xy} fill="none" vector-effect="non-scaling-stroke" />
      </svg>
    </figure>
  );
}

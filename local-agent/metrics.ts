// In-process metrics for the agent: counters, gauges, histograms and timers, readable as Prometheus
// text (for a scraper) and as a JSON snapshot (for the tray page). No dependency: the agent stays
// small and the tray needs numbers, not a metrics stack.

export type Labels = Readonly<Record<string, string>>;

export interface Counter {
  inc(labels?: Labels, by?: number): void;
  get(labels?: Labels): number;
}
export interface Gauge {
  set(value: number, labels?: Labels): void;
  inc(labels?: Labels, by?: number): void;
  dec(labels?: Labels, by?: number): void;
  get(labels?: Labels): number;
}
export interface Histogram {
  observe(value: number, labels?: Labels): void;
}
export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}
export interface Timer {
  /** Records one duration in milliseconds. */
  observe(ms: number, labels?: Labels): void;
  /** Starts a stopwatch; calling the returned function records and returns the elapsed ms. */
  start(labels?: Labels): () => number;
  /** Percentiles over the last `TIMER_WINDOW` observations of the series (0s when empty). */
  percentiles(labels?: Labels): Percentiles;
}

export interface SeriesSnapshot {
  labels: Labels;
  value?: number;
  count?: number;
  sum?: number;
  buckets?: Record<string, number>;
  p50?: number;
  p95?: number;
  p99?: number;
}
export interface MetricSnapshot {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'timer';
  help: string;
  series: SeriesSnapshot[];
}
export interface MetricsSnapshot {
  at: number;
  metrics: MetricSnapshot[];
}

export interface Metrics {
  counter(name: string, help?: string): Counter;
  gauge(name: string, help?: string): Gauge;
  histogram(name: string, help?: string, buckets?: readonly number[]): Histogram;
  timer(name: string, help?: string): Timer;
  toPrometheus(): string;
  snapshot(): MetricsSnapshot;
}

/** A timer keeps this many recent observations per series for its percentiles (bounded memory). */
export const TIMER_WINDOW = 1000;
/** Millisecond buckets: the agent mostly measures latencies from ~1 ms to a minute. */
export const DEFAULT_BUCKETS: readonly number[] = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000];

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Nearest-rank percentile of an ascending array; 0 for an empty one. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function seriesKey(labels: Labels | undefined): string {
  if (labels === undefined) return '';
  const names = Object.keys(labels).sort();
  for (const n of names) if (!LABEL_NAME.test(n)) throw new Error(`invalid metric label name '${n}'`);
  return JSON.stringify(names.map((n) => [n, labels[n]]));
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k]!)}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

interface Family<S> {
  name: string;
  type: MetricSnapshot['type'];
  help: string;
  series: Map<string, { labels: Labels; state: S }>;
}

function seriesOf<S>(family: Family<S>, labels: Labels | undefined, init: () => S): S {
  const key = seriesKey(labels);
  let entry = family.series.get(key);
  if (!entry) {
    entry = { labels: { ...(labels ?? {}) }, state: init() };
    family.series.set(key, entry);
  }
  return entry.state;
}

interface HistState {
  counts: number[];
  count: number;
  sum: number;
}
interface TimerState {
  window: number[];
  next: number;
  count: number;
  sum: number;
}

export function createMetrics(opts: { now?: () => number } = {}): Metrics {
  const now = opts.now ?? Date.now;
  const families = new Map<string, Family<unknown>>();
  const bucketsOf = new Map<string, readonly number[]>();

  function family<S>(name: string, type: MetricSnapshot['type'], help: string): Family<S> {
    if (!NAME.test(name)) throw new Error(`invalid metric name '${name}'`);
    const existing = families.get(name);
    if (existing) {
      if (existing.type !== type) throw new Error(`metric '${name}' is already a ${existing.type}`);
      return existing as Family<S>;
    }
    const created: Family<S> = { name, type, help, series: new Map() };
    families.set(name, created as Family<unknown>);
    return created;
  }

  function counter(name: string, help = ''): Counter {
    const f = family<{ v: number }>(name, 'counter', help);
    return {
      inc(labels, by = 1) {
        if (by < 0) throw new Error(`counter '${name}' cannot decrease`);
        seriesOf(f, labels, () => ({ v: 0 })).v += by;
      },
      get: (labels) => f.series.get(seriesKey(labels))?.state.v ?? 0,
    };
  }

  function gauge(name: string, help = ''): Gauge {
    const f = family<{ v: number }>(name, 'gauge', help);
    const s = (labels?: Labels) => seriesOf(f, labels, () => ({ v: 0 }));
    return {
      set: (value, labels) => void (s(labels).v = value),
      inc: (labels, by = 1) => void (s(labels).v += by),
      dec: (labels, by = 1) => void (s(labels).v -= by),
      get: (labels) => f.series.get(seriesKey(labels))?.state.v ?? 0,
    };
  }

  function histogram(name: string, help = '', buckets: readonly number[] = DEFAULT_BUCKETS): Histogram {
    const f = family<HistState>(name, 'histogram', help);
    const bounds = bucketsOf.get(name) ?? [...buckets].sort((a, b) => a - b);
    bucketsOf.set(name, bounds);
    return {
      observe(value, labels) {
        const s = seriesOf(f, labels, () => ({ counts: bounds.map(() => 0), count: 0, sum: 0 }));
        // Cumulative buckets, as Prometheus expects: every bound >= value counts it.
        bounds.forEach((b, i) => {
          if (value <= b) s.counts[i]! += 1;
        });
        s.count += 1;
        s.sum += value;
      },
    };
  }

  function timer(name: string, help = ''): Timer {
    const f = family<TimerState>(name, 'timer', help);
    const s = (labels?: Labels) => seriesOf(f, labels, () => ({ window: [], next: 0, count: 0, sum: 0 }));
    const observe = (ms: number, labels?: Labels) => {
      const st = s(labels);
      // Ring buffer: the window holds the most recent TIMER_WINDOW observations.
      if (st.window.length < TIMER_WINDOW) st.window.push(ms);
      else st.window[st.next] = ms;
      st.next = (st.next + 1) % TIMER_WINDOW;
      st.count += 1;
      st.sum += ms;
    };
    return {
      observe,
      start(labels) {
        const t0 = now();
        return () => {
          const ms = Math.max(0, now() - t0);
          observe(ms, labels);
          return ms;
        };
      },
      percentiles(labels) {
        const st = f.series.get(seriesKey(labels))?.state;
        return timerPercentiles(st);
      },
    };
  }

  function toPrometheus(): string {
    const lines: string[] = [];
    for (const f of families.values()) {
      const promType = f.type === 'timer' ? 'summary' : f.type;
      if (f.help) lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
      lines.push(`# TYPE ${f.name} ${promType}`);
      for (const { labels, state } of f.series.values()) {
        if (f.type === 'counter' || f.type === 'gauge') {
          lines.push(`${f.name}${labelText(labels)} ${num((state as { v: number }).v)}`);
        } else if (f.type === 'histogram') {
          const st = state as HistState;
          const bounds = bucketsOf.get(f.name)!;
          bounds.forEach((b, i) => lines.push(`${f.name}_bucket${labelText(labels, ['le', num(b)])} ${st.counts[i]}`));
          lines.push(`${f.name}_bucket${labelText(labels, ['le', '+Inf'])} ${st.count}`);
          lines.push(`${f.name}_sum${labelText(labels)} ${num(st.sum)}`);
          lines.push(`${f.name}_count${labelText(labels)} ${st.count}`);
        } else {
          const st = state as TimerState;
          const p = timerPercentiles(st);
          for (const [q, v] of [['0.5', p.p50], ['0.95', p.p95], ['0.99', p.p99]] as const) {
            lines.push(`${f.name}${labelText(labels, ['quantile', q])} ${num(v)}`);
          }
          lines.push(`${f.name}_sum${labelText(labels)} ${num(st.sum)}`);
          lines.push(`${f.name}_count${labelText(labels)} ${st.count}`);
        }
      }
    }
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  function snapshot(): MetricsSnapshot {
    const metrics: MetricSnapshot[] = [];
    for (const f of families.values()) {
      const series: SeriesSnapshot[] = [];
      for (const { labels, state } of f.series.values()) {
        if (f.type === 'counter' || f.type === 'gauge') {
          series.push({ labels, value: (state as { v: number }).v });
        } else if (f.type === 'histogram') {
          const st = state as HistState;
          const bounds = bucketsOf.get(f.name)!;
          const buckets: Record<string, number> = {};
          bounds.forEach((b, i) => (buckets[num(b)] = st.counts[i]!));
          buckets['+Inf'] = st.count;
          series.push({ labels, count: st.count, sum: st.sum, buckets });
        } else {
          const st = state as TimerState;
          const { p50, p95, p99 } = timerPercentiles(st);
          series.push({ labels, count: st.count, sum: st.sum, p50, p95, p99 });
        }
      }
      metrics.push({ name: f.name, type: f.type, help: f.help, series });
    }
    return { at: now(), metrics };
  }

  return { counter, gauge, histogram, timer, toPrometheus, snapshot };
}

function timerPercentiles(st: TimerState | undefined): Percentiles {
  if (!st || st.window.length === 0) return { count: 0, p50: 0, p95: 0, p99: 0 };
  const sorted = [...st.window].sort((a, b) => a - b);
  return { count: st.count, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99) };
}

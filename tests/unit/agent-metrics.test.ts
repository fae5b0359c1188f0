import { describe, expect, it } from 'vitest';
import { createMetrics, percentile, TIMER_WINDOW } from '../../local-agent/metrics';

describe('agent metrics', () => {
  it('computes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.95)).toBe(95);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile([], 0.5)).toBe(0);
    expect(percentile([7], 0.99)).toBe(7);
  });

  it('timer reports p50/p95/p99 over the last 1,000 observations', () => {
    const m = createMetrics();
    const t = m.timer('op_latency_ms', 'latency');
    // 1,000 slow observations, then 1,000 fast ones: only the fast ones remain in the window.
    for (let i = 0; i < TIMER_WINDOW; i++) t.observe(10_000);
    for (let i = 1; i <= TIMER_WINDOW; i++) t.observe(i);
    const p = t.percentiles();
    expect(p).toEqual({ count: 2 * TIMER_WINDOW, p50: 500, p95: 950, p99: 990 });
    expect(t.percentiles({ other: 'x' })).toEqual({ count: 0, p50: 0, p95: 0, p99: 0 });
  });

  it('timer.start measures with the injected clock', () => {
    let now = 1000;
    const m = createMetrics({ now: () => now });
    const t = m.timer('t_ms');
    const stop = t.start({ service: 'unity' });
    now += 42;
    expect(stop()).toBe(42);
    expect(t.percentiles({ service: 'unity' }).p99).toBe(42);
  });

  it('counters, gauges and label series', () => {
    const m = createMetrics();
    const c = m.counter('calls_total');
    c.inc({ service: 'unity' });
    c.inc({ service: 'unity' }, 2);
    c.inc({ service: 'cv' });
    expect(c.get({ service: 'unity' })).toBe(3);
    expect(c.get({ service: 'cv' })).toBe(1);
    expect(() => c.inc(undefined, -1)).toThrow();
    const g = m.gauge('queue_depth');
    g.set(5);
    g.dec();
    g.inc(undefined, 3);
    expect(g.get()).toBe(7);
    // Same name, same type: the same metric; another type: refused.
    expect(m.counter('calls_total').get({ service: 'unity' })).toBe(3);
    expect(() => m.gauge('calls_total')).toThrow(/already a counter/);
    expect(() => m.counter('bad name')).toThrow(/invalid metric name/);
  });

  it('exports Prometheus text exposition', () => {
    const m = createMetrics();
    m.counter('spark_calls_total', 'Calls made').inc({ service: 'unity', tool: 'a"b' }, 2);
    m.gauge('spark_queue').set(3);
    const h = m.histogram('spark_size_bytes', 'Sizes', [10, 100]);
    h.observe(5);
    h.observe(50);
    h.observe(500);
    const t = m.timer('spark_latency_ms', 'Latency');
    for (let i = 1; i <= 100; i++) t.observe(i, { service: 'unity' });
    const text = m.toPrometheus();
    expect(text).toContain('# HELP spark_calls_total Calls made\n# TYPE spark_calls_total counter\n');
    expect(text).toContain('spark_calls_total{service="unity",tool="a\\"b"} 2\n');
    expect(text).toContain('# TYPE spark_queue gauge\nspark_queue 3\n');
    expect(text).toContain('spark_size_bytes_bucket{le="10"} 1\n');
    expect(text).toContain('spark_size_bytes_bucket{le="100"} 2\n');
    expect(text).toContain('spark_size_bytes_bucket{le="+Inf"} 3\n');
    expect(text).toContain('spark_size_bytes_sum 555\n');
    expect(text).toContain('spark_size_bytes_count 3\n');
    expect(text).toContain('# TYPE spark_latency_ms summary\n');
    expect(text).toContain('spark_latency_ms{service="unity",quantile="0.5"} 50\n');
    expect(text).toContain('spark_latency_ms{service="unity",quantile="0.95"} 95\n');
    expect(text).toContain('spark_latency_ms{service="unity",quantile="0.99"} 99\n');
    expect(text).toContain('spark_latency_ms_count{service="unity"} 100\n');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('gives a JSON snapshot for the tray', () => {
    const m = createMetrics({ now: () => 123 });
    m.counter('a_total').inc();
    m.timer('b_ms').observe(10);
    const snap = m.snapshot();
    expect(snap.at).toBe(123);
    expect(snap.metrics).toEqual([
      { name: 'a_total', type: 'counter', help: '', series: [{ labels: {}, value: 1 }] },
      { name: 'b_ms', type: 'timer', help: '', series: [{ labels: {}, count: 1, sum: 10, p50: 10, p95: 10, p99: 10 }] },
    ]);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });
});

import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../local-agent/metrics';
import { createServiceClient, DEFAULT_TIMEOUTS, ServiceError } from '../../local-agent/service-client';

const noSleep = () => Promise.resolve();
const errorOf = (p: Promise<unknown>) => p.then(
  () => {
    throw new Error('expected a rejection');
  },
  (e: unknown) => e as ServiceError,
);

describe('agent service client', () => {
  it('has per-service default timeouts', () => {
    expect(DEFAULT_TIMEOUTS).toEqual({ unity: 10_000, cv: 30_000, asr: 60_000 });
    expect(createServiceClient({ service: 'cv' }).timeoutMs).toBe(30_000);
  });

  it('runs at most 10 calls at once and queues the rest in order', async () => {
    const metrics = createMetrics();
    const client = createServiceClient({ service: 'unity', metrics });
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const releases: Array<() => void> = [];
    const calls = Array.from({ length: 25 }, (_, i) =>
      client.call(
        () =>
          new Promise<number>((resolve) => {
            running += 1;
            peak = Math.max(peak, running);
            started.push(i);
            releases.push(() => {
              running -= 1;
              resolve(i);
            });
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(running).toBe(10);
    expect(client.stats()).toMatchObject({ inFlight: 10, queued: 15 });
    expect(metrics.gauge('spark_service_queued').get({ service: 'unity' })).toBe(15);
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(peak).toBe(10);
    expect(started).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(client.stats()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('times out an attempt, aborts its signal and counts it', async () => {
    const metrics = createMetrics();
    const client = createServiceClient({ service: 'unity', timeoutMs: 30, metrics });
    let aborted = false;
    const err = await errorOf(
      client.call(
        (signal) =>
          new Promise(() => {
            signal.addEventListener('abort', () => (aborted = true));
          }),
        { name: 'manage_camera' },
      ),
    );
    expect(err.code).toBe('timeout');
    expect(err.message).toMatch(/unity manage_camera timed out after 30 ms/);
    expect(aborted).toBe(true);
    expect(metrics.counter('spark_service_timeouts_total').get({ service: 'unity' })).toBe(1);
    expect(metrics.counter('spark_service_failures_total').get({ service: 'unity' })).toBe(1);
  });

  it('retries answers carrying a retry hint, even when not idempotent', async () => {
    const metrics = createMetrics();
    const delays: number[] = [];
    const client = createServiceClient({
      service: 'unity',
      metrics,
      random: () => 1,
      sleep: async (ms) => void delays.push(ms),
    });
    let n = 0;
    const value = await client.call(async () => (++n < 3 ? { success: false, hint: 'retry' } : { success: true }), {
      retryHint: (r) => r.hint === 'retry',
    });
    expect(value).toEqual({ success: true });
    expect(n).toBe(3);
    expect(delays).toEqual([100, 200]); // exponential: base * 2^attempt (jitter factor 1 here)
    expect(metrics.counter('spark_service_retries_total').get({ service: 'unity' })).toBe(2);
    expect(metrics.timer('spark_service_latency_ms').percentiles({ service: 'unity' }).count).toBe(3);
  });

  it('gives up after 3 retries and returns the last answer', async () => {
    const client = createServiceClient({ service: 'unity', sleep: noSleep });
    let n = 0;
    const value = await client.call(async () => ({ n: ++n, hint: 'retry' }), { retryHint: () => true });
    expect(value).toEqual({ n: 4, hint: 'retry' });
  });

  it('jitters backoff into [50%, 100%] and caps it', async () => {
    const delays: number[] = [];
    const client = createServiceClient({
      service: 'unity',
      baseDelayMs: 1000,
      maxDelayMs: 1500,
      random: () => 0,
      sleep: async (ms) => void delays.push(ms),
    });
    await expect(client.call(() => Promise.reject(new Error('down')), { idempotent: true })).rejects.toThrow();
    expect(delays).toEqual([500, 750, 750]);
  });

  it('retries transport failures of idempotent calls', async () => {
    const client = createServiceClient({ service: 'cv', sleep: noSleep });
    let n = 0;
    const v = await client.call(
      async () => {
        if (++n < 3) throw new Error('ECONNRESET');
        return 'ok';
      },
      { idempotent: true },
    );
    expect(v).toBe('ok');
    expect(n).toBe(3);
  });

  it('does not retry failures of non-idempotent calls', async () => {
    const metrics = createMetrics();
    const client = createServiceClient({ service: 'unity', sleep: noSleep, metrics });
    let n = 0;
    const err = await errorOf(
      client.call(async () => {
        n += 1;
        throw new Error('ECONNRESET');
      }),
    );
    expect(n).toBe(1);
    expect(err.code).toBe('unavailable');
    expect(metrics.counter('spark_service_retries_total').get({ service: 'unity' })).toBe(0);
  });

  it('rejects an oversized request before calling', async () => {
    const client = createServiceClient({ service: 'unity', maxRequestBytes: 100 });
    let called = false;
    const err = await errorOf(
      client.call(async () => (called = true), { request: { code: 'x'.repeat(200) }, idempotent: true }),
    );
    expect(called).toBe(false);
    expect(err.code).toBe('request_too_large');
    expect(client.breaker.state).toBe('closed');
  });

  it('opens the circuit after repeated failures and fails fast with circuit_open', async () => {
    let now = 0;
    const client = createServiceClient({ service: 'unity', now: () => now, breaker: { failureThreshold: 5, cooldownMs: 10_000 } });
    for (let i = 0; i < 5; i++) await expect(client.call(() => Promise.reject(new Error('down')))).rejects.toThrow();
    expect(client.breaker.state).toBe('open');
    let called = false;
    const err = await errorOf(client.call(async () => (called = true)));
    expect(called).toBe(false);
    expect(err.code).toBe('circuit_open');
    expect(client.stats().circuit).toBe('open');
    now += 10_000;
    await expect(client.call(async () => 'back')).resolves.toBe('back');
    expect(client.breaker.state).toBe('closed');
  });

  it('a successful handshake between failed calls does not reset the failure count', async () => {
    const client = createServiceClient({ service: 'unity', breaker: { failureThreshold: 3, cooldownMs: 10_000 } });
    for (let i = 0; i < 3; i++) {
      await expect(client.call(async () => 'connected', { provesHealth: false })).resolves.toBe('connected');
      await expect(client.call(() => Promise.reject(new Error('tool call crashed')))).rejects.toThrow();
    }
    expect(client.breaker.state).toBe('open');
    // A real call that succeeds does reset it.
    const other = createServiceClient({ service: 'unity', breaker: { failureThreshold: 2 } });
    await expect(other.call(() => Promise.reject(new Error('x')))).rejects.toThrow();
    await other.call(async () => 'ok');
    await expect(other.call(() => Promise.reject(new Error('x')))).rejects.toThrow();
    expect(other.breaker.state).toBe('closed');
  });

  it('does not trip the breaker on errors the service did not cause', async () => {
    const client = createServiceClient({ service: 'unity', breaker: { failureThreshold: 1 } });
    await expect(
      client.call(() => Promise.reject(new ServiceError('stale_sha', 'file changed', { retryable: false, breaker: false }))),
    ).rejects.toMatchObject({ code: 'stale_sha' });
    expect(client.breaker.state).toBe('closed');
  });

  it('an aborted caller leaves the queue', async () => {
    const client = createServiceClient({ service: 'unity', maxConcurrent: 1 });
    let release!: () => void;
    const first = client.call(() => new Promise<void>((r) => (release = r)));
    const ac = new AbortController();
    const second = client.call(async () => 'never', { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 0));
    expect(client.stats().queued).toBe(1);
    ac.abort();
    await expect(second).rejects.toMatchObject({ code: 'aborted' });
    expect(client.stats().queued).toBe(0);
    release();
    await first;
    expect(client.stats().inFlight).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError, type CircuitState } from '../../local-agent/circuit-breaker';

function setup(opts: { failureThreshold?: number; cooldownMs?: number } = {}) {
  let now = 0;
  const changes: Array<[CircuitState, CircuitState]> = [];
  const breaker = new CircuitBreaker('unity', { ...opts, now: () => now, onChange: (to, from) => changes.push([from, to]) });
  return { breaker, changes, advance: (ms: number) => (now += ms) };
}
const fail = () => Promise.reject(new Error('boom'));
const ok = () => Promise.resolve('ok');

describe('agent circuit breaker', () => {
  it('opens after 5 consecutive failures by default, and successes reset the count', async () => {
    const { breaker, changes } = setup();
    for (let i = 0; i < 4; i++) await expect(breaker.exec(fail)).rejects.toThrow('boom');
    await breaker.exec(ok);
    expect(breaker.consecutiveFailures).toBe(0);
    for (let i = 0; i < 4; i++) await expect(breaker.exec(fail)).rejects.toThrow('boom');
    expect(breaker.state).toBe('closed');
    await expect(breaker.exec(fail)).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
    expect(changes).toEqual([['closed', 'open']]);
  });

  it('fails fast while open, with code circuit_open', async () => {
    const { breaker } = setup({ failureThreshold: 1 });
    await expect(breaker.exec(fail)).rejects.toThrow('boom');
    let called = false;
    const err = await breaker.exec(async () => (called = true)).catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect((err as CircuitOpenError).code).toBe('circuit_open');
    expect((err as CircuitOpenError).retryAfterMs).toBe(10_000);
  });

  it('goes half-open after the cooldown, admits one trial, closes on success', async () => {
    const { breaker, changes, advance } = setup({ failureThreshold: 2, cooldownMs: 1000 });
    await expect(breaker.exec(fail)).rejects.toThrow();
    await expect(breaker.exec(fail)).rejects.toThrow();
    advance(999);
    expect(breaker.state).toBe('open');
    advance(1);
    expect(breaker.state).toBe('half-open');
    // One trial at a time: a second caller during the trial is refused.
    let release!: (v: string) => void;
    const trial = breaker.exec(() => new Promise<string>((r) => (release = r)));
    await expect(breaker.exec(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    release('done');
    await expect(trial).resolves.toBe('done');
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual([
      ['closed', 'open'],
      ['open', 'half-open'],
      ['half-open', 'closed'],
    ]);
  });

  it('re-opens when the trial fails, for another full cooldown', async () => {
    const { breaker, advance } = setup({ failureThreshold: 1, cooldownMs: 500 });
    await expect(breaker.exec(fail)).rejects.toThrow();
    advance(500);
    expect(breaker.state).toBe('half-open');
    await expect(breaker.exec(fail)).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
    advance(499);
    expect(breaker.state).toBe('open');
    advance(1);
    await expect(breaker.exec(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('release() frees a half-open trial without a verdict', () => {
    const { breaker, advance } = setup({ failureThreshold: 1, cooldownMs: 10 });
    breaker.acquire();
    breaker.failure();
    advance(10);
    breaker.acquire();
    expect(() => breaker.acquire()).toThrow(CircuitOpenError);
    breaker.release();
    expect(() => breaker.acquire()).not.toThrow();
    expect(breaker.state).toBe('half-open');
  });

  it('onChange subscriptions can be removed', async () => {
    const { breaker } = setup({ failureThreshold: 1 });
    const seen: CircuitState[] = [];
    const off = breaker.onChange((to) => seen.push(to));
    await expect(breaker.exec(fail)).rejects.toThrow();
    off();
    expect(seen).toEqual(['open']);
  });
});

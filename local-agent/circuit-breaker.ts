// A circuit breaker per remote service: after N consecutive failures we stop calling a service
// that is down (fail fast instead of piling up timeouts), and after a cooldown let exactly one
// trial call through to find out whether it is back.

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit (default 5). */
  failureThreshold?: number;
  /** How long the circuit stays open before a trial call is allowed (default 10 s). */
  cooldownMs?: number;
  now?: () => number;
  onChange?: (to: CircuitState, from: CircuitState) => void;
}

export const DEFAULT_FAILURE_THRESHOLD = 5;
export const DEFAULT_COOLDOWN_MS = 10_000;

/** Thrown (or returned as an error code) when a call is refused because the circuit is open. */
export class CircuitOpenError extends Error {
  readonly code = 'circuit_open';
  constructor(
    readonly service: string,
    /** When a trial call will be allowed again (0 while a half-open trial is running). */
    readonly retryAfterMs: number,
  ) {
    super(
      retryAfterMs > 0
        ? `${service} circuit is open after repeated failures; next attempt in ${Math.ceil(retryAfterMs / 1000)} s`
        : `${service} circuit is half-open; a trial call is already running`,
    );
    this.name = 'CircuitOpenError';
  }
}

export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialRunning = false;
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private readonly listeners = new Set<(to: CircuitState, from: CircuitState) => void>();

  constructor(
    readonly name: string,
    opts: CircuitBreakerOptions = {},
  ) {
    this.threshold = Math.max(1, opts.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD);
    this.cooldownMs = Math.max(0, opts.cooldownMs ?? DEFAULT_COOLDOWN_MS);
    this.now = opts.now ?? Date.now;
    if (opts.onChange) this.listeners.add(opts.onChange);
  }

  /** The state now; reading it moves an open circuit whose cooldown has elapsed to half-open. */
  get state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.cooldownMs) this.transition('half-open');
    return this.current;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onChange(listener: (to: CircuitState, from: CircuitState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Asks for permission to make one call. Throws CircuitOpenError when refused. In half-open only
   * one trial is admitted; its outcome (success/failure) decides the next state.
   */
  acquire(): void {
    const state = this.state;
    if (state === 'closed') return;
    if (state === 'half-open' && !this.trialRunning) {
      this.trialRunning = true;
      return;
    }
    const retryAfter = state === 'open' ? Math.max(1, this.openedAt + this.cooldownMs - this.now()) : 0;
    throw new CircuitOpenError(this.name, retryAfter);
  }

  success(): void {
    this.failures = 0;
    this.trialRunning = false;
    if (this.current !== 'closed') this.transition('closed');
  }

  failure(): void {
    this.failures += 1;
    const wasTrial = this.current === 'half-open';
    this.trialRunning = false;
    if (wasTrial || (this.current === 'closed' && this.failures >= this.threshold)) {
      this.openedAt = this.now();
      this.transition('open');
    }
  }

  /**
   * Releases a half-open trial without a verdict (e.g. the call was refused locally before it
   * reached the service), so the next call can be the trial.
   */
  release(): void {
    this.trialRunning = false;
  }

  /** Runs `fn` under the breaker: refused when open, any throw counts as a failure. */
  async exec<T>(fn: () => Promise<T>): Promise<T> {
    this.acquire();
    try {
      const value = await fn();
      this.success();
      return value;
    } catch (err) {
      this.failure();
      throw err;
    }
  }

  private transition(to: CircuitState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    for (const l of this.listeners) l(to, from);
  }
}

// One backoff for every retry loop (agent links and outbox, Unity reloads, service retries, the
// queue consumer, the browser's socket): exponential from `baseMs`, capped at `maxMs`, then spread
// by a jitter factor so a crowd of clients coming back from one outage does not return in step.

export interface BackoffOptions {
  /** First delay. */
  baseMs: number;
  /** Upper bound, also after jitter. */
  maxMs: number;
  /** The delay is multiplied by a factor drawn from [lo, hi). Default [0.5, 1]: half fixed, half random. */
  jitter?: readonly [lo: number, hi: number];
  /** Random source in [0, 1); tests pin it. */
  random?: () => number;
}

/** Delay before retry number `attempt` (0-based). */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  if (opts.baseMs <= 0) return 0;
  const [lo, hi] = opts.jitter ?? [0.5, 1];
  const random = opts.random ?? Math.random;
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.min(opts.maxMs, Math.round(exp * (lo + random() * (hi - lo))));
}

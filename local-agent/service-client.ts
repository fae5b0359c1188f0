// One client per remote service the agent calls (Unity MCP, CV, ASR). It owns everything that
// protects the service and the agent from each other: a concurrency cap with a FIFO queue, a
// timeout per attempt, a size check before sending, bounded retries with backoff, a circuit
// breaker, and metrics. The transport itself is the caller's function, so the same policy wraps
// an MCP tool call or an HTTP request.
import { backoffDelay } from '../contracts/backoff';
import { MAX_ASR_BYTES, MAX_OCR_BYTES, utf8ByteLength } from '../contracts/index';
import { CircuitBreaker, CircuitOpenError, type CircuitBreakerOptions, type CircuitState } from './circuit-breaker';
import type { Metrics } from './metrics';

export type ServiceName = 'unity' | 'cv' | 'asr';

export const DEFAULT_TIMEOUTS: Readonly<Record<ServiceName, number>> = { unity: 10_000, cv: 30_000, asr: 60_000 };
/**
 * Largest request each service is sent. Unity requests carry at most a 200 KiB script or patch
 * plus the envelope; CV/ASR requests may carry the file itself (limits from contracts) plus
 * base64/JSON overhead.
 */
export const DEFAULT_MAX_REQUEST_BYTES: Readonly<Record<ServiceName, number>> = {
  unity: 1024 * 1024,
  cv: Math.ceil(MAX_OCR_BYTES * 1.4),
  asr: Math.ceil(MAX_ASR_BYTES * 1.4),
};
export const DEFAULT_MAX_CONCURRENT = 10;
export const DEFAULT_MAX_RETRIES = 3;

export type ServiceErrorCode =
  | 'circuit_open'
  | 'timeout'
  | 'request_too_large'
  | 'unavailable'
  | 'aborted'
  | (string & {});

/** The one error a service client throws; `code` is stable and safe to show. */
export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly opts: {
      /** Worth another attempt (only ever used for idempotent calls). Default true. */
      retryable?: boolean;
      /** Whether this outcome says the service is unhealthy (trips the breaker). Default true. */
      breaker?: boolean;
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ServiceError';
  }
  get retryable(): boolean {
    return this.opts.retryable ?? true;
  }
  get countsAsFailure(): boolean {
    return this.opts.breaker ?? true;
  }
}

export interface CallOptions<T> {
  /** Label for metrics and error messages (e.g. the tool name). */
  name?: string;
  /** Safe to repeat: transport failures and timeouts are retried. */
  idempotent?: boolean;
  /**
   * Whether a success proves the service healthy (resets the breaker). Default true; false for
   * a handshake, which a server that fails every real call may still pass.
   */
  provesHealth?: boolean;
  /** The request as it will be sent; its JSON size is checked before the call. */
  request?: unknown;
  /** Size of the request when the caller already knows it (bytes). */
  requestBytes?: number;
  timeoutMs?: number;
  /**
   * Whether an answer asks to be retried (e.g. Unity's `hint: "retry"` during a domain reload).
   * Such answers are retried even for non-idempotent calls: the service did not act on them.
   * Return a number to ask for that delay (ms) instead of the computed backoff.
   */
  retryHint?: (value: T) => boolean | number;
  signal?: AbortSignal;
}

export interface ServiceClientOptions {
  service: ServiceName;
  timeoutMs?: number;
  maxConcurrent?: number;
  maxRequestBytes?: number;
  maxRetries?: number;
  /** Backoff: base * 2^attempt, capped, then jittered into [50%, 100%]. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  breaker?: CircuitBreakerOptions;
  metrics?: Metrics;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ServiceClient {
  readonly service: ServiceName;
  readonly breaker: CircuitBreaker;
  readonly timeoutMs: number;
  /**
   * Runs `fn` under the service's policy. `fn` gets an AbortSignal that fires on timeout (or on
   * the caller's signal) and should pass it to the transport.
   */
  call<T>(fn: (signal: AbortSignal) => Promise<T>, opts?: CallOptions<T>): Promise<T>;
  stats(): { inFlight: number; queued: number; circuit: CircuitState };
}

const CIRCUIT_GAUGE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

export function createServiceClient(opts: ServiceClientOptions): ServiceClient {
  const { service } = opts;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUTS[service];
  const maxConcurrent = Math.max(1, opts.maxConcurrent ?? DEFAULT_MAX_CONCURRENT);
  const maxRequestBytes = opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES[service];
  const maxRetries = Math.max(0, opts.maxRetries ?? DEFAULT_MAX_RETRIES);
  const baseDelay = opts.baseDelayMs ?? 100;
  const maxDelay = opts.maxDelayMs ?? 2_000;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const labels = { service };
  const m = opts.metrics;
  const calls = m?.counter('spark_service_calls_total', 'Calls made to a remote service (attempts included)');
  const failures = m?.counter('spark_service_failures_total', 'Calls that failed (after retries)');
  const retries = m?.counter('spark_service_retries_total', 'Retry attempts');
  const timeouts = m?.counter('spark_service_timeouts_total', 'Attempts that timed out');
  const rejected = m?.counter('spark_service_rejected_total', 'Calls refused before reaching the service');
  const latency = m?.timer('spark_service_latency_ms', 'Latency of one attempt, ms');
  const inFlightGauge = m?.gauge('spark_service_in_flight', 'Calls in flight');
  const queuedGauge = m?.gauge('spark_service_queued', 'Calls waiting for a slot');
  const circuitGauge = m?.gauge('spark_circuit_state', 'Circuit state: 0 closed, 1 half-open, 2 open');

  const breaker = new CircuitBreaker(service, {
    ...opts.breaker,
    now: opts.breaker?.now ?? now,
    onChange: (to, from) => {
      circuitGauge?.set(CIRCUIT_GAUGE_VALUE[to], labels);
      opts.breaker?.onChange?.(to, from);
    },
  });
  circuitGauge?.set(0, labels);

  // Concurrency cap: a slot count plus a FIFO of waiters, so calls start in arrival order.
  let inFlight = 0;
  const waiters: Array<() => void> = [];
  const updateGauges = () => {
    inFlightGauge?.set(inFlight, labels);
    queuedGauge?.set(waiters.length, labels);
  };
  async function acquireSlot(signal?: AbortSignal): Promise<void> {
    if (inFlight < maxConcurrent) {
      inFlight += 1;
      updateGauges();
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = waiters.indexOf(wake);
        if (i >= 0) waiters.splice(i, 1);
        updateGauges();
        reject(new ServiceError('aborted', `${service} call aborted while queued`, { retryable: false, breaker: false }));
      };
      waiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
      updateGauges();
    });
    // The releasing call handed its slot over (inFlight unchanged), see releaseSlot.
  }
  function releaseSlot(): void {
    const next = waiters.shift();
    if (next) next();
    else inFlight -= 1;
    updateGauges();
  }

  const backoff = (attempt: number) => backoffDelay(attempt, { baseMs: baseDelay, maxMs: maxDelay, random });

  /** One attempt with its own timeout; resolves with the value or throws a ServiceError. */
  async function attempt<T>(fn: (signal: AbortSignal) => Promise<T>, name: string, limitMs: number, outer?: AbortSignal): Promise<T> {
    const controller = new AbortController();
    let timedOut = false;
    const onOuterAbort = () => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new Error('timeout'));
        reject(new ServiceError('timeout', `${service} ${name} timed out after ${limitMs} ms`));
      }, limitMs);
    });
    const stop = latency?.start(labels);
    calls?.inc(labels);
    try {
      return await Promise.race([fn(controller.signal), deadline]);
    } catch (err) {
      if (timedOut) {
        timeouts?.inc(labels);
        throw new ServiceError('timeout', `${service} ${name} timed out after ${limitMs} ms`, { cause: err });
      }
      if (outer?.aborted) throw new ServiceError('aborted', `${service} ${name} aborted`, { retryable: false, breaker: false, cause: err });
      if (err instanceof ServiceError) throw err;
      throw new ServiceError('unavailable', `${service} ${name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      stop?.();
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    }
  }

  async function call<T>(fn: (signal: AbortSignal) => Promise<T>, callOpts: CallOptions<T> = {}): Promise<T> {
    const name = callOpts.name ?? 'call';
    // Preflight: an oversized request is refused here, before it costs the service anything.
    const bytes = callOpts.requestBytes ?? (callOpts.request === undefined ? 0 : jsonBytes(callOpts.request));
    if (bytes > maxRequestBytes) {
      rejected?.inc({ service, reason: 'too_large' });
      throw new ServiceError('request_too_large', `${service} ${name} request is ${bytes} bytes; the limit is ${maxRequestBytes}`, {
        retryable: false,
        breaker: false,
      });
    }
    const limitMs = callOpts.timeoutMs ?? timeoutMs;
    await acquireSlot(callOpts.signal);
    try {
      for (let n = 0; ; n++) {
        try {
          breaker.acquire();
        } catch (err) {
          rejected?.inc({ service, reason: 'circuit_open' });
          failures?.inc(labels);
          const e = err as CircuitOpenError;
          throw new ServiceError('circuit_open', e.message, { retryable: false, breaker: false, retryAfterMs: e.retryAfterMs, cause: err });
        }
        let value: T;
        try {
          value = await attempt(fn, name, limitMs, callOpts.signal);
        } catch (err) {
          const e = err as ServiceError;
          if (e.countsAsFailure) breaker.failure();
          else breaker.release();
          if (callOpts.idempotent && e.retryable && n < maxRetries) {
            retries?.inc(labels);
            await sleep(backoff(n));
            continue;
          }
          failures?.inc(labels);
          throw e;
        }
        // The service answered: it is healthy even if it asks us to come back shortly.
        if (callOpts.provesHealth === false) breaker.release();
        else breaker.success();
        const hint = callOpts.retryHint?.(value) ?? false;
        if (hint !== false && n < maxRetries) {
          retries?.inc(labels);
          await sleep(typeof hint === 'number' ? Math.min(maxDelay, Math.max(0, hint)) : backoff(n));
          continue;
        }
        return value;
      }
    } finally {
      releaseSlot();
    }
  }

  return {
    service,
    breaker,
    timeoutMs,
    call,
    stats: () => ({ inFlight, queued: waiters.length, circuit: breaker.state }),
  };
}

function jsonBytes(value: unknown): number {
  if (typeof value === 'string') return utf8ByteLength(value);
  if (value instanceof Uint8Array) return value.byteLength;
  try {
    return utf8ByteLength(JSON.stringify(value) ?? '');
  } catch {
    return 0;
  }
}

export { CircuitOpenError };

// The agent's bridge to local NATS: every event that has a subject (contracts/nats-subjects) is
// published on it, in batches (50 events or 100 ms), from a bounded queue (1,000, drop-oldest, so a
// stalled or absent NATS never grows the agent's memory). A publish that fails is retried with
// jitter and finally sent to spark.dlq with the reason. NATS is optional: without a URL the bridge
// is a no-op ('disabled'); with one it keeps trying to connect and reconnects on its own.
//
// NATS here is a live feed, not the system of record: events bound for Postgres go through the
// durable outbox (./outbox), so an event dropped here is still delivered to the edge.
import { connect, Events, headers, type NatsConnection } from 'nats';
import type { SparkEventV1 } from '../contracts/event';
import { NATS_DLQ_SUBJECT, subjectForEventType } from '../contracts/nats-subjects';
import { errorMessage, silentLogger, type Logger } from './log';
import type { Metrics } from './metrics';
import { backoffDelay, type BackoffOptions } from '../contracts/backoff';
import { sleep } from './outbox/retry';

// ---------------------------------------------------------------------------------------------
// Connection manager, shared by the bridge and the JetStream outbox.

export type NatsState = 'disabled' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface NatsLinkStatus {
  state: NatsState;
  url: string | undefined;
  server: string | undefined;
  lastError: string | undefined;
  connectedAt: number | undefined;
}

export interface NatsLink {
  readonly state: NatsState;
  /** The live connection while state is 'connected' (or 'reconnecting'); undefined otherwise. */
  connection(): NatsConnection | undefined;
  /** Resolves when connected (true) or after timeoutMs / on close (false). */
  waitConnected(timeoutMs: number): Promise<boolean>;
  onChange(listener: (state: NatsState) => void): () => void;
  status(): NatsLinkStatus;
  close(): Promise<void>;
}

export interface NatsLinkOptions {
  /** Undefined: NATS is not configured; the link stays 'disabled'. */
  url: string | undefined;
  name?: string;
  log?: Logger;
  connectTimeoutMs?: number;
  /** Backoff between attempts to (re)establish a connection nats.js gave up on. */
  retry?: BackoffOptions;
  /** nats.js: ms between PINGs; a stalled server is noticed after pingInterval × maxPingOut. */
  pingIntervalMs?: number;
  maxPingOut?: number;
  /** nats.js: wait between reconnect attempts. */
  reconnectTimeWaitMs?: number;
}

export function createNatsLink(opts: NatsLinkOptions): NatsLink {
  const log = opts.log ?? silentLogger;
  const listeners = new Set<(s: NatsState) => void>();
  let state: NatsState = opts.url ? 'connecting' : 'disabled';
  let nc: NatsConnection | undefined;
  let lastError: string | undefined;
  let connectedAt: number | undefined;
  let closing = false;
  const stop = new AbortController();

  const setState = (next: NatsState) => {
    if (next === state) return;
    state = next;
    if (next === 'connected') connectedAt = Date.now();
    for (const l of [...listeners]) {
      try {
        l(next);
      } catch (err) {
        log.warn('nats state listener failed', { error: errorMessage(err) });
      }
    }
  };

  async function loop(url: string) {
    let attempt = 0;
    while (!closing) {
      try {
        const c = await connect({
          servers: url,
          name: opts.name ?? 'spark-agent',
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: opts.reconnectTimeWaitMs ?? 1000,
          reconnectJitter: 500,
          timeout: opts.connectTimeoutMs ?? 2000,
          pingInterval: opts.pingIntervalMs ?? 10_000,
          maxPingOut: opts.maxPingOut ?? 3,
        });
        if (closing) {
          await c.close().catch(() => undefined);
          return;
        }
        nc = c;
        attempt = 0;
        lastError = undefined;
        log.info('nats connected', { server: c.getServer() });
        setState('connected');
        void (async () => {
          for await (const s of c.status()) {
            if (s.type === Events.Disconnect) {
              log.warn('nats disconnected; nats.js is reconnecting');
              setState('reconnecting');
            } else if (s.type === Events.Reconnect) {
              log.info('nats reconnected', { server: c.getServer() });
              setState('connected');
            } else if (s.type === Events.Error) {
              lastError = String(s.data);
            }
          }
        })().catch(() => undefined);
        const err = await c.closed();
        nc = undefined;
        if (closing) return;
        lastError = err ? errorMessage(err) : 'connection closed';
        log.warn('nats connection closed; retrying', { error: lastError });
        setState('connecting');
      } catch (err) {
        lastError = errorMessage(err);
        if (attempt === 0) log.warn('nats is not reachable; the agent runs without it until it is', { url, error: lastError });
        setState('connecting');
      }
      await sleep(backoffDelay(attempt++, opts.retry ?? { baseMs: 500, maxMs: 15_000 }), stop.signal);
    }
  }

  if (opts.url) void loop(opts.url);

  return {
    get state() {
      return state;
    },
    connection: () => (nc && !nc.isClosed() ? nc : undefined),
    waitConnected(timeoutMs) {
      if (state === 'connected') return Promise.resolve(true);
      if (state === 'disabled' || state === 'closed') return Promise.resolve(false);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          off();
          resolve(false);
        }, timeoutMs);
        const off = this.onChange((s) => {
          if (s === 'connected' || s === 'closed') {
            clearTimeout(timer);
            off();
            resolve(s === 'connected');
          }
        });
      });
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    status: () => ({ state, url: opts.url, server: nc?.getServer(), lastError, connectedAt }),
    async close() {
      if (closing) return;
      closing = true;
      stop.abort();
      const c = nc;
      nc = undefined;
      if (c) {
        // drain() flushes what nats.js still buffers; it can hang on a dead connection, so bound it.
        const drained = await Promise.race([c.drain().then(() => true, () => false), sleep(2000).then(() => false)]);
        if (!drained && !c.isClosed()) await c.close().catch(() => undefined);
      }
      if (state !== 'disabled') setState('closed');
      listeners.clear();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The bridge.

export interface NatsBridgeOptions {
  link: NatsLink;
  metrics?: Metrics;
  log?: Logger;
  /**
   * 'core' (default): fire-and-forget publishes, flushed per batch. 'jetstream': each publish waits
   * for the stream's ack (a stream must capture the subjects, e.g. SPARK_STREAM_SUBJECTS).
   */
  mode?: 'core' | 'jetstream';
  /** jetstream mode: the stream that must store the messages (the server rejects others). */
  expectStream?: string;
  batchSize?: number;
  flushIntervalMs?: number;
  maxQueue?: number;
  /** Publish attempts per event before it goes to the DLQ. */
  maxAttempts?: number;
  retry?: BackoffOptions;
  publishTimeoutMs?: number;
  dlqSubject?: string;
}

export interface NatsBridgeStatus {
  state: NatsState;
  mode: 'core' | 'jetstream';
  queued: number;
  published: number;
  dropped: number;
  failed: number;
  deadLettered: number;
  lastError: string | undefined;
}

export interface NatsBridge {
  /** Queues one event; false when it has no subject or NATS is disabled (nothing to do). */
  publish(event: SparkEventV1): boolean;
  publishAll(events: readonly SparkEventV1[]): number;
  /** Publishes what is queued now; resolves when the queue is empty or NATS is not connected. */
  flush(): Promise<void>;
  status(): NatsBridgeStatus;
  /** Stops timers after a last flush attempt (bounded by timeoutMs); the link is not closed. */
  close(timeoutMs?: number): Promise<void>;
}

interface Item {
  subject: string;
  event: SparkEventV1;
  data: Uint8Array;
  attempts: number;
  notBefore: number;
  lastError?: string;
}

/** What a DLQ message carries. */
export interface NatsDeadLetter {
  reason: string;
  subject: string;
  attempts: number;
  failed_at: number;
  source: 'spark-agent';
  event: SparkEventV1;
}

const encoder = new TextEncoder();
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 30, 40, 50, 100];

export function createNatsBridge(opts: NatsBridgeOptions): NatsBridge {
  const link = opts.link;
  const log = opts.log ?? silentLogger;
  const mode = opts.mode ?? 'core';
  const batchSize = opts.batchSize ?? 50;
  const flushIntervalMs = opts.flushIntervalMs ?? 100;
  const maxQueue = opts.maxQueue ?? 1000;
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 4);
  const retry = opts.retry ?? { baseMs: 50, maxMs: 2000 };
  const publishTimeoutMs = opts.publishTimeoutMs ?? 2000;
  const dlqSubject = opts.dlqSubject ?? NATS_DLQ_SUBJECT;

  const m = opts.metrics;
  const mPublished = m?.counter('spark_agent_nats_published_total', 'Events published on NATS');
  const mDropped = m?.counter('spark_agent_nats_dropped_total', 'Events dropped by the NATS bridge (queue full: oldest dropped)');
  const mFailed = m?.counter('spark_agent_nats_publish_failures_total', 'Failed NATS publish attempts');
  const mDlq = m?.counter('spark_agent_nats_dlq_total', 'Events sent to the NATS dead-letter subject');
  const mSkipped = m?.counter('spark_agent_nats_skipped_total', 'Events not published (no subject, or NATS disabled)');
  const mBatch = m?.histogram('spark_agent_nats_batch_size', 'Events per NATS publish batch', BATCH_BUCKETS);
  const mQueue = m?.gauge('spark_agent_nats_queue_depth', 'Events waiting in the NATS bridge queue');

  const queue: Item[] = [];
  const counts = { published: 0, dropped: 0, failed: 0, deadLettered: 0 };
  let lastError: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = 0;
  let flushing: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const offLink = link.onChange((s) => {
    if (s === 'connected' && queue.length > 0) schedule(0);
  });

  function gauge() {
    mQueue?.set(queue.length);
  }

  function schedule(delayMs: number) {
    if (closed) return;
    const at = Date.now() + delayMs;
    if (timer && timerAt <= at) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timer = undefined;
      void runFlush();
    }, delayMs);
  }

  function enqueue(event: SparkEventV1): boolean {
    if (link.state === 'disabled') {
      mSkipped?.inc({ reason: 'disabled' });
      return false;
    }
    let subject: string | undefined;
    try {
      subject = subjectForEventType(event.type, event.session_id);
    } catch (err) {
      // A session id that is not a NATS token: nothing we can publish it on.
      mSkipped?.inc({ reason: 'bad_session_token' });
      log.debug('event not published on NATS', { type: event.type, error: errorMessage(err) });
      return false;
    }
    if (!subject) {
      mSkipped?.inc({ reason: 'no_subject' });
      return false;
    }
    if (queue.length >= maxQueue) {
      // Drop-oldest: the newest progress is worth more to a live viewer than the oldest.
      queue.shift();
      counts.dropped++;
      mDropped?.inc({ reason: 'queue_full' });
    }
    queue.push({ subject, event, data: encoder.encode(JSON.stringify(event)), attempts: 0, notBefore: 0 });
    gauge();
    if (readyCount() >= batchSize) schedule(0);
    else schedule(flushIntervalMs);
    return true;
  }

  function readyCount(now = Date.now()): number {
    let n = 0;
    for (const it of queue) if (it.notBefore <= now) n++;
    return n;
  }

  function takeBatch(now: number): Item[] {
    const batch: Item[] = [];
    for (let i = 0; i < queue.length && batch.length < batchSize; ) {
      const it = queue[i]!;
      if (it.notBefore <= now) {
        batch.push(it);
        queue.splice(i, 1);
      } else i++;
    }
    gauge();
    return batch;
  }

  function fail(item: Item, err: unknown, nc: NatsConnection) {
    counts.failed++;
    mFailed?.inc();
    item.attempts++;
    item.lastError = errorMessage(err);
    lastError = item.lastError;
    if (item.attempts < maxAttempts) {
      item.notBefore = Date.now() + backoffDelay(item.attempts - 1, retry);
      if (queue.length >= maxQueue) {
        counts.dropped++;
        mDropped?.inc({ reason: 'queue_full' });
        return;
      }
      queue.unshift(item);
      return;
    }
    deadLetter(item, nc);
  }

  function deadLetter(item: Item, nc: NatsConnection) {
    const letter: NatsDeadLetter = {
      reason: item.lastError ?? 'unknown',
      subject: item.subject,
      attempts: item.attempts,
      failed_at: Date.now() / 1000,
      source: 'spark-agent',
      event: item.event,
    };
    try {
      const h = headers();
      h.set('Spark-Reason', letter.reason.slice(0, 200).replace(/[\r\n]/g, ' '));
      h.set('Spark-Subject', item.subject);
      h.set('Spark-Event-Id', item.event.id);
      nc.publish(dlqSubject, encoder.encode(JSON.stringify(letter)), { headers: h });
      counts.deadLettered++;
      mDlq?.inc();
      log.warn('nats publish failed; event sent to the DLQ', { subject: item.subject, id: item.event.id, reason: letter.reason });
    } catch (err) {
      mDropped?.inc({ reason: 'dlq_failed' });
      counts.dropped++;
      log.error('nats publish failed and so did the DLQ publish', { subject: item.subject, id: item.event.id, error: errorMessage(err) });
    }
  }

  async function publishBatch(nc: NatsConnection, batch: Item[]) {
    mBatch?.observe(batch.length);
    if (mode === 'jetstream') {
      const js = nc.jetstream({ timeout: publishTimeoutMs });
      const results = await Promise.allSettled(
        batch.map((it) =>
          js.publish(it.subject, it.data, {
            msgID: it.event.id,
            timeout: publishTimeoutMs,
            ...(opts.expectStream ? { expect: { streamName: opts.expectStream } } : {}),
          }),
        ),
      );
      results.forEach((r, i) => {
        const it = batch[i]!;
        if (r.status === 'fulfilled') {
          counts.published++;
          mPublished?.inc();
        } else fail(it, r.reason, nc);
      });
      return;
    }
    let sent = 0;
    for (const it of batch) {
      try {
        nc.publish(it.subject, it.data);
        counts.published++;
        sent++;
        mPublished?.inc();
      } catch (err) {
        fail(it, err, nc);
      }
    }
    if (sent > 0) {
      // One round trip per batch: the next batch waits until the server has this one, so a
      // stalled server backs up into our bounded queue instead of nats.js's buffer.
      await nc.flush().catch((err: unknown) => {
        lastError = errorMessage(err);
      });
    }
  }

  async function flushLoop() {
    for (;;) {
      again = false;
      const nc = link.state === 'connected' ? link.connection() : undefined;
      if (!nc || queue.length === 0) return;
      const batch = takeBatch(Date.now());
      if (batch.length > 0) await publishBatch(nc, batch);
      if (queue.length === 0) return;
      const now = Date.now();
      const ready = readyCount(now);
      if (ready >= batchSize || again) continue;
      if (ready > 0) schedule(flushIntervalMs);
      else schedule(Math.max(0, Math.min(...queue.map((q) => q.notBefore)) - now));
      return;
    }
  }

  function runFlush(): Promise<void> {
    if (flushing) {
      again = true;
      return flushing;
    }
    flushing = flushLoop()
      .catch((err: unknown) => {
        lastError = errorMessage(err);
        log.warn('nats bridge flush failed', { error: lastError });
      })
      .finally(() => {
        flushing = undefined;
        if (again && !closed) schedule(0);
      });
    return flushing;
  }

  return {
    publish: enqueue,
    publishAll(events) {
      let n = 0;
      for (const e of events) if (enqueue(e)) n++;
      return n;
    },
    async flush() {
      // Publish everything that is ready now, waiting out pending retries.
      while (queue.length > 0 && link.state === 'connected' && !closed) {
        const before = queue.length;
        await runFlush();
        if (queue.length === 0) break;
        if (queue.length >= before && readyCount() === 0) {
          const wait = Math.min(...queue.map((q) => q.notBefore)) - Date.now();
          await sleep(Math.max(1, wait));
        }
      }
      if (flushing) await flushing;
    },
    status: () => ({
      state: link.state,
      mode,
      queued: queue.length,
      published: counts.published,
      dropped: counts.dropped,
      failed: counts.failed,
      deadLettered: counts.deadLettered,
      lastError,
    }),
    async close(timeoutMs = 2000) {
      if (closed) return;
      await Promise.race([this.flush(), sleep(timeoutMs)]);
      closed = true;
      offLink();
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

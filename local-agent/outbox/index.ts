// The agent's durable outbox for events bound for the edge (DESIGN.md: "the agent never drops work
// while the edge is unreachable"). Appends go to JetStream when local NATS is connected and to a
// local file otherwise (or when JetStream refuses them); a drainer sends batches (≤ 500 events,
// ≤ ~900 KB) to POST /api/projects/:id/events (edge-api.ts) and removes them only after the 202. Events the edge
// rejected as invalid are dropped and counted (they would never succeed); anything else stays and is
// retried with exponential backoff and jitter, and the drain resumes at once on kick() (reconnect).
import { join } from 'node:path';
import type { SparkEventV1 } from '../../contracts/event';
import { MAX_INGEST_EVENTS } from '../../contracts/limits';
import { errorMessage, silentLogger, type Logger } from '../log';
import type { EdgeApi, EdgeResult, IngestResponse } from '../edge-api';
import type { Metrics } from '../metrics';
import type { NatsLink } from '../nats-bridge';
import { openFileStore, type FileStore } from './file-store';
import { createJetStreamStore, type JetStreamStore } from './jetstream-store';
import { backoffDelay, type BackoffOptions } from '../../contracts/backoff';
import { sleep, Waker } from './retry';
import type { OutboxBatch, OutboxStore } from './types';

export { openFileStore, type FileStore, type FileStoreOptions, InvalidOutboxEventError } from './file-store';
export { createJetStreamStore, outboxDurable, outboxSubject, type JetStreamStore } from './jetstream-store';
export type { OutboxBatch, OutboxStore, TakeLimits } from './types';
export { sleep, Waker, Mutex } from './retry';

/** Leave room under the edge's 1 MiB body limit for the envelope and any re-encoding. */
export const DEFAULT_MAX_BATCH_BYTES = 900 * 1024;
const MIN_BATCH_BYTES = 128 * 1024;

export type EdgeDeliveryState = 'idle' | 'ok' | 'unreachable' | 'rate_limited' | 'unauthorized' | 'stopped';

export interface OutboxStatus {
  /** Where new events go now. */
  backend: 'jetstream' | 'file';
  depth: number;
  fileDepth: number;
  jetstreamDepth: number;
  edge: EdgeDeliveryState;
  sent: number;
  rejected: number;
  lastError: string | undefined;
  lastSentAt: number | undefined;
  nextAttemptAt: number | undefined;
}

export interface PostResult {
  kind: 'accepted' | 'retry' | 'too_large' | 'invalid' | 'auth';
  status?: number;
  rejected?: IngestResponse['rejected'];
  retryAfterMs?: number;
  reason?: string;
}

/** What the drainer does with an answer to POST …/events. */
export function classifyPost(r: EdgeResult<IngestResponse>): PostResult {
  if (r.ok) return { kind: 'accepted', status: r.status, rejected: r.value.rejected };
  if (r.kind === 'unreachable') return { kind: 'retry', reason: `edge unreachable: ${r.reason}` };
  const status = r.status;
  if (r.kind === 'unexpected') {
    // An accepted batch without a readable body: nothing rejected that we know of.
    return status === 202 || status === 200 ? { kind: 'accepted', status, rejected: [] } : { kind: 'retry', status, reason: `unexpected answer ${status}` };
  }
  if (status === 401 || status === 403 || status === 404) return { kind: 'auth', status, reason: r.reason };
  if (status === 413) return { kind: 'too_large', status, reason: 'edge answered 413 (batch too large)' };
  if (status === 429) return { kind: 'retry', status, retryAfterMs: r.retryAfterMs, reason: 'edge answered 429 (rate limited)' };
  if (status === 408 || status >= 500) return { kind: 'retry', status, reason: `edge answered ${status}` };
  if (status >= 400) return { kind: 'invalid', status, reason: r.reason };
  return { kind: 'retry', status, reason: `unexpected answer ${status}` };
}

export interface OutboxOptions {
  projectId: string;
  /** The agent home; the file outbox lives in <home>/outbox/<projectId>/ unless `dir` is given. */
  home?: string;
  dir?: string;
  /** The edge the events go to (POST /api/projects/:id/events). */
  edge: EdgeApi;
  /** NATS link for the JetStream store; without it (or while it is down) the file store is used. */
  link?: NatsLink;
  stream?: string;
  subjectPrefix?: string;
  metrics?: Metrics;
  log?: Logger;
  maxBatchEvents?: number;
  maxBatchBytes?: number;
  backoff?: BackoffOptions;
  /** Wait between rounds while idle (appends wake the drainer early). */
  idlePollMs?: number;
  /** Back-off while the edge refuses our token (kick() cuts it short). */
  authRetryMs?: number;
  compactMinBytes?: number;
  /** Long poll on the JetStream consumer while there is nothing to send. */
  jetstreamWaitMs?: number;
  /** How long stop() lets an in-flight POST finish before aborting it. */
  stopGraceMs?: number;
}

export interface Outbox {
  append(events: readonly SparkEventV1[]): Promise<void>;
  depth(): Promise<number>;
  status(): OutboxStatus;
  /** Starts the drainer (idempotent). */
  start(): void;
  /** Try now: the edge is (probably) back; resets the backoff. */
  kick(): void;
  /** Sends at most one batch now (tests, CLI). */
  drainOnce(): Promise<PostResult | 'empty'>;
  /** Resolves when the outbox is empty (true) or after timeoutMs (false). Starts nothing. */
  waitDrained(timeoutMs: number): Promise<boolean>;
  /** Stops the drainer and closes the stores; the stream and the file stay for the next start. */
  close(): Promise<void>;
  readonly file: FileStore;
  readonly jetstream: JetStreamStore | undefined;
}

export async function openOutbox(opts: OutboxOptions): Promise<Outbox> {
  const log = opts.log ?? silentLogger;
  const dir = opts.dir ?? join(opts.home ?? '.', 'outbox', opts.projectId);
  const file = await openFileStore({ dir, log, ...(opts.compactMinBytes !== undefined ? { compactMinBytes: opts.compactMinBytes } : {}) });
  const js = opts.link && opts.link.state !== 'disabled'
    ? createJetStreamStore({
        link: opts.link,
        projectId: opts.projectId,
        stream: opts.stream ?? 'SPARK_AGENT_OUTBOX',
        subjectPrefix: opts.subjectPrefix ?? 'spark.agent.outbox',
        log,
      })
    : undefined;
  const maxEvents = Math.min(MAX_INGEST_EVENTS, opts.maxBatchEvents ?? MAX_INGEST_EVENTS);
  const maxBytes = opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  const backoff = opts.backoff ?? { baseMs: 500, maxMs: 60_000 };
  const idlePollMs = opts.idlePollMs ?? 5000;
  const authRetryMs = opts.authRetryMs ?? 60_000;

  const m = opts.metrics;
  const mAppended = m?.counter('spark_agent_outbox_appended_total', 'Events stored in the outbox');
  const mSent = m?.counter('spark_agent_outbox_sent_total', 'Events the edge accepted from the outbox');
  const mRejected = m?.counter('spark_agent_outbox_rejected_total', 'Events the edge rejected as invalid (dropped)');
  const mPostFail = m?.counter('spark_agent_outbox_post_failures_total', 'Outbox batches the edge did not take');
  const mBatch = m?.histogram('spark_agent_outbox_batch_size', 'Events per outbox batch sent to the edge', [1, 10, 50, 100, 250, 500]);
  const mDepth = m?.gauge('spark_agent_outbox_depth', 'Events waiting in the outbox');

  const st = {
    edge: 'idle' as EdgeDeliveryState,
    sent: 0,
    rejected: 0,
    lastError: undefined as string | undefined,
    lastSentAt: undefined as number | undefined,
    nextAttemptAt: undefined as number | undefined,
  };
  let curEvents = maxEvents;
  let curBytes = maxBytes;
  let attempt = 0;
  let inBackoff = false;
  let running: Promise<void> | undefined;
  let stopping = false;
  const waker = new Waker();
  const stopCtl = new AbortController();
  const postCtl = new AbortController();
  let closed = false;

  const backend = (): 'jetstream' | 'file' => (js && opts.link?.state === 'connected' ? 'jetstream' : 'file');
  const cachedDepth = () => file.stats().pending + (js?.lastDepth() ?? 0);
  const updateDepthGauge = () => mDepth?.set(cachedDepth());

  let lastTakeError: string | undefined;
  async function take(): Promise<OutboxBatch | undefined> {
    const limits = { maxEvents: curEvents, maxBytes: curBytes };
    const fromFile = await file.take(limits);
    if (fromFile) return fromFile;
    if (js && opts.link?.state === 'connected') {
      try {
        return await js.take({ ...limits, waitMs: 0 });
      } catch (err) {
        const msg = errorMessage(err);
        if (msg !== lastTakeError) log.warn('outbox: reading the JetStream outbox failed', { error: msg });
        lastTakeError = msg;
      }
    }
    return undefined;
  }

  async function drainOnce(): Promise<PostResult | 'empty'> {
    const batch = await take();
    if (!batch) {
      updateDepthGauge();
      return 'empty';
    }
    const body = `{"events":[${batch.items.join(',')}]}`;
    let result: PostResult;
    try {
      result = classifyPost(await opts.edge.postEvents(opts.projectId, body, postCtl.signal));
    } catch (err) {
      result = { kind: 'retry', reason: errorMessage(err) };
    }
    try {
      switch (result.kind) {
        case 'accepted': {
          const rejected = result.rejected?.length ?? 0;
          await batch.commit();
          st.sent += batch.items.length - rejected;
          st.rejected += rejected;
          st.lastSentAt = Date.now();
          st.edge = 'ok';
          st.lastError = undefined;
          mSent?.inc(undefined, batch.items.length - rejected);
          if (rejected > 0) {
            mRejected?.inc(undefined, rejected);
            log.warn('edge rejected events as invalid; dropped them', {
              rejected,
              first: result.rejected?.slice(0, 3).map((r) => `${r.index}: ${r.error?.code} ${r.error?.message}`),
            });
          }
          mBatch?.observe(batch.items.length);
          // Grow back after a shrink.
          curEvents = Math.min(maxEvents, curEvents * 2);
          curBytes = Math.min(maxBytes, curBytes * 2);
          break;
        }
        case 'too_large':
        case 'invalid': {
          mPostFail?.inc({ reason: result.kind });
          if (batch.items.length > 1) {
            // Split to find the culprit (or to fit the edge's limits).
            await batch.release();
            curEvents = Math.max(1, Math.floor(batch.items.length / 2));
            if (result.kind === 'too_large') curBytes = Math.max(MIN_BATCH_BYTES, Math.floor(curBytes / 2));
          } else {
            await batch.commit();
            st.rejected += 1;
            mRejected?.inc(undefined, 1);
            log.warn('edge refused a single event for good; dropped it', { reason: result.reason });
          }
          st.lastError = result.reason;
          break;
        }
        default: {
          await batch.release();
          mPostFail?.inc({ reason: result.kind === 'auth' ? 'auth' : result.status === 429 ? 'rate_limited' : 'unreachable' });
          st.lastError = result.reason;
          st.edge = result.kind === 'auth' ? 'unauthorized' : result.status === 429 ? 'rate_limited' : 'unreachable';
        }
      }
    } catch (err) {
      await batch.release().catch(() => undefined);
      st.lastError = errorMessage(err);
      log.warn('outbox: could not settle a batch', { error: st.lastError });
      result = { kind: 'retry', reason: st.lastError };
    }
    updateDepthGauge();
    return result;
  }

  async function loop() {
    while (!stopping) {
      let r: PostResult | 'empty';
      try {
        r = await drainOnce();
      } catch (err) {
        st.lastError = errorMessage(err);
        log.warn('outbox drain failed', { error: st.lastError });
        r = { kind: 'retry', reason: st.lastError };
      }
      if (stopping) break;
      if (r === 'empty') {
        if (st.edge !== 'ok' && st.edge !== 'idle') st.edge = 'idle';
        // With JetStream there, long-poll it instead of sleeping blind.
        if (js && opts.link?.state === 'connected' && file.stats().pending === 0) {
          await waker.wait(Math.min(idlePollMs, opts.jetstreamWaitMs ?? 1000), stopCtl.signal);
        } else {
          await waker.wait(idlePollMs, stopCtl.signal);
        }
        continue;
      }
      if (r.kind === 'accepted' || r.kind === 'too_large' || r.kind === 'invalid') {
        attempt = 0;
        continue;
      }
      const delay = r.kind === 'auth' ? authRetryMs : r.retryAfterMs ?? backoffDelay(attempt++, backoff);
      st.nextAttemptAt = Date.now() + delay;
      inBackoff = true;
      if (attempt <= 1 || r.kind === 'auth') log.warn('outbox: the edge did not take events; will retry', { reason: r.reason, delayMs: delay });
      await waker.wait(delay, stopCtl.signal);
      inBackoff = false;
      st.nextAttemptAt = undefined;
    }
  }

  const outbox: Outbox = {
    file,
    jetstream: js,
    async append(events) {
      if (events.length === 0) return;
      if (closed) throw new Error('outbox is closed');
      let rest: readonly SparkEventV1[] = events;
      if (js && opts.link?.state === 'connected') {
        rest = await js.appendSome(events);
        if (rest.length < events.length) mAppended?.inc({ backend: 'jetstream' }, events.length - rest.length);
      }
      if (rest.length > 0) {
        await file.append(rest);
        mAppended?.inc({ backend: 'file' }, rest.length);
      }
      updateDepthGauge();
      if (!inBackoff) waker.wake();
    },
    async depth() {
      const d = file.stats().pending + (js ? await js.depth() : 0);
      mDepth?.set(d);
      return d;
    },
    status: () => ({
      backend: backend(),
      depth: cachedDepth(),
      fileDepth: file.stats().pending,
      jetstreamDepth: js?.lastDepth() ?? 0,
      edge: closed ? 'stopped' : st.edge,
      sent: st.sent,
      rejected: st.rejected,
      lastError: st.lastError,
      lastSentAt: st.lastSentAt,
      nextAttemptAt: st.nextAttemptAt,
    }),
    start() {
      if (running || closed) return;
      running = loop().catch((err: unknown) => log.error('outbox drainer crashed', { error: errorMessage(err) }));
    },
    kick() {
      attempt = 0;
      waker.wake();
    },
    drainOnce,
    async waitDrained(timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if ((await outbox.depth()) === 0) return true;
        if (Date.now() >= until) return false;
        await sleep(50);
      }
    },
    async close() {
      if (closed) return;
      stopping = true;
      stopCtl.abort();
      if (running) {
        // Let an in-flight POST finish (so its batch is committed, not resent), then cut it.
        const finished = await Promise.race([running.then(() => true), sleep(opts.stopGraceMs ?? 5000).then(() => false)]);
        if (!finished) {
          postCtl.abort();
          await running;
        }
      }
      closed = true;
      await js?.close();
      await file.close();
    },
  };
  return outbox;
}

export type { OutboxStore as Store };

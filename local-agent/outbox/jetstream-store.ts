// The outbox in JetStream, for when local NATS is there: one file-backed work-queue stream
// (default SPARK_AGENT_OUTBOX, subjects `<prefix>.>`), one message per event on
// `<prefix>.<projectId>` with the event id as Nats-Msg-Id (the stream drops a duplicate append), and
// one durable pull consumer per project. A message is acked — and so removed — only after the edge
// answered 202; a batch that could not be delivered is nak'ed and comes back on the next fetch.
// A batch that was fetched when the agent died is redelivered after ack_wait.
import { AckPolicy, DeliverPolicy, DiscardPolicy, nanos, RetentionPolicy, StorageType, type Consumer, type JsMsg, type NatsConnection } from 'nats';
import type { SparkEventV1 } from '../../contracts/event';
import { errorMessage, silentLogger, type Logger } from '../log';
import type { NatsLink } from '../nats-bridge';
import { serialiseEvents } from './file-store';
import { ingestBodyBytes, type OutboxBatch, type OutboxStore, type TakeLimits } from './types';

export interface JetStreamStoreOptions {
  link: NatsLink;
  projectId: string;
  /** Stream name (default SPARK_AGENT_OUTBOX). */
  stream: string;
  /** Subject prefix (default spark.agent.outbox); the stream captures `<prefix>.>`. */
  subjectPrefix: string;
  /** Stream size cap; appends beyond it fail (and go to the file outbox) instead of evicting. */
  maxStreamBytes?: number;
  /** How long a fetched, unacked message stays with us before the server redelivers it. */
  ackWaitMs?: number;
  publishTimeoutMs?: number;
  log?: Logger;
}

export interface JetStreamStore extends OutboxStore {
  readonly kind: 'jetstream';
  readonly subject: string;
  readonly durable: string;
  /** Connected, stream and consumer ready. */
  ready(): boolean;
  /** Appends what it can; returns the events it could not store (the caller keeps them elsewhere). */
  appendSome(events: readonly SparkEventV1[]): Promise<SparkEventV1[]>;
  /** Last depth read from the server (without a round trip). */
  lastDepth(): number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function outboxSubject(prefix: string, projectId: string): string {
  return `${prefix}.${projectId}`;
}

export function outboxDurable(projectId: string): string {
  return `outbox_${projectId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export function createJetStreamStore(opts: JetStreamStoreOptions): JetStreamStore {
  const log = opts.log ?? silentLogger;
  const subject = outboxSubject(opts.subjectPrefix, opts.projectId);
  const durable = outboxDurable(opts.projectId);
  const publishTimeoutMs = opts.publishTimeoutMs ?? 5000;
  let readyFor: NatsConnection | undefined;
  let ensuring: Promise<Consumer> | undefined;
  let consumer: Consumer | undefined;
  let depth = 0;
  let taken = false;

  async function ensure(nc: NatsConnection): Promise<Consumer> {
    if (readyFor === nc && consumer) return consumer;
    if (ensuring) return ensuring;
    ensuring = (async () => {
      const jsm = await nc.jetstreamManager();
      try {
        await jsm.streams.info(opts.stream);
      } catch {
        await jsm.streams.add({
          name: opts.stream,
          subjects: [`${opts.subjectPrefix}.>`],
          storage: StorageType.File,
          retention: RetentionPolicy.Workqueue,
          discard: DiscardPolicy.New,
          max_bytes: opts.maxStreamBytes ?? 1024 * 1024 * 1024,
          duplicate_window: nanos(2 * 60_000),
          num_replicas: 1,
        });
        log.info('created the JetStream outbox stream', { stream: opts.stream });
      }
      try {
        await jsm.consumers.info(opts.stream, durable);
      } catch {
        await jsm.consumers.add(opts.stream, {
          durable_name: durable,
          filter_subject: subject,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: nanos(opts.ackWaitMs ?? 60_000),
          max_deliver: -1,
          max_ack_pending: 5000,
        });
      }
      const c = await nc.jetstream().consumers.get(opts.stream, durable);
      consumer = c;
      readyFor = nc;
      return c;
    })();
    try {
      return await ensuring;
    } finally {
      ensuring = undefined;
    }
  }

  function forget() {
    readyFor = undefined;
    consumer = undefined;
  }

  function conn(): NatsConnection | undefined {
    return opts.link.state === 'connected' ? opts.link.connection() : undefined;
  }

  async function refreshDepth(): Promise<number> {
    const nc = conn();
    if (!nc) return depth;
    try {
      const c = await ensure(nc);
      const info = await c.info(false);
      depth = info.num_pending + info.num_ack_pending;
    } catch (err) {
      log.debug('outbox: could not read the JetStream depth', { error: errorMessage(err) });
    }
    return depth;
  }

  async function appendSome(events: readonly SparkEventV1[]): Promise<SparkEventV1[]> {
    if (events.length === 0) return [];
    const lines = serialiseEvents(events);
    const nc = conn();
    if (!nc) return [...events];
    try {
      await ensure(nc);
    } catch (err) {
      log.warn('outbox: JetStream is not usable; keeping events on disk', { error: errorMessage(err) });
      return [...events];
    }
    const js = nc.jetstream({ timeout: publishTimeoutMs });
    const results = await Promise.allSettled(
      lines.map((line, i) =>
        js.publish(subject, encoder.encode(line), { msgID: events[i]!.id, timeout: publishTimeoutMs, expect: { streamName: opts.stream } }),
      ),
    );
    const failed: SparkEventV1[] = [];
    results.forEach((r, i) => {
      if (r.status === 'rejected') failed.push(events[i]!);
      else if (!r.value.duplicate) depth++;
    });
    if (failed.length > 0) {
      forget();
      const first = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      log.warn('outbox: JetStream refused some events; keeping them on disk', { failed: failed.length, error: errorMessage(first.reason) });
    }
    return failed;
  }

  return {
    kind: 'jetstream',
    subject,
    durable,
    ready: () => conn() !== undefined && readyFor === conn() && consumer !== undefined,
    appendSome,
    async append(events) {
      const failed = await appendSome(events);
      if (failed.length > 0) throw new Error(`JetStream outbox could not store ${failed.length} of ${events.length} events`);
    },
    depth: refreshDepth,
    lastDepth: () => depth,
    async take(limits: TakeLimits): Promise<OutboxBatch | undefined> {
      if (taken) throw new Error('outbox: a batch is already taken; commit or release it first');
      const nc = conn();
      if (!nc) return undefined;
      let c: Consumer;
      let info: Awaited<ReturnType<Consumer['info']>>;
      try {
        c = await ensure(nc);
        info = await c.info(false);
      } catch (err) {
        // The stream or consumer may be gone (a NATS server without persistence restarted):
        // set them up again on the next call.
        forget();
        throw err;
      }
      depth = info.num_pending + info.num_ack_pending;
      const available = info.num_pending + info.num_ack_pending;
      const waitMs = Math.max(1000, limits.waitMs ?? 1000);
      if (available === 0 && (limits.waitMs ?? 0) <= 0) return undefined;
      const msgs: JsMsg[] = [];
      const iter = await c.fetch({
        // nats.js takes max_messages or max_bytes, not both: fetch by count, trim by bytes below.
        max_messages: Math.max(1, Math.min(limits.maxEvents, available || limits.maxEvents)),
        expires: waitMs,
      });
      for await (const m of iter) msgs.push(m);
      if (msgs.length === 0) return undefined;
      const items: string[] = [];
      const keep: JsMsg[] = [];
      let bytes = 0;
      for (const m of msgs) {
        if (keep.length > 0 && ingestBodyBytes(keep.length + 1, bytes + m.data.length) > limits.maxBytes) {
          // Over the byte budget: hand it straight back for the next batch.
          m.nak();
          continue;
        }
        const line = decoder.decode(m.data);
        try {
          const v = JSON.parse(line) as unknown;
          if (typeof v !== 'object' || v === null) throw new Error('not an object');
        } catch {
          log.warn('outbox: dropping a corrupt JetStream message', { seq: m.seq });
          m.term();
          continue;
        }
        items.push(line);
        keep.push(m);
        bytes += m.data.length;
      }
      if (items.length === 0) return undefined;
      taken = true;
      let settled = false;
      return {
        items,
        bytes,
        async commit() {
          if (settled) return;
          settled = true;
          taken = false;
          const acks = await Promise.allSettled(keep.map((m) => m.ackAck({ timeout: publishTimeoutMs })));
          const failed = acks.filter((a) => a.status === 'rejected' || a.value === false).length;
          if (failed > 0) log.warn('outbox: some JetStream acks were not confirmed; those events may be sent again (the edge dedupes)', { failed });
          depth = Math.max(0, depth - (keep.length - failed));
        },
        async release() {
          if (settled) return;
          settled = true;
          taken = false;
          for (const m of keep) {
            try {
              m.nak();
            } catch {
              /* the connection is gone: the server redelivers after ack_wait */
            }
          }
        },
      };
    },
    async close() {
      consumer = undefined;
      readyFor = undefined;
    },
  };
}

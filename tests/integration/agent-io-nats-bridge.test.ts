// The NATS bridge against the real NATS server (127.0.0.1:4222, or NATS_URL).
import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SparkEventV1 } from '../../contracts/event';
import { NATS_DLQ_SUBJECT, sessionWildcards } from '../../contracts/nats-subjects';
import { makeEvent } from '../../local-agent/event-factory';
import { createMetrics } from '../../local-agent/metrics';
import { createNatsBridge, createNatsLink, type NatsBridge, type NatsDeadLetter, type NatsLink } from '../../local-agent/nats-bridge';
import { startTcpProxy } from '../support/tcp-proxy';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const target = new URL(NATS_URL.replace(/^nats:/, 'http:'));

/** A TCP proxy in front of NATS that the test can cut (connections dropped and severed). */
async function natsProxy() {
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 4222) }, { whenDown: 'drop' });
  return { ...proxy, url: `nats://127.0.0.1:${proxy.port}` };
}

async function until(cond: () => boolean, timeoutMs = 10_000, stepMs = 20) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

function ev(type: string, session: string, i: number): SparkEventV1 {
  return makeEvent({ type, kind: 'tool', payload: { i } }, { sessionId: session });
}

describe('NATS bridge (real NATS)', () => {
  let nc: NatsConnection;
  const cleanup: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
  });
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
  });
  afterAll(async () => {
    await nc.close();
  });

  function watch(session: string) {
    const got: { subject: string; event: SparkEventV1 }[] = [];
    const subs = sessionWildcards(session).map((w) =>
      nc.subscribe(w, {
        callback: (_err, msg) => got.push({ subject: msg.subject, event: JSON.parse(new TextDecoder().decode(msg.data)) as SparkEventV1 }),
      }),
    );
    cleanup.push(async () => subs.forEach((s) => s.unsubscribe()));
    return got;
  }

  /**
   * Publishes one more event through the bridge and waits for it: NATS keeps one publisher's order,
   * so everything the bridge sent before has arrived. The sentinel is taken out of `got` again.
   */
  async function settled(bridge: NatsBridge, got: { event: SparkEventV1 }[], session: string, timeoutMs = 10_000) {
    const sentinel = ev('unity.completed', session, -1);
    expect(bridge.publish(sentinel)).toBe(true);
    await until(() => got.some((g) => g.event.id === sentinel.id), timeoutMs);
    got.splice(got.findIndex((g) => g.event.id === sentinel.id), 1);
  }

  function bridgeOn(link: NatsLink, over: Partial<Parameters<typeof createNatsBridge>[0]> = {}): NatsBridge {
    const bridge = createNatsBridge({ link, ...over });
    cleanup.push(() => link.close());
    cleanup.push(() => bridge.close(200));
    return bridge;
  }

  it('publishes every event on its subject, in batches of 50, skipping events without one', async () => {
    const session = randomUUID();
    const got = watch(session);
    await nc.flush();
    const metrics = createMetrics();
    const link = createNatsLink({ url: NATS_URL });
    expect(await link.waitConnected(5000)).toBe(true);
    const bridge = bridgeOn(link, { metrics });

    const types = ['unity.started', 'unity.script_generated', 'preview.frame', 'build.progress', 'build.completed'];
    const sent: SparkEventV1[] = [];
    for (let i = 0; i < 120; i++) {
      const e = ev(types[i % types.length]!, session, i);
      sent.push(e);
      expect(bridge.publish(e)).toBe(true);
    }
    // no subject for these: not published
    expect(bridge.publish(ev('agent.heartbeat', session, 0))).toBe(false);
    expect(bridge.publish(ev('unity.script_generated.extra', session, 0))).toBe(false);

    await until(() => got.length >= 120);
    await settled(bridge, got, session);
    expect(got).toHaveLength(120);
    const bySubject = new Map<string, number>();
    for (const g of got) bySubject.set(g.subject, (bySubject.get(g.subject) ?? 0) + 1);
    expect(Object.fromEntries(bySubject)).toEqual({
      [`spark.runtime.unity.started.${session}`]: 24,
      [`spark.runtime.unity.script_generated.${session}`]: 24,
      [`spark.preview.unity.frame.${session}`]: 24,
      [`spark.build.unity.progress.${session}`]: 24,
      [`spark.build.unity.completed.${session}`]: 24,
    });
    expect(got.map((g) => g.event.id)).toEqual(sent.map((e) => e.id));

    const batches = metrics.snapshot().metrics.find((m) => m.name === 'spark_agent_nats_batch_size')!.series[0]!;
    // 50 + 50 + 20, then the sentinel's batch of one.
    expect(batches.count).toBe(4);
    expect(batches.sum).toBe(121);
    expect(metrics.counter('spark_agent_nats_published_total').get()).toBe(121);
    expect(metrics.counter('spark_agent_nats_skipped_total').get({ reason: 'no_subject' })).toBe(2);
    expect(bridge.status()).toMatchObject({ state: 'connected', queued: 0, published: 121, dropped: 0 });
  });

  it('flushes a small batch after ~100 ms', async () => {
    const session = randomUUID();
    const got = watch(session);
    await nc.flush();
    const metrics = createMetrics();
    const link = createNatsLink({ url: NATS_URL });
    await link.waitConnected(5000);
    const bridge = bridgeOn(link, { metrics });
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) bridge.publish(ev('preview.started', session, i));
    await until(() => got.length === 3);
    const ms = Date.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(80);
    expect(ms).toBeLessThan(1500);
    const batches = metrics.snapshot().metrics.find((m) => m.name === 'spark_agent_nats_batch_size')!.series[0]!;
    expect(batches.count).toBe(1);
  });

  it('drops the oldest beyond 1,000 while NATS is absent, and publishes the rest when it appears', async () => {
    const session = randomUUID();
    const got = watch(session);
    await nc.flush();
    const proxy = await natsProxy();
    cleanup.push(() => proxy.close());
    proxy.down();
    const metrics = createMetrics();
    const link = createNatsLink({ url: proxy.url, retry: { baseMs: 50, maxMs: 200 }, reconnectTimeWaitMs: 100 });
    const bridge = bridgeOn(link, { metrics });
    await until(() => link.state === 'connecting');
    expect(link.state).toBe('connecting');

    const sent = Array.from({ length: 1500 }, (_, i) => ev('unity.completed', session, i));
    for (const e of sent) bridge.publish(e);
    expect(bridge.status()).toMatchObject({ queued: 1000, dropped: 500 });
    expect(metrics.counter('spark_agent_nats_dropped_total').get({ reason: 'queue_full' })).toBe(500);
    expect(metrics.gauge('spark_agent_nats_queue_depth').get()).toBe(1000);

    proxy.up();
    expect(await link.waitConnected(10_000)).toBe(true);
    await until(() => got.length >= 1000);
    await settled(bridge, got, session);
    expect(got.map((g) => g.event.id)).toEqual(sent.slice(500).map((e) => e.id));
  });

  it('holds events while a connected NATS goes away (stalled) and reconnects on its own', async () => {
    const session = randomUUID();
    const got = watch(session);
    await nc.flush();
    const proxy = await natsProxy();
    cleanup.push(() => proxy.close());
    const link = createNatsLink({ url: proxy.url, retry: { baseMs: 50, maxMs: 200 }, reconnectTimeWaitMs: 100 });
    expect(await link.waitConnected(5000)).toBe(true);
    const bridge = bridgeOn(link);
    bridge.publish(ev('build.started', session, -1));
    await until(() => got.length === 1);

    proxy.down();
    await until(() => link.state !== 'connected');
    const sent = Array.from({ length: 1200 }, (_, i) => ev('build.progress', session, i));
    for (const e of sent) bridge.publish(e);
    expect(bridge.status()).toMatchObject({ queued: 1000, dropped: 200 });

    proxy.up();
    await until(() => link.state === 'connected', 15_000);
    await until(() => got.length >= 1001, 15_000);
    await settled(bridge, got, session, 15_000);
    expect(got.slice(1).map((g) => g.event.id)).toEqual(sent.slice(200).map((e) => e.id));
  });

  it('is a no-op without NATS configured', async () => {
    const link = createNatsLink({ url: undefined });
    const bridge = bridgeOn(link);
    expect(link.state).toBe('disabled');
    expect(bridge.publish(ev('unity.started', randomUUID(), 0))).toBe(false);
    expect(bridge.status()).toMatchObject({ state: 'disabled', queued: 0 });
    await bridge.flush();
  });

  it('retries failed publishes with jitter and sends them to spark.dlq with the reason', async () => {
    const session = randomUUID();
    const letters: NatsDeadLetter[] = [];
    const sub = nc.subscribe(NATS_DLQ_SUBJECT, {
      callback: (_e, msg) => {
        const l = JSON.parse(new TextDecoder().decode(msg.data)) as NatsDeadLetter;
        if (l.event.session_id === session) {
          letters.push(l);
          expect(msg.headers?.get('Spark-Event-Id')).toBe(l.event.id);
        }
      },
    });
    cleanup.push(async () => sub.unsubscribe());
    await nc.flush();
    const metrics = createMetrics();
    const link = createNatsLink({ url: NATS_URL });
    await link.waitConnected(5000);
    // JetStream mode with a stream that does not exist: every publish is refused by the server.
    const bridge = bridgeOn(link, {
      metrics,
      mode: 'jetstream',
      expectStream: `SPARK_NO_SUCH_STREAM_${randomUUID().slice(0, 8)}`,
      maxAttempts: 3,
      retry: { baseMs: 20, maxMs: 100 },
      publishTimeoutMs: 1000,
    });
    const sent = [ev('unity.failed', session, 0), ev('build.failed', session, 1), ev('preview.failed', session, 2)];
    bridge.publishAll(sent);
    await until(() => letters.length === 3, 15_000);
    expect(new Set(letters.map((l) => l.event.id))).toEqual(new Set(sent.map((e) => e.id)));
    for (const l of letters) {
      expect(l.attempts).toBe(3);
      expect(l.reason.length).toBeGreaterThan(0);
      expect(l.subject).toMatch(new RegExp(`^spark\\.(runtime|build|preview)\\.unity\\.failed\\.${session}$`));
    }
    expect(metrics.counter('spark_agent_nats_publish_failures_total').get()).toBe(9);
    expect(metrics.counter('spark_agent_nats_dlq_total').get()).toBe(3);
    expect(bridge.status()).toMatchObject({ published: 0, deadLettered: 3, queued: 0 });
  });
});

// The durable outbox in JetStream against the real NATS server: it survives an agent restart and
// drains exactly once to a local HTTP edge that is down for a while and then comes back.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SparkEventV1 } from '../../contracts/event';
import { createEdgeApi } from '../../local-agent/edge-api';
import { makeEvent } from '../../local-agent/event-factory';
import { eventually } from '../support/api';
import { createMetrics } from '../../local-agent/metrics';
import { createNatsLink, type NatsLink } from '../../local-agent/nats-bridge';
import { openOutbox, type Outbox } from '../../local-agent/outbox';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const PROJECT = randomUUID();

function events(n: number, session: string): SparkEventV1[] {
  return Array.from({ length: n }, (_, i) => makeEvent({ type: 'unity.script_generated', kind: 'tool', payload: { i } }, { sessionId: session }));
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** An edge on a fixed port that can be started and stopped; counts every event it accepted. */
function edgeOn(port: number) {
  const accepted: string[] = [];
  let server: Server | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    accepted,
    async up() {
      server = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: SparkEventV1[] };
        accepted.push(...body.events.map((e) => e.id));
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: body.events.length, rejected: [] }));
      });
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    },
    async down() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}

describe('JetStream outbox (real NATS)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const streams: string[] = [];
  const cleanup: (() => Promise<unknown>)[] = [];
  let home: string;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
    home = mkdtempSync(join(tmpdir(), 'spark-js-outbox-'));
  });
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
  });
  afterAll(async () => {
    for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
    await nc.close();
    rmSync(home, { recursive: true, force: true });
  });

  function names() {
    const tag = randomUUID().replace(/-/g, '').slice(0, 12);
    const stream = `SPARK_AGENT_OUTBOX_TEST_${tag}`;
    streams.push(stream);
    return { stream, subjectPrefix: `sparktest.${tag}.outbox` };
  }

  async function agentOutbox(link: NatsLink, edgeUrl: string, n: ReturnType<typeof names>, dir: string): Promise<Outbox> {
    const o = await openOutbox({
      projectId: PROJECT,
      dir,
      link,
      ...n,
      edge: createEdgeApi({ edgeUrl, token: 'agent-token' }),
      backoff: { baseMs: 50, maxMs: 200 },
      idlePollMs: 100,
      metrics: createMetrics(),
    });
    return o;
  }

  it('survives an agent restart and drains exactly once to an edge that was down', async () => {
    const n = names();
    const dir = join(home, 'restart');
    const edge = edgeOn(await freePort());
    cleanup.push(() => edge.down());
    const session = randomUUID();

    // Agent run #1: the edge is down.
    const link1 = createNatsLink({ url: NATS_URL });
    expect(await link1.waitConnected(5000)).toBe(true);
    const a = await agentOutbox(link1, edge.url, n, dir);
    a.start();
    const evs = events(120, session);
    await a.append(evs.slice(0, 70));
    await a.append(evs.slice(70));
    expect(a.status().backend).toBe('jetstream');
    expect(a.file.stats().pending).toBe(0);
    expect(await a.depth()).toBe(120);
    // Wait until the drainer has tried the dead edge and failed (it says why and when it retries).
    await eventually(async () => a.status().edge === 'unreachable' && a.status().lastError !== undefined, 10_000, 20);
    expect(a.status().sent).toBe(0);
    expect(await a.depth()).toBe(120);
    const info = await jsm.streams.info(n.stream);
    expect(info.state.messages).toBe(120);
    expect(info.config.retention).toBe('workqueue');
    expect(info.config.storage).toBe('file');
    await a.close();
    await link1.close();

    // Agent run #2: a fresh process would find the same stream and consumer.
    const link2 = createNatsLink({ url: NATS_URL });
    cleanup.push(() => link2.close());
    expect(await link2.waitConnected(5000)).toBe(true);
    const b = await agentOutbox(link2, edge.url, n, dir);
    cleanup.push(() => b.close());
    expect(await b.depth()).toBe(120);
    b.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(edge.accepted).toHaveLength(0);

    // The edge comes back; a reconnect kicks the drainer.
    await edge.up();
    b.kick();
    expect(await b.waitDrained(15_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1500)); // nothing more may arrive
    expect(edge.accepted).toHaveLength(120);
    expect(new Set(edge.accepted)).toEqual(new Set(evs.map((e) => e.id)));
    expect((await jsm.streams.info(n.stream)).state.messages).toBe(0);
    expect(b.status()).toMatchObject({ sent: 120, rejected: 0, edge: 'ok' });
  });

  it('does not store an event twice when it is appended twice (msg id dedupe)', async () => {
    const n = names();
    const edge = edgeOn(await freePort());
    const link = createNatsLink({ url: NATS_URL });
    cleanup.push(() => link.close());
    await link.waitConnected(5000);
    const o = await agentOutbox(link, edge.url, n, join(home, 'dedupe'));
    cleanup.push(() => o.close());
    const evs = events(5, randomUUID());
    await o.append(evs);
    await o.append(evs);
    expect(await o.depth()).toBe(5);
  });

  it('falls back to the file outbox without NATS, and drains both once NATS is there', async () => {
    const n = names();
    const dir = join(home, 'fallback');
    const edge = edgeOn(await freePort());
    cleanup.push(() => edge.down());
    const session = randomUUID();

    const dead = createNatsLink({ url: `nats://127.0.0.1:${await freePort()}`, retry: { baseMs: 50, maxMs: 100 } });
    const a = await agentOutbox(dead, edge.url, n, dir);
    expect(a.status().backend).toBe('file');
    const first = events(10, session);
    await a.append(first);
    expect(a.file.stats().pending).toBe(10);
    await a.close();
    await dead.close();

    const link = createNatsLink({ url: NATS_URL });
    cleanup.push(() => link.close());
    await link.waitConnected(5000);
    const b = await agentOutbox(link, edge.url, n, dir);
    cleanup.push(() => b.close());
    const second = events(10, session);
    await b.append(second);
    expect(b.status()).toMatchObject({ backend: 'jetstream', fileDepth: 10 });
    expect(await b.depth()).toBe(20);
    await edge.up();
    b.start();
    expect(await b.waitDrained(15_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(edge.accepted).toEqual([...first, ...second].map((e) => e.id));
  });
});

import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SparkEventV1 } from '../../contracts/event';
import { createEdgeApi } from '../../local-agent/edge-api';
import { makeEvent } from '../../local-agent/event-factory';
import { createMetrics } from '../../local-agent/metrics';
import { openFileStore, openOutbox, InvalidOutboxEventError, type Outbox } from '../../local-agent/outbox';

const SESSION = '0b7a3c1e-2f4d-4c8b-9a6e-1d2c3b4a5f60';
const PROJECT = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';

function events(n: number, extra: Record<string, unknown> = {}): SparkEventV1[] {
  return Array.from({ length: n }, (_, i) => makeEvent({ type: 'unity.started', kind: 'tool', payload: { i, ...extra } }, { sessionId: SESSION }));
}

/** A tiny edge: records accepted events; the test decides the status code. */
async function startEdge() {
  const received: SparkEventV1[] = [];
  const requests: { status: number; count: number; auth: string | undefined }[] = [];
  let mode: { status: number; retryAfter?: string; rejectIds?: Set<string> } = { status: 202 };
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: SparkEventV1[] };
    requests.push({ status: mode.status, count: body.events.length, auth: req.headers.authorization });
    if (req.url !== `/api/projects/${PROJECT}/events`) {
      res.writeHead(404).end();
      return;
    }
    if (mode.status !== 202) {
      res.writeHead(mode.status, mode.retryAfter ? { 'retry-after': mode.retryAfter } : {}).end('{"error":{"code":"x","message":"down"}}');
      return;
    }
    const rejected: { index: number; error: { code: string; message: string } }[] = [];
    body.events.forEach((e, index) => {
      if (mode.rejectIds?.has(e.id)) rejected.push({ index, error: { code: 'invalid_request', message: 'bad' } });
      else received.push(e);
    });
    res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: body.events.length - rejected.length, rejected }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    requests,
    set(m: typeof mode) {
      mode = m;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('file outbox store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spark-outbox-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('survives a restart: pending events come back, committed ones do not', async () => {
    const a = await openFileStore({ dir });
    const evs = events(10);
    await a.append(evs.slice(0, 4));
    await a.append(evs.slice(4));
    expect(await a.depth()).toBe(10);
    const b1 = await a.take({ maxEvents: 3, maxBytes: 1 << 20 });
    expect(b1!.items.map((s) => (JSON.parse(s) as SparkEventV1).id)).toEqual(evs.slice(0, 3).map((e) => e.id));
    await b1!.commit();
    const b2 = await a.take({ maxEvents: 3, maxBytes: 1 << 20 });
    await b2!.release(); // taken but not delivered: must survive
    await a.close();

    const b = await openFileStore({ dir });
    expect(await b.depth()).toBe(7);
    const all = await b.take({ maxEvents: 500, maxBytes: 1 << 20 });
    expect(all!.items.map((s) => (JSON.parse(s) as SparkEventV1).id)).toEqual(evs.slice(3).map((e) => e.id));
    await all!.commit();
    expect(await b.depth()).toBe(0);
    expect(await b.take({ maxEvents: 500, maxBytes: 1 << 20 })).toBeUndefined();
    await b.close();
  });

  it('ignores a torn last line on recovery, and later appends are intact', async () => {
    const a = await openFileStore({ dir });
    const evs = events(3);
    await a.append(evs);
    // simulate a crash in the middle of an append (no close, half a line written)
    const data = readdirSync(dir).find((f) => f.endsWith('.jsonl'))!;
    appendFileSync(join(dir, data), JSON.stringify(events(1)[0]).slice(0, 40));

    const b = await openFileStore({ dir });
    expect(await b.depth()).toBe(3);
    expect(b.stats().tornRecovered).toBe(1);
    const more = events(2);
    await b.append(more);
    const batch = await b.take({ maxEvents: 500, maxBytes: 1 << 20 });
    expect(batch!.items.map((s) => (JSON.parse(s) as SparkEventV1).id)).toEqual([...evs, ...more].map((e) => e.id));
    await b.close();
    await a.close();
  });

  it('skips a corrupt line in the middle', async () => {
    const a = await openFileStore({ dir });
    await a.append(events(1));
    const data = readdirSync(dir).find((f) => f.endsWith('.jsonl'))!;
    appendFileSync(join(dir, data), 'garbage{\n');
    await a.append(events(1));
    await a.close();
    const b = await openFileStore({ dir });
    expect(await b.depth()).toBe(2);
    const batch = await b.take({ maxEvents: 500, maxBytes: 1 << 20 });
    expect(batch!.items).toHaveLength(2);
    await batch!.commit();
    await b.close();
  });

  it('compacts itself once enough is committed, keeping the pending tail', async () => {
    const a = await openFileStore({ dir, compactMinBytes: 2048 });
    const evs = events(40, { pad: 'x'.repeat(100) });
    await a.append(evs);
    const size0 = a.stats().size;
    const b1 = await a.take({ maxEvents: 30, maxBytes: 1 << 20 });
    await b1!.commit();
    const st = a.stats();
    expect(st.compactions).toBe(1);
    expect(st.offset).toBe(0);
    expect(st.size).toBeLessThan(size0 / 2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.jsonl'))).toEqual([`events.${st.gen}.jsonl`]);
    await a.close();

    const b = await openFileStore({ dir, compactMinBytes: 2048 });
    expect(await b.depth()).toBe(10);
    const rest = await b.take({ maxEvents: 500, maxBytes: 1 << 20 });
    expect(rest!.items.map((s) => (JSON.parse(s) as SparkEventV1).id)).toEqual(evs.slice(30).map((e) => e.id));
    await b.close();
  });

  it('recovers from a crash in the middle of a compaction', async () => {
    const a = await openFileStore({ dir });
    const evs = events(5);
    await a.append(evs);
    await a.close();
    // a half-written next generation with no state pointing at it
    appendFileSync(join(dir, 'events.1.jsonl'), '{"partial":');
    const b = await openFileStore({ dir });
    expect(await b.depth()).toBe(5);
    expect(readdirSync(dir).filter((f) => f.endsWith('.jsonl'))).toEqual(['events.0.jsonl']);
    await b.close();
  });

  it('respects the batch limits (events and bytes)', async () => {
    const a = await openFileStore({ dir });
    await a.append(events(20, { pad: 'y'.repeat(1000) }));
    const b = await a.take({ maxEvents: 500, maxBytes: 5000 });
    expect(b!.items.length).toBeGreaterThan(0);
    expect(b!.items.length).toBeLessThan(5);
    expect(b!.bytes).toBeLessThanOrEqual(5000);
    await b!.release();
    const c = await a.take({ maxEvents: 7, maxBytes: 1 << 20 });
    expect(c!.items).toHaveLength(7);
    await c!.release();
    await a.close();
  });

  it('refuses invalid events, writing nothing', async () => {
    const a = await openFileStore({ dir });
    const bad = { ...events(1)[0]!, ts: Date.now() } as SparkEventV1;
    await expect(a.append([...events(1), bad])).rejects.toThrow(InvalidOutboxEventError);
    expect(await a.depth()).toBe(0);
    await a.close();
  });

  it('refuses a second agent on the same outbox only when that agent is alive', async () => {
    const a = await openFileStore({ dir });
    await a.close();
    // a lock left by a dead process is taken over
    appendFileSync(join(dir, 'lock'), '999999999');
    const b = await openFileStore({ dir });
    await b.close();
  });
});

describe('outbox drainer against a local edge', () => {
  let dir: string;
  let edge: Awaited<ReturnType<typeof startEdge>>;
  let outbox: Outbox | undefined;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spark-outbox-drain-'));
    edge = await startEdge();
  });
  afterEach(async () => {
    await outbox?.close();
    outbox = undefined;
    await edge.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (over: Partial<Parameters<typeof openOutbox>[0]> = {}) =>
    openOutbox({
      projectId: PROJECT,
      dir,
      edge: createEdgeApi({ edgeUrl: edge.url, token: 'tok' }),
      backoff: { baseMs: 20, maxMs: 100 },
      idlePollMs: 50,
      ...over,
    });

  it('removes events only after the 202, and keeps them across an outage and a restart', async () => {
    const metrics = createMetrics();
    outbox = await open({ metrics });
    const evs = events(12);
    await outbox.append(evs);

    edge.set({ status: 503 });
    expect(await outbox.drainOnce()).toMatchObject({ kind: 'retry' });
    expect(await outbox.depth()).toBe(12);
    edge.set({ status: 500 });
    expect(await outbox.drainOnce()).toMatchObject({ kind: 'retry' });
    edge.set({ status: 429, retryAfter: '1' });
    expect(await outbox.drainOnce()).toMatchObject({ kind: 'retry', retryAfterMs: 1000 });
    edge.set({ status: 401 });
    expect(await outbox.drainOnce()).toMatchObject({ kind: 'auth' });
    expect(await outbox.depth()).toBe(12);
    expect(edge.received).toHaveLength(0);
    expect(outbox.status().edge).toBe('unauthorized');

    // restart while the edge is still down
    await outbox.close();
    outbox = await open({ metrics });
    expect(await outbox.depth()).toBe(12);

    edge.set({ status: 202 });
    expect(await outbox.drainOnce()).toMatchObject({ kind: 'accepted' });
    expect(await outbox.depth()).toBe(0);
    expect(edge.received.map((e) => e.id)).toEqual(evs.map((e) => e.id));
    expect(edge.requests.every((r) => r.auth === 'Bearer tok')).toBe(true);
    expect(metrics.counter('spark_agent_outbox_sent_total').get()).toBe(12);

    // and nothing is resent after another restart
    await outbox.close();
    outbox = await open();
    expect(await outbox.drainOnce()).toBe('empty');
    expect(edge.received).toHaveLength(12);
  });

  it('drops (and counts) events the edge rejected as invalid, keeps going', async () => {
    outbox = await open();
    const evs = events(5);
    edge.set({ status: 202, rejectIds: new Set([evs[1]!.id, evs[3]!.id]) });
    await outbox.append(evs);
    await outbox.drainOnce();
    expect(await outbox.depth()).toBe(0);
    expect(outbox.status()).toMatchObject({ sent: 3, rejected: 2 });
    expect(edge.received.map((e) => e.id)).toEqual([evs[0]!.id, evs[2]!.id, evs[4]!.id]);
  });

  it('sends batches of at most 500 events', async () => {
    outbox = await open();
    await outbox.append(events(1200));
    outbox.start();
    expect(await outbox.waitDrained(10_000)).toBe(true);
    expect(edge.requests.map((r) => r.count)).toEqual([500, 500, 200]);
    expect(new Set(edge.received.map((e) => e.id)).size).toBe(1200);
  });

  it('retries with backoff while the edge is unreachable, then drains once it is back', async () => {
    await edge.close();
    outbox = await openOutbox({ projectId: PROJECT, dir, edge: createEdgeApi({ edgeUrl: edge.url, token: 'tok' }), backoff: { baseMs: 20, maxMs: 80 }, idlePollMs: 50 });
    const evs = events(30);
    outbox.start();
    await outbox.append(evs);
    const opened = outbox;
    await vi.waitFor(() => expect(opened.status().edge).toBe('unreachable'), { timeout: 5_000, interval: 20 });
    expect(await outbox.depth()).toBe(30);
    // the edge comes back on the same port
    const port = Number(new URL(edge.url).port);
    const received: string[] = [];
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: SparkEventV1[] };
      received.push(...body.events.map((e) => e.id));
      res.writeHead(202).end(JSON.stringify({ accepted: body.events.length, rejected: [] }));
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      outbox.kick();
      expect(await outbox.waitDrained(5000)).toBe(true);
      expect(received).toEqual(evs.map((e) => e.id));
    } finally {
      await outbox.close();
      outbox = undefined;
      await new Promise<void>((r) => server.close(() => r()));
      edge = { ...edge, close: async () => {} };
    }
  });

  it('keeps its files private', async () => {
    outbox = await open();
    await outbox.append(events(1));
    if (process.platform !== 'win32') {
      const data = readdirSync(dir).find((f) => f.endsWith('.jsonl'))!;
      expect(statSync(join(dir, data)).mode & 0o077).toBe(0);
    }
    expect(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.jsonl'))!), 'utf8')).toContain(SESSION);
  });
});


// postgres.js in workerd, as Spark's Worker uses it (a client per request), with
// patches/postgres+3.4.9.patch: connections are made as queries need them, up to max; a
// finished request's client is left to V8's young-generation GC instead of a full GC; and a
// closed client leaves no unhandled rejection behind.
// Before the patch each request's client (its five connections, its queues, the query and its
// rows) outlived the scavenges: they copied megabytes each, 10–40 ms on the Worker's one thread,
// most of the reads' p99. The causes, each found by bisecting a minimal Worker: a queue literal
// with its own getter, queueMicrotask, and the resolve/reject arrow functions each query stored
// on itself (a closure stored as a property of an existing object outside a constructor kept that
// object alive through scavenges in workerd; node 20's V8 frees it).
import { Miniflare } from 'miniflare';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestWorker } from '../support/build-test-worker';
import { startSessionPool, type SessionPool } from '../../scripts/pg-session-pool';
import { openInspector } from '../support/inspector';
import { freePort } from '../support/pg-cluster';
import { adminUrl } from '../support/test-db';

interface SamplingNode {
  selfSize: number;
  callFrame: { functionName: string };
  children: SamplingNode[];
}

let dir: string;
let pool: SessionPool;
let mf: Miniflare;
let url: string;
let inspectorPort: number;

const get = async (path: string) => {
  const res = await fetch(url + path);
  expect(res.status).toBe(200);
  return (await res.json()) as { pids: number[] };
};
/** Connections the pool served: each one a connection the Worker's client opened. */
const served = () => pool.stats().reused + pool.stats().opened;

beforeAll(async () => {
  dir = mkdtempSync(join(os.tmpdir(), 'spark-pg-worker-'));
  const scriptPath = await buildTestWorker('tests/support/postgres-client-worker.ts', dir);
  pool = await startSessionPool(adminUrl);
  inspectorPort = await freePort();
  mf = new Miniflare({
    name: 'pg-client',
    modules: true,
    scriptPath,
    modulesRoot: dir,
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat'],
    bindings: { DATABASE_URL: pool.url },
    host: '127.0.0.1',
    port: 0,
    inspectorPort,
  });
  url = (await mf.ready).toString().replace(/\/$/, '');
});

afterAll(async () => {
  await mf?.dispose();
  await pool?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('postgres.js in workerd, a client per request', () => {
  it('opens one connection for one query', async () => {
    const before = served();
    const { pids } = await get('/one');
    expect(pids).toHaveLength(1);
    expect(served() - before).toBe(1);
  });

  it('opens connections as concurrent queries need them, never more than max, and answers every query', async () => {
    const before = served();
    const { pids } = await get('/concurrent?n=3');
    expect(pids).toHaveLength(3);
    expect(new Set(pids).size).toBe(3);
    expect(served() - before).toBe(3);

    const again = served();
    const seven = await get('/concurrent?n=7');
    expect(seven.pids).toHaveLength(7);
    expect(new Set(seven.pids).size).toBe(5);
    expect(served() - again).toBe(5);
  });

  it('runs a transaction on a connection of its own beside a query outside it', async () => {
    const before = served();
    const { pids } = await get('/begin');
    expect(pids[0]).not.toBe(pids[1]);
    expect(served() - before).toBe(2);
  });

  it("leaves a finished request's client to the young generation's GC", async () => {
    for (let i = 0; i < 100; i++) await get('/one'); // warm: compiled code, a full new space
    const { call, close } = await openInspector(inspectorPort, 'pg-client');
    try {
      await call('HeapProfiler.enable');
      // Samples of objects that young-generation GCs freed are dropped; what remains outlived
      // them (freed by a full GC later, or alive still).
      await call('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
      const requests = 800;
      for (let i = 0; i < requests; i++) await get('/one');
      const { profile } = await call<{ profile: { head: SamplingNode } }>('HeapProfiler.stopSampling');
      const bytes = (n: SamplingNode): number => n.selfSize + n.children.reduce((s, c) => s + bytes(c), 0);
      /** Bytes allocated (at any depth) under a call of `fn`. */
      const under = (n: SamplingNode, fn: string): number =>
        n.callFrame.functionName === fn ? bytes(n) : n.children.reduce((s, c) => s + under(c, fn), 0);
      // Measured on a 2-core machine: 15–16 KiB a request with the patch (mostly the socket's own
      // objects, which workerd frees in a full GC), 22–24 KiB with the queries' closures, 54 KiB
      // without any of the patch.
      expect(bytes(profile.head) / requests).toBeLessThan(20 * 1024);
      // The connection's own objects: ~0.3 KiB a request with the patch, ~3 KiB when each query
      // kept its client, and so its connections, alive.
      expect(under(profile.head, 'Connection') / requests).toBeLessThan(1024);
    } finally {
      close();
    }
  });

  it('leaves no unhandled rejection when a client closes', async () => {
    for (let i = 0; i < 20; i++) await get('/one');
    // The socket's last read is cancelled by the close; unpatched, that became an 'error' event
    // nobody listened to, thrown out of the read loop: one unhandled rejection per client.
    const res = await fetch(url + '/unhandled-rejections');
    expect(await res.json()).toEqual({ count: 0 });
  });
});

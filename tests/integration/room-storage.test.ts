// A SessionRoom's storage in workerd (a SQLite-backed Durable Object, as deployed): the op store
// and the op proofs keep the last N operations with a few small keys per operation, never an
// array rewritten whole on each one (it was: 1,000 call ids, ~40 KB, per file-writing op), and a
// room written by the earlier layout keeps its history across the change.
import { Miniflare } from 'miniflare';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestWorker } from '../support/build-test-worker';
import type { OpDispatch, OpView } from '../../contracts/ws';

const PROOF_LIMIT = 20;
const RECENT_LIMIT = 10;

let dir: string;
let mf: Miniflare;
let url: string;

beforeAll(async () => {
  dir = mkdtempSync(join(os.tmpdir(), 'spark-room-storage-'));
  const scriptPath = await buildTestWorker('tests/support/room-storage-worker.ts', dir);
  mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: dir,
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat'],
    durableObjects: { STORE: { className: 'RoomStorage', useSQLite: true } },
    bindings: { PROOF_LIMIT, RECENT_LIMIT },
    host: '127.0.0.1',
    port: 0,
  });
  url = (await mf.ready).toString();
});

afterAll(async () => {
  await mf?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const call = async <T = unknown>(room: string, method: string, ...args: unknown[]): Promise<T> => {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify({ room, method, args }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { value: T }).value;
};
const callId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const proof = (n: number) => ({ projectId: 'p', op: 'apply_patch', path: `Assets/S${n}.cs` });
const dispatch = (n: number): OpDispatch => ({ t: 'op', callId: callId(n), sessionId: 's', op: { op: 'delete_script', path: `Assets/S${n}.cs` }, issuedAt: n, expiresAt: n + 1 });
const view = (n: number): OpView => ({ callId: callId(n), op: 'delete_script', state: 'queued', queuedAt: n, updatedAt: n });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("a session room's storage", () => {
  it(`keeps the proofs of the last ${PROOF_LIMIT} operations, a few small keys each`, async () => {
    const total = PROOF_LIMIT * 3 + 7;
    for (const n of range(1, total)) await call('proofs', 'remember', callId(n), proof(n));
    const kept = await call<Record<string, unknown>>('proofs', 'proofs', range(1, total).map(callId));
    expect(Object.keys(kept).sort()).toEqual(range(total - PROOF_LIMIT + 1, total).map(callId));
    expect(kept[callId(total)]).toEqual(proof(total));

    const keys = await call<Record<string, number>>('proofs', 'keys');
    // A proof and its place in the order per op kept, and the count: nothing else, nothing large.
    expect(Object.keys(keys)).toHaveLength(2 * PROOF_LIMIT + 1);
    expect(Math.max(...Object.values(keys))).toBeLessThan(200);
  });

  it(`keeps the views of the last ${RECENT_LIMIT} operations, oldest first, a few small keys each`, async () => {
    const total = RECENT_LIMIT * 4 + 3;
    for (const n of range(1, total)) await call('ops', 'enqueue', dispatch(n), view(n));
    const recent = await call<OpView[]>('ops', 'recent');
    expect(recent.map((v) => v.callId)).toEqual(range(total - RECENT_LIMIT + 1, total).map(callId));

    const keys = Object.keys(await call<Record<string, number>>('ops', 'keys'));
    expect(keys.filter((k) => k.startsWith('view:'))).toHaveLength(RECENT_LIMIT);
    expect(keys.filter((k) => k.startsWith('recent:'))).toHaveLength(RECENT_LIMIT);
    expect(keys).not.toContain('recent');
  });

  it('takes over a room written by the earlier layout (one array of call ids) and forgets its oldest first', async () => {
    // As the room wrote them before: the proofs and recent views of 8 ops, and their ids in arrays.
    const old = range(1, 8);
    const entries: Record<string, unknown> = { 'proof-ids': old.map(callId), recent: old.map(callId), seq: 8 };
    for (const n of old) {
      entries[`proof:${callId(n)}`] = proof(n);
      entries[`view:${callId(n)}`] = view(n);
    }
    await call('legacy', 'put', entries);
    await call('legacy', 'restart');
    expect((await call<OpView[]>('legacy', 'recent')).map((v) => v.callId)).toEqual(old.map(callId));

    const next = range(9, PROOF_LIMIT + 4);
    for (const n of next) {
      await call('legacy', 'remember', callId(n), proof(n));
      await call('legacy', 'enqueue', dispatch(n), view(n));
    }
    const all = range(1, PROOF_LIMIT + 4);
    expect(Object.keys(await call('legacy', 'proofs', all.map(callId))).sort()).toEqual(all.slice(-PROOF_LIMIT).map(callId));
    expect((await call<OpView[]>('legacy', 'recent')).map((v) => v.callId)).toEqual(all.slice(-RECENT_LIMIT).map(callId));
    const keys = Object.keys(await call<Record<string, number>>('legacy', 'keys'));
    expect(keys).not.toContain('proof-ids');
    expect(keys).not.toContain('recent');
    expect(keys.filter((k) => k.startsWith('view:'))).toHaveLength(RECENT_LIMIT);
    expect(keys.filter((k) => k.startsWith('proof:'))).toHaveLength(PROOF_LIMIT);
  });
});

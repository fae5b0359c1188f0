import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../edge/services/cursor';
import { splitEvents } from '../../edge/services/ingest';
import { retryDelaySeconds } from '../../workers/backoff';
import { isDatabaseUnavailable } from '../../workers/db-errors';
import { parseMessages } from '../../workers/persist-events';
import { functionCalls } from '../../workers/projections/index';
import { eventsFor, readCatalog } from '../../workers/projections/projection';
import { sendInBatches } from '../../workers/send-batches';
import { makeEvent } from '../support/api';

describe('retry backoff', () => {
  it('doubles per attempt, adds at most one base of jitter, and is capped', () => {
    expect(retryDelaySeconds(1, 2, 300, () => 0)).toBe(2);
    expect(retryDelaySeconds(2, 2, 300, () => 0)).toBe(4);
    expect(retryDelaySeconds(3, 2, 300, () => 0.999)).toBe(10);
    expect(retryDelaySeconds(20, 2, 300, () => 0.5)).toBe(300);
    expect(retryDelaySeconds(3, 0)).toBe(0);
  });
});

describe('database errors', () => {
  it('tells an unreachable database from a refused query', () => {
    expect(isDatabaseUnavailable({ code: 'ECONNREFUSED' })).toBe(true);
    expect(isDatabaseUnavailable({ code: '57P03', message: 'the database system is starting up' })).toBe(true);
    expect(isDatabaseUnavailable({ code: '08006' })).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: { code: 'CONNECTION_CLOSED' } }))).toBe(true);
    // workerd's connect() to a port nobody listens on (Postgres stopped).
    expect(isDatabaseUnavailable(new Error('Failed query', { cause: new Error('proxy request failed, cannot connect to the specified address') }))).toBe(true);
    expect(isDatabaseUnavailable({ code: '23514', message: 'no partition of relation "spark_events" found for row' })).toBe(false);
    expect(isDatabaseUnavailable({ code: '23505' })).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});

describe('event page cursors', () => {
  it('round-trip and refuse anything else', () => {
    const c = { at: '2026-11-24T10:00:00.123456Z', id: '0b9c1f5e-8f61-4c39-9a49-1d2f9e0c7a11' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(() => decodeCursor('garbage')).toThrow(/cursor/);
    expect(() => decodeCursor(Buffer.from('not-a-date|x').toString('base64url'))).toThrow(/cursor/);
  });
});

describe('ingest split', () => {
  it('keeps valid events in order and names each invalid one by index and field', () => {
    const a = makeEvent();
    const b = makeEvent();
    const { valid, rejected } = splitEvents([a, { ...b, kind: 'nope' }, 'text', b]);
    expect(valid.map((e) => e.id)).toEqual([a.id, b.id]);
    expect(rejected.map((r) => [r.index, r.error.path])).toEqual([
      [1, 'kind'],
      [2, ''],
    ]);
    expect(rejected.every((r) => r.error.code === 'invalid_event')).toBe(true);
  });
});

describe('sendInBatches', () => {
  it('respects 100 messages and ~256 KB per sendBatch, in order', async () => {
    const calls: unknown[][] = [];
    const queue = { sendBatch: async (msgs: { body: unknown }[]) => void calls.push(msgs.map((m) => m.body)) } as unknown as Queue<unknown>;
    await sendInBatches(queue, Array.from({ length: 250 }, (_, i) => ({ i })));
    expect(calls.map((c) => c.length)).toEqual([100, 100, 50]);
    calls.length = 0;
    const big = Array.from({ length: 10 }, (_, i) => ({ i, blob: 'x'.repeat(60_000) }));
    await sendInBatches(queue, big);
    expect(calls.length).toBeGreaterThan(2);
    for (const c of calls) expect(JSON.stringify(c).length).toBeLessThan(256_000);
    expect(calls.flat()).toEqual(big);
  });
});

describe('consumer parsing', () => {
  it('separates contract-breaking bodies and finds function calls in tool events', () => {
    const projectId = '0b9c1f5e-8f61-4c39-9a49-1d2f9e0c7a11';
    const tool = makeEvent({ kind: 'tool', type: 'tool.call', payload: { call_id: 'c1', name: 'create_script', status: 'started' } });
    // An outside tool reports a call in the public format under a type of its own.
    const foreign = makeEvent({ kind: 'tool', type: 'copilot.function_call', payload: { call_id: 'c2', name: 'search', status: 'succeeded' } });
    const plain = makeEvent();
    const parsed = parseMessages([tool, foreign, plain].map((event) => ({ body: { projectId, event, receivedAt: 1 } })).concat({ body: { hello: 1 } } as never));
    expect(parsed.map((p) => 'body' in p)).toEqual([true, true, true, false]);
    const bodies = parsed.flatMap((p) => ('body' in p ? [p.body] : []));
    const calls = [...functionCalls.rows(eventsFor(functionCalls, readCatalog(bodies).events)), ...functionCalls.foreignRows(bodies)];
    expect(calls).toEqual([
      { projectId, sessionId: tool.session_id, ts: tool.ts, call: expect.objectContaining({ call_id: 'c1', status: 'started' }) },
      { projectId, sessionId: foreign.session_id, ts: foreign.ts, call: expect.objectContaining({ call_id: 'c2', status: 'succeeded' }) },
    ]);
  });
});

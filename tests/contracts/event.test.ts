import { describe, it, expect } from 'vitest';
import {
  eventPackEnvelope,
  eventPackMessage,
  eventQueueMessage,
  functionCallPayload,
  sparkEventV1,
  type SparkEventV1,
} from '../../contracts/event';
import {
  MAX_EVENT_PAYLOAD_BYTES,
  MAX_EVENT_TS_SECONDS,
  MAX_EVENT_TYPE_LEN,
  MAX_SESSION_ID_LEN,
  MAX_SOURCE_LEN,
  MAX_TRACE_ID_LEN,
} from '../../contracts/limits';

const jsonBytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;

function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v: 1,
    id: crypto.randomUUID(),
    type: 'unity.script_generated',
    source: 'local-agent',
    kind: 'tool',
    ts: 1_714_000_000.123,
    session_id: 'sess-1',
    payload: { path: 'Assets/Player.cs', lines: 42 },
    ...overrides,
  };
}

function issueOf(value: unknown) {
  const r = sparkEventV1.safeParse(value);
  expect(r.success).toBe(false);
  return r.error!.issues[0]!;
}

/** A payload `{ d: <fill> }` whose JSON is exactly `bytes` long, filled with `unit` (1 or 2 bytes). */
function payloadOfBytes(bytes: number, unit: 'x' | 'é'): Record<string, string> {
  const overhead = jsonBytes({ d: '' });
  const fillBytes = bytes - overhead;
  const unitBytes = unit === 'x' ? 1 : 2;
  const fill = unit.repeat(Math.floor(fillBytes / unitBytes)) + 'x'.repeat(fillBytes % unitBytes);
  return { d: fill };
}

describe('sparkEventV1', () => {
  it('accepts a full event and keeps its fields', () => {
    const input = event({ trace_id: 'trace-9' });
    const parsed: SparkEventV1 = sparkEventV1.parse(input);
    expect(parsed).toEqual(input);
  });

  it('accepts every kind and rejects others', () => {
    for (const kind of ['message', 'tool', 'command', 'system']) {
      expect(sparkEventV1.safeParse(event({ kind })).success, kind).toBe(true);
    }
    expect(issueOf(event({ kind: 'log' })).path).toEqual(['kind']);
  });

  it('requires v to be 1', () => {
    expect(issueOf(event({ v: 2 })).path).toEqual(['v']);
    expect(issueOf(event({ v: '1' })).path).toEqual(['v']);
  });

  it('requires id to be a UUID', () => {
    expect(issueOf(event({ id: 'not-a-uuid' })).path).toEqual(['id']);
    expect(issueOf(event({ id: undefined })).path).toEqual(['id']);
  });

  it('rejects unknown top-level fields (typos surface)', () => {
    const issue = issueOf(event({ sessionId: 'x' }));
    expect(issue.code).toBe('unrecognized_keys');
  });

  describe('type', () => {
    it('accepts dotted lowercase names', () => {
      for (const type of ['unity.script_generated', 'build.progress', 'a.b.c', 'preview.frame', 'x1.2d']) {
        expect(sparkEventV1.safeParse(event({ type })).success, type).toBe(true);
      }
    });

    it('rejects names that are not dotted lowercase', () => {
      for (const type of ['unity', 'Unity.x', 'unity.', '.unity', 'unity..x', 'unity.Script', 'un-ity.x', '1unity.x', 'unity x.y', '']) {
        expect(sparkEventV1.safeParse(event({ type })).success, type).toBe(false);
      }
    });

    it(`accepts ${MAX_EVENT_TYPE_LEN} characters and rejects ${MAX_EVENT_TYPE_LEN + 1}`, () => {
      const atLimit = 'a.' + 'b'.repeat(MAX_EVENT_TYPE_LEN - 2);
      expect(atLimit.length).toBe(MAX_EVENT_TYPE_LEN);
      expect(sparkEventV1.safeParse(event({ type: atLimit })).success).toBe(true);
      expect(issueOf(event({ type: atLimit + 'b' })).path).toEqual(['type']);
    });
  });

  it.each([
    ['source', MAX_SOURCE_LEN],
    ['session_id', MAX_SESSION_ID_LEN],
    ['trace_id', MAX_TRACE_ID_LEN],
  ] as const)('%s: accepts %i characters, rejects one more and empty', (field, max) => {
    expect(sparkEventV1.safeParse(event({ [field]: 's'.repeat(max) })).success).toBe(true);
    const over = issueOf(event({ [field]: 's'.repeat(max + 1) }));
    expect(over.path).toEqual([field]);
    expect(over.message).toContain(String(max));
    expect(issueOf(event({ [field]: '' })).path).toEqual([field]);
  });

  it('trace_id is optional, source and session_id are not', () => {
    expect(sparkEventV1.safeParse(event()).success).toBe(true);
    expect(issueOf(event({ source: undefined })).path).toEqual(['source']);
    expect(issueOf(event({ session_id: undefined })).path).toEqual(['session_id']);
  });

  describe('ts', () => {
    it('accepts unix seconds with fractions, 0 and the upper bound', () => {
      for (const ts of [0, 1.5, Date.now() / 1000, MAX_EVENT_TS_SECONDS]) {
        expect(sparkEventV1.safeParse(event({ ts })).success, String(ts)).toBe(true);
      }
    });

    it('rejects negative, non-finite, strings and milliseconds', () => {
      for (const ts of [-0.001, NaN, Infinity, -Infinity, '1714000000', MAX_EVENT_TS_SECONDS + 1]) {
        expect(issueOf(event({ ts })).path, String(ts)).toEqual(['ts']);
      }
      expect(issueOf(event({ ts: Date.now() })).message).toContain('milliseconds');
    });
  });

  describe('payload', () => {
    it('accepts nested JSON objects, including an empty one', () => {
      for (const payload of [{}, { a: [1, 'two', null, true, { b: { c: [] } }] }]) {
        expect(sparkEventV1.safeParse(event({ payload })).success).toBe(true);
      }
    });

    it('rejects non-objects and non-JSON values', () => {
      for (const payload of [null, [], [1], 'x', 3, { a: undefined }, { a: NaN }, { a: new Date(0) }, { a: () => 1 }]) {
        const issue = issueOf(event({ payload }));
        expect(issue.path[0]).toBe('payload');
      }
    });

    it('rejects cyclic and BigInt payloads without throwing', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect(issueOf(event({ payload: cyclic })).message).toContain('JSON');
      expect(issueOf(event({ payload: { n: 1n } })).path).toEqual(['payload']);
    });

    it(`accepts exactly ${MAX_EVENT_PAYLOAD_BYTES} bytes and rejects ${MAX_EVENT_PAYLOAD_BYTES + 1}`, () => {
      const atLimit = payloadOfBytes(MAX_EVENT_PAYLOAD_BYTES, 'x');
      expect(jsonBytes(atLimit)).toBe(MAX_EVENT_PAYLOAD_BYTES);
      expect(sparkEventV1.safeParse(event({ payload: atLimit })).success).toBe(true);

      const over = payloadOfBytes(MAX_EVENT_PAYLOAD_BYTES + 1, 'x');
      expect(jsonBytes(over)).toBe(MAX_EVENT_PAYLOAD_BYTES + 1);
      const issue = issueOf(event({ payload: over }));
      expect(issue.path).toEqual(['payload']);
      expect(issue.message).toContain(String(MAX_EVENT_PAYLOAD_BYTES));
    });

    it('counts multibyte characters in bytes, not string length', () => {
      const atLimit = payloadOfBytes(MAX_EVENT_PAYLOAD_BYTES, 'é');
      expect(jsonBytes(atLimit)).toBe(MAX_EVENT_PAYLOAD_BYTES);
      expect(sparkEventV1.safeParse(event({ payload: atLimit })).success).toBe(true);

      const over = payloadOfBytes(MAX_EVENT_PAYLOAD_BYTES + 1, 'é');
      // Far fewer characters than the limit, yet one byte too many.
      expect(JSON.stringify(over).length).toBeLessThan(MAX_EVENT_PAYLOAD_BYTES * 0.6);
      expect(jsonBytes(over)).toBe(MAX_EVENT_PAYLOAD_BYTES + 1);
      expect(issueOf(event({ payload: over })).path).toEqual(['payload']);
    });
  });
});

describe('eventQueueMessage', () => {
  const message = (overrides: Record<string, unknown> = {}) => ({
    projectId: crypto.randomUUID(),
    event: event(),
    receivedAt: Date.now(),
    ...overrides,
  });

  it('accepts a project id, an event and a receive time in ms', () => {
    const input = message();
    expect(eventQueueMessage.parse(input)).toEqual(input);
  });

  it('rejects a bad project id, receive time or nested event', () => {
    const bad = (overrides: Record<string, unknown>) => eventQueueMessage.safeParse(message(overrides)).error?.issues[0]?.path;
    expect(bad({ projectId: 'p1' })).toEqual(['projectId']);
    expect(bad({ receivedAt: 1.5 })).toEqual(['receivedAt']);
    expect(bad({ receivedAt: -1 })).toEqual(['receivedAt']);
    expect(bad({ event: event({ payload: 'x' }) })).toEqual(['event', 'payload']);
    expect(bad({ extra: true })).toEqual([]);
  });
});

describe('eventPackMessage', () => {
  const pack = (overrides: Record<string, unknown> = {}) => ({
    v: 2,
    projectId: crypto.randomUUID(),
    receivedAt: Date.now(),
    producer: { kind: 'agent', tokenId: crypto.randomUUID() },
    verifiedOps: [1],
    events: [event(), event()],
    ...overrides,
  });

  it('accepts many events of one project, producer and arrival', () => {
    const input = pack();
    expect(eventPackMessage.parse(input)).toEqual(input);
    expect(eventPackMessage.safeParse(pack({ producer: undefined, verifiedOps: undefined, logged: true })).success).toBe(true);
  });

  it('rejects an empty pack, a bad event, a verified mark on the producer, and unknown fields', () => {
    const bad = (overrides: Record<string, unknown>) => eventPackMessage.safeParse(pack(overrides)).error?.issues[0]?.path;
    expect(bad({ events: [] })).toEqual(['events']);
    expect(bad({ events: [event(), event({ kind: 'banana' })] })).toEqual(['events', 1, 'kind']);
    expect(bad({ producer: { kind: 'agent', verifiedOp: true } })).toEqual(['producer']);
    expect(bad({ verifiedOps: [-1] })).toEqual(['verifiedOps', 0]);
    expect(bad({ v: 3 })).toEqual(['v']);
    expect(bad({ extra: true })).toEqual([]);
    // The consumer's reading leaves each event to be checked on its own.
    expect(eventPackEnvelope.safeParse(pack({ events: [event(), { nonsense: true }] })).success).toBe(true);
  });
});

describe('functionCallPayload', () => {
  const call = {
    call_id: 'c-1',
    name: 'generate_script',
    status: 'succeeded',
    args: { path: 'Assets/A.cs' },
    result: { ok: true },
    latency_ms: 120,
    started_at: 1_714_000_000,
    completed_at: 1_714_000_000.12,
  };

  it('accepts a call record and the minimal form', () => {
    expect(functionCallPayload.parse(call)).toEqual(call);
    expect(functionCallPayload.safeParse({ call_id: 'c', name: 'n', status: 'started' }).success).toBe(true);
  });

  it('accepts every status and rejects others', () => {
    for (const status of ['started', 'succeeded', 'failed', 'timeout']) {
      expect(functionCallPayload.safeParse({ ...call, status }).success).toBe(true);
    }
    expect(functionCallPayload.safeParse({ ...call, status: 'done' }).success).toBe(false);
  });

  it('validates ids, latency and timestamps', () => {
    expect(functionCallPayload.safeParse({ ...call, call_id: '' }).success).toBe(false);
    expect(functionCallPayload.safeParse({ ...call, call_id: 'c'.repeat(256) }).success).toBe(true);
    expect(functionCallPayload.safeParse({ ...call, call_id: 'c'.repeat(257) }).success).toBe(false);
    expect(functionCallPayload.safeParse({ ...call, name: 'n'.repeat(257) }).success).toBe(false);
    expect(functionCallPayload.safeParse({ ...call, latency_ms: -1 }).success).toBe(false);
    expect(functionCallPayload.safeParse({ ...call, latency_ms: 1.5 }).success).toBe(false);
    expect(functionCallPayload.safeParse({ ...call, started_at: Date.now() }).success).toBe(false);
    expect(functionCallPayload.safeParse({ ...call, args: ['x'] }).success).toBe(false);
  });

  it('is not strict: unknown keys are accepted (and dropped)', () => {
    const parsed = functionCallPayload.parse({ ...call, model: 'x' });
    expect(parsed).not.toHaveProperty('model');
  });

  it('fits inside a tool event payload', () => {
    expect(sparkEventV1.safeParse(event({ kind: 'tool', payload: call })).success).toBe(true);
  });
});

// splitPublicEvents takes a public event that has its own id and type as checked: it must then
// have passed exactly what SparkEventV1 checks.
describe('the public event with id and type', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['complete', {}],
    ['a trace id', { trace_id: 't-1' }],
    ['an unknown field', { sessionId: 's' }],
    ['a bad id', { id: 'not-a-uuid' }],
    ['an empty type', { type: '' }],
    ['a bad kind', { kind: 'nope' }],
    ['a NUL in session_id', { session_id: 'a\u0000b' }],
    ['a ts out of range', { ts: MAX_EVENT_TS_SECONDS + 1 }],
    ['an over-long source', { source: 'x'.repeat(MAX_SOURCE_LEN + 1) }],
    ['a payload that is not an object', { payload: [1, 2] }],
    ['an over-long trace id', { trace_id: 'x'.repeat(MAX_TRACE_ID_LEN + 1) }],
    ['v 2', { v: 2 }],
  ];
  it.each(cases)('is accepted by the public schema exactly when SparkEventV1 accepts it: %s', async (_, overrides) => {
    const { publicSparkEvent } = await import('../../contracts/public-event');
    const e = event(overrides);
    const pub = publicSparkEvent.safeParse(e);
    const full = sparkEventV1.safeParse(e);
    expect(pub.success).toBe(full.success);
    if (pub.success && full.success) expect(pub.data).toEqual(full.data);
  });
});

import { describe, expect, it } from 'vitest';
import { sparkEventV1 } from '../../contracts/event';
import { AGENT_EVENT_SOURCE, createEventFactory, InvalidEventError, makeEvent } from '../../local-agent/event-factory';

const SESSION = '0b7a3c1e-2f4d-4c8b-9a6e-1d2c3b4a5f60';

describe('event factory', () => {
  it('wraps a draft into a valid SparkEventV1', () => {
    const e = makeEvent({ type: 'unity.script_generated', kind: 'tool', payload: { path: 'Assets/A.cs' } }, { sessionId: SESSION });
    expect(sparkEventV1.parse(e)).toEqual(e);
    expect(e.v).toBe(1);
    expect(e.source).toBe(AGENT_EVENT_SOURCE);
    expect(e.session_id).toBe(SESSION);
    expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.trace_id).toBeUndefined();
  });

  it('stamps unix seconds (float), not milliseconds', () => {
    const f = createEventFactory({ now: () => 1_700_000_000_123 });
    const e = f.make({ type: 'build.progress', kind: 'system', payload: {} }, { sessionId: SESSION });
    expect(e.ts).toBeCloseTo(1_700_000_000.123, 3);
  });

  it('makes a fresh id each time', () => {
    const a = makeEvent({ type: 'preview.frame', kind: 'tool', payload: {} }, { sessionId: SESSION });
    const b = makeEvent({ type: 'preview.frame', kind: 'tool', payload: {} }, { sessionId: SESSION });
    expect(a.id).not.toBe(b.id);
  });

  it('carries a trace id from the context or the draft', () => {
    const e = makeEvent({ type: 'unity.started', kind: 'tool', payload: {} }, { sessionId: SESSION, traceId: 'call-1' });
    expect(e.trace_id).toBe('call-1');
    const d = makeEvent({ type: 'unity.started', kind: 'tool', payload: {}, trace_id: 'draft' }, { sessionId: SESSION, traceId: 'ctx' });
    expect(d.trace_id).toBe('draft');
  });

  it('rejects an invalid draft naming the field', () => {
    const f = createEventFactory();
    expect(() => f.make({ type: 'NotDotted', kind: 'tool', payload: {} }, { sessionId: SESSION })).toThrow(InvalidEventError);
    const r = f.tryMake({ type: 'unity.started', kind: 'bogus' as never, payload: {} }, { sessionId: SESSION });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.path).toBe('kind');
    const big = f.tryMake({ type: 'unity.started', kind: 'tool', payload: { s: 'x'.repeat(70_000) } }, { sessionId: SESSION });
    expect(big.ok).toBe(false);
    if (!big.ok) expect(big.error.message).toMatch(/payload/);
    const noSession = f.tryMake({ type: 'unity.started', kind: 'tool', payload: {} }, { sessionId: '' });
    expect(noSession.ok).toBe(false);
  });
});
